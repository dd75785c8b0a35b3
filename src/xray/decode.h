/* decode: X-Ray API replies to model objects: GetTraceSummaries and
 * BatchGetTraces pages into the store, GetGroups into struct xr_group
 * (model/group.h), error bodies.  Replies are read with cJSON (xray/ and
 * the credential readers in aws/ are its only users); segment documents
 * are decoded from util/jsonpull.h tokens (decode_segment.c).
 *
 * Decoding is strict about shapes (a field of the wrong type is reported,
 * never guessed) and lenient about content: a bad segment document is
 * reported through the warnings list and skipped while the rest loads.
 * Every function is safe to call from several threads at once. */
#ifndef XRTOP_XRAY_DECODE_H
#define XRTOP_XRAY_DECODE_H

#include <stdbool.h>
#include <stddef.h>

#include "model/group.h"
#include "model/store.h"
#include "model/summary.h"
#include "model/trace.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/warn.h"

/* Decodes one segment document into a segment allocated in t's arena and
 * adds it to t; field problems are recorded as t's problems.  Returns NULL
 * and fills err when the document is unusable (not JSON, no id). */
struct xr_segment *decode_segment_document(const char *json, size_t len, struct xr_trace *t,
                                           struct xr_err *err);

/* Decodes one element of BatchGetTraces' "Traces" array (JSON text) into a
 * finished trace.  Bad segment documents go to warnings.  Caller frees. */
struct xr_trace *decode_trace_object(const char *json, size_t len, const char *where,
                                     struct xr_warnings *warnings, struct xr_err *err);

/* Decodes one TraceSummary object (JSON text) into a summary allocated in a. */
struct xr_summary *decode_trace_summary(const char *json, size_t len, struct arena *a,
                                        struct xr_err *err);

/* What one page of a paginated response said besides its list. */
struct decode_page {
	char *next_token;        /* NULL on the last page; caller frees */
	long long processed;     /* TracesProcessedCount, -1 when absent */
	double approximate_time; /* ApproximateTime, NAN when absent */
	char **unprocessed;      /* UnprocessedTraceIds; caller frees each and the array */
	size_t n_unprocessed;
	size_t n_items;          /* summaries or traces added to the store */
	size_t n_limit_exceeded; /* traces with LimitExceeded */
};

void decode_page_free(struct decode_page *p);

/* Decodes a GetTraceSummaries response and adds its summaries to store. */
int decode_trace_summaries_response(const char *json, size_t len, struct xr_store *store,
                                    struct decode_page *page, struct xr_warnings *warnings,
                                    struct xr_err *err);
/* Decodes a BatchGetTraces response and adds its traces to store. */
int decode_batch_get_traces_response(const char *json, size_t len, struct xr_store *store,
                                     struct decode_page *page, struct xr_warnings *warnings,
                                     struct xr_err *err);

/* Decodes a GetGroups response, appending to *groups (group_list_free()
 * frees them). */
int decode_groups_response(const char *json, size_t len, struct xr_group **groups, size_t *n,
                           char **next_token, struct xr_err *err);

/* Releases per-thread decoding buffers; call when a decoding thread ends. */
void decode_thread_done(void);
/* The part of decode_thread_done() that belongs to decode_segment.c. */
void decode_segment_thread_done(void);

/* Reads the error code and message of an X-Ray error reply (body __type,
 * code, message/Message).  Either output may be NULL.  Caller frees. */
void decode_error_body(const char *json, size_t len, char **code, char **message);

#endif
