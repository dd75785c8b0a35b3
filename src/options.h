/* options: the command line, parsed into struct options.  Parsing checks
 * values (numbers, times, enumerations) and reports the first problem with
 * the option's name; it never prints. */
#ifndef XRTOP_OPTIONS_H
#define XRTOP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"
#include "view/sort.h"

enum output_format { OUTPUT_TABLE, OUTPUT_NDJSON, OUTPUT_JSON };
/* What batch mode prints (--view); the TUI opens on it. */
enum view_kind {
	VIEW_TRACES,
	VIEW_TIMELINE,
	VIEW_DETAILS,
	VIEW_MAP,       /* the service map */
	VIEW_ANALYTICS, /* response-time histogram and group-by table */
};

struct options {
	/* what to do */
	bool help;
	bool version;
	bool batch;               /* -b, or standard output is not a terminal */
	const char *check_filter; /* --check-filter EXPR: only parse it */

	/* sources */
	const char **loads; /* --load FILE, repeatable; "-" is stdin */
	size_t n_loads;
	bool demo;

	/* what to show */
	const char *filter;
	enum output_format output;
	enum sort_key sort;
	bool sort_set;
	long limit;              /* -1: all */
	const char *annotations; /* --annotations KEYS: table columns; NULL = automatic */
	bool ascii;
	bool no_color;
	bool no_mouse;          /* --no-mouse: the TUI leaves the mouse to the terminal */
	enum view_kind view;    /* --view */
	long width;             /* --width N: columns of the output; 0 = the terminal's */
	bool view_set;          /* --view was given */
	const char *trace_id;   /* --trace ID: the trace the timeline and details show */
	const char *segment_id; /* --segment ID: the segment --view details shows */
	const char *group_by;   /* --group-by KEY (analytics); NULL = http.status */

	/* the X-Ray API source */
	const char *region;
	const char *profile;
	const char *endpoint_url;
	const char *group;
	double since;                /* seconds before now; default 15 minutes */
	bool since_set;              /* --since was given */
	double start_time;           /* NAN unless --start */
	double end_time;             /* NAN unless --end */
	const char *time_range_type; /* TraceId, Event or Service; NULL = service default */
	const char *save;            /* --save FILE */
	double delay;                /* -d SECONDS: live refresh period, 0 = once */
	long iterations;             /* -n N: refreshes in batch mode, -1 = until interrupted */
	long max_traces;             /* --max-traces N, -1 = unlimited */
	double retry_budget;         /* seconds one request may keep retrying throttling */
	const char *debug_log;       /* --debug-log FILE */

	/* the local receivers: NULL = off, "" = the default address */
	const char *listen;      /* --listen [ADDR] */
	const char *listen_otlp; /* --listen-otlp [ADDR] */
	const char *forward;     /* --forward ADDR */
};

/* Fills o from argv.  Returns 0, or -1 with a usage error in err. */
int options_parse(struct options *o, int argc, char **argv, struct xr_err *err);
void options_free(struct options *o);
/* True when any file, demo or local receiver source was asked for. */
bool options_has_file_source(const struct options *o);
/* True when the X-Ray API is to be read: no file source, or an option
 * that only the API source uses (--region, --since, --save, ...). */
bool options_has_api_source(const struct options *o);
/* Appends the --help text. */
void options_usage(struct buf *out);

#endif
