#include "config.h"

#include "source/file.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/jsonscan.h"
#include "util/parallel.h"
#include "util/utf8.h"
#include "util/xmalloc.h"
#include "xray/decode.h"
#include "util/i18n.h"

/* Files larger than this are refused rather than exhausting memory. */
#define FILE_MAX_BYTES ((size_t)16 << 30)
/* Nesting deeper than this is refused (as the segment decoder does). */
#define FILE_MAX_DEPTH 1000
#define ITEMS_PER_GRAB 16

enum item_kind { ITEM_TRACE, ITEM_SUMMARY, ITEM_DOCUMENT };

/* A piece of the input to decode, and what decoding made of it. */
struct item {
	enum item_kind kind;
	const char *p, *end;
	size_t line;
	struct xr_trace *trace;     /* ITEM_TRACE, ITEM_DOCUMENT */
	struct xr_summary *summary; /* ITEM_SUMMARY */
	struct arena *arena;        /* owns summary */
	struct xr_warnings warnings;
};

/* Items live in fixed blocks that never move, so decoding threads can read
 * them while the cutting thread adds more. */
#define BLOCK_ITEMS 4096
#define MAX_BLOCKS (1u << 16)
/* The cutter stays at most this many items ahead of decoding, and decodes
 * itself when it is: memory holds little more than the model. */
#define CUT_AHEAD 512

struct loader {
	const char *name;
	const char *data, *end;
	struct item **blocks;    /* MAX_BLOCKS pointers, blocks made on demand */
	size_t n_items;          /* written by the cutting thread only */
	atomic_size_t published; /* items ready to decode */
	atomic_bool cut_done;
	atomic_size_t next;  /* first item no thread has taken yet */
	const char *line_at; /* line counting: where line `line` was seen */
	size_t line;
	struct xr_warnings *warnings;
	struct load_stats *stats;
	bool mapped; /* data is a read-only file mapping */
};

static struct item *
item_at(const struct loader *l, size_t i)
{
	return &l->blocks[i / BLOCK_ITEMS][i % BLOCK_ITEMS];
}

/* Gives back the pages of a file mapping that lie wholly in [from, to):
 * they are read again from the page cache if touched later, so a file
 * much larger than memory still loads, and peak memory is the model's. */
static void
release_pages(const struct loader *l, const char *from, const char *to)
{
	if (!l->mapped)
		return;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = ((uintptr_t)from + page - 1) & ~(page - 1), b = (uintptr_t)to & ~(page - 1);
	if (b > a)
		madvise((void *)a, b - a, MADV_DONTNEED);
}

static size_t
line_of(const struct loader *l, const char *p)
{
	size_t line = 1;
	for (const char *q = l->data; (q = memchr(q, '\n', (size_t)(p - q))); q++)
		line++;
	return line;
}

static void decode_some(struct loader *l, size_t first, size_t last);

static void
add_item(struct loader *l, enum item_kind kind, const char *p, const char *end)
{
	size_t i = l->n_items;
	if (i / BLOCK_ITEMS >= MAX_BLOCKS)
		return; /* over 268 million pieces: the file cap stops this first */
	if (!l->blocks[i / BLOCK_ITEMS])
		l->blocks[i / BLOCK_ITEMS] = xcalloc(BLOCK_ITEMS, sizeof(struct item));
	for (const char *q = l->line_at; (q = memchr(q, '\n', (size_t)(p - q))); q++)
		l->line++;
	l->line_at = p;
	*item_at(l, i) = (struct item){.kind = kind, .p = p, .end = end, .line = l->line};
	l->n_items = i + 1;
	atomic_store_explicit(&l->published, l->n_items, memory_order_release);
	/* Far enough ahead: decode some here rather than let the input pile
	 * up.  (A compare-and-swap, so only published items are taken.) */
	size_t next = atomic_load(&l->next);
	if (l->n_items > next + CUT_AHEAD &&
	    atomic_compare_exchange_strong(&l->next, &next, next + ITEMS_PER_GRAB))
		decode_some(l, next, next + ITEMS_PER_GRAB);
}

static void
warn_at(struct loader *l, const char *p, const char *what)
{
	if (warn_count(l->warnings) >= WARN_MAX)
		l->warnings->dropped++; /* skip counting lines for messages nobody sees */
	else
		warn_add(l->warnings, "%s:%zu: %s", l->name, line_of(l, p), what);
}

/* ---- cutting the text into items ---- */

/* What the members of one object say about what it is. */
struct object_scan {
	struct loader *l;
	bool response;    /* has Traces or TraceSummaries */
	bool lists_ok;    /* those lists were well-formed */
	bool unprocessed; /* UnprocessedTraceIds is not empty */
	const char *unprocessed_at;
	bool id, Id, segments, format, version;
};

static bool
key_is(const struct jsonscan_member *m, const char *key)
{
	return m->key_len == strlen(key) && memcmp(m->key, key, m->key_len) == 0;
}

static const char *
add_trace_item(void *ctx, const char *p, const char *end)
{
	const char *vend = jsonscan_value_end(p, end, FILE_MAX_DEPTH);
	if (vend)
		add_item(ctx, ITEM_TRACE, p, vend);
	return vend;
}

static const char *
add_summary_item(void *ctx, const char *p, const char *end)
{
	const char *vend = jsonscan_value_end(p, end, FILE_MAX_DEPTH);
	if (vend)
		add_item(ctx, ITEM_SUMMARY, p, vend);
	return vend;
}

/* Cuts a Traces or TraceSummaries list into items as the object is
 * scanned (so a large file is read once); returns one past the list, or
 * `end` after warning when the list is malformed or truncated. */
static const char *
cut_list(struct object_scan *o, const char *p, const char *end, enum item_kind kind,
         const char *what)
{
	const char *bad, *after;
	if (end - p >= 4 && memcmp(p, "null", 4) == 0)
		return p + 4;
	after = jsonscan_array(p, end, kind == ITEM_TRACE ? add_trace_item : add_summary_item, o->l,
	                       &bad);
	if (after)
		return after;
	char msg[160];
	snprintf(msg, sizeof msg,
	         _("\"%s\" is malformed or truncated here: the rest of it was skipped"), what);
	warn_at(o->l, bad, msg);
	o->l->stats->skipped++;
	o->lists_ok = false;
	return end;
}

static const char *
note_member(void *ctx, const struct jsonscan_member *m, const char *end)
{
	struct object_scan *o = ctx;
	if (key_is(m, "Traces")) {
		o->response = true;
		return cut_list(o, m->value, end, ITEM_TRACE, "Traces");
	}
	if (key_is(m, "TraceSummaries")) {
		o->response = true;
		return cut_list(o, m->value, end, ITEM_SUMMARY, "TraceSummaries");
	}
	if (key_is(m, "UnprocessedTraceIds") && *m->value == '[' &&
	    *jsonscan_skip_ws(m->value + 1, end) != ']') {
		o->unprocessed = true;
		o->unprocessed_at = m->value;
	} else if (key_is(m, "id")) {
		o->id = true;
	} else if (key_is(m, "Id")) {
		o->Id = true;
	} else if (key_is(m, "Segments")) {
		o->segments = true;
	} else if (key_is(m, "format")) {
		o->format = true;
	} else if (key_is(m, "version")) {
		o->version = true;
	}
	return NULL;
}

static void cut_value(struct loader *l, const char *p, const char *end);

static const char *
cut_array_element(void *ctx, const char *p, const char *end)
{
	const char *vend = jsonscan_value_end(p, end, FILE_MAX_DEPTH);
	if (vend)
		cut_value(ctx, p, vend);
	return vend;
}

/* Classifies one JSON value (a whole file, an NDJSON line or an array
 * element) and turns it into items. */
static void
cut_value(struct loader *l, const char *p, const char *end)
{
	const char *bad;
	if (*p == '[') {
		if (!jsonscan_array(p, end, cut_array_element, l, &bad)) {
			char deep[128];
			snprintf(deep, sizeof deep,
			         _("nested more than %d levels deep: the rest was skipped"),
			         FILE_MAX_DEPTH);
			warn_at(l, bad,
			        jsonscan_too_deep(p, end, FILE_MAX_DEPTH)
			            ? deep
			            : _("invalid JSON (truncated list?): the rest was skipped"));
			l->stats->skipped++;
		}
		return;
	}
	if (*p != '{') {
		warn_at(l, p, _("expected a JSON object or list: skipped"));
		l->stats->skipped++;
		return;
	}
	struct object_scan o = {.l = l, .lists_ok = true};
	bool complete = jsonscan_object(p, end, note_member, &o, &bad) != NULL;
	if (o.response) {
		l->stats->responses++;
		/* Even in a truncated response, every complete trace is kept. */
		if (!complete && o.lists_ok) {
			warn_at(l, bad, _("invalid JSON (truncated?): the rest was skipped"));
			l->stats->skipped++;
		}
		if (o.unprocessed)
			warn_at(l, o.unprocessed_at,
			        _("the response lists UnprocessedTraceIds: those traces are not in "
			          "the file"));
		return;
	}
	if (!complete)
		add_item(l, ITEM_DOCUMENT, p, end); /* cJSON will say what is wrong */
	else if (o.format && o.version && !o.id)
		; /* the X-Ray daemon's header line */
	else if (o.Id && o.segments)
		add_item(l, ITEM_TRACE, p, end);
	else if (o.Id)
		add_item(l, ITEM_SUMMARY, p, end);
	else
		add_item(l, ITEM_DOCUMENT, p, end);
}

/* NDJSON when the first line holds one whole value and more text follows. */
static bool
looks_like_ndjson(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl)
		return false;
	const char *vend = jsonscan_value_end(p, nl, FILE_MAX_DEPTH);
	return vend && jsonscan_skip_ws(vend, nl) == nl && jsonscan_skip_ws(nl, end) < end;
}

static void
cut_text(struct loader *l)
{
	const char *p = jsonscan_skip_ws(l->data, l->end);
	if (l->end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p = jsonscan_skip_ws(p + 3, l->end);
	if (looks_like_ndjson(p, l->end)) {
		while (p < l->end) {
			const char *nl = memchr(p, '\n', (size_t)(l->end - p));
			const char *eol = nl ? nl : l->end;
			const char *q = jsonscan_skip_ws(p, eol);
			if (q < eol)
				cut_value(l, q, eol);
			p = nl ? nl + 1 : l->end;
		}
		return;
	}
	if (p < l->end && *p != '{' && *p != '[') {
		warn_at(l, p, _("expected a JSON object or list: this is not X-Ray JSON"));
		l->stats->skipped++;
		return;
	}
	while (p < l->end) {
		const char *vend = jsonscan_value_end(p, l->end, FILE_MAX_DEPTH);
		if (vend == p) { /* a stray ',', '}' or ']' between values */
			warn_at(
			    l, p,
			    _("unexpected character between JSON values: the rest was skipped"));
			l->stats->skipped++;
			break;
		}
		cut_value(l, p, vend ? vend : l->end);
		if (!vend)
			break;
		p = jsonscan_skip_ws(vend, l->end);
	}
}

/* ---- decoding items, on several threads ---- */

/* "FILE:LINE:COLUMN" of a byte offset inside an item.  Not reentrant
 * across threads: uses a thread-local buffer. */
static const char *
position(const struct loader *l, const struct item *it, size_t offset)
{
	static _Thread_local char text[600];
	const char *at = it->p + offset;
	size_t line = it->line;
	const char *line_start = it->p;
	while (line_start > l->data && line_start[-1] != '\n')
		line_start--;
	for (const char *q = it->p; q < at; q++)
		if (*q == '\n') {
			line++;
			line_start = q + 1;
		}
	snprintf(text, sizeof text, "%s:%zu:%zu", l->name, line,
	         utf8_chars(line_start, (size_t)(at - line_start)) + 1);
	return text;
}

static void
decode_item(struct loader *l, size_t i)
{
	struct item *it = item_at(l, i), *r = it;
	size_t len = (size_t)(it->end - it->p);
	char where[600];
	snprintf(where, sizeof where, "%s:%zu", l->name, it->line);
	struct xr_err err = {0};
	switch (it->kind) {
	case ITEM_TRACE:
		r->trace = decode_trace_object(it->p, len, where, &r->warnings, &err);
		break;
	case ITEM_SUMMARY:
		r->arena = arena_new();
		r->summary = decode_trace_summary(it->p, len, r->arena, &err);
		if (!r->summary) {
			arena_free(r->arena);
			r->arena = NULL;
			xr_err_prefix(&err, "%s", where);
		}
		break;
	case ITEM_DOCUMENT:
		r->trace = trace_new_sized(NULL, len);
		if (!decode_segment_document(it->p, len, r->trace, &err)) {
			xr_err_prefix(&err, "%s", where);
		} else if (!r->trace->id[0]) {
			xr_err_set(&err, XR_EINPUT, _("%s: segment %s has no trace_id"), where,
			           r->trace->documents[0]->id);
		} else {
			return;
		}
		trace_free(r->trace);
		r->trace = NULL;
		break;
	}
	if (!r->trace && !r->summary) {
		if (err.has_offset) /* a JSON syntax error: say where in the file */
			warn_add(&r->warnings, _("%s: invalid JSON%s: skipped"),
			         position(l, it, err.offset),
			         err.offset >= len ? _(" (truncated?)") : "");
		else
			warn_add(&r->warnings, _("%s: skipped"), err.msg);
	}
}

/* Decodes items [first, last), clipped to what exists, and gives back
 * their pages. */
static void
decode_some(struct loader *l, size_t first, size_t last)
{
	size_t n = atomic_load_explicit(&l->published, memory_order_acquire);
	if (last > n)
		last = n;
	for (size_t i = first; i < last; i++)
		decode_item(l, i);
	if (first < last)
		release_pages(l, item_at(l, first)->p, item_at(l, last - 1)->end);
}

/* Takes ITEMS_PER_GRAB items at a time, waiting for the cutter when it
 * is behind, until every item is decoded. */
static void
decode_worker(void *arg, unsigned worker)
{
	struct loader *l = arg;
	if (worker == 0) {
		cut_text(l);
		atomic_store(&l->cut_done, true);
	}
	for (;;) {
		size_t first = atomic_fetch_add(&l->next, ITEMS_PER_GRAB);
		size_t last = first + ITEMS_PER_GRAB;
		for (;;) {
			bool done = atomic_load(&l->cut_done);
			size_t n = atomic_load_explicit(&l->published, memory_order_acquire);
			if (n >= last || done)
				break;
			sched_yield();
		}
		if (first >= atomic_load(&l->published))
			break;
		decode_some(l, first, last);
	}
	if (worker)
		decode_thread_done();
}

/* Cuts the text on this thread while the other processors decode. */
static void
cut_and_decode(struct loader *l)
{
	l->blocks = xcalloc(MAX_BLOCKS, sizeof *l->blocks);
	l->line_at = l->data;
	l->line = 1;
	atomic_init(&l->published, 0);
	atomic_init(&l->next, 0);
	atomic_init(&l->cut_done, false);
	/* Small inputs are not worth a thread. */
	unsigned workers = l->end - l->data < (1 << 20) ? 1 : parallel_workers();
	parallel_run(workers, decode_worker, l);
}

/* ---- adding results to the store ---- */

static int
cmp_trace_id(const void *a, const void *b)
{
	const struct item *x = *(struct item *const *)a;
	const struct item *y = *(struct item *const *)b;
	return strcmp(x->trace->id, y->trace->id);
}

/* Segment documents read one by one are grouped by trace id, finished
 * once per trace, then stored. */
static void
store_documents(struct loader *l, struct xr_store *store)
{
	struct item **docs = xmalloc((l->n_items + 1) * sizeof *docs);
	size_t n = 0;
	for (size_t i = 0; i < l->n_items; i++)
		if (item_at(l, i)->kind == ITEM_DOCUMENT && item_at(l, i)->trace)
			docs[n++] = item_at(l, i);
	qsort(docs, n, sizeof *docs, cmp_trace_id);
	for (size_t i = 0; i < n;) {
		struct xr_trace *t = docs[i]->trace;
		size_t j = i + 1;
		for (; j < n && strcmp(docs[j]->trace->id, t->id) == 0; j++)
			trace_merge(t, docs[j]->trace);
		trace_finish(t);
		store_add_trace(store, t);
		l->stats->traces++;
		l->stats->documents += j - i;
		i = j;
	}
	free(docs);
}

static void
store_results(struct loader *l, struct xr_store *store)
{
	for (size_t i = 0; i < l->n_items; i++) {
		struct item *r = item_at(l, i);
		/* Each warning of an item is a piece of it that was skipped. */
		l->stats->skipped += warn_count(&r->warnings);
		warn_move(l->warnings, &r->warnings);
		if (r->kind == ITEM_TRACE && r->trace) {
			store_add_trace(store, r->trace);
			l->stats->traces++;
		} else if (r->summary) {
			store_add_summary(store, r->summary, r->arena);
			l->stats->summaries++;
		}
	}
	store_documents(l, store);
}

static int
load_text(const char *name, const char *data, size_t len, bool mapped, struct xr_store *store,
          struct xr_warnings *warnings, struct load_stats *stats, struct xr_err *err)
{
	struct loader l = {.name = name,
	                   .data = data,
	                   .end = data + len,
	                   .warnings = warnings,
	                   .stats = stats,
	                   .mapped = mapped};
	size_t skipped_before = stats->skipped, responses_before = stats->responses;
	cut_and_decode(&l);
	size_t before = stats->traces + stats->summaries;
	store_results(&l, store);
	for (size_t b = 0; b < MAX_BLOCKS && l.blocks[b]; b++)
		free(l.blocks[b]);
	free(l.blocks);
	if (stats->traces + stats->summaries == before) {
		if (stats->skipped > skipped_before)
			return xr_err_set(err, XR_EINPUT, _("%s: nothing in it could be read"),
			                  name);
		if (stats->responses > responses_before)
			return 0; /* a valid response with nothing in it */
		return xr_err_set(err, XR_EINPUT, _("%s: no traces or trace summaries in it"),
		                  name);
	}
	return 0;
}

int
file_load_buffer(const char *name, const char *data, size_t len, struct xr_store *store,
                 struct xr_warnings *warnings, struct load_stats *stats, struct xr_err *err)
{
	return load_text(name, data, len, false, store, warnings, stats, err);
}

/* Refuses from its first bytes what cannot be X-Ray JSON, so /dev/zero or
 * a UTF-16 export is not read to the end: UTF-16 (a byte order mark, or a
 * NUL in the first two bytes), or a first character other than '{' or '['.
 * Returns 0 when the start looks right, 1 when only blanks were seen so
 * far, -1 with err. */
static int
check_start(const char *text, size_t n, struct xr_err *err)
{
	const unsigned char *u = (const unsigned char *)text;
	if (n >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF) ||
	               (u[0] && !u[1]) || (!u[0] && u[1])))
		return xr_err_set(
		    err, XR_EINPUT,
		    _("UTF-16 text: convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)"));
	size_t i = n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	while (i < n && strchr(" \t\r\n", text[i]) && text[i])
		i++;
	if (i == n)
		return 1;
	if (text[i] == '{' || text[i] == '[')
		return 0;
	if (u[i] == 0)
		return xr_err_set(err, XR_EINPUT,
		                  _("binary data (a NUL byte at byte %zu), not JSON text"), i + 1);
	if (u[i] >= 0x21 && u[i] < 0x7F)
		return xr_err_set(err, XR_EINPUT,
		                  _("not X-Ray JSON: it begins with '%c', not '{' or '['"), u[i]);
	return xr_err_set(err, XR_EINPUT,
	                  _("not X-Ray JSON: it begins with the byte 0x%02X, not '{' or '['"),
	                  u[i]);
}

/* Reads all of fd (a pipe or terminal) into a buffer, refusing what cannot
 * be JSON from its first bytes.  Caller frees. */
static char *
read_all(int fd, size_t *len, struct xr_err *err)
{
	size_t cap = 1 << 16, n = 0;
	char *data = xmalloc(cap);
	int start = 1;
	for (;;) {
		if (n == cap) {
			if (cap >= FILE_MAX_BYTES) {
				free(data);
				xr_err_set(err, XR_ELIMIT, _("input is larger than %zu GiB"),
				           FILE_MAX_BYTES >> 30);
				return NULL;
			}
			cap *= 2;
			data = xrealloc(data, cap);
		}
		ssize_t r = read(fd, data + n, cap - n);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			xr_err_set(err, XR_EIO, "%s", strerror(errno));
			free(data);
			return NULL;
		}
		n += (size_t)r;
		if (start == 1 && n >= 2 && (start = check_start(data, n, err)) < 0) {
			free(data);
			return NULL;
		}
	}
	*len = n;
	return data;
}

int
file_load(const char *path, struct xr_store *store, struct xr_warnings *warnings,
          struct load_stats *stats, struct xr_err *err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? _("(stdin)") : path;
	int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return xr_err_set(err, XR_EIO, "%s: %s", path, strerror(errno));
	struct stat st;
	void *map = NULL;
	char *data = NULL;
	size_t len = 0;
	int rc = -1;
	if (fstat(fd, &st) < 0) {
		xr_err_set(err, XR_EIO, "%s: %s", name, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		xr_err_set(err, XR_EIO, _("%s: is a directory"), name);
		goto out;
	}
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		if ((size_t)st.st_size > FILE_MAX_BYTES) {
			xr_err_set(err, XR_ELIMIT, _("%s: larger than %zu GiB"), name,
			           FILE_MAX_BYTES >> 30);
			goto out;
		}
		len = (size_t)st.st_size;
		map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			map = NULL;
			xr_err_set(err, XR_EIO, "%s: %s", name, strerror(errno));
			goto out;
		}
		madvise(map, len, MADV_SEQUENTIAL);
	} else if (!(data = read_all(fd, &len, err))) {
		xr_err_prefix(err, "%s", name);
		goto out;
	}
	if (len == 0) {
		xr_err_set(err, XR_EINPUT, _("%s: empty"), name);
		goto out;
	}
	if (map && check_start(map, len, err) < 0) {
		xr_err_prefix(err, "%s", name);
		goto out;
	}
	rc = load_text(name, map ? map : data, len, map != NULL, store, warnings, stats, err);
out:
	if (map)
		munmap(map, len);
	free(data);
	if (!is_stdin)
		close(fd);
	return rc;
}
