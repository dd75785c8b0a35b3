#include "config.h"

#include "frontend.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/utf8.h"

void
frontend_settings(const struct options *o, bool api, struct session_settings *set)
{
	*set = (struct session_settings){
	    .loads = o->loads,
	    .n_loads = o->n_loads,
	    .demo = o->demo,
	    .api = api,
	    .region = o->region,
	    .profile = o->profile,
	    .endpoint_url = o->endpoint_url,
	    .group = o->group,
	    .since = o->since,
	    .start = o->start_time,
	    .end = o->end_time,
	    .time_range_type = o->time_range_type,
	    .max_traces = o->max_traces,
	    .retry_budget = o->retry_budget,
	    .fetch_traces = o->save != NULL || o->view == VIEW_MAP,
	    /* the map from the API alone and unfiltered is the service's own */
	    .service_graph =
	        api && o->view == VIEW_MAP && !(o->filter && *o->filter) && !o->n_loads && !o->demo,
	    .refresh = api || o->listen || o->listen_otlp ? o->delay : 0,
	    .refreshes = o->iterations < 0 ? -1 : o->iterations - 1,
	    .overlap = o->overlap,
	    .filter = o->filter && *o->filter ? o->filter : NULL,
	    .sort = o->sort,
	    .trace_id = o->view == VIEW_TIMELINE || o->view == VIEW_DETAILS ? o->trace_id : NULL,
	    .listen = o->listen,
	    .forward = o->forward,
	    .listen_otlp = o->listen_otlp,
	};
}

void
frontend_report(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	struct buf b = BUF_INIT;
	buf_puts(&b, "xrtop: ");
	utf8_sanitize(&b, msg, strlen(msg), utf8_locale_is_utf8() ? 0 : UTF8_ASCII);
	buf_putc(&b, '\n');
	fputs(b.data, stderr);
	buf_free(&b);
}
