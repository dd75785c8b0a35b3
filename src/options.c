#include "config.h"

#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "source/netaddr.h"
#include "util/i18n.h"
#include "util/strdist.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"
#include "view/analytics.h"
#include "view/tracelist.h"

enum {
	OPT_CHECK_FILTER = 256,
	OPT_DEMO,
	OPT_SORT,
	OPT_LIMIT,
	OPT_REGION,
	OPT_PROFILE,
	OPT_ENDPOINT_URL,
	OPT_GROUP,
	OPT_SINCE,
	OPT_START,
	OPT_END,
	OPT_TIME_RANGE_TYPE,
	OPT_SAVE,
	OPT_MAX_TRACES,
	OPT_RETRY_BUDGET,
	OPT_OVERLAP,
	OPT_DEBUG_LOG,
	OPT_ANNOTATIONS,
	OPT_VIEW,
	OPT_WIDTH,
	OPT_NO_MOUSE,
	OPT_TRACE,
	OPT_SEGMENT,
	OPT_LISTEN,
	OPT_LISTEN_OTLP,
	OPT_FORWARD,
	/* analytics */
	OPT_GROUP_BY,
};

static const struct option long_options[] = {
    {"batch", no_argument, NULL, 'b'},
    {"output", required_argument, NULL, 'o'},
    {"sort", required_argument, NULL, OPT_SORT},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"annotations", required_argument, NULL, OPT_ANNOTATIONS},
    {"view", required_argument, NULL, OPT_VIEW},
    {"width", required_argument, NULL, OPT_WIDTH},
    {"trace", required_argument, NULL, OPT_TRACE},
    {"segment", required_argument, NULL, OPT_SEGMENT},
    {"listen", optional_argument, NULL, OPT_LISTEN},
    {"listen-otlp", optional_argument, NULL, OPT_LISTEN_OTLP},
    {"forward", required_argument, NULL, OPT_FORWARD},
    /* analytics */
    {"group-by", required_argument, NULL, OPT_GROUP_BY},
    {"load", required_argument, NULL, 'l'},
    {"demo", no_argument, NULL, OPT_DEMO},
    {"filter", required_argument, NULL, 'f'},
    {"check-filter", required_argument, NULL, OPT_CHECK_FILTER},
    {"region", required_argument, NULL, OPT_REGION},
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"endpoint-url", required_argument, NULL, OPT_ENDPOINT_URL},
    {"group", required_argument, NULL, OPT_GROUP},
    {"since", required_argument, NULL, OPT_SINCE},
    {"start", required_argument, NULL, OPT_START},
    {"end", required_argument, NULL, OPT_END},
    {"time-range-type", required_argument, NULL, OPT_TIME_RANGE_TYPE},
    {"save", required_argument, NULL, OPT_SAVE},
    {"delay", required_argument, NULL, 'd'},
    {"iterations", required_argument, NULL, 'n'},
    {"max-traces", required_argument, NULL, OPT_MAX_TRACES},
    {"retry-budget", required_argument, NULL, OPT_RETRY_BUDGET},
    {"overlap", required_argument, NULL, OPT_OVERLAP},
    {"ascii", no_argument, NULL, 'U'},
    {"no-color", no_argument, NULL, 'C'},
    {"no-mouse", no_argument, NULL, OPT_NO_MOUSE},
    {"debug-log", required_argument, NULL, OPT_DEBUG_LOG},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static const char short_options[] = ":bo:l:f:d:n:UChV";

static int
parse_long(const char *name, const char *arg, long min, long *out, struct xr_err *err)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min)
		return xr_err_set(err, XR_EUSAGE, _("%s: '%s' is not a whole number >= %ld"), name,
		                  arg, min);
	*out = v;
	return 0;
}

struct choice {
	const char *name;
	int value;
};

static int
parse_choice(const char *name, const char *arg, const struct choice *choices, int *out,
             struct xr_err *err)
{
	char list[256] = "";
	for (const struct choice *c = choices; c->name; c++) {
		if (strcmp(arg, c->name) == 0) {
			*out = c->value;
			return 0;
		}
		strncat(list, c->name, sizeof list - strlen(list) - 3);
		if (c[1].name)
			strcat(list, ", ");
	}
	return xr_err_set(err, XR_EUSAGE, _("%s: '%s' is not one of %s"), name, arg, list);
}

static const struct choice output_choices[] = {
    {"table", OUTPUT_TABLE}, {"ndjson", OUTPUT_NDJSON}, {"json", OUTPUT_JSON}, {NULL, 0}};
static const struct choice sort_choices[] = {{"start", SORT_START},
                                             {"duration", SORT_DURATION},
                                             {"responsetime", SORT_RESPONSETIME},
                                             {"status", SORT_STATUS},
                                             {NULL, 0}};
static const struct choice view_choices[] = {{"traces", VIEW_TRACES},
                                             {"timeline", VIEW_TIMELINE},
                                             {"details", VIEW_DETAILS},
                                             {"map", VIEW_MAP},
                                             /* analytics */
                                             {"analytics", VIEW_ANALYTICS},
                                             {NULL, 0}};
static const struct choice range_choices[] = {
    {"TraceId", 0}, {"Event", 1}, {"Service", 2}, {NULL, 0}};

/* Names the long option nearest to an unknown one, for "did you mean". */
static const char *
nearest_option(const char *arg)
{
	const char *name = arg;
	while (*name == '-')
		name++;
	const char *names[sizeof long_options / sizeof *long_options];
	size_t n = 0;
	for (const struct option *o = long_options; o->name; o++)
		names[n++] = o->name;
	names[n] = NULL;
	return strdist_nearest(name, strcspn(name, "="), names);
}

static int
unknown_option(int argc, char **argv, int opt, struct xr_err *err)
{
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
	if (opt && opt != '?' && opt < 256 && !strchr(arg, '-'))
		return xr_err_set(err, XR_EUSAGE, _("unknown option '-%c'"), opt);
	if (optopt && optopt < 256 && arg[0] == '-' && arg[1] != '-')
		return xr_err_set(err, XR_EUSAGE, _("unknown option '-%c'"), optopt);
	const char *near = nearest_option(arg);
	if (near)
		return xr_err_set(err, XR_EUSAGE, _("unknown option '%s' (did you mean '--%s'?)"),
		                  arg, near);
	return xr_err_set(err, XR_EUSAGE, _("unknown option '%s'"), arg);
}

static int
parse_one(struct options *o, int opt, const char *arg, struct xr_err *err)
{
	int choice;
	double secs;
	switch (opt) {
	case 'b': o->batch = true; break;
	case 'o':
		if (parse_choice("--output", arg, output_choices, &choice, err) < 0)
			return -1;
		o->output = (enum output_format)choice;
		break;
	case OPT_SORT:
		if (parse_choice("--sort", arg, sort_choices, &choice, err) < 0)
			return -1;
		o->sort = (enum sort_key)choice;
		o->sort_set = true;
		break;
	case OPT_LIMIT: return parse_long("--limit", arg, 0, &o->limit, err);
	case 'l':
		o->loads = xreallocarray(o->loads, o->n_loads + 1, sizeof *o->loads);
		o->loads[o->n_loads++] = arg;
		break;
	case OPT_DEMO: o->demo = true; break;
	case 'f': o->filter = arg; break;
	case OPT_CHECK_FILTER: o->check_filter = arg; break;
	case OPT_REGION: o->region = arg; break;
	case OPT_PROFILE: o->profile = arg; break;
	case OPT_ENDPOINT_URL: o->endpoint_url = arg; break;
	case OPT_GROUP: o->group = arg; break;
	case OPT_SINCE:
		if (timefmt_parse_duration(arg, &o->since, err) < 0) {
			xr_err_prefix(err, "--since");
			return -1;
		}
		o->since_set = true;
		break;
	case OPT_START:
	case OPT_END:
		if (timefmt_parse_time(arg, opt == OPT_START ? &o->start_time : &o->end_time, err) <
		    0) {
			xr_err_prefix(err, "%s", opt == OPT_START ? "--start" : "--end");
			return -1;
		}
		break;
	case OPT_TIME_RANGE_TYPE:
		if (parse_choice("--time-range-type", arg, range_choices, &choice, err) < 0)
			return -1;
		o->time_range_type = range_choices[choice].name;
		break;
	case OPT_SAVE: o->save = arg; break;
	case 'd':
		if (timefmt_parse_duration(arg, &o->delay, err) < 0) {
			xr_err_prefix(err, "-d");
			return -1;
		}
		break;
	case 'n': return parse_long("-n", arg, 1, &o->iterations, err);
	case OPT_MAX_TRACES: return parse_long("--max-traces", arg, 1, &o->max_traces, err);
	case OPT_RETRY_BUDGET:
		if (timefmt_parse_duration(arg, &secs, err) < 0) {
			xr_err_prefix(err, "--retry-budget");
			return -1;
		}
		o->retry_budget = secs;
		break;
	case OPT_OVERLAP:
		if (strcmp(arg, "0") == 0) {
			o->overlap = 0; /* live scans ask only for what follows the last */
		} else if (timefmt_parse_duration(arg, &o->overlap, err) < 0) {
			xr_err_prefix(err, "--overlap");
			return -1;
		}
		break;
	case 'U': o->ascii = true; break;
	case 'C': o->no_color = true; break;
	case OPT_NO_MOUSE: o->no_mouse = true; break;
	case OPT_DEBUG_LOG: o->debug_log = arg; break;
	case OPT_ANNOTATIONS: {
		size_t keys = 0;
		for (const char *k = arg; *k; k += strcspn(k, ","), k += *k == ',')
			keys += k[0] != ',';
		if (keys > TRACELIST_MAX_ANNOTATIONS)
			return xr_err_set(
			    err, XR_EUSAGE,
			    _("--annotations: at most %d keys, not %zu (the table has room "
			      "for %d columns of them)"),
			    TRACELIST_MAX_ANNOTATIONS, keys, TRACELIST_MAX_ANNOTATIONS);
		o->annotations = arg;
		break;
	}
	case OPT_VIEW:
		if (parse_choice("--view", arg, view_choices, &choice, err) < 0)
			return -1;
		o->view = (enum view_kind)choice;
		o->view_set = true;
		break;
	case OPT_TRACE:
	case OPT_SEGMENT:
		if (!*arg || strlen(arg) > 64 ||
		    strspn(arg, "0123456789abcdefABCDEF-") != strlen(arg))
			return xr_err_set(
			    err, XR_EUSAGE,
			    _("%s: '%s' is not a trace or segment id (hex digits and '-')"),
			    opt == OPT_TRACE ? "--trace" : "--segment", arg);
		*(opt == OPT_TRACE ? &o->trace_id : &o->segment_id) = arg;
		break;
	case OPT_WIDTH:
		if (parse_long("--width", arg, 20, &o->width, err) < 0)
			return -1;
		if (o->width > 10000)
			return xr_err_set(err, XR_EUSAGE,
			                  _("--width: '%s' is more than 10000 columns"), arg);
		break;
	case OPT_LISTEN: o->listen = arg ? arg : ""; break;
	case OPT_LISTEN_OTLP: o->listen_otlp = arg ? arg : ""; break;
	case OPT_FORWARD: o->forward = arg; break;
	/* analytics */
	case OPT_GROUP_BY:
		if (analytics_key_check(arg, err) < 0) {
			xr_err_prefix(err, "--group-by");
			return -1;
		}
		o->group_by = arg;
		break;
	case 'h': o->help = true; break;
	case 'V': o->version = true; break;
	default: return xr_err_set(err, XR_EUSAGE, _("unknown option"));
	}
	return 0;
}

int
options_parse(struct options *o, int argc, char **argv, struct xr_err *err)
{
	memset(o, 0, sizeof *o);
	o->limit = -1;
	o->since = 15 * 60;
	o->start_time = NAN;
	o->end_time = NAN;
	o->iterations = -1;
	o->max_traces = -1;
	o->retry_budget = 120;
	o->overlap = 60;

	opterr = 0;
	/* 0, not 1: getopt_long() starts afresh instead of going on inside a
	 * cluster of short options where an earlier parse stopped. */
	optind = 0;
	int opt, index;
	while ((opt = getopt_long(argc, argv, short_options, long_options, &index)) != -1) {
		if (opt == '?')
			return unknown_option(argc, argv, optopt, err);
		if (opt == ':') {
			const char *arg = argv[optind - 1];
			return xr_err_set(err, XR_EUSAGE, _("option '%s' needs a value"), arg);
		}
		/* --listen and --listen-otlp take an optional address, also as
		 * the next argument: "--listen 2000". */
		if ((opt == OPT_LISTEN || opt == OPT_LISTEN_OTLP) && !optarg && optind < argc &&
		    netaddr_plausible(argv[optind]))
			optarg = argv[optind++];
		if (parse_one(o, opt, optarg, err) < 0)
			return -1;
	}
	if (optind < argc)
		return xr_err_set(err, XR_EUSAGE,
		                  _("unexpected argument '%s' (files are read with --load FILE)"),
		                  argv[optind]);
	/* analytics: --group-by alone means --view analytics */
	if (o->group_by && !o->view_set)
		o->view = VIEW_ANALYTICS;
	if (o->group_by && o->view != VIEW_ANALYTICS)
		return xr_err_set(err, XR_EUSAGE, _("--group-by goes with --view analytics"));
	if (o->view == VIEW_ANALYTICS && (o->sort_set || o->annotations))
		return xr_err_set(err, XR_EUSAGE,
		                  _("%s goes with the trace list, not --view analytics (its groups "
		                    "are sorted by traces, most first)"),
		                  o->sort_set ? "--sort" : "--annotations");
	if (isfinite(o->start_time) != isfinite(o->end_time) && !isfinite(o->end_time))
		o->end_time = NAN; /* --start alone: up to now */
	if (isfinite(o->start_time) && isfinite(o->end_time) && o->end_time <= o->start_time)
		return xr_err_set(err, XR_EUSAGE, _("--end must be later than --start"));
	double now = timefmt_now();
	if (isfinite(o->start_time) && !isfinite(o->end_time) && o->start_time >= now)
		return xr_err_set(
		    err, XR_EUSAGE,
		    _("--start is in the future: give an earlier --start, or --end too"));
	if (!isfinite(o->start_time) && now - o->since < TIMEFMT_MIN)
		return xr_err_set(err, XR_EUSAGE, _("--since reaches back before 1970"));
	if ((o->trace_id || o->segment_id) && !o->view_set)
		o->view = o->segment_id ? VIEW_DETAILS : VIEW_TIMELINE;
	if ((o->trace_id || o->segment_id) && o->view != VIEW_TIMELINE && o->view != VIEW_DETAILS)
		return xr_err_set(err, XR_EUSAGE, _("%s goes with --view timeline or details"),
		                  o->trace_id ? "--trace" : "--segment");
	if (o->segment_id && o->view != VIEW_DETAILS)
		return xr_err_set(err, XR_EUSAGE, _("--segment goes with --view details"));
	if (o->forward && !o->listen)
		return xr_err_set(err, XR_EUSAGE, _("--forward goes with --listen"));
	if ((o->listen || o->listen_otlp) &&
	    (o->region || o->profile || o->endpoint_url || o->group || o->since_set ||
	     isfinite(o->start_time) || isfinite(o->end_time) || o->time_range_type))
		return xr_err_set(err, XR_EUSAGE,
		                  _("%s receives traces locally: the X-Ray API options (--region, "
		                    "--profile, --endpoint-url, --group, --since, --start, --end, "
		                    "--time-range-type) do not apply"),
		                  o->listen ? "--listen" : "--listen-otlp");
	if ((o->listen || o->listen_otlp) && (o->view == VIEW_TIMELINE || o->view == VIEW_DETAILS))
		return xr_err_set(err, XR_EUSAGE, _("%s goes with the trace list, not --view %s"),
		                  o->listen ? "--listen" : "--listen-otlp",
		                  o->view == VIEW_DETAILS ? "details" : "timeline");
	if ((o->view == VIEW_TIMELINE || o->view == VIEW_DETAILS) && (o->save || o->delay > 0))
		return xr_err_set(
		    err, XR_EUSAGE,
		    _("%s goes with the trace list, not --view %s (-o json prints the "
		      "trace as BatchGetTraces JSON)"),
		    o->save ? "--save" : "-d", o->view == VIEW_DETAILS ? "details" : "timeline");
	return 0;
}

void
options_free(struct options *o)
{
	free(o->loads);
	o->loads = NULL;
	o->n_loads = 0;
}

bool
options_has_file_source(const struct options *o)
{
	return o->n_loads > 0 || o->demo || o->listen || o->listen_otlp;
}

bool
options_has_api_source(const struct options *o)
{
	if (o->listen || o->listen_otlp)
		return false; /* the API options are refused with them */
	return !options_has_file_source(o) || o->region || o->profile || o->endpoint_url ||
	       o->group || o->since_set || isfinite(o->start_time) || isfinite(o->end_time) ||
	       o->time_range_type || o->save || o->max_traces >= 0;
}

void
options_usage(struct buf *out)
{
	buf_puts(out,
	         _("Usage: xrtop [OPTION]...\n"
	           "Show AWS X-Ray traces, their timelines and the service map in a terminal.\n"
	           "\n"));
	buf_puts(
	    out,
	    _("Sources (default: the X-Ray API of the current AWS account):\n"
	      "  -l, --load FILE          read traces from FILE (repeatable; - is stdin): a\n"
	      "                           BatchGetTraces or GetTraceSummaries response as the\n"
	      "                           AWS CLI prints it, NDJSON segment documents (with or\n"
	      "                           without the X-Ray daemon header), or a JSON array of "
	      "them\n"
	      "      --demo               load the bundled QuickTable demo data\n"
	      "With --load or --demo, the X-Ray API is read as well when any of --region,\n"
	      "--profile, --endpoint-url, --group, --since, --start, --end, --time-range-type,\n"
	      "--max-traces or --save is given; everything goes into one list.\n"
	      "\n"));
	buf_puts(
	    out,
	    _("Receiving traces locally (instead of the X-Ray API; with --load too):\n"
	      "      --listen [ADDR]      be the X-Ray daemon: receive segment documents from\n"
	      "                           X-Ray SDKs over UDP at ADDR, [HOST:]PORT (default\n"
	      "                           AWS_XRAY_DAEMON_ADDRESS, else 127.0.0.1:2000)\n"
	      "      --forward ADDR       pass every datagram on unchanged to a daemon at ADDR\n"
	      "      --listen-otlp [ADDR] receive OpenTelemetry spans (OTLP/HTTP, JSON or\n"
	      "                           protobuf; gzip too) at ADDR (default 127.0.0.1:4318)\n"
	      "With -d, batch mode prints what arrived every DURATION (-n N: N times), else\n"
	      "once when interrupted; --max-traces N keeps the newest N traces; --save\n"
	      "writes the traces received.\n"
	      "\n"));
	buf_puts(
	    out,
	    _("The X-Ray API:\n"
	      "      --region REGION      AWS region (else AWS_REGION, AWS_DEFAULT_REGION,\n"
	      "                           the profile, the EC2 instance metadata)\n"
	      "      --profile NAME       shared config/credentials profile (else AWS_PROFILE)\n"
	      "      --endpoint-url URL   use URL instead of https://xray.REGION.amazonaws.com\n"
	      "                           (else AWS_ENDPOINT_URL_XRAY, AWS_ENDPOINT_URL, config)\n"
	      "      --since DURATION     window ending now (default 15m; e.g. 90s, 2h, 1d)\n"
	      "      --start TIME         window start (ISO 8601 or epoch seconds)\n"
	      "      --end TIME           window end (default: now)\n"
	      "      --time-range-type T  TraceId (default), Event or Service\n"
	      "      --group NAME         use the X-Ray group NAME\n"
	      "      --max-traces N       stop scanning after N summaries (default: all); with\n"
	      "                           -d, keep only the newest N traces in memory\n"
	      "      --save FILE          fetch every full trace of the window and write them as\n"
	      "                           one BatchGetTraces JSON file (readable with --load);\n"
	      "                           a failed or empty run leaves an existing FILE as it was\n"
	      "      --retry-budget DUR   how long one request may take, waits, time-outs and\n"
	      "                           retries included (2m)\n"
	      "  -d, --delay DURATION     refresh every DURATION, fetching only what is new\n"
	      "  -n, --iterations N       with -b and -d: stop after N refreshes\n"
	      "      --overlap DURATION   with -d: each refresh asks again for the last DURATION\n"
	      "                           too, as X-Ray indexes traces late (1m; 0 = none)\n"
	      "      --debug-log FILE     log requests and retries (never credentials) to FILE\n"
	      "\n"));
	buf_puts(
	    out,
	    _("Filtering and output:\n"
	      "  -f, --filter EXPR        X-Ray filter expression, evaluated locally and sent to\n"
	      "                           the service, e.g. 'annotation.restaurantName = \"x\"'\n"
	      "      --check-filter EXPR  only check EXPR: print it normalised (exit 0) or the\n"
	      "                           error with its column (exit 2)\n"
	      "  -b, --batch              print and exit (default when stdout is not a terminal;\n"
	      "                           otherwise the interactive screens open, unless\n"
	      "                           -o ndjson/json, --width or --save asks for printed\n"
	      "                           output; see xrtop(1), or press ? in them)\n"
	      "      --no-mouse           the interactive screens ignore the mouse\n"
	      "  -o, --output FORMAT      table (default), ndjson (one TraceSummary per line) or\n"
	      "                           json (a GetTraceSummaries-shaped object)\n"
	      "      --sort KEY           start (oldest first, the default when printing),\n"
	      "                           duration, responsetime (the screens' default) or\n"
	      "                           status (largest first)\n"
	      "      --limit N            print at most N traces (analytics: N groups)\n"
	      "      --annotations KEYS   table columns for these annotation keys (comma-\n"
	      "                           separated, at most 4; default: the keys that tell\n"
	      "                           traces apart)\n"
	      "      --view VIEW          what to print: traces (the trace list, the default),\n"
	      "                           timeline (one trace as a Gantt chart: --trace, else\n"
	      "                           the first trace listed), details (one segment),\n"
	      "                           map (the service map of the matching traces and a\n"
	      "                           table of every call; -o json: GetServiceGraph-shaped)\n"
	      "                           or analytics (response-time histogram and groups)\n"
	      "      --trace ID           the trace to show (implies --view timeline; with the\n"
	      "                           X-Ray API it is fetched with BatchGetTraces)\n"
	      "      --segment ID         with --view details: the segment to show (default:\n"
	      "                           the trace's root segment)\n"
	      "      --group-by KEY       analytics: group traces by KEY: annotation.KEY,\n"
	      "                           http.status (default), http.method, http.url,\n"
	      "                           service, user, rootcause.fault, rootcause.error or\n"
	      "                           rootcause.responsetime (implies --view analytics)\n"
	      "      --width N            fit the output to N columns (default: the terminal's\n"
	      "                           width; for the trace list no limit when not a\n"
	      "                           terminal, for timeline, details, map and analytics\n"
	      "                           100)\n"
	      "  -U, --ascii              ASCII only: no Unicode glyphs, non-ASCII escaped,\n"
	      "                           messages in English\n"
	      "  -C, --no-color           no colours (also when NO_COLOR is set)\n"
	      "  -h, --help               show this help and exit\n"
	      "  -V, --version            show the version and exit\n"
	      "\n"));
	buf_puts(out,
	         _("Exit status: 0 success, 1 a source failed, 2 usage or filter error.\n"
	           "See xrtop(1) for the filter language and the decisions xrtop makes where AWS\n"
	           "documents nothing.\n"));
}
