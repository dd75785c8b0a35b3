/* libFuzzer target for the command line: the input, cut at each NUL byte,
 * is argv after "xrtop" (at most 64 arguments, each in its own
 * allocation).  options_parse() reads it; a refused command line must come
 * with a message, an accepted one must keep the rules options_parse()
 * enforces, and what app.c and the front ends take from it next is run
 * too: the session settings, --filter and --check-filter through the
 * filter compiler (with its error report), --annotations as table
 * columns, and the --listen, --listen-otlp and --forward addresses when
 * they are numeric (a host name would be looked up).  Nothing may crash,
 * leak, print or exit. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter.h"
#include "frontend.h"
#include "model/store.h"
#include "options.h"
#include "source/netaddr.h"
#include "util/buf.h"
#include "util/timefmt.h"
#include "util/utf8.h"
#include "util/xmalloc.h"
#include "view/tracelist.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
any_group(void *ctx, const char *name_or_arn, int is_arn, char **expr, struct xr_err *err)
{
	(void)ctx, (void)name_or_arn, (void)is_arn, (void)err;
	*expr = xstrdup("ok OR NOT ok");
	return 0;
}

static void
compile(const char *expr)
{
	struct xr_filter_error e;
	struct xr_filter *f = filter_compile(expr, any_group, NULL, &e);
	struct buf b = BUF_INIT;
	if (f) {
		filter_normalize(f, &b);
		filter_free(f);
	} else {
		if (!e.message[0])
			abort(); /* refused without a message */
		filter_error_format(expr, &e, 0, &b);
		filter_error_format(expr, &e, UTF8_ASCII, &b);
	}
	buf_free(&b);
}

/* Only numeric hosts: a name would go to the resolver. */
static void
address(const char *what, const char *spec, const char *proto, int port)
{
	if (!spec)
		return;
	char *copy = xstrdup(spec);
	for (const char *const *pre = (const char *const[]){"tcp:", "udp:", NULL}; *pre; pre++)
		for (char *p = copy; (p = strstr(p, *pre));)
			memset(p, ' ', 4);
	bool numeric = strspn(copy, "0123456789.:[] ") == strlen(copy);
	free(copy);
	if (!numeric)
		return;
	struct netaddr a;
	struct xr_err err = {0};
	if (netaddr_parse(what, spec, proto, "127.0.0.1", port, &a, &err) < 0 && !err.msg[0])
		abort();
}

static void
check_accepted(const struct options *o)
{
	if (o->width != 0 && (o->width < 20 || o->width > 10000))
		abort();
	if (o->limit < -1 || o->iterations == 0 || o->max_traces == 0)
		abort();
	if (isfinite(o->start_time) && isfinite(o->end_time) && o->end_time <= o->start_time)
		abort();
	if (o->segment_id && o->view != VIEW_DETAILS)
		abort();
	if (o->trace_id && o->view != VIEW_TIMELINE && o->view != VIEW_DETAILS)
		abort();
	if (o->group_by && o->view != VIEW_ANALYTICS)
		abort();
	if (o->forward && !o->listen)
		abort();
	if ((o->listen || o->listen_otlp) && options_has_api_source(o))
		abort();
	if (!isfinite(o->since) || o->since < 0 || !isfinite(o->retry_budget) ||
	    !isfinite(o->delay) || !isfinite(o->overlap))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 2];
	int argc = 0;
	argv[argc++] = xstrdup("xrtop");
	for (size_t i = 0; i < size && argc <= MAX_ARGS;) {
		const uint8_t *nul = memchr(data + i, 0, size - i);
		size_t n = nul ? (size_t)(nul - data) - i : size - i;
		argv[argc++] = xstrndup((const char *)data + i, n);
		i += n + 1;
	}
	argv[argc] = NULL;
	char *owned[MAX_ARGS + 2];
	memcpy(owned, argv, sizeof argv); /* getopt_long() permutes argv */

	struct options o;
	struct xr_err err = {0};
	if (options_parse(&o, argc, argv, &err) < 0) {
		if (!err.msg[0] || !memchr(err.msg, '\0', sizeof err.msg))
			abort(); /* refused without a message */
	} else {
		check_accepted(&o);
		bool api = options_has_api_source(&o);
		(void)options_has_file_source(&o);
		struct session_settings set;
		frontend_settings(&o, api, &set);
		if (o.filter)
			compile(o.filter);
		if (o.check_filter)
			compile(o.check_filter);
		if (o.annotations) {
			struct xr_store *store = store_new();
			struct tracelist tl;
			tracelist_build(&tl, store, NULL, NULL, o.sort);
			tracelist_set_annotations(&tl, o.annotations);
			if (tl.n_annotation_keys > TRACELIST_MAX_ANNOTATIONS)
				abort();
			tracelist_free(&tl);
			store_free(store);
		}
		char when[64];
		if (isfinite(o.start_time))
			timefmt_iso(o.start_time, when, sizeof when);
		if (isfinite(o.end_time))
			timefmt_iso(o.end_time, when, sizeof when);
		address("--listen", o.listen, "udp", 2000);
		address("--forward", o.forward, "udp", 2000);
		address("--listen-otlp", o.listen_otlp, "tcp", 4318);
	}
	options_free(&o);
	for (int i = 0; i < argc; i++)
		free(owned[i]);
	return 0;
}
