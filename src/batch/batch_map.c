#include "config.h"

#include "batch/batch_map.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter.h"
#include "session.h"
#include "util/jsonw.h"
#include "util/timefmt.h"
#include "util/utf8.h"
#include "util/xmalloc.h"
#include "view/canvas.h"
#include "view/mapview.h"
#include "view/table.h"
#include "util/i18n.h"

/* --- JSON: the GetServiceGraph shape --- */

static double
micro(double v)
{
	return round(v * 1e6) / 1e6;
}

static void
json_time(struct jsonw *w, const char *key, double t)
{
	if (!isfinite(t))
		return;
	jsonw_key(w, key);
	jsonw_number(w, micro(t));
}

static void
json_stats(struct jsonw *w, const char *key, const struct svcmap_stats *st)
{
	jsonw_key(w, key);
	jsonw_object_begin(w);
	JSONW_KEY(w, "OkCount");
	jsonw_int(w, st->ok);
	JSONW_KEY(w, "ErrorStatistics");
	jsonw_object_begin(w);
	JSONW_KEY(w, "ThrottleCount");
	jsonw_int(w, st->throttle);
	JSONW_KEY(w, "OtherCount");
	jsonw_int(w, st->error_other);
	JSONW_KEY(w, "TotalCount");
	jsonw_int(w, svcmap_errors(st));
	jsonw_object_end(w);
	JSONW_KEY(w, "FaultStatistics");
	jsonw_object_begin(w);
	JSONW_KEY(w, "OtherCount");
	jsonw_int(w, st->fault);
	JSONW_KEY(w, "TotalCount");
	jsonw_int(w, st->fault);
	jsonw_object_end(w);
	JSONW_KEY(w, "TotalCount");
	jsonw_int(w, st->total);
	JSONW_KEY(w, "TotalResponseTime");
	jsonw_number(w, micro(st->total_time));
	jsonw_object_end(w);
}

static void
json_histogram(struct jsonw *w, const struct svcmap_stats *st)
{
	JSONW_KEY(w, "ResponseTimeHistogram");
	jsonw_array_begin(w);
	for (unsigned b = 0; b < st->hist.n; b++) {
		if (!st->hist.counts[b])
			continue;
		jsonw_object_begin(w);
		JSONW_KEY(w, "Value");
		jsonw_number(w, svcmap_bin_value(b));
		JSONW_KEY(w, "Count");
		jsonw_int(w, st->hist.counts[b]);
		jsonw_object_end(w);
	}
	jsonw_array_end(w);
}

void
batch_map_json(const struct svcmap *m, struct buf *out)
{
	struct jsonw w;
	jsonw_init(&w, out);
	jsonw_object_begin(&w);
	json_time(&w, "StartTime", m->start_time);
	json_time(&w, "EndTime", m->end_time);
	JSONW_KEY(&w, "Services");
	jsonw_array_begin(&w);
	size_t e = 0;
	for (size_t i = 0; i < m->n_nodes; i++) {
		const struct svcmap_node *n = &m->nodes[i];
		jsonw_object_begin(&w);
		JSONW_KEY(&w, "ReferenceId");
		jsonw_int(&w, (long long)i);
		JSONW_KEY(&w, "Name");
		jsonw_string(&w, n->name);
		JSONW_KEY(&w, "Names");
		jsonw_array_begin(&w);
		for (unsigned k = 0; k < n->n_names; k++)
			jsonw_string(&w, n->names[k]);
		jsonw_array_end(&w);
		if (n->root) {
			JSONW_KEY(&w, "Root");
			jsonw_bool(&w, true);
		}
		if (n->type) {
			JSONW_KEY(&w, "Type");
			jsonw_string(&w, n->type);
		}
		if (n->account_id) {
			JSONW_KEY(&w, "AccountId");
			jsonw_string(&w, n->account_id);
		}
		JSONW_KEY(&w, "State");
		jsonw_string(&w, n->client ? "unknown" : "active");
		json_time(&w, "StartTime", n->start_time);
		json_time(&w, "EndTime", n->end_time);
		JSONW_KEY(&w, "Edges");
		jsonw_array_begin(&w);
		while (e < m->n_edges && m->edges[e].from < i)
			e++;
		for (; e < m->n_edges && m->edges[e].from == i; e++) {
			const struct svcmap_edge *ed = &m->edges[e];
			jsonw_object_begin(&w);
			JSONW_KEY(&w, "ReferenceId");
			jsonw_int(&w, ed->to);
			json_time(&w, "StartTime", ed->start_time);
			json_time(&w, "EndTime", ed->end_time);
			json_stats(&w, "SummaryStatistics", &ed->stats);
			json_histogram(&w, &ed->stats);
			JSONW_KEY(&w, "Aliases");
			jsonw_array_begin(&w);
			jsonw_array_end(&w);
			if (ed->edge_type) {
				JSONW_KEY(&w, "EdgeType");
				jsonw_string(&w, ed->edge_type);
			}
			jsonw_object_end(&w);
		}
		jsonw_array_end(&w);
		if (n->has_stats) {
			json_stats(&w, "SummaryStatistics", &n->stats);
			json_histogram(&w, &n->stats);
		}
		jsonw_object_end(&w);
	}
	jsonw_array_end(&w);
	JSONW_KEY(&w, "ContainsOldGroupVersions");
	jsonw_bool(&w, false);
	jsonw_object_end(&w);
	buf_putc(out, '\n');
}

/* --- text: header, picture, table of calls --- */

/* "name" or, when several services share the name, "name (Type)". */
static void
node_label(const struct svcmap *m, size_t i, struct buf *out)
{
	const struct svcmap_node *n = &m->nodes[i];
	if (n->client) {
		/* TRANSLATORS: the callers of the first service, in the map's table */
		buf_puts(out, _("client"));
		return;
	}
	buf_puts(out, n->name);
	/* A finished map keeps its services sorted by name: look next door. */
	bool shared =
	    (i > 0 && !m->nodes[i - 1].client && strcmp(m->nodes[i - 1].name, n->name) == 0) ||
	    (i + 1 < m->n_nodes && strcmp(m->nodes[i + 1].name, n->name) == 0);
	if (shared) {
		char type[128];
		mapview_type_label(n->type, true, type, sizeof type);
		buf_printf(out, " (%s)", type[0] ? type : "?");
	}
}

static void
pct_text(long long part, long long total, char *out, size_t n)
{
	if (total <= 0 || part == 0)
		snprintf(out, n, "-");
	else
		snprintf(out, n, "%.1f", 100.0 * (double)part / (double)total);
}

enum { CALL_COLUMNS = 10, STAT_COLUMNS = 8 };

static const struct table_column call_columns[CALL_COLUMNS] = {
    {N_("CALLER"), UTF8_LEFT, 40, 1}, {N_("CALLED"), UTF8_LEFT, 40, 1},
    {N_("REQ"), UTF8_RIGHT, 0, 0},    {N_("AVG"), UTF8_RIGHT, 0, 0},
    {"P50", UTF8_RIGHT, 0, 0},        {"P90", UTF8_RIGHT, 0, 0},
    {"P99", UTF8_RIGHT, 0, 0},        {"4XX%", UTF8_RIGHT, 0, 0},
    {"429%", UTF8_RIGHT, 0, 0},       {"5XX%", UTF8_RIGHT, 0, 0},
};

static const struct mapview *sort_view_;
static const struct svcmap *sort_map_;

static int
cmp_reading(const void *pa, const void *pb)
{
	const struct svcmap_edge *a = &sort_map_->edges[*(const size_t *)pa];
	const struct svcmap_edge *b = &sort_map_->edges[*(const size_t *)pb];
	int fa = mapview_node_order(sort_view_, (int)a->from);
	int fb = mapview_node_order(sort_view_, (int)b->from);
	if (fa != fb)
		return fa < fb ? -1 : 1;
	int ta = mapview_node_order(sort_view_, (int)a->to);
	int tb = mapview_node_order(sort_view_, (int)b->to);
	return ta < tb ? -1 : ta > tb;
}

static size_t
longest_line(const char *s)
{
	size_t most = 0;
	while (s && *s) {
		size_t n = strcspn(s, "\n");
		size_t w = utf8_width(s, n, 0);
		if (w > most)
			most = w;
		s += n + (s[n] == '\n');
	}
	return most;
}

/* Appends text (sanitised already) wrapped at spaces to width columns,
 * each line indented by indent columns; a tab is a space that never breaks. */
static void
wrap_words(struct buf *out, const char *text, int width, int indent)
{
	int col = 0;
	for (const char *p = text; *p;) {
		if (*p == ' ' || *p == '\n') {
			p++;
			continue;
		}
		size_t n = strcspn(p, " \n");
		int w = (int)utf8_width(p, n, 0);
		if (col > indent && col + 1 + w > width) {
			buf_putc(out, '\n');
			col = 0;
		}
		for (; col < indent; col++)
			buf_putc(out, ' ');
		if (col > indent)
			buf_putc(out, ' '), col++;
		if (w > width - col) { /* a word wider than a line is cut */
			utf8_fit(out, p, n, (size_t)(width > col ? width - col : 1), UTF8_LEFT, 0);
			col = width;
			p += n;
			continue;
		}
		for (size_t i = 0; i < n; i++) /* a tab joins words that stay together */
			buf_putc(out, p[i] == '\t' ? ' ' : p[i]);
		col += w;
		p += n;
	}
	buf_putc(out, '\n');
}

/* A call's name cut to width columns, on a line of its own. */
static void
label_line(struct buf *out, const struct buf *label, int width, unsigned uflags)
{
	utf8_fit(out, label->data, label->len, (size_t)width, UTF8_LEFT, uflags);
	while (out->len && out->data[out->len - 1] == ' ')
		out->data[--out->len] = '\0';
	buf_putc(out, '\n');
}

/* The statistics table (header first) with each call's name above its row. */
static void
labelled_rows(struct buf *out, const char *table, const struct buf *labels, int width,
              unsigned uflags)
{
	const char *line = table;
	for (size_t k = 0; line && *line; k++) {
		size_t n = strcspn(line, "\n");
		if (k == 0)
			buf_puts(out, _("CALL\n"));
		else
			label_line(out, &labels[k - 1], width, uflags);
		buf_puts(out, "  ");
		buf_append(out, line, n);
		buf_putc(out, '\n');
		line += n + (line[n] == '\n');
	}
}

/* Too narrow even for the numbers: each call as a short paragraph. */
static void
paragraphs(struct buf *out, const struct buf *labels, const struct buf *stats, size_t n, int width,
           unsigned uflags)
{
	buf_puts(out, _("CALLS\n"));
	for (size_t k = 0; k < n; k++) {
		label_line(out, &labels[k], width, uflags);
		wrap_words(out, stats[k].data, width, 2);
	}
}

/* Every call in reading order with its statistics: one line each when that
 * fits the width, else the call's name on a line of its own above them. */
static void
calls_table(const struct svcmap *m, const struct mapview *v, int width, unsigned flags,
            struct buf *out)
{
	unsigned uflags = (flags & CANVAS_ASCII) ? UTF8_ASCII : 0;
	size_t *order = xmalloc((m->n_edges + 1) * sizeof *order);
	for (size_t e = 0; e < m->n_edges; e++)
		order[e] = e;
	sort_view_ = v;
	sort_map_ = m;
	qsort(order, m->n_edges, sizeof *order, cmp_reading);
	struct table_column cols[CALL_COLUMNS];
	for (size_t i = 0; i < CALL_COLUMNS; i++) {
		cols[i] = call_columns[i];
		cols[i].header = _(call_columns[i].header);
	}
	struct table wide, narrow;
	table_init(&wide, cols, CALL_COLUMNS, uflags);
	table_init(&narrow, cols + 2, STAT_COLUMNS, uflags);
	struct buf from = BUF_INIT, to = BUF_INIT;
	struct buf *labels = xcalloc(m->n_edges + 1, sizeof *labels);
	struct buf *stats = xcalloc(m->n_edges + 1, sizeof *stats);
	for (size_t k = 0; k < m->n_edges; k++) {
		const struct svcmap_edge *ed = &m->edges[order[k]];
		const struct svcmap_stats *st = &ed->stats;
		buf_reset(&from);
		buf_reset(&to);
		node_label(m, ed->from, &from);
		node_label(m, ed->to, &to);
		buf_printf(&labels[k], "%s %s %s", from.data,
		           (flags & CANVAS_ASCII) ? "->" : "\u2192", to.data);
		char req[24], avg[16], p50[16], p90[16], p99[16], e4[12], t4[12], f5[12];
		snprintf(req, sizeof req, "%lld", st->total);
		mapview_format_time(svcmap_avg(st), avg, sizeof avg);
		mapview_format_time(svcmap_percentile(st, 0.5), p50, sizeof p50);
		mapview_format_time(svcmap_percentile(st, 0.9), p90, sizeof p90);
		mapview_format_time(svcmap_percentile(st, 0.99), p99, sizeof p99);
		pct_text(st->error_other, st->total, e4, sizeof e4);
		pct_text(st->throttle, st->total, t4, sizeof t4);
		pct_text(st->fault, st->total, f5, sizeof f5);
		const char *cells[CALL_COLUMNS] = {from.data, to.data, req, avg, p50,
		                                   p90,       p99,     e4,  t4,  f5};
		table_add_row(&wide, cells);
		table_add_row(&narrow, cells + 2);
		buf_printf(&stats[k],
		           _("req\t%s, avg\t%s, p50\t%s, p90\t%s, p99\t%s, 4xx%%\t%s, 429%%\t%s, "
		             "5xx%%\t%s"),
		           req, avg, p50, p90, p99, e4, t4, f5);
	}
	struct buf text = BUF_INIT;
	table_render(&wide, 0, &text);
	if (longest_line(text.data) <= (size_t)width) {
		buf_puts(out, text.data);
	} else {
		buf_reset(&text);
		table_render(&narrow, (size_t)width, &text);
		if (longest_line(text.data) + 2 <= (size_t)width)
			labelled_rows(out, text.data, labels, width, uflags);
		else
			paragraphs(out, labels, stats, m->n_edges, width, uflags);
	}
	buf_free(&text);
	for (size_t k = 0; k < m->n_edges; k++) {
		buf_free(&labels[k]);
		buf_free(&stats[k]);
	}
	free(labels);
	free(stats);
	free(order);
	buf_free(&from);
	buf_free(&to);
	table_free(&wide);
	table_free(&narrow);
}

static void
header(const struct svcmap *m, const struct batch_map_format *fmt, struct buf *out)
{
	size_t services = 0;
	for (size_t i = 0; i < m->n_nodes; i++)
		services += !m->nodes[i].client;
	struct buf line = BUF_INIT;
	buf_printf(&line, _("Service map: %zu services, %zu calls"), services, m->n_edges);
	if (m->n_traces)
		buf_printf(&line, ngettext(" from %zu trace", " from %zu traces", m->n_traces),
		           m->n_traces);
	wrap_words(out, line.data, fmt->width, 0);
	if (isfinite(m->start_time) && isfinite(m->end_time)) {
		char a[32], b[32];
		timefmt_short(m->start_time, a, sizeof a);
		timefmt_short(m->end_time, b, sizeof b);
		buf_reset(&line);
		buf_printf(&line, _("Window: %s to %s UTC"), a,
		           b + (strncmp(a, b, 11) == 0 ? 11 : 0));
		wrap_words(out, line.data, fmt->width, 0);
	}
	buf_free(&line);
	wrap_words(out,
	           _("Each box: name, type, requests, average response time, and the shares of "
	             "4xx errors (E), 429 throttles (T) and 5xx faults (F); the letter on its "
	             "border is the worst it saw (ok: none)."),
	           fmt->width, 0);
}

int
batch_map_print(FILE *out, const struct svcmap *m, const struct batch_map_format *fmt)
{
	struct buf b = BUF_INIT;
	if (fmt->output == OUTPUT_JSON || fmt->output == OUTPUT_NDJSON) {
		batch_map_json(m, &b);
	} else if (!m->n_nodes) {
		buf_puts(&b, _("Service map: no services (no full trace matched)\n"));
	} else {
		header(m, fmt, &b);
		buf_putc(&b, '\n');
		struct mapview *v = mapview_new(m, fmt->width, fmt->flags);
		int w, h;
		mapview_size(v, &w, &h);
		struct canvas *c = canvas_new(w < fmt->width ? w : fmt->width, h, fmt->flags);
		struct mapview_viewport vp = {.focus = -1};
		mapview_draw(v, c, &vp);
		canvas_to_text(c, &b);
		if (w > fmt->width) {
			int focus = mapview_default_focus(v);
			struct buf name = BUF_INIT;
			if (focus >= 0)
				utf8_sanitize(&name, m->nodes[focus].name,
				              strlen(m->nodes[focus].name),
				              (fmt->flags & CANVAS_ASCII) ? UTF8_ASCII : 0);
			struct buf note = BUF_INIT;
			buf_printf(
			    &note,
			    _("(The map is %d columns wide: this shows columns %d-%d, around %s. "
			      "--width %d prints all of it; every call is in the table below.)"),
			    w, vp.origin_x + 1, vp.origin_x + c->width, name.data ? name.data : "?",
			    w);
			wrap_words(&b, note.data, fmt->width, 0);
			buf_free(&note);
			buf_free(&name);
		}
		canvas_free(c);
		buf_putc(&b, '\n');
		calls_table(m, v, fmt->width, fmt->flags, &b);
		mapview_free(v);
	}
	int rc = fwrite(b.data, 1, b.len, out) == b.len ? 0 : -1;
	buf_free(&b);
	if (rc == 0 && fflush(out) != 0)
		rc = -1;
	return rc;
}
