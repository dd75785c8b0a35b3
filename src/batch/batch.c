#include "config.h"

#include "batch/batch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonw.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"
#include "view/table.h"
#include "xray/encode.h"

#define FLUSH_AT (256 * 1024)

/* Writes out what buf holds once it is large, so memory stays flat. */
static int
flush(FILE *out, struct buf *b, bool force)
{
	if (b->len && (force || b->len >= FLUSH_AT)) {
		if (fwrite(b->data, 1, b->len, out) != b->len)
			return -1;
		buf_reset(b);
	}
	return 0;
}

static void
seconds_text(double v, char *out, size_t n)
{
	if (isnan(v))
		snprintf(out, n, "-");
	else
		snprintf(out, n, "%.3f", v);
}

enum { FIXED_COLUMNS = 9 };

static const struct table_column fixed_columns[FIXED_COLUMNS] = {
	{"START (UTC)", UTF8_LEFT, 0, 0},
	{"TRACE ID", UTF8_LEFT, 0, 0},
	{"METHOD", UTF8_LEFT, 7, 0},
	{"URL", UTF8_LEFT, 50, 1},
	{"STATUS", UTF8_RIGHT, 0, 0},
	{"RESP(s)", UTF8_RIGHT, 0, 0},
	{"DUR(s)", UTF8_RIGHT, 0, 0},
	{"FLAGS", UTF8_LEFT, 0, 0},
	{"SERVICE", UTF8_LEFT, 32, 2},
};

static int
print_table(FILE *out, const struct tracelist *tl, const struct batch_format *fmt)
{
	size_t n_cols = FIXED_COLUMNS + tl->n_annotation_keys;
	struct table_column *cols = xcalloc(n_cols, sizeof *cols);
	memcpy(cols, fixed_columns, sizeof fixed_columns);
	for (size_t a = 0; a < tl->n_annotation_keys; a++)
		cols[FIXED_COLUMNS + a] = (struct table_column){tl->annotation_keys[a], UTF8_LEFT, 30, 3};
	struct table t;
	table_init(&t, cols, n_cols, fmt->flags);
	struct buf ann[TRACELIST_MAX_ANNOTATIONS] = {BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT};
	for (size_t r = 0; r < tl->n_rows; r++) {
		const struct xr_summary *s = tl->rows[r].summary;
		char start[32], status[8] = "-", resp[32], dur[32], flags[6];
		timefmt_short(s->start_time, start, sizeof start);
		if (s->http.status)
			snprintf(status, sizeof status, "%d", s->http.status);
		seconds_text(s->response_time, resp, sizeof resp);
		seconds_text(s->duration, dur, sizeof dur);
		tracelist_flags(&tl->rows[r], flags);
		const char *cells[FIXED_COLUMNS + TRACELIST_MAX_ANNOTATIONS] = {
			start, s->id, s->http.method ? s->http.method : "-", s->http.url ? s->http.url : "-",
			status, resp, dur, flags, tracelist_service(s)};
		for (size_t a = 0; a < tl->n_annotation_keys; a++) {
			buf_reset(&ann[a]);
			tracelist_annotation_text(s, tl->annotation_keys[a], &ann[a]);
			cells[FIXED_COLUMNS + a] = ann[a].data ? ann[a].data : "";
		}
		table_add_row(&t, cells);
	}
	struct buf b = BUF_INIT;
	table_render(&t, fmt->width, &b);
	int rc = flush(out, &b, true);
	buf_free(&b);
	for (size_t a = 0; a < TRACELIST_MAX_ANNOTATIONS; a++)
		buf_free(&ann[a]);
	table_free(&t);
	free(cols);
	return rc;
}

static int
print_ndjson(FILE *out, const struct tracelist *tl)
{
	struct buf b = BUF_INIT;
	int rc = 0;
	for (size_t r = 0; r < tl->n_rows && rc == 0; r++) {
		struct jsonw w;
		jsonw_init(&w, &b);
		encode_summary(&w, tl->rows[r].summary);
		buf_putc(&b, '\n');
		rc = flush(out, &b, false);
	}
	if (rc == 0)
		rc = flush(out, &b, true);
	buf_free(&b);
	return rc;
}

static int
print_json(FILE *out, const struct tracelist *tl)
{
	struct buf b = BUF_INIT;
	struct jsonw w;
	jsonw_init(&w, &b);
	jsonw_object_begin(&w);
	jsonw_key(&w, "TraceSummaries");
	jsonw_array_begin(&w);
	int rc = 0;
	for (size_t r = 0; r < tl->n_rows && rc == 0; r++) {
		encode_summary(&w, tl->rows[r].summary);
		rc = flush(out, &b, false);
	}
	jsonw_array_end(&w);
	jsonw_key(&w, "TracesProcessedCount");
	jsonw_int(&w, (long long)tl->n_considered);
	jsonw_object_end(&w);
	buf_putc(&b, '\n');
	if (rc == 0)
		rc = flush(out, &b, true);
	buf_free(&b);
	return rc;
}

int
batch_print(FILE *out, const struct tracelist *tl, const struct batch_format *fmt)
{
	int rc;
	switch (fmt->output) {
	case OUTPUT_NDJSON: rc = print_ndjson(out, tl); break;
	case OUTPUT_JSON: rc = print_json(out, tl); break;
	default: rc = print_table(out, tl, fmt); break;
	}
	if (rc == 0 && fflush(out) != 0)
		rc = -1;
	return rc;
}
