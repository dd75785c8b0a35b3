#include "config.h"

#include "filter/filter.h"

#include <stdatomic.h>
#include <string.h>

#include "filter/eval.h"
#include "filter/lexer.h"
#include "filter/parser.h"
#include "filter/rcjson.h"
#include "util/arena.h"
#include "util/parallel.h"
#include "util/utf8.h"
#include "util/i18n.h"

struct xr_filter {
	struct arena *arena; /* owns the tree */
	struct fnode *root;
	bool needs_trace;
	unsigned touches; /* enum eval_touch */
};

struct xr_filter *
filter_compile(const char *expr, xr_group_resolver resolver, void *ctx, struct xr_filter_error *err)
{
	struct arena *a = arena_new();
	size_t len = strnlen(expr, FILTER_MAX_LEN + 1);
	if (len > FILTER_MAX_LEN)
		len = strlen(expr);
	struct fnode *root = parser_parse(expr, len, a, resolver, ctx, err);
	if (!root) {
		arena_free(a);
		return NULL;
	}
	struct xr_filter *f = arena_alloc(a, sizeof *f);
	f->arena = a;
	f->root = root;
	f->needs_trace = eval_needs_trace(root);
	f->touches = eval_touches(root);
	return f;
}

void
filter_free(struct xr_filter *f)
{
	if (f)
		arena_free(f->arena);
}

enum filter_verdict
filter_eval(const struct xr_filter *f, const struct xr_summary *s, const struct xr_trace *t)
{
	return eval_run(f->root, s, t);
}

enum filter_verdict
filter_eval_summary(const struct xr_filter *f, const struct xr_summary *s)
{
	return eval_run(f->root, s, NULL);
}

int
filter_eval_trace(const struct xr_filter *f, const struct xr_trace *t)
{
	return eval_run(f->root, &t->summary, t) == FILTER_MATCH;
}

/* filter_eval_store() fetches an entry in STAGES steps, LAG entries apart:
 * the entry struct, its summary and trace structs, then the three
 * eval_prefetch() stages; it evaluates the entry LAG * STAGES entries after
 * the first fetch.  RING (a power of two above LAG * STAGES) holds the
 * entries in flight.  LAG 2 measured best on the benchmark machine. */
enum { LAG = 2, STAGES = 5, RING = 16 };

/* Stores of 2 * PER_THREAD entries or more are evaluated on several CPUs. */
enum { PER_THREAD = 25000, MAX_THREADS = 4, CHUNK = 4096 };

struct pending {
	const struct xr_summary *s;
	const struct xr_trace *t;
};

/* A filter_eval_store() call: threads take CHUNK entries at a time, so one
 * that is held up (another process on its CPU) delays the rest by one chunk
 * at most. */
struct pass {
	const struct xr_filter *f;
	const struct xr_store *store;
	enum filter_verdict *verdicts;
	size_t n;
	atomic_size_t next; /* first entry of the next chunk to take */
	atomic_size_t matches;
};

/* Evaluates entries [lo, hi) of the pass; returns the number of matches. */
static size_t
eval_range(struct pass *ps, size_t lo, size_t hi)
{
	const struct xr_filter *f = ps->f;
	const struct xr_store *store = ps->store;
	size_t n = hi - lo, matches = 0;
	struct pending ring[RING]; /* entries between their first fetch and evaluation */
	for (size_t i = 0; i < n + LAG * STAGES; i++) {
		if (i < n) /* stage 0: the entry struct */
			__builtin_prefetch(store_entry(store, lo + i));
		if (i >= LAG && i - LAG < n) { /* stage 1: its summary and trace */
			const struct xr_store_entry *e = store_entry(store, lo + i - LAG);
			struct pending *p = &ring[(i - LAG) % RING];
			p->s = store_entry_summary(e);
			p->t = e->trace;
			if (p->s && (f->touches & TOUCH_SUMMARY)) {
				/* Flags, times, HTTP and annotations are in the first 128 bytes. */
				__builtin_prefetch(p->s);
				__builtin_prefetch((const char *)p->s + 64);
				if (f->touches & TOUCH_SERVICE_IDS)
					__builtin_prefetch(&p->s->service_ids);
			}
			if (p->t && (f->touches & TOUCH_NODES))
				__builtin_prefetch(&p->t->nodes);
		}
		for (int stage = 0; stage < 3; stage++) {
			size_t back = (size_t)LAG * (size_t)(stage + 2);
			const struct pending *p = &ring[(i - back) % RING];
			if (i >= back && i - back < n && p->s)
				eval_prefetch(f->touches, stage, p->s, p->t);
		}
		if (i >= LAG * STAGES) {
			size_t k = i - LAG * STAGES;
			const struct pending *p = &ring[k % RING];
			enum filter_verdict v =
			    p->s ? eval_run(f->root, p->s, p->t) : FILTER_NO_MATCH;
			ps->verdicts[lo + k] = v;
			matches += v == FILTER_MATCH;
		}
	}
	return matches;
}

static void
eval_chunks(void *arg, unsigned worker)
{
	(void)worker;
	struct pass *ps = arg;
	size_t matches = 0, lo;
	while ((lo = atomic_fetch_add(&ps->next, CHUNK)) < ps->n)
		matches += eval_range(ps, lo, lo + CHUNK < ps->n ? lo + CHUNK : ps->n);
	atomic_fetch_add(&ps->matches, matches);
}

size_t
filter_eval_store(const struct xr_filter *f, const struct xr_store *store,
                  enum filter_verdict *verdicts)
{
	struct pass ps = {.f = f, .store = store, .verdicts = verdicts, .n = store_count(store)};
	atomic_init(&ps.next, 0);
	atomic_init(&ps.matches, 0);
	size_t threads = ps.n / PER_THREAD;
	if (threads > 1 && threads > parallel_workers())
		threads = parallel_workers();
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	/* The calling thread works too, and alone when none could start. */
	parallel_run(threads ? (unsigned)threads : 1, eval_chunks, &ps);
	return atomic_load(&ps.matches);
}

int
filter_needs_trace(const struct xr_filter *f)
{
	return f->needs_trace;
}

/* ---- normalisation ---- */

/* Binding strength of the context a node is printed in. */
enum { PREC_TOP, PREC_OR, PREC_AND, PREC_NOT };

static void
put_literal(struct buf *out, enum fop op, const struct flit *l)
{
	if (op == OP_SET)
		return;
	buf_putc(out, ' ');
	buf_puts(out, parser_op_text(op));
	buf_putc(out, ' ');
	switch (l->type) {
	case XR_VAL_STRING: buf_put_quoted(out, l->s); break;
	case XR_VAL_NUMBER: lexer_format_number(l->n, out); break;
	case XR_VAL_BOOL: buf_puts(out, l->b ? "true" : "false"); break;
	}
}

static void
put_ref(struct buf *out, const struct fref *r)
{
	if (!r->is_id) {
		if (r->name)
			buf_put_quoted(out, r->name);
		return;
	}
	const char *sep = "";
	buf_puts(out, "id(");
	if (r->name) {
		buf_puts(out, "name: ");
		buf_put_quoted(out, r->name);
		sep = ", ";
	}
	if (r->type) {
		buf_printf(out, "%stype: ", sep);
		buf_put_quoted(out, r->type);
		sep = ", ";
	}
	if (r->account) {
		buf_printf(out, "%saccount.id: ", sep);
		buf_put_quoted(out, r->account);
	}
	buf_putc(out, ')');
}

static void print_node(const struct fnode *n, int prec, struct buf *out);

static void
put_block(struct buf *out, const struct fnode *block)
{
	if (!block)
		return;
	buf_puts(out, " { ");
	print_node(block, PREC_TOP, out);
	buf_puts(out, " }");
}

static void
print_node(const struct fnode *n, int prec, struct buf *out)
{
	switch (n->kind) {
	case FN_AND:
	case FN_OR: {
		bool is_or = n->kind == FN_OR;
		bool paren = prec > (is_or ? PREC_OR : PREC_AND);
		if (paren)
			buf_putc(out, '(');
		for (unsigned i = 0; i < n->u.list.n; i++) {
			if (i)
				buf_puts(out, is_or ? " OR " : " AND ");
			print_node(n->u.list.kids[i], is_or ? PREC_OR : PREC_AND, out);
		}
		if (paren)
			buf_putc(out, ')');
		break;
	}
	case FN_NOT:
		buf_putc(out, '!');
		print_node(n->u.kid, PREC_NOT, out);
		break;
	case FN_TERM:
		buf_puts(out, keyword_of(n->u.term.field)->name);
		put_literal(out, n->u.term.op, &n->u.term.lit);
		break;
	case FN_ANNOTATION:
		if (lexer_is_key(n->u.ann.key, strlen(n->u.ann.key))) {
			buf_printf(out, "annotation.%s", n->u.ann.key);
		} else {
			buf_puts(out, "annotation[");
			buf_put_quoted(out, n->u.ann.key);
			buf_putc(out, ']');
		}
		put_literal(out, n->u.ann.op, &n->u.ann.lit);
		break;
	case FN_SERVICE:
		buf_puts(out, "service(");
		put_ref(out, &n->u.svc.a);
		buf_putc(out, ')');
		put_block(out, n->u.svc.block);
		break;
	case FN_EDGE:
		buf_puts(out, "edge(");
		put_ref(out, &n->u.svc.a);
		buf_puts(out, ", ");
		put_ref(out, &n->u.svc.b);
		buf_putc(out, ')');
		put_block(out, n->u.svc.block);
		break;
	case FN_ROOTCAUSE:
		buf_printf(out, "rootcause.%s.%s", parser_rc_kind_name(n->u.rc.kind),
		           parser_rc_level_name(n->u.rc.level));
		put_block(out, n->u.rc.block);
		break;
	case FN_RCJSON:
		buf_puts(out, "rootcause.json = #");
		rcjson_print(n->u.json, out);
		break;
	case FN_GROUP:
		buf_printf(out, "group.%s %s ", n->u.group.arn ? "arn" : "name",
		           n->u.group.negate ? "!=" : "=");
		buf_put_quoted(out, n->u.group.name);
		break;
	}
}

void
filter_normalize(const struct xr_filter *f, struct buf *out)
{
	print_node(f->root, PREC_TOP, out);
}

/* ---- error reports ---- */

/* Widest expression excerpt shown, and how much of it precedes the caret. */
#define SHOW_COLS 100
#define SHOW_BEFORE 60

static size_t
char_len(const char *s, size_t n)
{
	uint32_t cp;
	int l = utf8_decode(s, n, &cp);
	return l > 0 ? (size_t)l : 1;
}

void
filter_error_format(const char *expr, const struct xr_filter_error *e, unsigned flags,
                    struct buf *out)
{
	if (e->column > 0)
		buf_printf(out, _("column %zu: "), e->column);
	utf8_sanitize(out, e->message, strlen(e->message), flags);
	buf_putc(out, '\n');
	if (e->column > 0) {
		size_t len = strlen(expr), at = 0;
		for (size_t c = 1; c < e->column && at < len; c++)
			at += char_len(expr + at, len - at);
		/* Start far enough left that the caret stays within SHOW_BEFORE. */
		size_t start = 0, before = utf8_width(expr, at, flags);
		while (before > SHOW_BEFORE) {
			size_t l = char_len(expr + start, at - start);
			before -= utf8_width(expr + start, l, flags);
			start += l;
		}
		size_t end = start, cols = 0;
		while (end < len) {
			size_t l = char_len(expr + end, len - end);
			size_t w = utf8_width(expr + end, l, flags);
			if (cols + w > SHOW_COLS)
				break;
			cols += w;
			end += l;
		}
		buf_puts(out, "  ");
		if (start > 0)
			buf_puts(out, "...");
		utf8_sanitize(out, expr + start, end - start, flags);
		if (end < len)
			buf_puts(out, "...");
		buf_putc(out, '\n');
		size_t caret = before + (start > 0 ? 3 : 0);
		buf_puts(out, "  ");
		for (size_t i = 0; i < caret; i++)
			buf_putc(out, ' ');
		buf_puts(out, "^\n");
	}
	if (e->hint[0]) {
		buf_puts(out, _("hint: "));
		utf8_sanitize(out, e->hint, strlen(e->hint), flags);
		buf_putc(out, '\n');
	}
}
