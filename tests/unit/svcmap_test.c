/* svcmap_test: the service map (model/svcmap.h), its layout and drawing
 * (view/mapview.h) and its batch printing (batch/batch_map.h).  The
 * pictures are compared with golden files in tests/views/ (regenerate
 * with XRTOP_UPDATE_GOLDEN=1 and read the diff); hand-made traces cover a
 * cycle, a missing parent, 30 services, Korean names and escape sequences. */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch/batch_map.h"
#include "filter/filter.h"
#include "model/store.h"
#include "model/svcmap.h"
#include "source/file.h"
#include "tap.h"
#include "util/buf.h"
#include "util/utf8.h"
#include "util/xmalloc.h"
#include "view/canvas.h"
#include "view/mapview.h"
#include "xray/decode_graph.h"

static const char *
top(void)
{
	const char *dir = getenv("top_srcdir");
	return dir ? dir : "..";
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b = BUF_INIT;
	char tmp[65536];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_append(&b, tmp, n);
	fclose(f);
	if (len)
		*len = b.len;
	return b.data ? buf_steal(&b) : xcalloc(1, 1);
}

static struct xr_store *
load(const char *name, const char *data, size_t len)
{
	struct xr_store *s = store_new();
	struct xr_warnings w = {0};
	struct load_stats st = {0};
	struct xr_err err = {0};
	if (file_load_buffer(name, data, len, s, &w, &st, &err) < 0)
		printf("# %s: %s\n", name, err.msg);
	warn_free(&w);
	return s;
}

/* The batch text of m at width columns. */
static char *
render(const struct svcmap *m, int width, unsigned flags)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct batch_map_format fmt = {OUTPUT_TABLE, width, flags};
	batch_map_print(f, m, &fmt);
	fclose(f);
	return text;
}

static void
golden(const char *text, const char *name)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/tests/views/%s", top(), name);
	if (getenv("XRTOP_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "wb");
		if (f) {
			fputs(text, f);
			fclose(f);
		}
	}
	char *want = slurp(path, NULL);
	if (!want) {
		ok(0, "golden %s: cannot read %s", name, path);
		return;
	}
	is_str(text, want, "golden %s", name);
	free(want);
}

/* Every line fits width columns and no control character got through. */
static void
check_lines(const char *text, int width, const char *what)
{
	size_t widest = 0;
	bool clean = true;
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		size_t w = utf8_width(p, n, 0);
		if (w > widest)
			widest = w;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
				clean = false;
		p += n + (p[n] == '\n');
	}
	ok(widest <= (size_t)width, "%s: every line within %d columns (widest %zu)", what, width,
	   widest);
	ok(clean, "%s: no control characters", what);
}

static void
picture(const struct svcmap *m, const char *base, int width, unsigned flags)
{
	char name[128];
	snprintf(name, sizeof name, "%s-%d%s.txt", base, width,
	         flags & CANVAS_ASCII ? "-ascii" : "");
	char *text = render(m, width, flags);
	golden(text, name);
	check_lines(text, width, name);
	if (flags & CANVAS_ASCII) {
		bool ascii = true;
		for (const char *p = text; *p; p++)
			ascii &= (unsigned char)*p < 0x80;
		ok(ascii, "%s: ASCII only", name);
	}
	free(text);
}

/* No two boxes overlap, and each lies within the map. */
static void
check_boxes(const struct svcmap *m, int width, const char *what)
{
	struct mapview *v = mapview_new(m, width, 0);
	int mw, mh;
	mapview_size(v, &mw, &mh);
	bool fine = true;
	for (size_t i = 0; i < m->n_nodes; i++) {
		int x, y, w, h;
		fine &= mapview_node_box(v, (int)i, &x, &y, &w, &h);
		fine &= x >= 0 && y >= 0 && x + w <= mw && y + h <= mh;
		for (size_t j = 0; j < i; j++) {
			int x2, y2, w2, h2;
			mapview_node_box(v, (int)j, &x2, &y2, &w2, &h2);
			if (x < x2 + w2 && x2 < x + w && y < y2 + h2 && y2 < y + h)
				fine = false;
		}
	}
	ok(fine, "%s: %zu boxes inside the map, none overlapping", what, m->n_nodes);
	mapview_free(v);
}

/* The node of m called name with type (or -1). */
static int
find_typed(const struct svcmap *m, const char *name, const char *type)
{
	for (size_t i = 0; i < m->n_nodes; i++)
		if (strcmp(m->nodes[i].name, name) == 0 &&
		    strcmp(m->nodes[i].type ? m->nodes[i].type : "", type ? type : "") == 0)
			return (int)i;
	return -1;
}

/* The filters the map writes for its nodes and edges select exactly the
 * traces whose own map has that node or edge. */
static void
check_filters(const struct svcmap *m, const struct xr_store *s, const char *what)
{
	size_t n = store_count(s);
	struct svcmap **one = xcalloc(n + 1, sizeof *one);
	for (size_t i = 0; i < n; i++) {
		one[i] = svcmap_new();
		if (store_entry(s, i)->trace)
			svcmap_add_trace(one[i], store_entry(s, i)->trace);
		svcmap_finish(one[i]);
	}
	bool all_ok = true;
	char failed[256] = "";
	for (size_t k = 0; k < m->n_nodes + m->n_edges; k++) {
		struct buf expr = BUF_INIT;
		bool is_node = k < m->n_nodes;
		if (is_node)
			mapview_node_filter(m, (int)k, &expr);
		else
			mapview_edge_filter(m, (int)(k - m->n_nodes), &expr);
		struct xr_filter_error fe;
		struct xr_filter *f = filter_compile(expr.data, NULL, NULL, &fe);
		size_t got = 0, want = 0;
		for (size_t i = 0; f && i < n; i++) {
			const struct xr_store_entry *e = store_entry(s, i);
			got += filter_eval(f, store_entry_summary(e), e->trace) == FILTER_MATCH;
			const struct svcmap *o = one[i];
			if (is_node) {
				const struct svcmap_node *nd = &m->nodes[k];
				want += find_typed(o, nd->name, nd->type) >= 0;
			} else {
				const struct svcmap_edge *ed = &m->edges[k - m->n_nodes];
				int a =
				    find_typed(o, m->nodes[ed->from].name, m->nodes[ed->from].type);
				int b = find_typed(o, m->nodes[ed->to].name, m->nodes[ed->to].type);
				for (size_t j = 0; a >= 0 && b >= 0 && j < o->n_edges; j++)
					if ((int)o->edges[j].from == a &&
					    (int)o->edges[j].to == b) {
						want++;
						break;
					}
			}
		}
		if (!f || got != want || !got) {
			all_ok = false;
			snprintf(failed, sizeof failed, "%s: %zu, want %zu", expr.data, got, want);
		}
		filter_free(f);
		buf_free(&expr);
	}
	ok(all_ok, "%s: every node's and edge's filter selects its traces %s", what, failed);
	for (size_t i = 0; i < n; i++)
		svcmap_free(one[i]);
	free(one);
}

static void
test_demo(void)
{
	char path[1024];
	size_t len;
	snprintf(path, sizeof path, "%s/data/demo.json", top());
	char *data = slurp(path, &len);
	ok(data != NULL, "data/demo.json read");
	if (!data)
		return;
	struct xr_store *s = load("demo", data, len);
	struct svcmap *m = svcmap_build(s, NULL, NULL, NULL);
	is_int(m->n_traces, 300, "demo: 300 traces");
	is_int(m->n_nodes, 7, "demo: 6 services and a client");
	is_int(m->n_edges, 7, "demo: 7 calls");
	int api = svcmap_find(m, "QuickTableXRayAPI/prod");
	ok(api >= 0 && m->nodes[api].root && !m->nodes[api].client,
	   "demo: the API stage is the root");
	int ddb = svcmap_find(m, "Reservations");
	ok(ddb >= 0 && strcmp(m->nodes[ddb].type, "AWS::DynamoDB::Table") == 0,
	   "demo: Reservations is a DynamoDB table");
	struct svcmap_index *ix = svcmap_index_new();
	svcmap_index_update(ix, s);
	struct svcmap *mi = svcmap_build_indexed(ix, s, NULL, NULL, NULL);
	struct buf ja = BUF_INIT, jb = BUF_INIT;
	batch_map_json(m, &ja);
	batch_map_json(mi, &jb);
	is_str(jb.data, ja.data, "the map from the index is the map from the traces");
	buf_free(&ja);
	buf_free(&jb);
	svcmap_free(mi);
	svcmap_index_update(ix, s); /* nothing new: nothing copied again */
	mi = svcmap_build_indexed(ix, s, NULL, NULL, NULL);
	is_int(mi->n_traces, 300, "an index brought up to date twice counts each trace once");
	svcmap_free(mi);
	svcmap_index_free(ix);
	picture(m, "map-demo", 80, 0);
	picture(m, "map-demo", 120, 0);
	picture(m, "map-demo", 80, CANVAS_ASCII);
	check_boxes(m, 80, "demo at 80");
	check_filters(m, s, "demo");
	struct buf fx = BUF_INIT;
	mapview_node_filter(m, ddb, &fx);
	is_str(fx.data, "service(id(name: \"Reservations\", type: \"AWS::DynamoDB::Table\"))",
	       "the filter for Reservations");
	buf_free(&fx);
	for (int w = 20; w <= 60; w += 10) {
		char *text = render(m, w, 0), what[32];
		snprintf(what, sizeof what, "demo at %d columns", w);
		check_lines(text, w, what);
		free(text);
	}

	/* Focus moves between neighbours; the TUI pans around the focus. */
	struct mapview *v = mapview_new(m, 80, 0);
	int lam = mapview_neighbour(v, api, MAPVIEW_RIGHT);
	ok(lam >= 0 && strcmp(m->nodes[lam].type, "AWS::Lambda") == 0,
	   "right of the API: a Lambda");
	int other = mapview_neighbour(v, lam,
	                              lam == mapview_neighbour(v, api, MAPVIEW_RIGHT) &&
	                                      mapview_neighbour(v, lam, MAPVIEW_DOWN) >= 0
	                                  ? MAPVIEW_DOWN
	                                  : MAPVIEW_UP);
	ok(other >= 0 && other != lam && strcmp(m->nodes[other].type, "AWS::Lambda") == 0,
	   "up or down from a Lambda: the other Lambda");
	int client = mapview_neighbour(v, api, MAPVIEW_LEFT);
	ok(client >= 0 && m->nodes[client].client, "left of the API: its client");
	is_int(mapview_neighbour(v, client, MAPVIEW_LEFT), -1, "nothing left of the client");
	struct canvas *c = canvas_new(30, 8, 0);
	struct mapview_viewport vp = {.focus = ddb, .highlight = true};
	mapview_draw(v, c, &vp);
	int mw, mh;
	mapview_size(v, &mw, &mh);
	ok(vp.origin_x == mw - 30, "a small canvas focused on Reservations shows the right edge");
	int bx, by, bw, bh;
	mapview_node_box(v, ddb, &bx, &by, &bw, &bh);
	is_int(mapview_node_at(v, &vp, bx - vp.origin_x + 1, by - vp.origin_y + 1), ddb,
	       "mapview_node_at finds the focused box");
	struct canvas_cell const *cell = canvas_cell(c, bx - vp.origin_x + 2, by - vp.origin_y + 1);
	ok(cell && (cell->style & CANVAS_SELECTED), "the focused node's name is selected");
	vp.pan_x = -1000;
	mapview_draw(v, c, &vp);
	is_int(vp.origin_x, 0, "panning stops at the map's left edge");
	canvas_free(c);
	mapview_free(v);
	svcmap_free(m);
	store_free(s);
	free(data);
}

#define T1 "1-5f000000-000000000000000000000001"
#define T2 "1-5f000000-000000000000000000000002"

static void
test_cycle_and_orphan(void)
{
	const char *cycle =
	    "{\"id\":\"a1\",\"name\":\"A\",\"origin\":\"AWS::EC2::Instance\",\"trace_id\":\"" T1
	    "\","
	    "\"start_time\":100,\"end_time\":101,\"subsegments\":[{\"id\":\"a1s\",\"name\":\"B\","
	    "\"start_time\":100.1,\"end_time\":100.9}]}\n"
	    "{\"id\":\"b1\",\"name\":\"B\",\"origin\":\"AWS::EC2::Instance\",\"trace_id\":\"" T1
	    "\","
	    "\"parent_id\":\"a1s\",\"start_time\":100.1,\"end_time\":100.8,\"subsegments\":[{"
	    "\"id\":"
	    "\"b1s\",\"name\":\"C\",\"start_time\":100.2,\"end_time\":100.7}]}\n"
	    "{\"id\":\"c1\",\"name\":\"C\",\"origin\":\"AWS::EC2::Instance\",\"trace_id\":\"" T1
	    "\","
	    "\"parent_id\":\"b1s\",\"start_time\":100.2,\"end_time\":100.6,\"fault\":true,"
	    "\"subsegments\":[{\"id\":\"c1s\",\"name\":\"A\",\"start_time\":100.3,\"end_time\":100."
	    "5}]}\n"
	    "{\"id\":\"a2\",\"name\":\"A\",\"origin\":\"AWS::EC2::Instance\",\"trace_id\":\"" T1
	    "\","
	    "\"parent_id\":\"c1s\",\"start_time\":100.3,\"end_time\":100.4,\"error\":true}\n"
	    /* A segment whose parent was never sent, calling DynamoDB and a host. */
	    "{\"id\":\"m1\",\"name\":\"Orphan\",\"origin\":\"AWS::ECS::Container\",\"trace_id\":"
	    "\"" T2 "\",\"parent_id\":\"0000000000000bad\",\"start_time\":200,\"end_time\":200.5,"
	    "\"subsegments\":[{\"id\":\"m1d\",\"name\":\"DynamoDB\",\"namespace\":\"aws\","
	    "\"start_time\":200.1,\"end_time\":200.2,\"throttle\":true,\"error\":true,"
	    "\"aws\":{\"table_name\":\"Orders\",\"operation\":\"PutItem\"}},"
	    "{\"id\":\"m1r\",\"name\":\"payments\",\"namespace\":\"remote\",\"start_time\":200.2,"
	    "\"end_time\":200.4,\"http\":{\"request\":{\"url\":\"https://pay.example.com:8443/"
	    "v1\"}}}]}\n";
	struct xr_store *s = load("cycle", cycle, strlen(cycle));
	struct svcmap *m = svcmap_build(s, NULL, NULL, NULL);
	int a = svcmap_find(m, "A"), b = svcmap_find(m, "B"), c = svcmap_find(m, "C");
	int orphan = svcmap_find(m, "Orphan"), orders = svcmap_find(m, "Orders");
	int pay = svcmap_find(m, "pay.example.com");
	ok(a >= 0 && b >= 0 && c >= 0, "cycle: A, B and C");
	ok(orphan >= 0 && m->nodes[orphan].root, "missing parent: the segment is an entry point");
	ok(orders >= 0 && m->nodes[orders].inferred &&
	       strcmp(m->nodes[orders].type, "AWS::DynamoDB::Table") == 0,
	   "a DynamoDB subsegment gives an inferred table node named by its table");
	ok(pay >= 0 && strcmp(m->nodes[pay].type, "remote") == 0,
	   "a remote subsegment gives a node named by its host");
	bool ca = false, found_ca = false;
	for (size_t e = 0; e < m->n_edges; e++) {
		if ((int)m->edges[e].from == c && (int)m->edges[e].to == a) {
			found_ca = true;
			ca = m->edges[e].stats.total == 1 && m->edges[e].stats.error_other == 1;
		}
	}
	ok(found_ca && ca, "the edge C -> A closes the cycle, with its error counted");
	is_int(m->nodes[orders].stats.throttle, 1, "the table's throttle counted");
	picture(m, "map-cycle", 80, 0);
	picture(m, "map-cycle", 80, CANVAS_ASCII);
	picture(m, "map-cycle", 120, 0);
	check_boxes(m, 80, "cycle");
	check_filters(m, s, "cycle and orphan");
	svcmap_free(m);
	store_free(s);
}

#define T3 "1-5f000000-000000000000000000000003"

/* Checks that Alpha, Gamma and Beta are three services in m, with their
 * own requests and the edge Alpha -> Gamma. */
static void
check_apart(const struct svcmap *m, const char *what)
{
	int alpha = find_typed(m, "Alpha", "AWS::EC2::Instance");
	int beta = find_typed(m, "Beta", "AWS::EC2::Instance");
	int gamma = find_typed(m, "Gamma", "AWS::EC2::Instance");
	ok(alpha >= 0 && beta >= 0 && gamma >= 0 && alpha != beta && alpha != gamma &&
	       beta != gamma,
	   "%s: two services with equal keys stay two services (%zu nodes)", what, m->n_nodes);
	if (alpha < 0 || beta < 0 || gamma < 0)
		return;
	ok(m->nodes[alpha].stats.total == 2 && m->nodes[alpha].stats.ok == 2,
	   "%s: Alpha has its own 2 requests (%lld)", what, m->nodes[alpha].stats.total);
	ok(m->nodes[beta].stats.total == 1 && m->nodes[beta].stats.fault == 1,
	   "%s: Beta has its own fault (%lld requests)", what, m->nodes[beta].stats.total);
	ok(m->nodes[gamma].stats.total == 1 && m->nodes[gamma].stats.error_other == 1,
	   "%s: Gamma has its own error (%lld requests)", what, m->nodes[gamma].stats.total);
	bool edge = false;
	for (size_t e = 0; e < m->n_edges; e++)
		edge |= (int)m->edges[e].from == alpha && (int)m->edges[e].to == gamma;
	ok(edge, "%s: the edge Alpha -> Gamma, not a loop", what);
}

/* Trace text is untrusted: services whose tracegraph_key()s collide are
 * told apart by their names.  The collision is forced by giving every node
 * of every trace the same key. */
static void
test_key_collision(void)
{
	const char *docs =
	    "{\"id\":\"a1\",\"name\":\"Alpha\",\"origin\":\"AWS::EC2::Instance\",\"trace_id\":\"" T1
	    "\",\"start_time\":100,\"end_time\":101,\"subsegments\":[{\"id\":\"a1s\",\"name\":"
	    "\"Gamma\",\"start_time\":100.1,\"end_time\":100.9}]}\n"
	    "{\"id\":\"g1\",\"name\":\"Gamma\",\"origin\":\"AWS::EC2::Instance\",\"trace_id\":\"" T1
	    "\",\"parent_id\":\"a1s\",\"start_time\":100.1,\"end_time\":100.8,\"error\":true}\n"
	    "{\"id\":\"b1\",\"name\":\"Beta\",\"origin\":\"AWS::EC2::Instance\",\"trace_id\":\"" T2
	    "\",\"start_time\":200,\"end_time\":200.5,\"fault\":true}\n"
	    "{\"id\":\"a2\",\"name\":\"Alpha\",\"origin\":\"AWS::EC2::Instance\",\"trace_id\":\"" T3
	    "\",\"start_time\":300,\"end_time\":300.2}\n";
	struct xr_store *s = load("collision", docs, strlen(docs));
	size_t forced = 0;
	for (size_t i = 0; i < store_count(s); i++) {
		struct xr_trace *t = store_entry(s, i)->trace;
		for (unsigned k = 0; t && k < t->n_nodes; k++, forced++)
			t->nodes[k].key = 0x5eedc0111de5ull;
	}
	is_int((long long)forced, 4, "collision: 4 nodes in 3 traces, all given one key");
	struct svcmap *m = svcmap_build(s, NULL, NULL, NULL);
	check_apart(m, "collision, from the traces");
	svcmap_free(m);
	struct svcmap_index *ix = svcmap_index_new();
	svcmap_index_update(ix, s);
	m = svcmap_build_indexed(ix, s, NULL, NULL, NULL);
	check_apart(m, "collision, from the index");
	svcmap_free(m);
	svcmap_index_free(ix);
	store_free(s);
}

/* 30 services in four tiers, calls spread so lines cross and merge. */
static void
test_thirty(void)
{
	struct buf b = BUF_INIT;
	static const char *const tier1[] = {"orders", "users", "search", "menus", "reviews"};
	static const char *const tier2[] = {"payments", "coupons",  "inventory", "notify",
	                                    "geo",      "ranking",  "images",    "auth",
	                                    "sessions", "profiles", "pricing",   "recommend"};
	static const char *const tier3[] = {
	    "orders-db",   "users-db",   "search-index", "cache",     "queue",         "mail-relay",
	    "sms-gateway", "cdn-origin", "ledger",       "audit-log", "feature-flags", "rates"};
	for (int t = 0; t < 40; t++) {
		char tid[40];
		snprintf(tid, sizeof tid, "1-5f000001-%024x", t + 1);
		double t0 = 300 + t;
		buf_printf(
		    &b,
		    "{\"id\":\"g%04x\",\"name\":\"edge-gateway\",\"origin\":\"AWS::ApiGateway::"
		    "Stage\","
		    "\"trace_id\":\"%s\",\"start_time\":%.3f,\"end_time\":%.3f,\"subsegments\":[",
		    t, tid, t0, t0 + 0.9);
		int s1 = t % 5;
		buf_printf(&b,
		           "{\"id\":\"gs%04x\",\"name\":\"call\",\"start_time\":%.3f,\"end_time\":%"
		           ".3f}]}\n",
		           t, t0 + 0.01, t0 + 0.8);
		buf_printf(&b,
		           "{\"id\":\"s1%04x\",\"name\":\"%s\",\"origin\":\"AWS::ECS::Container\","
		           "\"trace_id\":\"%s\",\"parent_id\":\"gs%04x\",\"start_time\":%.3f,"
		           "\"end_time\":%.3f%s,\"subsegments\":[",
		           t, tier1[s1], tid, t, t0 + 0.02, t0 + 0.7,
		           t % 7 == 0 ? ",\"fault\":true" : "");
		for (int k = 0; k < 3; k++)
			buf_printf(&b,
			           "%s{\"id\":\"c%d%04x\",\"name\":\"c\",\"start_time\":%.3f,\"end_"
			           "time\":%.3f}",
			           k ? "," : "", k, t, t0 + 0.03, t0 + 0.5);
		buf_puts(&b, "]}\n");
		for (int k = 0; k < 3; k++) {
			int s2 = (s1 * 2 + k * 5 + t) % 12;
			buf_printf(
			    &b,
			    "{\"id\":\"d%d%04x\",\"name\":\"%s\",\"origin\":\"AWS::EC2::Instance\","
			    "\"trace_id\":\"%s\",\"parent_id\":\"c%d%04x\",\"start_time\":%.3f,"
			    "\"end_time\":%.3f%s,\"subsegments\":[{\"id\":\"e%d%04x\",\"name\":"
			    "\"x\","
			    "\"start_time\":%.3f,\"end_time\":%.3f}]}\n",
			    k, t, tier2[s2], tid, k, t, t0 + 0.04, t0 + 0.4,
			    (t + k) % 9 == 0 ? ",\"error\":true" : "", k, t, t0 + 0.05, t0 + 0.3);
			buf_printf(
			    &b,
			    "{\"id\":\"f%d%04x\",\"name\":\"%s\",\"origin\":\"AWS::EC2::Instance\","
			    "\"trace_id\":\"%s\",\"parent_id\":\"e%d%04x\",\"start_time\":%.3f,"
			    "\"end_time\":%.3f}\n",
			    k, t, tier3[(s2 + k) % 12], tid, k, t, t0 + 0.06, t0 + 0.2);
		}
	}
	struct xr_store *s = load("thirty", b.data, b.len);
	struct svcmap *m = svcmap_build(s, NULL, NULL, NULL);
	is_int(m->n_nodes, 31, "30 services and a client");
	struct svcmap_index *ix = svcmap_index_new();
	svcmap_index_update(ix, s);
	struct svcmap *mi = svcmap_build_indexed(ix, s, NULL, NULL, NULL);
	struct buf ja = BUF_INIT, jb = BUF_INIT;
	batch_map_json(m, &ja);
	batch_map_json(mi, &jb);
	is_str(jb.data, ja.data, "thirty: the map from the index is the map from the traces");
	buf_free(&ja);
	buf_free(&jb);
	svcmap_free(mi);
	svcmap_index_free(ix);
	picture(m, "map-thirty", 120, 0);
	picture(m, "map-thirty", 80, 0);
	check_boxes(m, 120, "thirty");
	svcmap_free(m);
	store_free(s);
	buf_free(&b);
}

static void
test_korean_and_escapes(void)
{
	const char *docs =
	    "{\"id\":\"k1\",\"name\":\"예약 게이트웨이\",\"origin\":\"AWS::ApiGateway::Stage\","
	    "\"trace_id\":\"" T1 "\",\"start_time\":100,\"end_time\":101,\"subsegments\":["
	    "{\"id\":\"k1a\",\"name\":\"x\",\"start_time\":100.1,\"end_time\":100.5},"
	    "{\"id\":\"k1b\",\"name\":\"x\",\"start_time\":100.5,\"end_time\":100.9}]}\n"
	    "{\"id\":\"k2\",\"name\":\"결제 "
	    "서비스\",\"origin\":\"AWS::Lambda::Function\",\"trace_id\":"
	    "\"" T1
	    "\",\"parent_id\":\"k1a\",\"start_time\":100.1,\"end_time\":100.4,\"subsegments\":["
	    "{\"id\":\"k2d\",\"name\":\"DynamoDB\",\"namespace\":\"aws\",\"start_time\":100.2,"
	    "\"end_time\":100.3,\"aws\":{\"table_name\":\"예약테이블\"}}]}\n"
	    "{\"id\":\"k3\",\"name\":\"알림 서비스 (카카오톡 알림톡 "
	    "발송)\",\"origin\":\"AWS::Lambda::Function\","
	    "\"trace_id\":\"" T1 "\",\"parent_id\":\"k1b\",\"start_time\":100.5,\"end_time\":100.8,"
	    "\"throttle\":true,\"error\":true}\n"
	    "{\"id\":\"e1\",\"name\":\"evil\\u001b[31mred\\u0007\\u202e\\\"q\\\\\",\"origin\":"
	    "\"AWS::EC2::"
	    "Instance\","
	    "\"trace_id\":\"" T2 "\",\"start_time\":200,\"end_time\":201,\"fault\":true}\n";
	struct xr_store *s = load("korean", docs, strlen(docs));
	struct svcmap *m = svcmap_build(s, NULL, NULL, NULL);
	ok(svcmap_find(m, "예약테이블") >= 0, "a Korean table name names the inferred node");
	check_filters(m, s, "Korean and escaped names");
	picture(m, "map-korean", 80, 0);
	picture(m, "map-korean", 120, 0);
	picture(m, "map-korean", 80, CANVAS_ASCII);
	char *text = render(m, 80, 0);
	ok(!strchr(text, 0x1b) && !strstr(text, "\xE2\x80\xAE"),
	   "escape sequences and bidi overrides in names are made visible");
	free(text);
	struct buf json = BUF_INIT;
	batch_map_json(m, &json);
	ok(!strchr(json.data, 0x1b) && strstr(json.data, "\\u001b"), "JSON escapes ESC as \\u001b");
	buf_free(&json);
	svcmap_free(m);
	store_free(s);
}

static void
test_statistics(void)
{
	struct svcmap_stats st = {0};
	for (int i = 1; i <= 100; i++)
		svcmap_stats_add(&st, i / 1000.0, i % 10 == 0 ? XR_SEG_FAULT : 0);
	svcmap_stats_add(&st, 25.5, XR_SEG_ERROR | XR_SEG_THROTTLE);
	svcmap_stats_add(&st, NAN, XR_SEG_ERROR);
	is_int(st.total, 102, "102 requests");
	is_int(st.fault, 10, "10 faults");
	is_int(st.throttle, 1, "1 throttle");
	is_int(st.error_other, 1, "1 other error");
	is_int(svcmap_errors(&st), 2, "errors include throttles");
	is_int(st.ok, 90, "90 OK");
	is_int(st.timed, 101, "101 timed");
	is_num(svcmap_percentile(&st, 0.5), 0.051, "p50 at millisecond resolution");
	is_num(svcmap_percentile(&st, 0.99), 0.1, "p99");
	is_num(svcmap_percentile(&st, 1.0), 25.5, "the slowest, in a coarse bin");
	is_num(svcmap_avg(&st), (5.050 + 25.5) / 101, "average over the timed requests");
	free(st.hist.counts);
	struct svcmap_hist h = {0};
	bool round_trip = true;
	for (unsigned bin = 0; bin < 91000; bin += 7) {
		svcmap_hist_add(&h, svcmap_bin_value(bin), 1);
		round_trip &= bin < h.n && h.counts[bin] == 1;
	}
	ok(round_trip, "every bin's value falls in that bin");
	free(h.counts);
	char t[16];
	mapview_format_time(0.352, t, sizeof t);
	is_str(t, "352ms", "352ms");
	mapview_format_time(1.0625, t, sizeof t);
	is_str(t, "1.06s", "1.06s");
	mapview_format_count(18432, t, sizeof t);
	is_str(t, "18.4k", "18.4k");
	mapview_type_label("AWS::Lambda::Function", false, t, sizeof t);
	is_str(t, "Lambda Function", "type label");
}

static void
test_from_graph(void)
{
	char path[1024];
	size_t len;
	snprintf(path, sizeof path, "%s/tests/data/devguide-servicegraph.json", top());
	char *data = slurp(path, &len);
	struct xr_service_graph *g = svcgraph_new();
	char *next = NULL;
	struct xr_err err = {0};
	int rc = data ? decode_service_graph_response(data, len, g, &next, &err) : -1;
	ok(rc == 0, "the developer guide's GetServiceGraph decodes");
	struct svcmap *m = svcmap_from_graph(g);
	is_int(m->n_nodes, 4, "four services");
	is_int(m->n_edges, 3, "three edges");
	int sns = svcmap_find(m, "SNS");
	ok(sns >= 0 && m->nodes[sns].stats.total == 2 &&
	       fabs(m->nodes[sns].stats.total_time - 0.125) < 1e-9,
	   "the service's own statistics are kept");
	ok(sns >= 0 && fabs(svcmap_percentile(&m->nodes[sns].stats, 1) - 0.076) < 1e-9,
	   "and its histogram");
	struct buf json = BUF_INIT;
	batch_map_json(m, &json);
	ok(strstr(json.data, "\"TotalResponseTime\":0.273") != NULL,
	   "JSON carries the client edge's TotalResponseTime");
	buf_free(&json);
	picture(m, "map-devguide", 100, 0);
	svcmap_free(m);
	svcgraph_free(g);
	free(next);
	free(data);
}

int
main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	utf8_set_locale_is_utf8(true);
	test_statistics();
	test_demo();
	test_cycle_and_orphan();
	test_key_collision();
	test_thirty();
	test_korean_and_escapes();
	test_from_graph();
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
