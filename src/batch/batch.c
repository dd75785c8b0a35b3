#include "config.h"

#include "batch/batch.h"

#include <stdlib.h>
#include <string.h>

#include "util/jsonw.h"
#include "util/parallel.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"
#include "view/canvas.h"
#include "view/tracetable.h"
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

/* Appends the first `end` columns of line y of c. */
static void
line_text(const struct canvas *c, int y, int end, struct buf *out)
{
	for (int x = 0; x < end && x < c->width; x++) {
		const struct canvas_cell *cell = canvas_cell(c, x, y);
		if (cell->width)
			buf_puts(out, cell->text);
	}
	buf_putc(out, '\n');
}

/* The table is laid out over every row, then drawn and printed one row at
 * a time through a one-line canvas. */
static int
print_table(FILE *out, const struct tracelist *tl, const struct batch_format *fmt)
{
	struct tracetable tt;
	tracetable_init(&tt, tl, (fmt->flags & UTF8_ASCII) ? CANVAS_ASCII : 0);
	tracetable_measure(&tt, 0, tl->n_rows);
	tracetable_fit(&tt, (int)fmt->width, false);
	int w = tracetable_width(&tt);
	if (fmt->width && w > (int)fmt->width)
		w = (int)fmt->width; /* narrower than the trace id: cut */
	struct canvas *c = canvas_new(w, 1, tt.canvas_flags);
	struct buf b = BUF_INIT;
	int rc = 0;
	line_text(c, 0, tracetable_draw_header(&tt, c, 0), &b);
	for (size_t r = 0; r < tl->n_rows && rc == 0; r++) {
		line_text(c, 0, tracetable_draw_row(&tt, c, 0, r, 0), &b);
		rc = flush(out, &b, false);
	}
	if (rc == 0)
		rc = flush(out, &b, true);
	buf_free(&b);
	canvas_free(c);
	tracetable_free(&tt);
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
