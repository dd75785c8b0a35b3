/* Unit tests for options_parse(): values, refusals with the option named,
 * and that one parse leaves nothing behind for the next (getopt_long()
 * keeps its place in a static). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "tap.h"
#include "util/xmalloc.h"

/* Every argument of every parse, freed at the end: a place getopt_long()
 * keeps from one parse to the next stays readable. */
static char *kept[256];
static size_t n_kept;

/* Parses the NULL-terminated arguments after "xrtop", each copied into
 * its own allocation. */
static int
parse(struct options *o, struct xr_err *err, const char *const *args)
{
	char *argv[32];
	int argc = 0;
	argv[argc++] = kept[n_kept++] = xstrdup("xrtop");
	for (; *args; args++)
		argv[argc++] = kept[n_kept++] = xstrdup(*args);
	argv[argc] = NULL;
	*err = (struct xr_err){0};
	return options_parse(o, argc, argv, err);
}

static void
test_values(void)
{
	struct options o;
	struct xr_err err;
	is_int(parse(&o, &err,
	             (const char *const[]){"-bUo", "ndjson", "--since", "1h30m", "--limit", "20",
	                                   "--retry-budget", "2m", NULL}),
	       0, "a cluster and values: accepted");
	ok(o.batch && o.ascii && o.output == OUTPUT_NDJSON, "a cluster: -b -U -o ndjson");
	is_num(o.since, 5400, "--since 1h30m");
	is_int(o.limit, 20, "--limit 20");
	is_num(o.retry_budget, 120, "--retry-budget 2m");
	options_free(&o);

	is_int(parse(&o, &err,
	             (const char *const[]){"--start", "2026-11-25T20:00:00Z", "--end",
	                                   "2026-11-25T21:00:00Z", NULL}),
	       0, "--start and --end: accepted");
	is_num(o.end_time - o.start_time, 3600, "--start and --end: one hour apart");
	options_free(&o);
}

static void
test_refusals(void)
{
	struct options o;
	struct xr_err err;
	is_int(parse(&o, &err, (const char *const[]){"--limit", "-3", NULL}), -1,
	       "--limit -3: refused");
	ok(strstr(err.msg, "--limit") != NULL, "--limit -3: the message names it (%s)", err.msg);
	options_free(&o);
	is_int(parse(&o, &err, (const char *const[]){"--sinse", "1h", NULL}), -1,
	       "--sinse: refused");
	ok(strstr(err.msg, "--since") != NULL, "--sinse: did you mean --since (%s)", err.msg);
	options_free(&o);
	is_int(parse(&o, &err,
	             (const char *const[]){"--end", "2026-11-25T20:00:00Z", "--start",
	                                   "2026-11-25T21:00:00Z", NULL}),
	       -1, "--end before --start: refused");
	options_free(&o);
}

/* getopt_long() keeps its place in a static: a refusal in the middle of a
 * cluster ("-bZx", Z unknown) must not carry into the next parse, whose
 * arguments are other allocations. */
static void
test_parse_again(void)
{
	struct options o;
	struct xr_err err;
	is_int(parse(&o, &err, (const char *const[]){"-bZx", NULL}), -1, "-bZx: refused");
	ok(strstr(err.msg, "-Z") != NULL, "-bZx: names -Z (%s)", err.msg);
	options_free(&o);
	is_int(parse(&o, &err, (const char *const[]){"--demo", NULL}), 0,
	       "--demo after -bZx: accepted (%s)", err.msg);
	ok(o.demo && !o.batch, "--demo after -bZx: only --demo");
	options_free(&o);
	is_int(parse(&o, &err, (const char *const[]){"-bZojson", NULL}), -1, "-bZojson: refused");
	options_free(&o);
	is_int(parse(&o, &err, (const char *const[]){"-C", NULL}), 0,
	       "-C after -bZojson: accepted (%s)", err.msg);
	ok(o.no_color && o.output == OUTPUT_TABLE, "-C after -bZojson: not -o json");
	options_free(&o);
}

/* ---- every option and conflict, by command line ---- */

static struct options o;
static struct xr_err err;

/* Parses "xrtop LINE" (words split at spaces); returns options_parse()'s result. */
static int
parse_line(const char *line)
{
	static char buf[1024];
	snprintf(buf, sizeof buf, "xrtop %s", line);
	char *argv[64];
	int argc = 0;
	for (char *t = strtok(buf, " "); t && argc < 63; t = strtok(NULL, " "))
		argv[argc++] = t;
	argv[argc] = NULL;
	options_free(&o);
	memset(&err, 0, sizeof err);
	return options_parse(&o, argc, argv, &err);
}

/* The line is refused with a usage error whose message contains want. */
static void
refused(const char *line, const char *want)
{
	int rc = parse_line(line);
	ok(rc < 0 && err.status == XR_EUSAGE && strstr(err.msg, want) != NULL, "refused: %s (%s)",
	   line, err.msg);
}

static void
test_defaults(void)
{
	is_int(parse_line(""), 0, "no options: parses");
	ok(o.since == 900 && isnan(o.start_time) && isnan(o.end_time),
	   "defaults: the last 15 minutes, no --start/--end");
	ok(o.limit == -1 && o.iterations == -1 && o.max_traces == -1 && o.delay == 0,
	   "defaults: no limit, no refresh");
	ok(o.output == OUTPUT_TABLE && o.sort == SORT_START && o.view == VIEW_TRACES,
	   "defaults: table, by start, the trace list");
	ok(o.retry_budget == 120 && o.overlap == 60, "defaults: retry budget 2m, overlap 1m");
	ok(!options_has_file_source(&o) && options_has_api_source(&o),
	   "defaults: the API is the source");
}

static void
test_valid(void)
{
	is_int(parse_line("-b -o json --sort duration --limit 5 -n 3 -d 2.5"), 0,
	       "batch options parse");
	ok(o.batch && o.output == OUTPUT_JSON && o.sort == SORT_DURATION && o.sort_set &&
	       o.limit == 5 && o.iterations == 3 && o.delay == 2.5,
	   "... each into its field");
	is_int(parse_line("--load a.json -l b.json --demo"), 0, "--load twice and --demo");
	ok(o.n_loads == 2 && strcmp(o.loads[0], "a.json") == 0 &&
	       strcmp(o.loads[1], "b.json") == 0 && o.demo,
	   "... the files in order, and the demo");
	ok(options_has_file_source(&o) && !options_has_api_source(&o),
	   "... file sources alone: no API");
	is_int(parse_line("--load a.json --region eu-west-1"), 0, "--load with --region");
	ok(options_has_file_source(&o) && options_has_api_source(&o),
	   "... an API option adds the API source");
	is_int(parse_line("--group-by http.status"), 0, "--group-by alone");
	ok(o.view == VIEW_ANALYTICS, "... means --view analytics");
	is_int(parse_line("--view timeline --trace 1-5f000000-00000000000000000000000a"), 0,
	       "--view timeline --trace ID");
	ok(o.view == VIEW_TIMELINE &&
	       strcmp(o.trace_id, "1-5f000000-00000000000000000000000a") == 0,
	   "... the trace id kept");
	is_int(parse_line("--listen"), 0, "--listen without an address");
	ok(o.listen && !*o.listen, "... the default address (\"\")");
	is_int(parse_line("--listen 2000 --forward 127.0.0.1:2001"), 0,
	       "--listen PORT as the next argument, with --forward");
	ok(strcmp(o.listen, "2000") == 0 && strcmp(o.forward, "127.0.0.1:2001") == 0,
	   "... both addresses kept");
	is_int(parse_line("--since=2h --max-traces=100 --retry-budget 30s --overlap 0"), 0,
	       "--option=value forms, --overlap 0");
	ok(o.since == 7200 && o.since_set && o.max_traces == 100 && o.retry_budget == 30 &&
	       o.overlap == 0,
	   "... 2h, 100, 30s and 0");
}

static void
test_times(void)
{
	is_int(parse_line("--since 90s"), 0, "--since 90s");
	ok(o.since == 90, "... 90 seconds");
	is_int(parse_line("--since 1d"), 0, "--since 1d");
	ok(o.since == 86400, "... one day");
	is_int(parse_line("--start 2026-11-27T08:00:00Z --end 2026-11-27T09:00:00Z"), 0,
	       "--start and --end in ISO 8601");
	ok(o.start_time == 1795766400 && o.end_time == 1795770000, "... as epoch seconds");
	is_int(parse_line("--start 1700000000 --end 1700003600.5"), 0,
	       "--start and --end in epoch seconds");
	ok(o.start_time == 1700000000 && o.end_time == 1700003600.5, "... kept to the fraction");
	refused("--since bogus", "--since: 'bogus' is not a duration");
	refused("-d -1", "-d: '-1' is not a duration");
	refused("--overlap x", "--overlap: 'x' is not a duration");
	refused("--retry-budget 0", "--retry-budget: '0' is not a duration");
	refused("--start yesterday", "--start: 'yesterday' is not a time");
	refused("--end 2026-13-01T00:00:00Z", "--end:");
	refused("--start 2026-11-27T09:00:00Z --end 2026-11-27T08:00:00Z",
	        "--end must be later than --start");
	refused("--start 2999-01-01T00:00:00Z", "--start is in the future");
}

static void
test_invalid(void)
{
	refused("--limit -1", "--limit: '-1' is not a whole number >= 0");
	refused("--limit 5x", "--limit: '5x' is not a whole number");
	refused("-n 0", "-n: '0' is not a whole number >= 1");
	refused("--max-traces 0", "--max-traces: '0' is not a whole number >= 1");
	refused("-o xml", "--output: 'xml' is not one of table, ndjson, json");
	refused("--sort size",
	        "--sort: 'size' is not one of start, duration, responsetime, status");
	refused("--view graph",
	        "--view: 'graph' is not one of traces, timeline, details, map, analytics");
	refused("--time-range-type Foo",
	        "--time-range-type: 'Foo' is not one of TraceId, Event, Service");
	refused("--width 20000", "--width: '20000' is more than 10000 columns");
	refused("--trace zz --view timeline", "--trace: 'zz' is not a trace or segment id");
	refused("--annotations a,b,c,d,e", "--annotations: at most 4 keys, not 5");
	refused("--bogus", "unknown option '--bogus'");
	refused("--lod x", "did you mean '--load'?");
	refused("-x", "unknown option '-x'");
	refused("--load", "option '--load' needs a value");
	refused("stray", "unexpected argument 'stray' (files are read with --load FILE)");
	/* the parser starts clean after an error in the middle of a word */
	is_int(parse_line("-bx"), -1, "-bx: x is unknown");
	is_int(parse_line("-b"), 0, "the next parse starts afresh");
	ok(o.batch && !o.help, "... with only its own options");
}

static void
test_conflicts(void)
{
	refused("--segment abc --view timeline", "--segment goes with --view details");
	refused("--trace 1-5f000000-00000000000000000000000a --view map",
	        "--trace goes with --view timeline or details");
	is_int(parse_line("--trace 1-5f000000-00000000000000000000000a"), 0, "--trace alone");
	ok(o.view == VIEW_TIMELINE, "... opens the timeline");
	is_int(parse_line("--segment 70de5b6f19ff9a0a"), 0, "--segment alone");
	ok(o.view == VIEW_DETAILS, "... opens the details");
	refused("--forward 127.0.0.1:2000", "--forward goes with --listen");
	refused("--listen --region us-east-1", "--listen receives traces locally");
	refused("--listen-otlp --since 1h", "--listen-otlp receives traces locally");
	refused("--view analytics --sort duration",
	        "--sort goes with the trace list, not --view analytics");
	refused("--view traces --group-by http.status", "--group-by goes with --view analytics");
}

int
main(void)
{
	test_values();
	test_refusals();
	test_parse_again();
	test_defaults();
	test_valid();
	test_times();
	test_invalid();
	test_conflicts();
	options_free(&o);
	while (n_kept)
		free(kept[--n_kept]);
	return tap_done();
}
