#include "config.h"

#include "view/mapview.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"
#include "util/i18n.h"

#define MAX_INNER 24 /* widest box contents */
#define MIN_INNER 8
#define PADDED_MIN 14 /* below this inner width boxes lose their padding */
#define SWEEPS 16
#define PLACE_PASSES 4
#define MAX_CROSS_COUNT 4000 /* segments in a gap beyond which crossings are not counted */

struct item {
	int node; /* svcmap node, or -1 for a dummy: an edge passing through a layer */
	int layer, order;
	int x, y, w, h;
	int port; /* rows from y to where edges attach */
	double key;
};

struct seg {
	int from, to;  /* items in adjacent layers, from on the left */
	int edge;      /* svcmap edge */
	bool reversed; /* the call goes right to left (a back edge of a cycle) */
	bool head;     /* this segment touches the called node: draw the arrowhead */
	int net;       /* segments of a gap that share a channel */
	int col;       /* channel column, -1 for a straight line */
};

struct mapview {
	const struct svcmap *map;
	unsigned flags;
	struct canvas *measure;
	struct item *items;
	size_t n_items, cap_items;
	struct seg *segs;
	size_t n_segs, cap_segs;
	int n_layers;
	int **layers; /* item indexes in order */
	int *layer_n;
	int *node_item; /* node -> item, -1 when not laid out */
	bool *self_loop;
	int *layer_x, *layer_w, *gap_w;
	int inner, pad;
	int name_lines, stat_form; /* stat_form: 0 "N req  avg T", 1 "N req T", 2 two lines */
	int box_h;
	int width, height;
};

/* --- formatting --- */

void
mapview_format_time(double s, char *out, size_t n)
{
	if (!isfinite(s))
		snprintf(out, n, "-");
	else if (s < 0.9995)
		snprintf(out, n, "%.0fms", s * 1000);
	else if (s < 9.995)
		snprintf(out, n, "%.2fs", s);
	else if (s < 99.95)
		snprintf(out, n, "%.1fs", s);
	else
		snprintf(out, n, "%.0fs", s);
}

void
mapview_format_count(long long v, char *out, size_t n)
{
	if (v < 10000)
		snprintf(out, n, "%lld", v);
	else if (v < 999500)
		snprintf(out, n, "%.*fk", v < 99950 ? 1 : 0, v / 1000.0);
	else
		snprintf(out, n, "%.*fM", v < 99950000 ? 1 : 0, v / 1e6);
}

void
mapview_type_label(const char *type, bool short_form, char *out, size_t n)
{
	if (!type || !*type) {
		snprintf(out, n, "%s", "");
		return;
	}
	const char *t = strncmp(type, "AWS::", 5) == 0 ? type + 5 : type;
	if (short_form) {
		const char *last = strrchr(t, ':');
		size_t first = strcspn(t, ":");
		if (last && strcmp(last + 1, "Function") == 0)
			snprintf(out, n, "%s", last + 1);
		else
			snprintf(out, n, "%.*s", (int)first, t);
		return;
	}
	size_t k = 0;
	for (const char *p = t; *p && k + 1 < n; p++) {
		if (p[0] == ':' && p[1] == ':') {
			out[k++] = ' ';
			p++;
		} else {
			out[k++] = *p;
		}
	}
	out[k] = '\0';
}

enum mapview_health
mapview_health_of(const struct svcmap_stats *st, bool has_stats)
{
	if (!has_stats || st->total == 0)
		return MAPVIEW_NONE;
	if (st->fault)
		return MAPVIEW_FAULT;
	if (st->throttle)
		return MAPVIEW_THROTTLE;
	if (st->error_other)
		return MAPVIEW_ERROR;
	return MAPVIEW_OK;
}

const char *
mapview_health_letter(enum mapview_health h)
{
	static const char *const letters[] = {"ok", "E", "T", "F", "-"};
	return letters[h];
}

static unsigned
health_role(enum mapview_health h)
{
	switch (h) {
	case MAPVIEW_OK: return CANVAS_OK;
	case MAPVIEW_ERROR: return CANVAS_ERROR;
	case MAPVIEW_THROTTLE: return CANVAS_THROTTLE;
	case MAPVIEW_FAULT: return CANVAS_FAULT;
	default: return CANVAS_NORMAL;
	}
}

static void
percent(long long part, long long total, char *out, size_t n)
{
	double p = 100.0 * (double)part / (double)total;
	if (p < 1)
		snprintf(out, n, "<1%%");
	else
		snprintf(out, n, "%.0f%%", floor(p + 0.5));
}

/* The parts of a health line: letters and percentages (count 0 left out). */
struct health_part {
	const char *letter;
	char pct[8];
	unsigned role;
};

static int
health_parts(const struct svcmap_stats *st, struct health_part parts[3])
{
	const long long counts[3] = {st->error_other, st->throttle, st->fault};
	static const char *const letters[3] = {"E", "T", "F"};
	static const unsigned roles[3] = {CANVAS_ERROR, CANVAS_THROTTLE, CANVAS_FAULT};
	int n = 0;
	for (int i = 0; i < 3; i++) {
		if (!counts[i] || st->total <= 0)
			continue;
		parts[n].letter = letters[i];
		parts[n].role = roles[i];
		percent(counts[i], st->total, parts[n].pct, sizeof parts[n].pct);
		n++;
	}
	return n;
}

/* Columns of the health line: "E 12% T 6% F 6%" (wide) or "E12% T6% F6%". */
static int
health_width(const struct svcmap_stats *st, bool wide)
{
	struct health_part parts[3];
	int n = health_parts(st, parts), w = 0;
	if (!n)
		return 2; /* "ok" */
	for (int i = 0; i < n; i++)
		w += (i ? 1 : 0) + 1 + (wide ? 1 : 0) + (int)strlen(parts[i].pct);
	return w;
}

static void
stat_texts(const struct svcmap_node *n, char *req, size_t rn, char *avg, size_t an)
{
	char c[16];
	mapview_format_count(n->stats.total, c, sizeof c);
	snprintf(req, rn, _("%s req"), c);
	mapview_format_time(svcmap_avg(&n->stats), avg, an);
}

/* Columns of the request line in form 0, 1 or 2 (the longer of two lines). */
static int
stat_width(const struct svcmap_node *n, int form)
{
	char req[32], avg[16];
	stat_texts(n, req, sizeof req, avg, sizeof avg);
	int r = (int)utf8_width(req, strlen(req), 0), a = (int)strlen(avg);
	int aw = (int)utf8_width(_("avg"), strlen(_("avg")), 0);
	if (form == 0)
		return r + 2 + aw + 1 + a; /* "N req  avg T" */
	if (form == 1)
		return r + 1 + a;
	return r > aw + 1 + a ? r : aw + 1 + a;
}

/* --- text measuring and name wrapping --- */

/* The box of the callers. */
static const char *
client_label(void)
{
	/* TRANSLATORS: the service map's box for the callers of the first
	 * service; at most 6 columns, or the 80-column map gets narrower */
	return _("Client");
}

static int
width_of(const struct mapview *v, const char *s, size_t n)
{
	return canvas_width_of(v->measure, s, n);
}

static bool
is_break_after(const char *s, size_t i)
{
	char c = s[i - 1], d = s[i];
	if (strchr("/-_.: ", c))
		return true;
	return c >= 'a' && c <= 'z' && d >= 'A' && d <= 'Z';
}

/* Splits name into at most two lines of cols columns: returns the byte
 * length of the first line (the whole name when it fits on one). */
static size_t
wrap_name(const struct mapview *v, const char *name, int cols)
{
	size_t len = strlen(name);
	if (width_of(v, name, len) <= cols)
		return len;
	size_t best = 0, hard = 0;
	for (size_t i = 1; i < len; i++) {
		if (((unsigned char)name[i] & 0xC0) == 0x80)
			continue; /* inside a character */
		int first = width_of(v, name, i);
		if (first > cols)
			break;
		hard = i;
		size_t rest = i;
		while (name[rest] == ' ')
			rest++;
		if (is_break_after(name, i) && width_of(v, name + rest, len - rest) <= cols)
			best = i;
	}
	if (best)
		return best;
	/* No break leaves a rest that fits: break at the last word boundary
	 * in the second half of the line (the rest is cut), else anywhere. */
	for (size_t i = hard; i > 0; i--)
		if (((unsigned char)name[i] & 0xC0) != 0x80 && is_break_after(name, i) &&
		    2 * width_of(v, name, i) >= cols)
			return i;
	return hard ? hard : len;
}

/* --- building the layered graph --- */

static int
add_item(struct mapview *v, int node, int layer)
{
	XGROW(v->items, v->cap_items, v->n_items + 1);
	v->items[v->n_items] = (struct item){.node = node, .layer = layer, .w = 1, .h = 1};
	return (int)v->n_items++;
}

static void
add_seg(struct mapview *v, int from, int to, int edge, bool reversed, bool head)
{
	XGROW(v->segs, v->cap_segs, v->n_segs + 1);
	v->segs[v->n_segs++] = (struct seg){from, to, edge, reversed, head, -1, -1};
}

/* Marks the edges that close a cycle (found by depth-first search) as reversed. */
static void
break_cycles(const struct svcmap *m, const int *out_start, const int *out_edges, bool *rev)
{
	size_t n = m->n_nodes;
	unsigned char *state = xcalloc(n + 1, 1); /* 0 new, 1 on the path, 2 done */
	int *stack = xmalloc((n + 1) * sizeof *stack), *next = xmalloc((n + 1) * sizeof *next);
	for (size_t r = 0; r < n; r++) {
		if (state[r])
			continue;
		int sp = 0;
		stack[sp] = (int)r;
		next[sp] = out_start[r];
		state[r] = 1;
		while (sp >= 0) {
			int u = stack[sp];
			if (next[sp] == out_start[u + 1]) {
				state[u] = 2;
				sp--;
				continue;
			}
			int e = out_edges[next[sp]++];
			int w = (int)m->edges[e].to;
			if (state[w] == 1) {
				rev[e] = true;
			} else if (state[w] == 0) {
				state[w] = 1;
				stack[++sp] = w;
				next[sp] = out_start[w];
			}
		}
	}
	free(state);
	free(stack);
	free(next);
}

/* Longest-path layers over the acyclic edges; sources move next to the
 * first node they call. */
static void
assign_layers(const struct svcmap *m, const bool *skip, const bool *rev, int *layer)
{
	size_t n = m->n_nodes;
	int *indeg = xcalloc(n + 1, sizeof *indeg), *queue = xmalloc((n + 1) * sizeof *queue);
	int *outdeg = xcalloc(n + 1, sizeof *outdeg);
	for (size_t e = 0; e < m->n_edges; e++) {
		if (skip[e])
			continue;
		indeg[rev[e] ? m->edges[e].from : m->edges[e].to]++;
		outdeg[rev[e] ? m->edges[e].to : m->edges[e].from]++;
	}
	bool *source = xcalloc(n + 1, sizeof *source);
	size_t head = 0, tail = 0;
	for (size_t i = 0; i < n; i++) {
		layer[i] = 0;
		if (!indeg[i]) {
			queue[tail++] = (int)i;
			source[i] = outdeg[i] > 0;
		}
	}
	while (head < tail) {
		int u = queue[head++];
		for (size_t e = 0; e < m->n_edges; e++) {
			if (skip[e])
				continue;
			int a = (int)(rev[e] ? m->edges[e].to : m->edges[e].from);
			int b = (int)(rev[e] ? m->edges[e].from : m->edges[e].to);
			if (a != u)
				continue;
			if (layer[b] < layer[u] + 1)
				layer[b] = layer[u] + 1;
			if (--indeg[b] == 0)
				queue[tail++] = b;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!source[i])
			continue;
		int best = -1;
		for (size_t e = 0; e < m->n_edges; e++) {
			if (skip[e])
				continue;
			int a = (int)(rev[e] ? m->edges[e].to : m->edges[e].from);
			int b = (int)(rev[e] ? m->edges[e].from : m->edges[e].to);
			if (a == (int)i && (best < 0 || layer[b] < best))
				best = layer[b];
		}
		if (best > 0)
			layer[i] = best - 1;
	}
	free(indeg);
	free(outdeg);
	free(queue);
	free(source);
}

static void
build_graph(struct mapview *v)
{
	const struct svcmap *m = v->map;
	size_t n = m->n_nodes;
	bool *skip = xcalloc(m->n_edges + 1, sizeof *skip);
	bool *rev = xcalloc(m->n_edges + 1, sizeof *rev);
	int *out_start = xcalloc(n + 2, sizeof *out_start);
	int *out_edges = xmalloc((m->n_edges + 1) * sizeof *out_edges);
	v->self_loop = xcalloc(n + 1, sizeof *v->self_loop);
	for (size_t e = 0; e < m->n_edges; e++) {
		if (m->edges[e].from == m->edges[e].to) {
			skip[e] = true;
			v->self_loop[m->edges[e].from] = true;
		} else {
			out_start[m->edges[e].from + 1]++;
		}
	}
	for (size_t i = 0; i < n; i++)
		out_start[i + 1] += out_start[i];
	int *fill = xmalloc((n + 1) * sizeof *fill);
	memcpy(fill, out_start, (n + 1) * sizeof *fill);
	for (size_t e = 0; e < m->n_edges; e++)
		if (!skip[e])
			out_edges[fill[m->edges[e].from]++] = (int)e;
	break_cycles(m, out_start, out_edges, rev);

	int *layer = xmalloc((n + 1) * sizeof *layer);
	assign_layers(m, skip, rev, layer);
	v->n_layers = 0;
	v->node_item = xmalloc((n + 1) * sizeof *v->node_item);
	for (size_t i = 0; i < n; i++) {
		v->node_item[i] = add_item(v, (int)i, layer[i]);
		if (layer[i] + 1 > v->n_layers)
			v->n_layers = layer[i] + 1;
	}
	for (size_t e = 0; e < m->n_edges; e++) {
		if (skip[e])
			continue;
		int a = (int)(rev[e] ? m->edges[e].to : m->edges[e].from);
		int b = (int)(rev[e] ? m->edges[e].from : m->edges[e].to);
		int prev = v->node_item[a];
		for (int l = layer[a] + 1; l < layer[b]; l++) {
			int d = add_item(v, -1, l);
			add_seg(v, prev, d, (int)e, rev[e], rev[e] && prev == v->node_item[a]);
			prev = d;
		}
		add_seg(v, prev, v->node_item[b], (int)e, rev[e],
		        !rev[e] || prev == v->node_item[a]);
	}
	free(skip);
	free(rev);
	free(out_start);
	free(out_edges);
	free(fill);
	free(layer);
}

/* --- ordering within layers --- */

static void
collect_layers(struct mapview *v)
{
	v->layers = xcalloc((size_t)v->n_layers + 1, sizeof *v->layers);
	v->layer_n = xcalloc((size_t)v->n_layers + 1, sizeof *v->layer_n);
	for (size_t i = 0; i < v->n_items; i++)
		v->layer_n[v->items[i].layer]++;
	for (int l = 0; l < v->n_layers; l++) {
		v->layers[l] = xmalloc(((size_t)v->layer_n[l] + 1) * sizeof **v->layers);
		v->layer_n[l] = 0;
	}
	for (size_t i = 0; i < v->n_items; i++) {
		struct item *it = &v->items[i];
		it->order = v->layer_n[it->layer];
		v->layers[it->layer][v->layer_n[it->layer]++] = (int)i;
	}
}

static const struct item *sort_items_;

static int
cmp_key(const void *pa, const void *pb)
{
	const struct item *a = &sort_items_[*(const int *)pa], *b = &sort_items_[*(const int *)pb];
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* Reorders layer l by the mean position of its neighbours in layer l-1
 * (down) or l+1 (up). */
static void
sweep_layer(struct mapview *v, int l, bool down)
{
	int n = v->layer_n[l];
	double *sum = xcalloc((size_t)n + 1, sizeof *sum);
	int *cnt = xcalloc((size_t)n + 1, sizeof *cnt);
	for (size_t s = 0; s < v->n_segs; s++) {
		const struct seg *g = &v->segs[s];
		const struct item *mine = &v->items[down ? g->to : g->from];
		const struct item *other = &v->items[down ? g->from : g->to];
		if (mine->layer != l)
			continue;
		sum[mine->order] += other->order;
		cnt[mine->order]++;
	}
	for (int k = 0; k < n; k++) {
		struct item *it = &v->items[v->layers[l][k]];
		it->key = cnt[k] ? sum[k] / cnt[k] : k;
	}
	sort_items_ = v->items;
	qsort(v->layers[l], (size_t)n, sizeof *v->layers[l], cmp_key);
	sort_items_ = NULL;
	for (int k = 0; k < n; k++)
		v->items[v->layers[l][k]].order = k;
	free(sum);
	free(cnt);
}

/* Crossings between adjacent layers, or -1 when a gap holds too many
 * segments to count them pair by pair. */
static long
count_crossings(const struct mapview *v)
{
	int nl = v->n_layers;
	size_t *start = xcalloc((size_t)nl + 2, sizeof *start);
	size_t *by_gap = xmalloc((v->n_segs + 1) * sizeof *by_gap);
	for (size_t s = 0; s < v->n_segs; s++)
		start[v->items[v->segs[s].from].layer + 1]++;
	for (int l = 0; l < nl; l++)
		start[l + 1] += start[l];
	size_t *fill = xmalloc(((size_t)nl + 1) * sizeof *fill);
	memcpy(fill, start, ((size_t)nl + 1) * sizeof *fill);
	for (size_t s = 0; s < v->n_segs; s++)
		by_gap[fill[v->items[v->segs[s].from].layer]++] = s;
	long c = 0;
	for (int l = 0; l < nl && c >= 0; l++) {
		if (start[l + 1] - start[l] > MAX_CROSS_COUNT) {
			c = -1;
			break;
		}
		for (size_t i = start[l]; i < start[l + 1]; i++) {
			const struct seg *g1 = &v->segs[by_gap[i]];
			int a1 = v->items[g1->from].order, b1 = v->items[g1->to].order;
			for (size_t j = i + 1; j < start[l + 1]; j++) {
				const struct seg *g2 = &v->segs[by_gap[j]];
				int a2 = v->items[g2->from].order, b2 = v->items[g2->to].order;
				if ((long)(a1 - a2) * (b1 - b2) < 0)
					c++;
			}
		}
	}
	free(start);
	free(by_gap);
	free(fill);
	return c;
}

static void
order_layers(struct mapview *v)
{
	int *best = xmalloc((v->n_items + 1) * sizeof *best);
	for (size_t i = 0; i < v->n_items; i++)
		best[i] = v->items[i].order;
	long best_c = count_crossings(v);
	if (best_c < 0) { /* too large to measure: a few sweeps each way, kept */
		for (int it = 0; it < 2; it++) {
			for (int l = 1; l < v->n_layers; l++)
				sweep_layer(v, l, true);
			for (int l = v->n_layers - 2; l >= 0; l--)
				sweep_layer(v, l, false);
		}
		free(best);
		return;
	}
	for (int it = 0; it < SWEEPS && best_c > 0; it++) {
		if (it % 2 == 0)
			for (int l = 1; l < v->n_layers; l++)
				sweep_layer(v, l, true);
		else
			for (int l = v->n_layers - 2; l >= 0; l--)
				sweep_layer(v, l, false);
		long c = count_crossings(v);
		if (c < best_c) {
			best_c = c;
			for (size_t i = 0; i < v->n_items; i++)
				best[i] = v->items[i].order;
		}
	}
	for (size_t i = 0; i < v->n_items; i++) {
		v->items[i].order = best[i];
		v->layers[v->items[i].layer][best[i]] = (int)i;
	}
	free(best);
}

/* --- sizes --- */

static bool
is_client(const struct mapview *v, const struct item *it)
{
	return it->node >= 0 && v->map->nodes[it->node].client;
}

/* Inner columns a node would like (its name on one line). */
static int
natural_inner(const struct mapview *v, const struct item *it)
{
	if (it->node < 0)
		return 0;
	const struct svcmap_node *n = &v->map->nodes[it->node];
	if (n->client)
		return width_of(v, client_label(), strlen(client_label()));
	char type[128];
	mapview_type_label(n->type, false, type, sizeof type);
	int w = width_of(v, n->name, strlen(n->name));
	int t = width_of(v, type, strlen(type));
	int s = n->has_stats ? stat_width(n, 0) : 1;
	int h = n->has_stats ? health_width(&n->stats, true) : 1;
	if (t > w)
		w = t;
	if (s > w)
		w = s;
	return h > w ? h : w;
}

static void
size_items(struct mapview *v, int cap, int pad)
{
	v->inner = cap;
	v->pad = pad;
	v->name_lines = 1;
	v->stat_form = 0;
	for (size_t i = 0; i < v->n_items; i++) {
		struct item *it = &v->items[i];
		if (it->node < 0 || is_client(v, it))
			continue;
		const struct svcmap_node *n = &v->map->nodes[it->node];
		int nat = natural_inner(v, it);
		int in = nat < cap ? nat : cap;
		if (wrap_name(v, n->name, in) < strlen(n->name))
			v->name_lines = 2;
		while (n->has_stats && v->stat_form < 2 && stat_width(n, v->stat_form) > in)
			v->stat_form++;
	}
	v->box_h = 2 + v->name_lines + 1 + (v->stat_form == 2 ? 2 : 1) + 1;
	for (int l = 0; l < v->n_layers; l++) {
		int lw = 1;
		for (int k = 0; k < v->layer_n[l]; k++) {
			const struct item *it = &v->items[v->layers[l][k]];
			if (it->node < 0)
				continue;
			int nat = natural_inner(v, it);
			int w = (nat < cap ? nat : cap) + 2 + 2 * pad;
			if (w > lw)
				lw = w;
		}
		v->layer_w[l] = lw;
		for (int k = 0; k < v->layer_n[l]; k++) {
			struct item *it = &v->items[v->layers[l][k]];
			it->w = lw;
			if (it->node < 0)
				it->h = 1;
			else if (is_client(v, it))
				it->h = 3;
			else
				it->h = v->box_h;
			it->port = it->h / 2;
		}
	}
}

/* --- vertical placement --- */

/* Places layer l's items as near their desired tops as order allows
 * (least squares, by pooling adjacent violators). */
static void
place_layer(struct mapview *v, int l, const double *desired)
{
	int n = v->layer_n[l];
	double *val = xmalloc(((size_t)n + 1) * sizeof *val);
	int *len = xmalloc(((size_t)n + 1) * sizeof *len);
	int off = 0, blocks = 0;
	for (int k = 0; k < n; k++) {
		const struct item *it = &v->items[v->layers[l][k]];
		val[blocks] = desired[k] - off;
		len[blocks] = 1;
		blocks++;
		while (blocks > 1 && val[blocks - 2] > val[blocks - 1]) {
			double total =
			    val[blocks - 2] * len[blocks - 2] + val[blocks - 1] * len[blocks - 1];
			len[blocks - 2] += len[blocks - 1];
			val[blocks - 2] = total / len[blocks - 2];
			blocks--;
		}
		off += it->h + 1;
	}
	off = 0;
	int k = 0;
	for (int b = 0; b < blocks; b++) {
		for (int j = 0; j < len[b]; j++, k++) {
			struct item *it = &v->items[v->layers[l][k]];
			it->y = (int)lround(val[b]) + off;
			off += it->h + 1;
		}
	}
	free(val);
	free(len);
}

static void
align_pass(struct mapview *v, int l, bool from_left, double *desired, double *sum, int *cnt)
{
	int n = v->layer_n[l];
	for (int k = 0; k < n; k++)
		sum[k] = 0, cnt[k] = 0;
	for (size_t s = 0; s < v->n_segs; s++) {
		const struct seg *g = &v->segs[s];
		const struct item *mine = &v->items[from_left ? g->to : g->from];
		const struct item *other = &v->items[from_left ? g->from : g->to];
		if (mine->layer != l)
			continue;
		sum[mine->order] += other->y + other->port;
		cnt[mine->order]++;
	}
	for (int k = 0; k < n; k++) {
		const struct item *it = &v->items[v->layers[l][k]];
		desired[k] = cnt[k] ? sum[k] / cnt[k] - it->port : it->y;
	}
	place_layer(v, l, desired);
}

/* Runs of rows that no item covers shrink to one row. */
static void
squeeze_rows(struct mapview *v)
{
	if (v->height <= 0)
		return;
	bool *used = xcalloc((size_t)v->height + 1, sizeof *used);
	int *shift = xcalloc((size_t)v->height + 1, sizeof *shift);
	for (size_t i = 0; i < v->n_items; i++)
		for (int r = 0; r < v->items[i].h; r++)
			used[v->items[i].y + r] = true;
	int removed = 0;
	for (int r = 0; r < v->height; r++) {
		if (!used[r] && r > 0 && !used[r - 1])
			removed++;
		shift[r] = removed;
	}
	for (size_t i = 0; i < v->n_items; i++)
		v->items[i].y -= shift[v->items[i].y];
	v->height -= removed;
	free(used);
	free(shift);
}

static void
place_rows(struct mapview *v)
{
	int most = 1;
	for (int l = 0; l < v->n_layers; l++) {
		int y = 0;
		for (int k = 0; k < v->layer_n[l]; k++) {
			struct item *it = &v->items[v->layers[l][k]];
			it->y = y;
			y += it->h + 1;
		}
		if (v->layer_n[l] > most)
			most = v->layer_n[l];
	}
	double *desired = xmalloc(((size_t)most + 1) * sizeof *desired);
	double *sum = xmalloc(((size_t)most + 1) * sizeof *sum);
	int *cnt = xmalloc(((size_t)most + 1) * sizeof *cnt);
	for (int p = 0; p < PLACE_PASSES; p++) {
		for (int l = v->n_layers - 2; l >= 0; l--)
			align_pass(v, l, false, desired, sum, cnt);
		for (int l = 1; l < v->n_layers; l++)
			align_pass(v, l, true, desired, sum, cnt);
	}
	free(desired);
	free(sum);
	free(cnt);
	int top = 0, bottom = 0;
	for (size_t i = 0; i < v->n_items; i++) {
		if (i == 0 || v->items[i].y < top)
			top = v->items[i].y;
		if (i == 0 || v->items[i].y + v->items[i].h > bottom)
			bottom = v->items[i].y + v->items[i].h;
	}
	for (size_t i = 0; i < v->n_items; i++)
		v->items[i].y -= top;
	v->height = v->n_items ? bottom - top : 0;
	squeeze_rows(v);
}

/* --- horizontal placement and channels --- */

static int
seg_row(const struct mapview *v, const struct seg *g, bool at_from)
{
	const struct item *it = &v->items[at_from ? g->from : g->to];
	/* Back edges attach one row lower, so their arrowheads stand apart. */
	int extra = g->reversed && it->node >= 0 && it->h > 3 ? 1 : 0;
	return it->y + it->port + extra;
}

static int
find_root(int *parent, int a)
{
	while (parent[a] != a)
		a = parent[a] = parent[parent[a]];
	return a;
}

static int *sort_top_;

static int
cmp_top(const void *pa, const void *pb)
{
	int a = sort_top_[*(const int *)pa], b = sort_top_[*(const int *)pb];
	return a < b ? -1 : a > b;
}

/* Groups each gap's segments into nets (sharing an end) and gives every
 * net that bends a channel column; sets the gap widths and layer x. */
static void
route(struct mapview *v)
{
	size_t ns = v->n_segs;
	int *parent = xmalloc((ns + 1) * sizeof *parent);
	int *owner = xmalloc((v->n_items + 1) * 2 * sizeof *owner);
	for (size_t s = 0; s < ns; s++)
		parent[s] = (int)s;
	for (size_t i = 0; i < v->n_items * 2; i++)
		owner[i] = -1;
	for (size_t s = 0; s < ns; s++) {
		const struct seg *g = &v->segs[s];
		int ends[2] = {g->from * 2, g->to * 2 + 1};
		for (int k = 0; k < 2; k++) {
			if (owner[ends[k]] < 0)
				owner[ends[k]] = (int)s;
			else
				parent[find_root(parent, (int)s)] =
				    find_root(parent, owner[ends[k]]);
		}
	}
	int *bends = xcalloc(ns + 1, sizeof *bends), *top = xmalloc((ns + 1) * sizeof *top);
	for (size_t s = 0; s < ns; s++)
		top[s] = 1 << 30;
	for (size_t s = 0; s < ns; s++) {
		struct seg *g = &v->segs[s];
		int r = find_root(parent, (int)s);
		g->net = r;
		int a = seg_row(v, g, true), b = seg_row(v, g, false);
		if (a != b)
			bends[r] = 1;
		if (a < top[r])
			top[r] = a;
		if (b < top[r])
			top[r] = b;
	}
	/* Channels per gap, ordered by their top row. */
	int *nets = xmalloc((ns + 1) * sizeof *nets), *col_of = xmalloc((ns + 1) * sizeof *col_of);
	int x = 0;
	for (int l = 0; l < v->n_layers; l++) {
		v->layer_x[l] = x;
		x += v->layer_w[l];
		if (l == v->n_layers - 1)
			break;
		int k = 0;
		for (size_t s = 0; s < ns; s++)
			if ((int)s == v->segs[s].net && bends[s] &&
			    v->items[v->segs[s].from].layer == l)
				nets[k++] = (int)s;
		sort_top_ = top;
		qsort(nets, (size_t)k, sizeof *nets, cmp_top);
		sort_top_ = NULL;
		for (int j = 0; j < k; j++)
			col_of[nets[j]] = x + 1 + j;
		v->gap_w[l] = k + 3;
		x += v->gap_w[l];
	}
	v->width = x;
	for (size_t s = 0; s < ns; s++)
		v->segs[s].col = bends[v->segs[s].net] ? col_of[v->segs[s].net] : -1;
	for (size_t i = 0; i < v->n_items; i++)
		v->items[i].x = v->layer_x[v->items[i].layer];
	free(parent);
	free(owner);
	free(bends);
	free(top);
	free(nets);
	free(col_of);
}

static void
layout(struct mapview *v, int cap, int pad)
{
	size_items(v, cap, pad);
	place_rows(v);
	route(v);
}

struct mapview *
mapview_new(const struct svcmap *m, int width, unsigned flags)
{
	struct mapview *v = xcalloc(1, sizeof *v);
	v->map = m;
	v->flags = flags;
	v->measure = canvas_new(0, 0, flags);
	build_graph(v);
	collect_layers(v);
	order_layers(v);
	size_t nl = (size_t)v->n_layers + 1;
	v->layer_x = xcalloc(nl, sizeof *v->layer_x);
	v->layer_w = xcalloc(nl, sizeof *v->layer_w);
	v->gap_w = xcalloc(nl, sizeof *v->gap_w);
	/* The widest boxes that fit: padded first, then bare, then narrower. */
	bool done = false;
	for (int pad = 1; pad >= 0 && !done; pad--) {
		for (int cap = MAX_INNER; cap >= (pad ? PADDED_MIN : MIN_INNER) && !done; cap--) {
			layout(v, cap, pad);
			done = v->width <= width;
		}
	}
	if (!done)
		layout(v, MIN_INNER, 0);
	return v;
}

void
mapview_free(struct mapview *v)
{
	if (!v)
		return;
	for (int l = 0; l < v->n_layers; l++)
		free(v->layers[l]);
	free(v->layers);
	free(v->layer_n);
	free(v->items);
	free(v->segs);
	free(v->node_item);
	free(v->self_loop);
	free(v->layer_x);
	free(v->layer_w);
	free(v->gap_w);
	canvas_free(v->measure);
	free(v);
}

void
mapview_size(const struct mapview *v, int *width, int *height)
{
	*width = v->width;
	*height = v->height;
}

int
mapview_default_focus(const struct mapview *v)
{
	const struct svcmap *m = v->map;
	for (size_t i = 0; i < m->n_nodes; i++)
		if (m->nodes[i].root && !m->nodes[i].client)
			return (int)i;
	return m->n_nodes ? 0 : -1;
}

bool
mapview_node_box(const struct mapview *v, int node, int *x, int *y, int *w, int *h)
{
	if (node < 0 || (size_t)node >= v->map->n_nodes)
		return false;
	const struct item *it = &v->items[v->node_item[node]];
	*x = it->x, *y = it->y, *w = it->w, *h = it->h;
	return true;
}

/* --- drawing --- */

enum { B_N = 1, B_E = 2, B_S = 4, B_W = 8 };

struct grid {
	int w, h;
	unsigned char *bits;
	bool *crossed;
	int *net;
	unsigned short *style;
};

static void
grid_put(struct grid *g, int x, int y, unsigned bits, int net, unsigned style)
{
	if (x < 0 || y < 0 || x >= g->w || y >= g->h)
		return;
	size_t i = (size_t)y * (size_t)g->w + (size_t)x;
	if (g->net[i] >= 0 && g->net[i] != net) {
		bool old_h = !(g->bits[i] & (B_N | B_S)), old_v = !(g->bits[i] & (B_E | B_W));
		bool new_h = !(bits & (B_N | B_S)), new_v = !(bits & (B_E | B_W));
		if ((old_h && new_v) || (old_v && new_h)) {
			g->crossed[i] = true;
			if (new_v)
				g->style[i] = (unsigned short)style;
			g->bits[i] |= (unsigned char)bits;
			return;
		}
	}
	if (g->net[i] < 0)
		g->style[i] = (unsigned short)style;
	g->net[i] = net;
	g->bits[i] |= (unsigned char)bits;
}

static void
grid_hline(struct grid *g, int x1, int x2, int y, int net, unsigned style)
{
	int a = x1 < x2 ? x1 : x2, b = x1 < x2 ? x2 : x1;
	for (int x = a; x <= b; x++)
		grid_put(g, x, y, (x > a ? B_W : 0) | (x < b ? B_E : 0), net, style);
}

static void
grid_vline(struct grid *g, int x, int y1, int y2, int net, unsigned style)
{
	int a = y1 < y2 ? y1 : y2, b = y1 < y2 ? y2 : y1;
	for (int y = a; y <= b; y++)
		grid_put(g, x, y, (y > a ? B_N : 0) | (y < b ? B_S : 0), net, style);
}

static enum canvas_glyph
glyph_of(unsigned bits)
{
	switch (bits) {
	case B_N | B_S:
	case B_N:
	case B_S: return CANVAS_G_VLINE;
	case B_E | B_S: return CANVAS_G_TOP_LEFT;
	case B_W | B_S: return CANVAS_G_TOP_RIGHT;
	case B_N | B_E: return CANVAS_G_BOTTOM_LEFT;
	case B_N | B_W: return CANVAS_G_BOTTOM_RIGHT;
	case B_N | B_S | B_E: return CANVAS_G_TEE_RIGHT;
	case B_N | B_S | B_W: return CANVAS_G_TEE_LEFT;
	case B_E | B_W | B_S: return CANVAS_G_TEE_DOWN;
	case B_E | B_W | B_N: return CANVAS_G_TEE_UP;
	case B_N | B_E | B_S | B_W: return CANVAS_G_CROSS;
	default: return CANVAS_G_HLINE;
	}
}

static unsigned
edge_style(const struct mapview *v, int edge)
{
	const struct svcmap_edge *e = &v->map->edges[edge];
	enum mapview_health h = mapview_health_of(&e->stats, true);
	return h == MAPVIEW_OK || h == MAPVIEW_NONE ? CANVAS_DIM : health_role(h);
}

struct span {
	int net, col, lo, hi;
	unsigned style;
};

static int
cmp_span(const void *pa, const void *pb)
{
	const struct span *a = pa, *b = pb;
	if (a->net != b->net)
		return a->net < b->net ? -1 : 1;
	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

static void
draw_edges(const struct mapview *v, struct canvas *c)
{
	struct grid g = {v->width, v->height, NULL, NULL, NULL, NULL};
	size_t cells = (size_t)v->width * (size_t)v->height + 1;
	g.bits = xcalloc(cells, 1);
	g.crossed = xcalloc(cells, sizeof *g.crossed);
	g.net = xmalloc(cells * sizeof *g.net);
	g.style = xcalloc(cells, sizeof *g.style);
	for (size_t i = 0; i < cells; i++)
		g.net[i] = -1;
	int dummy_net = (int)v->n_segs;
	for (size_t i = 0; i < v->n_items; i++) {
		const struct item *it = &v->items[i];
		if (it->node >= 0)
			continue;
		unsigned style = CANVAS_DIM;
		for (size_t s = 0; s < v->n_segs; s++)
			if (v->segs[s].to == (int)i)
				style = edge_style(v, v->segs[s].edge);
		grid_hline(&g, it->x, it->x + it->w - 1, it->y, dummy_net++, style);
	}
	/* Channel verticals: the rows each segment spans, overlapping spans of
	 * one net drawn once (a fan-out of thousands stays linear). */
	struct span *spans = xmalloc((v->n_segs + 1) * sizeof *spans);
	size_t n_spans = 0;
	for (size_t s = 0; s < v->n_segs; s++) {
		const struct seg *sg = &v->segs[s];
		const struct item *a = &v->items[sg->from];
		unsigned style = edge_style(v, sg->edge);
		int x1 = a->x + a->w, x2 = v->layer_x[a->layer + 1] - 1;
		int ra = seg_row(v, sg, true), rb = seg_row(v, sg, false);
		if (sg->col < 0) {
			grid_hline(&g, x1, x2, ra, sg->net, style);
			continue;
		}
		grid_hline(&g, x1, sg->col, ra, sg->net, style);
		grid_hline(&g, sg->col, x2, rb, sg->net, style);
		spans[n_spans++] =
		    (struct span){sg->net, sg->col, ra < rb ? ra : rb, ra < rb ? rb : ra, style};
	}
	qsort(spans, n_spans, sizeof *spans, cmp_span);
	for (size_t k = 0; k < n_spans;) {
		struct span cur = spans[k++];
		while (k < n_spans && spans[k].net == cur.net && spans[k].lo <= cur.hi) {
			if (spans[k].hi > cur.hi)
				cur.hi = spans[k].hi;
			k++;
		}
		grid_vline(&g, cur.col, cur.lo, cur.hi, cur.net, cur.style);
	}
	free(spans);
	for (int y = 0; y < g.h; y++) {
		for (int x = 0; x < g.w; x++) {
			size_t i = (size_t)y * (size_t)g.w + (size_t)x;
			if (!g.bits[i])
				continue;
			enum canvas_glyph gl = g.crossed[i] ? CANVAS_G_VLINE : glyph_of(g.bits[i]);
			canvas_fill(c, x, y, 1, 1, canvas_glyph(c, gl), g.style[i]);
		}
	}
	/* Arrowheads, and tees where lines leave a box. */
	bool ascii = v->flags & CANVAS_ASCII;
	for (size_t s = 0; s < v->n_segs; s++) {
		const struct seg *sg = &v->segs[s];
		const struct item *a = &v->items[sg->from], *b = &v->items[sg->to];
		unsigned style = edge_style(v, sg->edge);
		int x1 = a->x + a->w, x2 = b->x - 1;
		int ra = seg_row(v, sg, true), rb = seg_row(v, sg, false);
		if (sg->head && !sg->reversed)
			canvas_fill(c, x2, rb, 1, 1, canvas_glyph(c, CANVAS_G_ARROW_RIGHT), style);
		if (sg->head && sg->reversed)
			canvas_fill(c, x1, ra, 1, 1, ascii ? "<" : "\xE2\x97\x80", style);
		if (a->node >= 0 && !(sg->head && sg->reversed))
			canvas_fill(c, x1 - 1, ra, 1, 1, canvas_glyph(c, CANVAS_G_TEE_RIGHT),
			            canvas_cell(c, x1 - 1, ra) ? canvas_cell(c, x1 - 1, ra)->style
			                                       : 0);
		if (b->node >= 0 && sg->reversed)
			canvas_fill(c, x2 + 1, rb, 1, 1, canvas_glyph(c, CANVAS_G_TEE_LEFT),
			            canvas_cell(c, x2 + 1, rb) ? canvas_cell(c, x2 + 1, rb)->style
			                                       : 0);
	}
	free(g.bits);
	free(g.crossed);
	free(g.net);
	free(g.style);
}

static void
draw_health(struct canvas *c, int x, int y, int cols, const struct svcmap_node *n)
{
	struct health_part parts[3];
	int k = health_parts(&n->stats, parts);
	if (!k) {
		canvas_puts(c, x, y, cols, n->stats.total ? "ok" : "-",
		            n->stats.total ? CANVAS_OK : CANVAS_DIM);
		return;
	}
	bool wide = health_width(&n->stats, true) <= cols;
	int used = 0;
	for (int i = 0; i < k && used < cols; i++) {
		if (i)
			used += canvas_puts(c, x + used, y, cols - used, " ", CANVAS_NORMAL);
		used += canvas_puts(c, x + used, y, cols - used, parts[i].letter,
		                    parts[i].role | CANVAS_BOLD);
		if (wide)
			used += canvas_puts(c, x + used, y, cols - used, " ", CANVAS_NORMAL);
		used += canvas_puts(c, x + used, y, cols - used, parts[i].pct, parts[i].role);
	}
}

static void
draw_box(const struct mapview *v, struct canvas *c, const struct item *it, bool selected)
{
	const struct svcmap_node *n = &v->map->nodes[it->node];
	unsigned sel = selected ? CANVAS_SELECTED : 0;
	int inner = it->w - 2 - 2 * v->pad, x = it->x + 1 + v->pad, y = it->y + 1;
	canvas_fill(c, it->x + 1, it->y + 1, it->w - 2, it->h - 2, " ", CANVAS_NORMAL);
	if (n->client) {
		canvas_box(c, it->x, it->y, it->w, it->h, CANVAS_DIM);
		canvas_fit(c, x, y, inner, client_label(), strlen(client_label()), UTF8_LEFT,
		           CANVAS_NORMAL | sel);
		return;
	}
	enum mapview_health h = mapview_health_of(&n->stats, n->has_stats);
	unsigned role = health_role(h);
	canvas_box(c, it->x, it->y, it->w, it->h, role);
	/* The health letter in the top border: ┌──── F ─┐ */
	const char *letter = mapview_health_letter(h);
	int lw = (int)strlen(letter);
	if (it->w >= lw + 5) {
		int bx = it->x + it->w - lw - 4;
		canvas_puts(c, bx, it->y, 1, " ", role);
		canvas_puts(c, bx + 1, it->y, lw, letter, role | CANVAS_BOLD);
		canvas_puts(c, bx + 1 + lw, it->y, 1, " ", role);
	}
	size_t len = strlen(n->name);
	size_t first = wrap_name(v, n->name, inner);
	canvas_fit(c, x, y++, inner, n->name, first, UTF8_LEFT, CANVAS_BOLD | sel);
	if (v->name_lines == 2 && first < len) {
		size_t rest = first;
		while (rest < len && n->name[rest] == ' ')
			rest++;
		canvas_fit(c, x, y++, inner, n->name + rest, len - rest, UTF8_LEFT,
		           CANVAS_BOLD | sel);
	}
	char type[128];
	mapview_type_label(n->type, false, type, sizeof type);
	if (width_of(v, type, strlen(type)) > inner)
		mapview_type_label(n->type, true, type, sizeof type);
	canvas_fit(c, x, y++, inner, type, strlen(type), UTF8_LEFT, CANVAS_DIM);
	if (!n->has_stats) {
		canvas_puts(c, x, y, inner, "-", CANVAS_DIM);
		return;
	}
	char req[32], avg[16], line[64];
	stat_texts(n, req, sizeof req, avg, sizeof avg);
	if (v->stat_form == 0)
		snprintf(line, sizeof line, "%s  %s %s", req, _("avg"), avg);
	else
		snprintf(line, sizeof line, "%s %s", req, avg);
	if (v->stat_form == 2) {
		canvas_puts(c, x, y++, inner, req, CANVAS_NORMAL);
		snprintf(line, sizeof line, "%s %s", _("avg"), avg);
		/* "avg" goes before the number is cut */
		if ((int)utf8_width(line, strlen(line), 0) > inner)
			snprintf(line, sizeof line, "%s", avg);
	}
	canvas_fit(c, x, y++, inner, line, strlen(line), UTF8_LEFT, CANVAS_NORMAL);
	draw_health(c, x, y, inner, n);
}

/* The map drawn whole, in map coordinates. */
static void
draw_all(const struct mapview *v, struct canvas *c, int focus, bool highlight)
{
	draw_edges(v, c);
	for (size_t i = 0; i < v->n_items; i++) {
		const struct item *it = &v->items[i];
		if (it->node >= 0)
			draw_box(v, c, it, highlight && it->node == focus);
	}
	/* A service that calls itself: a loop mark on its box's left border. */
	for (size_t i = 0; i < v->map->n_nodes; i++) {
		if (!v->self_loop[i])
			continue;
		const struct item *it = &v->items[v->node_item[i]];
		canvas_puts(c, it->x + it->w - 3, it->y + it->h - 1, 1,
		            (v->flags & CANVAS_ASCII) ? "@" : "\xE2\x86\xBB",
		            CANVAS_ACCENT | CANVAS_BOLD);
	}
}

static int
clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void
viewport_origin(const struct mapview *v, const struct canvas *c, struct mapview_viewport *vp)
{
	int focus = vp->focus >= 0 && (size_t)vp->focus < v->map->n_nodes
	                ? vp->focus
	                : mapview_default_focus(v);
	int cx = 0, cy = 0;
	if (focus >= 0) {
		const struct item *it = &v->items[v->node_item[focus]];
		cx = it->x + it->w / 2;
		cy = it->y + it->h / 2;
	}
	int ox = v->width <= c->width ? 0 : clamp(cx - c->width / 2, 0, v->width - c->width);
	int oy = v->height <= c->height ? 0 : clamp(cy - c->height / 2, 0, v->height - c->height);
	vp->origin_x = clamp(ox + vp->pan_x, 0, v->width > c->width ? v->width - c->width : 0);
	vp->origin_y = clamp(oy + vp->pan_y, 0, v->height > c->height ? v->height - c->height : 0);
}

void
mapview_draw(const struct mapview *v, struct canvas *c, struct mapview_viewport *vp)
{
	canvas_clear(c);
	viewport_origin(v, c, vp);
	struct canvas *all = canvas_new(v->width, v->height, v->flags);
	int focus = vp->focus >= 0 ? vp->focus : mapview_default_focus(v);
	draw_all(v, all, focus, vp->highlight);
	canvas_blit(c, 0, 0, all, vp->origin_x, vp->origin_y, c->width, c->height);
	canvas_free(all);
}

int
mapview_node_at(const struct mapview *v, const struct mapview_viewport *vp, int x, int y)
{
	int mx = x + vp->origin_x, my = y + vp->origin_y;
	for (size_t i = 0; i < v->n_items; i++) {
		const struct item *it = &v->items[i];
		if (it->node >= 0 && mx >= it->x && mx < it->x + it->w && my >= it->y &&
		    my < it->y + it->h)
			return it->node;
	}
	return -1;
}

int
mapview_neighbour(const struct mapview *v, int node, enum mapview_dir dir)
{
	if (node < 0 || (size_t)node >= v->map->n_nodes)
		return -1;
	const struct item *from = &v->items[v->node_item[node]];
	int row = from->y + from->port;
	if (dir == MAPVIEW_UP || dir == MAPVIEW_DOWN) {
		int step = dir == MAPVIEW_UP ? -1 : 1;
		for (int k = from->order + step; k >= 0 && k < v->layer_n[from->layer]; k += step) {
			const struct item *it = &v->items[v->layers[from->layer][k]];
			if (it->node >= 0)
				return it->node;
		}
		return -1;
	}
	int step = dir == MAPVIEW_LEFT ? -1 : 1;
	for (int l = from->layer + step; l >= 0 && l < v->n_layers; l += step) {
		int best = -1, best_d = 0;
		for (int k = 0; k < v->layer_n[l]; k++) {
			const struct item *it = &v->items[v->layers[l][k]];
			if (it->node < 0)
				continue;
			int d = abs(it->y + it->port - row);
			if (best < 0 || d < best_d)
				best = it->node, best_d = d;
		}
		if (best >= 0)
			return best;
	}
	return -1;
}

int
mapview_node_order(const struct mapview *v, int node)
{
	if (node < 0 || (size_t)node >= v->map->n_nodes)
		return -1;
	const struct item *it = &v->items[v->node_item[node]];
	int rank = 0;
	for (int l = 0; l < it->layer; l++)
		rank += v->layer_n[l];
	return rank + it->order;
}

/* id(name: "...", type: "...", account.id: "...") of a service node. */
static void
filter_id(struct buf *out, const struct svcmap_node *n)
{
	buf_puts(out, "id(name: ");
	buf_put_quoted(out, n->name);
	if (n->type) {
		buf_puts(out, ", type: ");
		buf_put_quoted(out, n->type);
	}
	if (n->account_id) {
		buf_puts(out, ", account.id: ");
		buf_put_quoted(out, n->account_id);
	}
	buf_putc(out, ')');
}

/* The entry point a client node stands in front of, or -1. */
static int
client_target(const struct svcmap *m, size_t client)
{
	for (size_t e = 0; e < m->n_edges; e++)
		if (m->edges[e].from == client)
			return (int)m->edges[e].to;
	return -1;
}

void
mapview_node_filter(const struct svcmap *m, int node, struct buf *out)
{
	if (node < 0 || (size_t)node >= m->n_nodes)
		return;
	const struct svcmap_node *n = &m->nodes[node];
	int target = n->client ? client_target(m, (size_t)node) : node;
	if (target < 0)
		return;
	buf_puts(out, "service(");
	filter_id(out, &m->nodes[target]);
	buf_puts(out, n->client ? ") { root }" : ")");
}

void
mapview_edge_filter(const struct svcmap *m, int edge, struct buf *out)
{
	if (edge < 0 || (size_t)edge >= m->n_edges)
		return;
	const struct svcmap_edge *e = &m->edges[edge];
	if (m->nodes[e->from].client) {
		mapview_node_filter(m, (int)e->from, out);
		return;
	}
	buf_puts(out, "edge(");
	filter_id(out, &m->nodes[e->from]);
	buf_puts(out, ", ");
	filter_id(out, &m->nodes[e->to]);
	buf_putc(out, ')');
}
