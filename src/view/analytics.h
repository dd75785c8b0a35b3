/* analytics: the response-time distribution of a set of traces and a
 * group-by table over them, as the X-Ray console's Analytics page shows.
 *
 * analytics_build() takes trace summaries (those that match the filter)
 * and a group key, and computes:
 *   - the distribution of their ResponseTime: p50/p90/p99 (nearest rank,
 *     model/stats.h), minimum, maximum and a histogram of at most
 *     ANALYTICS_HIST_BUCKETS buckets chosen from the data;
 *   - one group per value of the key, with its traces, share of all
 *     traces, error/fault/throttle rates (the summary's HasError and
 *     HasFault, which describe the root segment's 4xx/5xx, and HasThrottle,
 *     a 429 anywhere in the trace: a request throttled downstream that
 *     succeeded on a retry is throttled but not an error) and p50/p90/p99
 *     response time.
 * A trace with several values for the key (several users, services, root
 * causes or annotation values) counts once in each of their groups, so the
 * shares can add up to more than 100%.  Traces without any value form the
 * group "(none)", which always sorts last.  Traces without a response time
 * (in progress) count in every figure but the percentiles.
 *
 * Every group has the filter expression (filter-language.md) that selects
 * exactly its traces, ready for the filter bar.  Rendering draws into a
 * canvas; group names are untrusted text and go through the canvas.  Pure:
 * no terminal, no JSON library. */
#ifndef XRTOP_VIEW_ANALYTICS_H
#define XRTOP_VIEW_ANALYTICS_H

#include <stdbool.h>
#include <stddef.h>

#include "model/stats.h"
#include "model/summary.h"
#include "util/buf.h"
#include "util/err.h"
#include "view/canvas.h"

/* Most buckets the response-time histogram gets. */
#define ANALYTICS_HIST_BUCKETS 12

enum analytics_key_kind {
	ANALYTICS_KEY_ANNOTATION, /* annotation.KEY, annotation[KEY], annotation["K"] */
	ANALYTICS_KEY_HTTP_STATUS,
	ANALYTICS_KEY_HTTP_METHOD,
	ANALYTICS_KEY_HTTP_URL,
	ANALYTICS_KEY_SERVICE, /* every service (ServiceIds name) the trace reached */
	ANALYTICS_KEY_USER,
	ANALYTICS_KEY_RC_FAULT, /* the service names of the fault root causes */
	ANALYTICS_KEY_RC_ERROR,
	ANALYTICS_KEY_RC_RESPONSETIME,
};

/* Table columns, for sorting.  The % column sorts as ANALYTICS_COL_COUNT. */
enum analytics_column {
	ANALYTICS_COL_GROUP,
	ANALYTICS_COL_COUNT,
	ANALYTICS_COL_ERROR, /* rates, not counts */
	ANALYTICS_COL_FAULT,
	ANALYTICS_COL_THROTTLE,
	ANALYTICS_COL_P50,
	ANALYTICS_COL_P90,
	ANALYTICS_COL_P99,
	ANALYTICS_COLUMNS
};

struct analytics_group {
	bool none;             /* the traces without a value for the key */
	struct xr_value value; /* strings are owned by the analytics */
	size_t count;          /* traces in the group */
	size_t errors, faults, throttles;
	size_t timed;         /* traces with a response time */
	double p50, p90, p99; /* seconds; NAN when timed is 0 */
};

/* The response-time distribution of all the traces. */
struct analytics_dist {
	size_t traces;                  /* traces given to analytics_build() */
	size_t timed;                   /* ... of which have a response time */
	double min, max, p50, p90, p99; /* NAN when timed is 0 */
	double first, last;             /* earliest and latest start time, or NAN */
	struct stats_histogram hist;
};

struct analytics;

/* Checks a group key (as --group-by takes it); returns 0, or -1 with a
 * message that lists the valid forms. */
int analytics_key_check(const char *key, struct xr_err *err);

struct analytics *analytics_new(void);
void analytics_free(struct analytics *a);
/* Groups n summaries by key (replacing what a held); the sort order is
 * kept.  40,000 summaries or more are counted on several threads, all
 * joined before it returns (the summaries must not change meanwhile).
 * Returns 0, or -1 and fills err for a bad key. */
int analytics_build(struct analytics *a, const char *key, const struct xr_summary *const *sums,
                    size_t n, struct xr_err *err);
/* The key in its canonical form ("annotation.restaurantName", "http.status"). */
const char *analytics_key(const struct analytics *a);
enum analytics_key_kind analytics_key_kind(const struct analytics *a);
const struct analytics_dist *analytics_dist(const struct analytics *a);
size_t analytics_n_groups(const struct analytics *a);
/* The i-th group in the current sort order. */
const struct analytics_group *analytics_group(const struct analytics *a, size_t i);
/* Sorts the groups by col (descending or not); ties by traces (most
 * first), then by value.  The default is traces, descending. */
void analytics_sort(struct analytics *a, enum analytics_column col, bool descending);
enum analytics_column analytics_sort_column(const struct analytics *a, bool *descending);
/* Appends the text of the i-th group's value ("(none)" for the traces
 * without one); untrusted, sanitise before display. */
void analytics_group_text(const struct analytics *a, size_t i, struct buf *out);
/* Appends the filter expression that selects exactly the i-th group's
 * traces: annotation.restaurantName = "강남 맛집", http.status = 502,
 * service("Reservations"), rootcause.fault.service { name = "x" }, ... */
void analytics_group_filter(const struct analytics *a, size_t i, struct buf *out);

/* Appends seconds as short text: "0", "850us"/"850µs", "16.3ms", "1.06s". */
void analytics_format_seconds(double s, bool ascii, struct buf *out);

/* Rows analytics_render() needs to show everything. */
int analytics_height(const struct analytics *a);
/* Draws two summary lines (traces and their time span; the overall
 * percentiles), the histogram with p50/p90/p99 marked, and the
 * group table from group first_row on, with group `selected` (or none
 * when -1) highlighted and the sort column marked in the header.  The
 * histogram gets at most half the canvas when the table needs the rest.
 * Returns how many table rows fit. */
int analytics_render(const struct analytics *a, struct canvas *c, size_t first_row, long selected);
/* Draws the histogram into the w x h rectangle at (x, y) (one row per
 * bucket, fewer buckets merged when h is short); returns the rows used. */
int analytics_render_histogram(const struct analytics *a, struct canvas *c, int x, int y, int w,
                               int h);
/* Draws the header, the group rows from first_row and (when h >= 4) a
 * rule and the "all traces" row into the w x h rectangle at (x, y);
 * returns the group rows drawn. */
int analytics_render_table(const struct analytics *a, struct canvas *c, int x, int y, int w, int h,
                           size_t first_row, long selected);

#endif
