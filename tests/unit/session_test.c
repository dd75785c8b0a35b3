/* session_test: the session as a front end sees it, with file sources and
 * no network: the order of events, the list (filter, sort, rows by trace
 * id), filter errors with their column, a file that cannot be read. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "session.h"
#include "tap.h"

struct seen {
	char kinds[64]; /* one letter per event */
	size_t n;
	size_t loaded_traces;
	char message[512];
	bool scan_interrupted;
	size_t filter_column;
};

static void
on_event(void *ctx, const struct session_event *ev)
{
	struct seen *s = ctx;
	static const char letters[] = "LWFAEPTSVX";
	if (s->n + 1 < sizeof s->kinds) {
		s->kinds[s->n++] = letters[ev->kind];
		s->kinds[s->n] = '\0';
	}
	if (ev->kind == SESSION_EVENT_LOADED) {
		s->loaded_traces += ev->load->traces;
		if (ev->message)
			snprintf(s->message, sizeof s->message, "%s", ev->message);
	}
	if (ev->kind == SESSION_EVENT_FILTER_ERROR && ev->filter_error)
		s->filter_column = ev->filter_error->column;
	if (ev->kind == SESSION_EVENT_SCAN_DONE)
		s->scan_interrupted = ev->interrupted;
}

static char *
data_path(const char *name)
{
	const char *dir = getenv("top_srcdir");
	size_t n = strlen(dir ? dir : "..") + strlen(name) + 32;
	char *p = malloc(n);
	snprintf(p, n, "%s/tests/data/%s", dir ? dir : "..", name);
	return p;
}

static struct session *
run_session(const char *const *loads, size_t n, const char *filter, struct seen *seen,
            struct loop **lp)
{
	struct session_settings set = {
	    .loads = loads,
	    .n_loads = n,
	    .since = 900,
	    .start = NAN,
	    .end = NAN,
	    .max_traces = -1,
	    .filter = filter,
	    .sort = SORT_DURATION,
	};
	struct xr_err err = {0};
	struct session *s = session_new(&set, &err);
	ok(s != NULL, "session_new with file sources");
	session_on_event(s, on_event, seen);
	ok(session_http(s) == NULL, "no HTTP client without the API source");
	struct loop *l = loop_new(NULL);
	*lp = l;
	if (session_start(s, l) == 0)
		loop_run(l, session_finished_fn, s, &err);
	return s;
}

static void
test_files(void)
{
	char *a = data_path("emulator-traces.json");
	char *b = data_path("devguide-batch.json");
	const char *loads[] = {a, b};
	struct seen seen = {0};
	struct loop *l;
	struct session *s = run_session(loads, 2, NULL, &seen, &l);
	ok(session_finished(s), "a files-only session finishes by itself");
	is_str(seen.kinds, "LLSX", "events: LOADED, LOADED, SCAN_DONE, FINISHED");
	size_t total = store_count(session_store(s));
	ok(total > 1 && seen.loaded_traces == total, "both files went into one store (%zu traces)",
	   total);
	struct tracelist tl;
	struct session_list_stats st;
	session_list(s, 0, &tl, &st);
	is_int(tl.n_rows, total, "every trace is listed without a filter");
	bool sorted = true;
	for (size_t i = 1; i < tl.n_rows; i++)
		sorted &= !(tl.rows[i - 1].summary->duration < tl.rows[i].summary->duration);
	ok(sorted, "sorted by the settings' key (duration, longest first)");
	const char *id = "1-59602603-23fc5b688855d396af79b496";
	long row = tracelist_find(&tl, id);
	ok(row >= 0 && strcmp(tl.rows[row].id, id) == 0,
	   "tracelist_find() finds a row by trace id");
	is_int(tracelist_find(&tl, "1-00000000-000000000000000000000000"), -1,
	       "and -1 for an unknown id");
	ok(session_find(s, id) == tl.rows[row].entry, "session_find() gives the same entry");
	tracelist_free(&tl);

	/* filters, set while the session holds its data */
	struct xr_filter_error fe;
	is_int(session_set_filter(s, "duration >= ", &fe), -1, "an invalid filter is refused");
	is_int(fe.column, 13, "with the column of the problem");
	ok(session_filter(s) == NULL, "the old (empty) filter stays");
	is_int(session_set_filter(s, "duration > 1", &fe), 0, "a valid filter is taken");
	is_str(session_filter_text(s), "duration > 1", "its normalised text");
	session_list(s, 0, &tl, &st);
	bool all = tl.n_rows > 0 && tl.n_rows < total;
	for (size_t i = 0; i < tl.n_rows; i++)
		all &= tl.rows[i].summary->duration > 1;
	ok(all, "the list holds only what matches (%zu of %zu)", tl.n_rows, total);
	tracelist_free(&tl);
	session_set_sort(s, SORT_START);
	is_int(session_sort(s), SORT_START, "the sort can change");
	session_list(s, total, &tl, NULL);
	is_int(tl.n_rows, 0, "nothing is listed from a sequence number past the end");
	tracelist_free(&tl);
	ok(!session_refresh(s), "no refresh without the API source");
	struct session_progress p = session_progress(s);
	ok(!p.busy && !p.live && p.last_error == NULL, "progress: idle, not live, no error");
	session_free(s);
	loop_free(l);
	free(a);
	free(b);
}

static void
test_bad_file_and_filter(void)
{
	const char *loads[] = {"/nonexistent/xrtop-test.json"};
	struct seen seen = {0};
	struct loop *l;
	struct session *s = run_session(loads, 1, NULL, &seen, &l);
	is_str(seen.kinds, "LSX", "a missing file is reported by its LOADED event");
	ok(strstr(seen.message, "/nonexistent/xrtop-test.json") != NULL, "which names the file: %s",
	   seen.message);
	session_free(s);
	loop_free(l);

	char *a = data_path("devguide-batch.json");
	const char *one[] = {a};
	struct seen bad = {0};
	s = run_session(one, 1, "responsetime >", &bad, &l);
	is_str(bad.kinds, "EX", "an invalid initial filter: FILTER_ERROR, FINISHED, nothing read");
	is_int(bad.filter_column, 15, "the error's column");
	is_int(store_count(session_store(s)), 0, "the file was not loaded");
	session_free(s);
	loop_free(l);
	free(a);
	session_free(NULL);
}

int
main(void)
{
	test_files();
	test_bad_file_and_filter();
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
