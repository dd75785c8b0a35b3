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

#include "filter/filter.h"
#include "filter/parser.h"

/* Evaluates n for summary s and, if not NULL, full trace t. */
enum filter_verdict eval_run(const struct fnode *n, const struct xr_summary *s,
                             const struct xr_trace *t);
/* True if some term of n needs the full trace in general. */
bool eval_needs_trace(const struct fnode *n);

#endif
