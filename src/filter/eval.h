/* eval: runs a parsed filter (parser.h) against one trace, in three-valued
 * logic: a term the summary cannot answer is "unknown" unless the full
 * trace is at hand, and AND/OR/! combine unknowns so that a definite answer
 * is given whenever the known terms already decide (fault AND service(..)
 * { .. } on a summary without a fault is "no").  Semantics follow
 * filter-language.md §6 and §10: trace-level keywords read the summary;
 * service(..) { f } needs one segment of the node to satisfy all of f;
 * edge(a, b) { f } looks at the callee segments of that edge; root-cause
 * blocks look at summary.root_causes.  Evaluation never allocates. */
#ifndef XRTOP_FILTER_EVAL_H
#define XRTOP_FILTER_EVAL_H

#include <stdbool.h>

#include "filter/filtertypes.h"
#include "filter/parser.h"
#include "model/summary.h"
#include "model/trace.h"

/* Evaluates n for summary s and, if not NULL, full trace t. */
enum filter_verdict eval_run(const struct fnode *n, const struct xr_summary *s,
                             const struct xr_trace *t);
/* True if some term of n needs the full trace in general. */
bool eval_needs_trace(const struct fnode *n);

/* What evaluating a tree reads beyond the summary and trace structs. */
enum eval_touch {
	TOUCH_ANNOTATIONS = 1u << 0, /* summary annotations */
	TOUCH_HTTP_URL = 1u << 1,
	TOUCH_HTTP_METHOD = 1u << 2,
	TOUCH_HTTP_USERAGENT = 1u << 3,
	TOUCH_HTTP_CLIENTIP = 1u << 4,
	TOUCH_SERVICE_IDS = 1u << 5, /* summary ServiceIds */
	TOUCH_NODES = 1u << 6,       /* trace nodes and their documents */
	TOUCH_SUMMARY = 1u << 7,     /* the summary struct's own fields */
};

/* The eval_touch flags of n. */
unsigned eval_touches(const struct fnode *n);
/* Asks the CPU to fetch, ahead of evaluation, what `touch` says will be read
 * for (s, t).  Stage 0 fetches the summary's and trace's arrays, stage 1
 * what they point to, stage 2 one level further; each stage needs the
 * previous one to have arrived to be of use, so callers space them out. */
void eval_prefetch(unsigned touch, int stage, const struct xr_summary *s, const struct xr_trace *t);

#endif
