#include "config.h"

#include "batch/batch_analytics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonw.h"
#include "util/xmalloc.h"
#include "view/analytics.h"
#include "view/canvas.h"
#include "util/i18n.h"

/* Width of the picture when neither --width nor a terminal gives one. */
#define DEFAULT_WIDTH 100

static void
json_seconds(struct jsonw *w, const char *key, double v)
{
	jsonw_key(w, key);
	if (isfinite(v))
		jsonw_number(w, v);
	else
		jsonw_null(w);
}

static void
json_percent(struct jsonw *w, const char *key, size_t n, size_t of)
{
	jsonw_key(w, key);
	jsonw_number(w, of ? 100.0 * (double)n / (double)of : 0.0);
}

/* The members of group i (inside an object). */
static void
json_group(struct jsonw *w, const struct analytics *a, size_t i, struct buf *tmp)
{
	const struct analytics_group *g = analytics_group(a, i);
	JSONW_KEY(w, "Value");
	if (g->none)
		jsonw_null(w);
	else if (g->value.type == XR_VAL_STRING)
		jsonw_string(w, g->value.u.s);
	else if (g->value.type == XR_VAL_NUMBER)
		jsonw_number(w, g->value.u.n);
	else
		jsonw_bool(w, g->value.u.b);
	JSONW_KEY(w, "Count");
	jsonw_int(w, (long long)g->count);
	json_percent(w, "Percent", g->count, analytics_dist(a)->traces);
	JSONW_KEY(w, "ErrorCount");
	jsonw_int(w, (long long)g->errors);
	JSONW_KEY(w, "FaultCount");
	jsonw_int(w, (long long)g->faults);
	JSONW_KEY(w, "ThrottleCount");
	jsonw_int(w, (long long)g->throttles);
	json_percent(w, "ErrorPercent", g->errors, g->count);
	json_percent(w, "FaultPercent", g->faults, g->count);
	json_percent(w, "ThrottlePercent", g->throttles, g->count);
	JSONW_KEY(w, "ResponseTimeCount");
	jsonw_int(w, (long long)g->timed);
	json_seconds(w, "P50", g->p50);
	json_seconds(w, "P90", g->p90);
	json_seconds(w, "P99", g->p99);
	buf_reset(tmp);
	analytics_group_filter(a, i, tmp);
	JSONW_KEY(w, "FilterExpression");
	jsonw_string(w, tmp->data);
}

static void
json_distribution(struct jsonw *w, const struct analytics *a)
{
	const struct analytics_dist *d = analytics_dist(a);
	JSONW_KEY(w, "ResponseTime");
	jsonw_object_begin(w);
	JSONW_KEY(w, "Count");
	jsonw_int(w, (long long)d->timed);
	json_seconds(w, "Min", d->min);
	json_seconds(w, "Max", d->max);
	json_seconds(w, "P50", d->p50);
	json_seconds(w, "P90", d->p90);
	json_seconds(w, "P99", d->p99);
	JSONW_KEY(w, "Histogram");
	jsonw_array_begin(w);
	for (size_t i = 0; i < d->hist.n_buckets; i++) {
		jsonw_object_begin(w);
		JSONW_KEY(w, "From");
		jsonw_number(w, d->hist.edges[i]);
		JSONW_KEY(w, "To");
		jsonw_number(w, d->hist.edges[i + 1]);
		JSONW_KEY(w, "Count");
		jsonw_int(w, (long long)d->hist.counts[i]);
		jsonw_object_end(w);
	}
	jsonw_array_end(w);
	jsonw_object_end(w);
}

static size_t
shown(const struct analytics *a, long limit)
{
	size_t n = analytics_n_groups(a);
	return limit >= 0 && (size_t)limit < n ? (size_t)limit : n;
}

static void
print_json(const struct analytics *a, long limit, struct buf *out)
{
	struct buf tmp = BUF_INIT;
	struct jsonw w;
	jsonw_init(&w, out);
	jsonw_object_begin(&w);
	JSONW_KEY(&w, "GroupBy");
	jsonw_string(&w, analytics_key(a));
	JSONW_KEY(&w, "TraceCount");
	jsonw_int(&w, (long long)analytics_dist(a)->traces);
	JSONW_KEY(&w, "GroupCount");
	jsonw_int(&w, (long long)analytics_n_groups(a));
	json_distribution(&w, a);
	JSONW_KEY(&w, "Groups");
	jsonw_array_begin(&w);
	for (size_t i = 0; i < shown(a, limit); i++) {
		jsonw_object_begin(&w);
		json_group(&w, a, i, &tmp);
		jsonw_object_end(&w);
	}
	jsonw_array_end(&w);
	jsonw_object_end(&w);
	buf_putc(out, '\n');
	buf_free(&tmp);
}

static void
print_ndjson(const struct analytics *a, long limit, struct buf *out)
{
	struct buf tmp = BUF_INIT;
	for (size_t i = 0; i < shown(a, limit); i++) {
		struct jsonw w;
		jsonw_init(&w, out);
		jsonw_object_begin(&w);
		JSONW_KEY(&w, "GroupBy");
		jsonw_string(&w, analytics_key(a));
		json_group(&w, a, i, &tmp);
		jsonw_object_end(&w);
		buf_putc(out, '\n');
	}
	buf_free(&tmp);
}

static void
print_text(const struct analytics *a, const struct batch_analytics_request *rq,
           const struct batch_format *fmt, struct buf *out)
{
	int width = fmt->width ? (int)fmt->width : DEFAULT_WIDTH;
	unsigned flags = (fmt->flags & UTF8_ASCII) ? CANVAS_ASCII : 0;
	size_t groups = shown(a, rq->limit), hidden = analytics_n_groups(a) - groups;
	int top = rq->filter ? 1 : 0;
	int height = top + analytics_height(a) - (int)hidden;
	struct canvas *c = canvas_new(width, height, flags);
	if (rq->filter) {
		int x = canvas_puts(c, 0, 0, width, _("filter: "), CANVAS_DIM);
		canvas_puts(c, x, 0, width - x, rq->filter, CANVAS_NORMAL);
	}
	struct canvas *body = canvas_new(width, height - top, flags);
	analytics_render(a, body, 0, -1);
	canvas_blit(c, 0, top, body, 0, 0, width, height - top);
	canvas_to_text(c, out);
	if (hidden)
		buf_printf(out,
		           ngettext("(%zu more group: --limit %ld shows %zu of %zu)\n",
		                    "(%zu more groups: --limit %ld shows %zu of %zu)\n", hidden),
		           hidden, rq->limit, groups, analytics_n_groups(a));
	canvas_free(body);
	canvas_free(c);
}

int
batch_analytics(FILE *out, const struct tracelist *tl, const struct batch_analytics_request *rq,
                const struct batch_format *fmt, struct xr_err *err)
{
	const struct xr_summary **sums = xmalloc((tl->n_rows ? tl->n_rows : 1) * sizeof *sums);
	for (size_t i = 0; i < tl->n_rows; i++)
		sums[i] = tl->rows[i].summary;
	struct analytics *a = analytics_new();
	int rc = analytics_build(a, rq->key, sums, tl->n_rows, err);
	free(sums);
	if (rc < 0) {
		analytics_free(a);
		return -1;
	}
	struct buf b = BUF_INIT;
	switch (fmt->output) {
	case OUTPUT_JSON: print_json(a, rq->limit, &b); break;
	case OUTPUT_NDJSON: print_ndjson(a, rq->limit, &b); break;
	case OUTPUT_TABLE: print_text(a, rq, fmt, &b); break;
	}
	analytics_free(a);
	rc = b.len && fwrite(b.data, 1, b.len, out) != b.len ? -2 : 0;
	if (rc == 0 && fflush(out) == EOF)
		rc = -2;
	buf_free(&b);
	return rc;
}
