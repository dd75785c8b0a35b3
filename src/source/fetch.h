/* fetch: the X-Ray fetch engine.  Driven by the event loop, never blocks.
 *
 * A scan of a time window is cut into slices (fetch_slices()) that are
 * paged through GetTraceSummaries in parallel, newest first, so a long
 * window is not one long serial NextToken chain; summaries are merged into
 * the store by trace id.  When asked, every new summary's full trace is
 * fetched with BatchGetTraces, at most 5 ids per request, many requests in
 * flight on reused connections; UnprocessedTraceIds are asked again.
 * GetGroups and GetServiceGraph are fetched the same way; each hands its
 * result to the store when its last page is in (or it failed), replacing
 * the previous one (store_groups(), store_service_graph()).
 *
 * Every request is retried on its own: throttling (429 ThrottledException,
 * 400 ThrottlingException) until --retry-budget runs out, while an adaptive
 * rate limiter (aws/retry.h) slows all sending down; 5xx, connection
 * errors, timeouts, truncated or invalid replies up to max_attempts times;
 * both with exponential backoff and full jitter.  Expired temporary
 * credentials are refreshed and the request sent again once.  Bad
 * credentials, signatures, TLS failures and a rejected filter stop the
 * whole engine (fetch_aborted()).  Whatever could not be fetched is listed
 * by time slice or trace id (fetch_failure()). */
#ifndef XRTOP_SOURCE_FETCH_H
#define XRTOP_SOURCE_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/creds.h"
#include "aws/http.h"
#include "model/store.h"
#include "util/warn.h"
#include "xray/api.h"
#include "xray/decode.h"

#define FETCH_DEFAULT_CONCURRENCY 32
#define FETCH_DEFAULT_RETRY_BUDGET 120.0
#define FETCH_MAX_SLICES 64
#define FETCH_MIN_SLICE 60.0

struct fetch_opts {
	struct http *http;
	struct creds *creds;
	const char *endpoint; /* base URL without a trailing '/' */
	const char *region;
	bool direct;            /* endpoint on loopback: bypass proxies */
	const char *ca_file;    /* AWS_CA_BUNDLE, or NULL */
	int concurrency;        /* requests in flight; 0 = FETCH_DEFAULT_CONCURRENCY */
	double retry_budget;    /* seconds; 0 = FETCH_DEFAULT_RETRY_BUDGET */
	int max_attempts;       /* 0 = RETRY_DEFAULT_MAX_ATTEMPTS */
	double request_timeout; /* seconds; 0 = 60 */
	double slice;           /* seconds per slice; 0 = automatic */
};

struct fetch_scan_opts {
	double start, end;           /* epoch seconds */
	const char *time_range_type; /* NULL: the service's default */
	const char *filter;          /* FilterExpression, or NULL */
	long max_traces;             /* stop after this many summaries; -1 = all */
	bool fetch_traces;           /* BatchGetTraces for every new summary */
};

struct fetch_progress {
	unsigned long long scanned; /* TracesProcessedCount */
	size_t matched;             /* distinct summaries received */
	size_t fetched;             /* full traces received */
	size_t to_fetch;            /* traces asked for with BatchGetTraces */
	size_t limit_exceeded;      /* traces with LimitExceeded */
	size_t in_flight;
	size_t retrying;  /* requests waiting to be sent again */
	size_t throttled; /* throttling replies */
	size_t requests;  /* requests sent */
	size_t slices, slices_done;
	bool more_available; /* --max-traces stopped a scan with more to read */
	double send_rate;    /* requests/s allowed; INFINITY before any throttling */
};

struct fetch_failure {
	enum xray_op op;
	char *what; /* "GetTraceSummaries 2026-11-27T08:00Z..08:05Z", "BatchGetTraces 1-...,..." */
	char *why;  /* "ThrottledException after 2m of retries" */
	size_t count;      /* traces or slices it covers */
	double start, end; /* the time slice a GetTraceSummaries failure lost; else NAN */
};

struct fetch;

/* Whether the full trace of a new summary is wanted (NULL: all). */
typedef bool (*fetch_want_fn)(void *ctx, const struct xr_store_entry *e);
/* Each trace received, with its JSON text exactly as the service sent it. */
typedef void (*fetch_trace_fn)(void *ctx, const struct xr_store_entry *e, const char *json,
                               size_t len);

/* The engine, adding to store (and data warnings to warnings). */
struct fetch *fetch_new(const struct fetch_opts *o, struct xr_store *store,
                        struct xr_warnings *warnings);
/* Cancels what is in flight and frees. */
void fetch_free(struct fetch *f);
void fetch_set_hooks(struct fetch *f, fetch_want_fn want, fetch_trace_fn on_trace, void *ctx);

/* Queues a scan of [start, end). */
void fetch_scan(struct fetch *f, const struct fetch_scan_opts *o);
/* Queues BatchGetTraces for ids (those already asked for are skipped). */
void fetch_traces(struct fetch *f, const char *const *ids, size_t n);
/* Queues GetGroups (every page); the store gets the list (store_groups()). */
void fetch_get_groups(struct fetch *f);
/* Queues GetServiceGraph for [start, end) (every page), optionally for a
 * group; the store gets the graph (store_service_graph()). */
void fetch_get_service_graph(struct fetch *f, double start, double end, const char *group);

/* Sends what may be sent now.  Returns the seconds until it wants to run
 * again (INFINITY: only when a reply arrives). */
double fetch_tick(struct fetch *f);
/* True when nothing is queued or in flight. */
bool fetch_idle(const struct fetch *f);
const struct fetch_progress *fetch_progress(const struct fetch *f);
/* Non-NULL once a fatal error stopped everything. */
const char *fetch_aborted(const struct fetch *f);
size_t fetch_failure_count(const struct fetch *f);
const struct fetch_failure *fetch_failure(const struct fetch *f, size_t i);
/* The ids of the traces that could not be fetched (for --save). */
char *const *fetch_failed_ids(const struct fetch *f, size_t *n);
/* How many trace ids the engine remembers having asked BatchGetTraces for
 * (at most about twice what the store holds). */
size_t fetch_remembered(const struct fetch *f);
/* Queues the failed ids still in the store for BatchGetTraces again (they
 * leave the failed list until they fail again).  Returns how many. */
size_t fetch_retry_failed_traces(struct fetch *f);
/* True once GetGroups finished (successfully or not) and its list is in
 * the store. */
bool fetch_groups_done(const struct fetch *f);

/* Cuts [start, end) into slices of `slice` seconds (0: automatic, at
 * least FETCH_MIN_SLICE, at most FETCH_MAX_SLICES slices, whole seconds).
 * Fills bounds[0..n] (ascending, bounds[0] = start, bounds[n] = end) and
 * returns n.  Caller frees *bounds. */
size_t fetch_slices(double start, double end, double slice, double **bounds);
/* "2026-11-27T08:00Z..08:05Z" (seconds shown only when not whole minutes;
 * the end's date only when it differs). */
void fetch_window_text(double start, double end, char *out, size_t size);
/* "2m", "90s", "1m30s", "1.5s". */
void fetch_duration_text(double seconds, char *out, size_t size);

#endif
