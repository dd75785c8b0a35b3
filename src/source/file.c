#include "config.h"

#include "source/file.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/jsonscan.h"
#include "util/utf8.h"
#include "util/xmalloc.h"
#include "xray/decode.h"

/* Files larger than this are refused rather than exhausting memory. */
#define FILE_MAX_BYTES ((size_t)16 << 30)
#define MAX_THREADS 8
#define ITEMS_PER_GRAB 16

enum item_kind { ITEM_TRACE, ITEM_SUMMARY, ITEM_DOCUMENT };

struct item {
	enum item_kind kind;
	const char *p, *end;
	size_t line;
};

struct item_result {
	struct xr_trace *trace;     /* ITEM_TRACE, ITEM_DOCUMENT */
	struct xr_summary *summary; /* ITEM_SUMMARY */
	struct arena *arena;        /* owns summary */
	struct xr_warnings warnings;
};

struct loader {
	const char *name;
	const char *data, *end;
	struct item *items;
	size_t n_items, cap_items;
	struct item_result *results;
	atomic_size_t next;
	struct xr_warnings *warnings;
	struct load_stats *stats;
};

static size_t
line_of(const struct loader *l, const char *p)
{
	size_t line = 1;
	for (const char *q = l->data; (q = memchr(q, '\n', (size_t)(p - q))); q++)
		line++;
	return line;
}

static void
add_item(struct loader *l, enum item_kind kind, const char *p, const char *end)
{
	XGROW(l->items, l->cap_items, l->n_items + 1);
	l->items[l->n_items++] = (struct item){kind, p, end, 0};
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

struct object_keys {
	struct jsonscan_member traces, summaries, unprocessed; /* value NULL when absent */
	bool id, Id, segments, format, version;
};

static bool
key_is(const struct jsonscan_member *m, const char *key)
{
	return m->key_len == strlen(key) && memcmp(m->key, key, m->key_len) == 0;
}

static int
note_key(void *ctx, const struct jsonscan_member *m)
{
	struct object_keys *k = ctx;
	if (key_is(m, "Traces"))
		k->traces = *m;
	else if (key_is(m, "TraceSummaries"))
		k->summaries = *m;
	else if (key_is(m, "UnprocessedTraceIds"))
		k->unprocessed = *m;
	else if (key_is(m, "id"))
		k->id = true;
	else if (key_is(m, "Id"))
		k->Id = true;
	else if (key_is(m, "Segments"))
		k->segments = true;
	else if (key_is(m, "format"))
		k->format = true;
	else if (key_is(m, "version"))
		k->version = true;
	return 0;
}

static int
add_trace_item(void *ctx, const char *p, const char *end)
{
	add_item(ctx, ITEM_TRACE, p, end);
	return 0;
}

static int
add_summary_item(void *ctx, const char *p, const char *end)
{
	add_item(ctx, ITEM_SUMMARY, p, end);
	return 0;
}

/* Cuts a Traces or TraceSummaries list into items; returns false (after
 * warning) when the list is malformed or truncated. */
static bool
cut_list(struct loader *l, const struct jsonscan_member *m, enum item_kind kind, const char *what)
{
	const char *bad;
	if (*m->value == 'n')
		return true; /* null */
	if (jsonscan_array(m->value, m->value_end,
	                   kind == ITEM_TRACE ? add_trace_item : add_summary_item, l, &bad))
		return true;
	char msg[160];
	snprintf(msg, sizeof msg, "\"%s\" is malformed or truncated here: the rest of it was skipped",
	         what);
	warn_at(l, bad, msg);
	l->stats->skipped++;
	return false;
}

static void cut_value(struct loader *l, const char *p, const char *end);

static int
cut_array_element(void *ctx, const char *p, const char *end)
{
	cut_value(ctx, p, end);
	return 0;
}

/* Classifies one JSON value (a whole file, an NDJSON line or an array
 * element) and turns it into items. */
static void
cut_value(struct loader *l, const char *p, const char *end)
{
	const char *bad;
	if (*p == '[') {
		if (!jsonscan_array(p, end, cut_array_element, l, &bad)) {
			warn_at(l, bad, "invalid JSON (truncated list?): the rest was skipped");
			l->stats->skipped++;
		}
		return;
	}
	if (*p != '{') {
		warn_at(l, p, "expected a JSON object or list: skipped");
		l->stats->skipped++;
		return;
	}
	struct object_keys k = {0};
	bool complete = jsonscan_object(p, end, note_key, &k, &bad) != NULL;
	bool response = k.traces.value || k.summaries.value;
	if (!complete && !response) {
		add_item(l, ITEM_DOCUMENT, p, end); /* cJSON will say what is wrong */
	} else if (response) {
		/* Even in a truncated response, every complete trace is kept. */
		bool lists_ok = true;
		if (k.traces.value)
			lists_ok &= cut_list(l, &k.traces, ITEM_TRACE, "Traces");
		if (k.summaries.value)
			lists_ok &= cut_list(l, &k.summaries, ITEM_SUMMARY, "TraceSummaries");
		if (!complete && lists_ok) {
			warn_at(l, bad, "invalid JSON (truncated?): the rest was skipped");
			l->stats->skipped++;
		}
		if (k.unprocessed.value && *k.unprocessed.value == '[' &&
		    *jsonscan_skip_ws(k.unprocessed.value + 1, k.unprocessed.value_end) != ']')
			warn_at(l, k.unprocessed.value,
			        "the response lists UnprocessedTraceIds: those traces are not in the file");
	} else if (k.format && k.version && !k.id) {
		/* the X-Ray daemon's header line */
	} else if (k.Id && k.segments) {
		add_item(l, ITEM_TRACE, p, end);
	} else if (k.Id) {
		add_item(l, ITEM_SUMMARY, p, end);
	} else {
		add_item(l, ITEM_DOCUMENT, p, end);
	}
}

/* NDJSON when the first line holds one whole value and more text follows. */
static bool
looks_like_ndjson(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl)
		return false;
	const char *vend = jsonscan_value_end(p, nl, 1000);
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
		warn_at(l, p, "expected a JSON object or list: this is not X-Ray JSON");
		l->stats->skipped++;
		return;
	}
	while (p < l->end) {
		const char *vend = jsonscan_value_end(p, l->end, 1000);
		cut_value(l, p, vend ? vend : l->end);
		if (!vend)
			break;
		p = jsonscan_skip_ws(vend, l->end);
	}
}

static void
number_lines(struct loader *l)
{
	size_t line = 1;
	const char *at = l->data;
	for (size_t i = 0; i < l->n_items; i++) {
		const char *p = l->items[i].p;
		if (p < at) { /* not in order: count from the start */
			line = 1;
			at = l->data;
		}
		for (const char *q = at; (q = memchr(q, '\n', (size_t)(p - q))); q++)
			line++;
		at = p;
		l->items[i].line = line;
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
	const struct item *it = &l->items[i];
	struct item_result *r = &l->results[i];
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
		r->trace = trace_new(NULL);
		if (!decode_segment_document(it->p, len, r->trace, &err)) {
			xr_err_prefix(&err, "%s", where);
		} else if (!r->trace->id[0]) {
			xr_err_set(&err, XR_EINPUT, "%s: segment %s has no trace_id", where,
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
			warn_add(&r->warnings, "%s: invalid JSON%s: skipped", position(l, it, err.offset),
			         err.offset >= len ? " (truncated?)" : "");
		else
			warn_add(&r->warnings, "%s: skipped", err.msg);
	}
}

static void *
decode_worker(void *arg)
{
	struct loader *l = arg;
	for (;;) {
		size_t first = atomic_fetch_add(&l->next, ITEMS_PER_GRAB);
		if (first >= l->n_items)
			return NULL;
		size_t last = first + ITEMS_PER_GRAB < l->n_items ? first + ITEMS_PER_GRAB : l->n_items;
		for (size_t i = first; i < last; i++)
			decode_item(l, i);
	}
}

static void
decode_items(struct loader *l)
{
	l->results = xcalloc(l->n_items + 1, sizeof *l->results);
	atomic_init(&l->next, 0);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n_threads = cpus > 1 ? (size_t)cpus : 1;
	if (n_threads > MAX_THREADS)
		n_threads = MAX_THREADS;
	if (l->n_items < 4 * ITEMS_PER_GRAB)
		n_threads = 1;
	pthread_t threads[MAX_THREADS];
	size_t started = 0;
	for (size_t t = 1; t < n_threads; t++)
		if (pthread_create(&threads[started], NULL, decode_worker, l) == 0)
			started++;
	decode_worker(l);
	for (size_t t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
}

/* ---- adding results to the store ---- */

static int
cmp_trace_id(const void *a, const void *b)
{
	const struct item_result *x = *(struct item_result *const *)a;
	const struct item_result *y = *(struct item_result *const *)b;
	return strcmp(x->trace->id, y->trace->id);
}

/* Segment documents read one by one are grouped by trace id, finished
 * once per trace, then stored. */
static void
store_documents(struct loader *l, struct xr_store *store)
{
	struct item_result **docs = xmalloc((l->n_items + 1) * sizeof *docs);
	size_t n = 0;
	for (size_t i = 0; i < l->n_items; i++)
		if (l->items[i].kind == ITEM_DOCUMENT && l->results[i].trace)
			docs[n++] = &l->results[i];
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
		struct item_result *r = &l->results[i];
		/* Each warning of an item is a piece of it that was skipped. */
		l->stats->skipped += warn_count(&r->warnings);
		warn_move(l->warnings, &r->warnings);
		if (l->items[i].kind == ITEM_TRACE && r->trace) {
			store_add_trace(store, r->trace);
			l->stats->traces++;
		} else if (r->summary) {
			store_add_summary(store, r->summary, r->arena);
			l->stats->summaries++;
		}
	}
	store_documents(l, store);
}

int
file_load_buffer(const char *name, const char *data, size_t len, struct xr_store *store,
                 struct xr_warnings *warnings, struct load_stats *stats, struct xr_err *err)
{
	struct loader l = {.name = name, .data = data, .end = data + len, .warnings = warnings,
	                   .stats = stats};
	size_t skipped_before = stats->skipped;
	cut_text(&l);
	number_lines(&l);
	decode_items(&l);
	size_t before = stats->traces + stats->summaries;
	store_results(&l, store);
	free(l.items);
	free(l.results);
	if (stats->traces + stats->summaries == before) {
		if (stats->skipped > skipped_before)
			return xr_err_set(err, XR_EINPUT, "%s: nothing in it could be read", name);
		return xr_err_set(err, XR_EINPUT, "%s: no traces or trace summaries in it", name);
	}
	return 0;
}

/* Reads all of fd (a pipe or terminal) into a buffer.  Caller frees. */
static char *
read_all(int fd, size_t *len, struct xr_err *err)
{
	size_t cap = 1 << 16, n = 0;
	char *data = xmalloc(cap);
	for (;;) {
		if (n == cap) {
			if (cap >= FILE_MAX_BYTES) {
				free(data);
				xr_err_set(err, XR_ELIMIT, "input is larger than %zu GiB",
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
	}
	*len = n;
	return data;
}

int
file_load(const char *path, struct xr_store *store, struct xr_warnings *warnings,
          struct load_stats *stats, struct xr_err *err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "(stdin)" : path;
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
		xr_err_set(err, XR_EIO, "%s: is a directory", name);
		goto out;
	}
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		if ((size_t)st.st_size > FILE_MAX_BYTES) {
			xr_err_set(err, XR_ELIMIT, "%s: larger than %zu GiB", name, FILE_MAX_BYTES >> 30);
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
		xr_err_set(err, XR_EINPUT, "%s: empty", name);
		goto out;
	}
	rc = file_load_buffer(name, map ? map : data, len, store, warnings, stats, err);
out:
	if (map)
		munmap(map, len);
	free(data);
	if (!is_stdin)
		close(fd);
	return rc;
}
