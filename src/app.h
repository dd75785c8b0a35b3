/* app: the program as a whole.  Turns options into sources feeding the
 * store, runs the front end, and reports problems on stderr (the only
 * module besides main.c that prints).  Returns the exit status. */
#ifndef XRTOP_APP_H
#define XRTOP_APP_H

#include "filter/filter.h"
#include "model/store.h"
#include "model/svcgraph.h"
#include "options.h"

enum app_exit { APP_EXIT_OK = 0, APP_EXIT_SOURCE = 1, APP_EXIT_USAGE = 2 };

/* Runs xrtop with parsed options; returns the process exit status. */
int app_run(const struct options *o);
/* Prints "xrtop: MESSAGE" on stderr with every unsafe character escaped. */
void app_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* For the sources' front halves (app_api.c): */
/* Prints the problems found in the traces' data on stderr. */
void app_report_problems(const struct xr_store *store);
/* Prints, in the --output format, the entries from the from-th on that
 * filter matches (all when NULL); those it cannot decide without their
 * full trace are left out and counted, or kept when keep_undecided (the
 * API already applied the filter).  Returns an exit status. */
int app_print_list(const struct options *o, const struct xr_store *store,
                   const struct xr_filter *filter, size_t from, bool keep_undecided);
/* --view map: prints the service map of graph (GetServiceGraph) when not
 * NULL, else of the full traces filter matches (all when NULL).  Returns
 * an exit status. */
int app_print_map(const struct options *o, const struct xr_store *store,
                  const struct xr_filter *filter, const struct xr_service_graph *graph);
/* Compiles the expression given to option `name` (group references through
 * resolver, which may be NULL); prints the error report (column, caret,
 * hint) and returns NULL when it is not valid.  Caller frees. */
struct xr_filter *app_compile_filter(const struct options *o, const char *name, const char *expr,
                                     xr_group_resolver resolver, void *ctx);
/* Runs the X-Ray API source (app_api.c); returns an exit status. */
int app_api_run(const struct options *o, struct xr_store *store);

#endif
