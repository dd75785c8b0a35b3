/* filter: compiled X-Ray filter expressions (filter-language.md).
 *
 * filter_compile() checks an expression once (syntax, types, scopes, group
 * references) and turns it into a tree that can be evaluated many times
 * without allocating.  A filter answers from a TraceSummary alone whenever
 * the summary holds what a term needs, and says FILTER_NEED_TRACE when only
 * the full trace can decide (service(...) { ... }, edge(...), inferred).
 * filter_normalize() prints the canonical text that is sent to AWS as
 * FilterExpression.  Errors carry a 1-based column in characters, a
 * message and, where one helps, a hint. */
#ifndef XRTOP_FILTER_FILTER_H
#define XRTOP_FILTER_FILTER_H

#include <stddef.h>

#include "filter/filtertypes.h"
#include "model/store.h"
#include "model/summary.h"
#include "model/trace.h"
#include "util/buf.h"
#include "util/err.h"

struct xr_filter;

/* Compiles expr; resolver may be NULL (then group.name/group.arn are
 * errors).  Returns NULL and fills err on failure.  Caller frees. */
struct xr_filter *filter_compile(const char *expr, xr_group_resolver resolver, void *ctx,
                                 struct xr_filter_error *err);
void filter_free(struct xr_filter *f);
/* Evaluates f with what is known of one trace: its summary s (required)
 * and its full trace t (NULL if not loaded).  Without t the answer may be
 * FILTER_NEED_TRACE; with t it is always a match or not. */
enum filter_verdict filter_eval(const struct xr_filter *f, const struct xr_summary *s,
                                const struct xr_trace *t);
/* filter_eval() from a summary alone. */
enum filter_verdict filter_eval_summary(const struct xr_filter *f, const struct xr_summary *s);
/* True if the full trace t (with its computed summary) matches. */
int filter_eval_trace(const struct xr_filter *f, const struct xr_trace *t);
/* filter_eval() for every entry of store, in store order: verdicts[i] for
 * store_entry(store, i), whose summary is store_entry_summary().  Much
 * faster than a loop of filter_eval() on a large store: it fetches the data
 * of later entries from memory while it evaluates earlier ones, and splits
 * stores of 50,000 entries and more between threads (util/parallel: up to
 * 4, at most parallel_workers()), all joined before it returns.  The store
 * must not change meanwhile.  verdicts holds store_count(store) elements; returns the
 * number of matches. */
size_t filter_eval_store(const struct xr_filter *f, const struct xr_store *store,
                         enum filter_verdict *verdicts);
/* True if some term of f cannot in general be answered from a summary. */
int filter_needs_trace(const struct xr_filter *f);
/* Appends the canonical text of f to out. */
void filter_normalize(const struct xr_filter *f, struct buf *out);
/* Appends a readable report of e for expr to out: "column N: message", the
 * expression (clipped around the column), a caret line placed in display
 * columns, and the hint.  Every line is sanitised with utf8 flags
 * (UTF8_ASCII or 0) and ends in '\n'. */
void filter_error_format(const char *expr, const struct xr_filter_error *e, unsigned flags,
                         struct buf *out);

#endif
