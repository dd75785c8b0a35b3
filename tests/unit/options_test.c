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

int
main(void)
{
	test_values();
	test_refusals();
	test_parse_again();
	while (n_kept)
		free(kept[--n_kept]);
	return tap_done();
}
