#include "config.h"

#include "batch/batch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonw.h"
#include "util/parallel.h"
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

enum { FIXED_COLUMNS = 9, URL_COLUMNS = 50 };

static const struct table_column fixed_columns[FIXED_COLUMNS] = {
    {"START (UTC)", UTF8_LEFT, 0, 0, 3}, {"TRACE ID", UTF8_LEFT, 0, 0, 0},
    {"METHOD", UTF8_LEFT, 7, 0, 7},      {"URL", UTF8_LEFT, URL_COLUMNS, 1, 1},
    {"STATUS", UTF8_RIGHT, 0, 0, 4},     {"RESP(s)", UTF8_RIGHT, 0, 0, 2},
    {"DUR(s)", UTF8_RIGHT, 0, 0, 8},     {"FLAGS", UTF8_LEFT, 0, 0, 6},
    {"SERVICE", UTF8_LEFT, 32, 2, 5},
};

static int
print_table(FILE *out, const struct tracelist *tl, const struct batch_format *fmt)
{
	size_t n_cols = FIXED_COLUMNS + tl->n_annotation_keys;
	struct table_column *cols = xcalloc(n_cols, sizeof *cols);
	memcpy(cols, fixed_columns, sizeof fixed_columns);
	for (size_t a = 0; a < tl->n_annotation_keys; a++)
		cols[FIXED_COLUMNS + a] =
		    (struct table_column){tl->annotation_keys[a], UTF8_LEFT, 30, 3, 9};
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
		    start,
		    s->id,
		    s->http.method ? s->http.method : "-",
		    tracelist_url(s->http.url, URL_COLUMNS),
		    status,
		    resp,
		    dur,
		    flags,
		    tracelist_service(s)};
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

/* Rows are encoded on every processor, a block at a time, and written in
 * order; the block size bounds the memory held for output. */
#define ENCODE_BLOCK 4096

struct encode_job {
	const struct tracelist *tl;
	size_t begin, end; /* rows of this block */
	bool ndjson;       /* one object per line; else comma-separated */
	unsigned n_workers;
	struct buf out[PARALLEL_MAX_WORKERS];
};

static void
encode_share(void *arg, unsigned worker)
{
	struct encode_job *job = arg;
	size_t n = job->end - job->begin, share = (n + job->n_workers - 1) / job->n_workers;
	size_t from = job->begin + worker * share, to = from + share;
	if (to > job->end)
		to = job->end;
	struct buf *b = &job->out[worker];
	for (size_t r = from; r < to; r++) {
		struct jsonw w;
		if (!job->ndjson && r > 0)
			buf_putc(b, ',');
		jsonw_init(&w, b);
		encode_summary(&w, job->tl->rows[r].summary);
		if (job->ndjson)
			buf_putc(b, '\n');
	}
}

static int
print_summaries(FILE *out, const struct tracelist *tl, bool ndjson)
{
	struct encode_job job = {.tl = tl, .ndjson = ndjson};
	int rc = 0;
	for (size_t begin = 0; begin < tl->n_rows && rc == 0; begin += ENCODE_BLOCK) {
		job.begin = begin;
		job.end = begin + ENCODE_BLOCK < tl->n_rows ? begin + ENCODE_BLOCK : tl->n_rows;
		job.n_workers = job.end - job.begin < 256 ? 1 : parallel_workers();
		parallel_run(job.n_workers, encode_share, &job);
		for (unsigned w = 0; w < job.n_workers; w++) {
			if (rc == 0)
				rc = flush(out, &job.out[w], true);
			buf_reset(&job.out[w]);
		}
	}
	for (unsigned w = 0; w < PARALLEL_MAX_WORKERS; w++)
		buf_free(&job.out[w]);
	return rc;
}

static int
print_json(FILE *out, const struct tracelist *tl)
{
	if (fputs("{\"TraceSummaries\":[", out) == EOF || print_summaries(out, tl, false) < 0)
		return -1;
	return fprintf(out, "],\"TracesProcessedCount\":%zu}\n", tl->n_considered) < 0 ? -1 : 0;
}

int
batch_print(FILE *out, const struct tracelist *tl, const struct batch_format *fmt)
{
	int rc;
	switch (fmt->output) {
	case OUTPUT_NDJSON: rc = print_summaries(out, tl, true); break;
	case OUTPUT_JSON: rc = print_json(out, tl); break;
	default: rc = print_table(out, tl, fmt); break;
	}
	if (rc == 0 && fflush(out) != 0)
		rc = -1;
	return rc;
}
