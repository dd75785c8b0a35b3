/* session: the one object a front end talks to.  It owns the sources (the
 * files and demo data given with --load/--demo, the X-Ray API source, and
 * the local receivers --listen (UDP, source/udp.h) and --listen-otlp
 * (OTLP/HTTP, source/otlp.h), whose sockets it watches in the loop),
 * the store they all feed, the compiled filter, the sort order and the time
 * window, and it is driven by the event loop (loop.h).  Sources never block
 * on the network and never print: what happens is reported as events
 * (session_on_event()) and can be read at any time (session_progress(),
 * session_list(), session_failure(), ...).  File and API sources combine:
 * files are loaded first, then the API window is scanned into the same
 * store.  With a refresh period the API source then scans
 * [end of the last scan, now) every period ("live" mode).
 *
 * A front end's life:
 *
 *     struct session *s = session_new(&settings, &err);   // config, region
 *     session_on_event(s, my_event_fn, me);
 *     struct loop *l = loop_new(session_http(s));
 *     loop_catch_signals(l, &err);
 *     if (session_start(s, l) == 0)
 *             loop_run(l, session_finished_fn, s, &err);  // or your own loop
 *     if (loop_interrupted(l))
 *             session_stop(s);
 *     session_free(s);  loop_free(l);
 *
 * Events are delivered from inside the loop (never from a signal handler or
 * another thread), in the order things happened; the event's pointers are
 * valid only during the callback.  Entries are never removed from the store
 * while the session runs, except by the --max-traces cap in live mode
 * (SESSION_EVENT_EVICTED); rows and selections are kept by trace id. */
#ifndef XRTOP_SESSION_H
#define XRTOP_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "filter/filter.h"
#include "model/store.h"
#include "model/svcgraph.h"
#include "util/buf.h"
#include "util/err.h"
#include "view/sort.h"
#include "view/tracelist.h"

struct loop;
struct http;

/* What to read and show.  Strings are copied by session_new(). */
struct session_settings {
	/* file sources, loaded in this order (the demo data first) */
	const char *const *loads; /* paths, "-" for standard input */
	size_t n_loads;
	bool demo;

	/* the X-Ray API source: used when api is true */
	bool api;
	const char *region;          /* NULL: the environment / profile */
	const char *profile;         /* NULL: AWS_PROFILE or "default" */
	const char *endpoint_url;    /* NULL: the region's endpoint */
	const char *group;           /* X-Ray group name or ARN whose filter applies, or NULL */
	double since;                /* window = [now - since, now) unless start/end set */
	double start, end;           /* epoch seconds, NAN when not set */
	const char *time_range_type; /* TraceId, Event, Service; NULL = service default */
	long max_traces;      /* summaries per scan, -1 = all; cap of the store in live mode */
	double retry_budget;  /* seconds; 0 = default */
	bool fetch_traces;    /* full traces for every summary the filter may match */
	bool service_graph;   /* ask GetServiceGraph for the window instead of scanning */
	double refresh;       /* seconds between live scans; 0 = one scan */
	long refreshes;       /* live scans after the first, -1 = until stopped */
	double overlap;       /* live scans start this many seconds before the last end */
	const char *trace_id; /* only this trace (BatchGetTraces), no window scan; or NULL */

	/* the local receivers: NULL = off, "" = the default address.  With one,
	 * the session is live: every `refresh` seconds (with refreshes as for
	 * the API) SCAN_DONE tells what arrived since the last one; without a
	 * refresh period it receives until session_stop(), which emits the one
	 * SCAN_DONE.  max_traces caps the store (oldest complete traces go). */
	const char *listen;      /* X-Ray daemon protocol (UDP), [HOST:]PORT */
	const char *forward;     /* pass every datagram on to this daemon, or NULL */
	const char *listen_otlp; /* OTLP/HTTP, [HOST:]PORT */

	/* what to show */
	const char *filter; /* X-Ray filter expression, or NULL */
	enum sort_key sort;
};

enum session_event_kind {
	/* a file source finished: .source, .load (counts), .message when it
	 * failed (the file could not be read or held nothing usable) */
	SESSION_EVENT_LOADED,
	/* a problem in the data (a malformed document, a bad reply field);
	 * the rest was used: .source (path or "api"), .message */
	SESSION_EVENT_WARNING,
	/* something could not be fetched after its retries: .failure */
	SESSION_EVENT_FAILURE,
	/* the API source stopped for good (a fatal reply, or no credentials
	 * found): .message (may span lines), and .hint (may be "") */
	SESSION_EVENT_ABORTED,
	/* the filter could not be compiled (e.g. after group resolution): .message
	 * is the expression and .filter_error says where and why, or, for an
	 * unknown --group, .filter_error is NULL and .message says it all; the
	 * session ends */
	SESSION_EVENT_FILTER_ERROR,
	/* progress changed (at most every 0.1 s while busy): session_progress() */
	SESSION_EVENT_PROGRESS,
	/* a full trace arrived from the API: .entry and .json/.json_len, the
	 * trace object exactly as the service sent it */
	SESSION_EVENT_TRACE,
	/* the first data is in (.scan = 0: the files loaded and, with the API
	 * source, the window scanned) or a live scan ended (.scan >= 1):
	 * .from_seq (entries with seq >= from_seq are new), .start/.end of the
	 * API window, .interrupted when session_stop() cut the scan short */
	SESSION_EVENT_SCAN_DONE,
	/* live mode: after a scan, the oldest entries (by start time) beyond
	 * --max-traces were removed from the store: .count */
	SESSION_EVENT_EVICTED,
	/* the session has nothing more to do (session_finished() is true) */
	SESSION_EVENT_FINISHED,
};

/* One thing that could not be fetched. */
struct session_failure {
	int op; /* enum xray_op (xray/api.h): summaries, traces, groups, graph */
	const char
	    *what;       /* "GetTraceSummaries 2026-11-27T08:00Z..08:05Z", "BatchGetTraces 1-..." */
	const char *why; /* "ThrottledException after 2m of retries (9 attempts)" */
	size_t count;    /* time slices or traces it covers */
};

struct session_load {
	size_t traces, summaries, documents, skipped;
};

struct session_event {
	enum session_event_kind kind;
	const char *source;  /* "api", a path, or "--demo" */
	const char *message; /* see the kinds */
	const char *hint;
	const struct session_failure *failure;
	const struct xr_filter_error *filter_error;
	const struct session_load *load;
	const struct xr_store_entry *entry;
	const char *json;
	size_t json_len;
	unsigned scan;
	size_t from_seq;
	size_t count;
	double start, end;
	bool interrupted;
};

typedef void (*session_event_fn)(void *ctx, const struct session_event *ev);

/* Progress of the sources, for a status line. */
struct session_progress {
	unsigned long long scanned; /* traces the service looked at */
	size_t matched;             /* summaries received */
	size_t fetched, to_fetch;   /* full traces received / asked for */
	size_t in_flight, retrying, throttled;
	double send_rate;    /* requests/s allowed; INFINITY before throttling */
	bool more_available; /* --max-traces stopped a scan with more to read */
	bool busy;           /* something is queued or in flight */
	bool live;           /* refreshes are scheduled */
	bool paused;
	double next_refresh;    /* monotonic time of the next live scan, NAN if none */
	const char *last_error; /* the latest failure or abort, or NULL */
	/* the local receivers */
	bool listening;
	unsigned long long received; /* documents and spans taken in */
	unsigned long long bad;      /* datagrams and requests refused or with problems */
	unsigned long long dropped;  /* datagrams the kernel dropped (buffer full) */
};

/* The time window of the API source. */
struct session_window {
	double start, end; /* epoch seconds of the last (or running) scan */
	double since;      /* the window's length when relative to now */
	bool relative;     /* true: [now - since, now) at each full scan */
};

struct session;

/* Opens the sources' configuration: profile, region, endpoint of the API
 * source when settings->api, and starts looking for its credentials.
 * Usage problems fail with XR_EUSAGE, credential problems that need no
 * network to find with XR_EAUTH (err.msg may span several lines); the
 * others come later as SESSION_EVENT_ABORTED.  Nothing is read yet.
 * Caller frees. */
struct session *session_new(const struct session_settings *settings, struct xr_err *err);
/* Stops everything and frees; NULL is a no-op. */
void session_free(struct session *s);
/* Registers fn for every event (several may be registered). */
void session_on_event(struct session *s, session_event_fn fn, void *ctx);
/* The HTTP client to give loop_new() (NULL without the API source). */
struct http *session_http(const struct session *s);
/* Compiles the filter and starts the sources in l (files load in the
 * loop's first turn).  Returns -1 after a SESSION_EVENT_FILTER_ERROR. */
int session_start(struct session *s, struct loop *l);
/* True when every source is done and no refresh is scheduled (the API
 * source still answers session_fetch_trace() and session_refresh()). */
bool session_finished(const struct session *s);
/* loop_run() "done" callback: session_finished(ctx). */
bool session_finished_fn(void *s);
/* Stops the sources (after an interrupt): what is in flight is dropped;
 * pending failures and a SCAN_DONE marked interrupted are emitted. */
void session_stop(struct session *s);

/* The store every source feeds. */
const struct xr_store *session_store(const struct session *s);
/* The service graph of the window (settings.service_graph), as the store
 * holds it (store_service_graph()), or NULL. */
const struct xr_service_graph *session_service_graph(const struct session *s);
struct svcmap;
/* The service map of what s holds: the service's GetServiceGraph when it
 * asked for one, else the full traces its filter matches (entries with
 * only a summary are counted in *summaries_only).  Caller frees. */
struct svcmap *session_service_map(const struct session *s, size_t *summaries_only);
/* Replaces the filter (NULL or "" = none).  Returns -1 with e filled
 * (message, column) when expr is not valid; the old filter stays.  The API
 * source sends the new one from its next scan on. */
int session_set_filter(struct session *s, const char *expr, struct xr_filter_error *e);
/* The filter in use, or NULL. */
const struct xr_filter *session_filter(const struct session *s);
/* The filter's normalised text ("" when none).  Valid until it changes. */
const char *session_filter_text(const struct session *s);
void session_set_sort(struct session *s, enum sort_key key);
enum sort_key session_sort(const struct session *s);

/* How the list was chosen. */
struct session_list_stats {
	size_t undecided; /* left out: the filter needs full traces only files lack */
	size_t disagreed; /* from the API but not matching the filter as read here */
};
/* Fills tl with the entries (seq >= from_seq) the filter matches, sorted;
 * entries from the API the filter cannot decide without their full trace
 * are kept (the service applied it).  stats may be NULL.  tl is valid
 * until the next turn of the loop; free it with tracelist_free(). */
void session_list(const struct session *s, size_t from_seq, struct tracelist *tl,
                  struct session_list_stats *stats);
/* session_list() of every entry through an index of the store that the
 * caller keeps between calls (tracelist_build_indexed()), for lists that
 * are rebuilt and sorted again often. */
void session_list_indexed(const struct session *s, struct tracelist_index *x, struct tracelist *tl,
                          struct session_list_stats *stats);
/* The entry of trace id, or NULL. */
const struct xr_store_entry *session_find(const struct session *s, const char *id);

/* Scans [end of the last scan, now) now, or the whole window again when
 * the window changed (also after the session finished: it then finishes
 * again after the scan); false while another scan runs, without the API
 * source, or once it stopped for good. */
bool session_refresh(struct session *s);
/* Pauses (true) or resumes live refreshes; scans in flight finish. */
void session_pause(struct session *s, bool paused);
/* Makes the window [now - since, now) (since > 0) or [start, end); the
 * next session_refresh() rescans it. */
void session_set_window(struct session *s, double since, double start, double end);
struct session_window session_window(const struct session *s);
/* Asks the API for the full trace of id (when not held yet). */
void session_fetch_trace(struct session *s, const char *id);
struct session_progress session_progress(const struct session *s);
/* "scanned 120  matched 40  fetched 3/40  in flight 5 ..." for a status line. */
void session_progress_text(const struct session_progress *p, struct buf *out);

/* One line per local receiver: what it received, refused and lost
 * ("--listen 127.0.0.1:2000: 120 datagrams, 118 documents, 2 bad, 0
 * dropped by the kernel"), for a final report.  Nothing without one. */
void session_listen_report(const struct session *s, struct buf *out);

/* Failures so far, in order (session_failure(s, i) for i < count). */
size_t session_failure_count(const struct session *s);
const struct session_failure *session_failure(const struct session *s, size_t i);
/* The ids of traces that could not be fetched (for --save). */
char *const *session_failed_ids(const struct session *s, size_t *n);
/* Non-NULL once the API source stopped for good. */
const char *session_aborted(const struct session *s);

#endif
