#include "config.h"

#include "model/svcmap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/tracegraph.h"
#include "util/parallel.h"
#include "util/xmalloc.h"

/* Bins: one per millisecond below 10 s, then four significant digits. */
#define FINE_BINS 10000u
#define DECADE_BINS 9000u
#define MAX_DECADES 9u
#define MAX_BINS (FINE_BINS + DECADE_BINS * MAX_DECADES)

static unsigned
bin_of(double seconds)
{
	double ms = seconds * 1000.0;
	if (!(ms > 0))
		return 0;
	if (ms < FINE_BINS - 0.5)
		return (unsigned)(ms + 0.5);
	unsigned e = 0;
	double scaled = ms;
	while (llround(scaled) >= 10000 && e < MAX_DECADES) {
		scaled /= 10;
		e++;
	}
	long long m = llround(scaled);
	if (m > 9999)
		m = 9999;
	if (m < 1000)
		m = 1000;
	return FINE_BINS + (e - 1) * DECADE_BINS + (unsigned)(m - 1000);
}

double
svcmap_bin_value(unsigned bin)
{
	if (bin < FINE_BINS)
		return bin / 1000.0;
	unsigned e = (bin - FINE_BINS) / DECADE_BINS + 1;
	double m = 1000 + (bin - FINE_BINS) % DECADE_BINS;
	return m * pow(10, e) / 1000.0;
}

void
svcmap_hist_add(struct svcmap_hist *h, double seconds, long long count)
{
	if (count <= 0 || !isfinite(seconds))
		return;
	unsigned b = bin_of(seconds);
	if (b >= h->n) {
		unsigned n = h->n ? h->n : 64;
		while (n <= b)
			n *= 2;
		if (n > MAX_BINS)
			n = MAX_BINS;
		h->counts = xreallocarray(h->counts, n, sizeof *h->counts);
		memset(h->counts + h->n, 0, (n - h->n) * sizeof *h->counts);
		h->n = n;
	}
	unsigned long long c = (unsigned long long)h->counts[b] + (unsigned long long)count;
	h->counts[b] = c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
}

void
svcmap_stats_add(struct svcmap_stats *st, double seconds, unsigned flags)
{
	st->total++;
	if (flags & XR_SEG_FAULT)
		st->fault++;
	else if (flags & XR_SEG_THROTTLE)
		st->throttle++;
	else if (flags & XR_SEG_ERROR)
		st->error_other++;
	else
		st->ok++;
	if (isfinite(seconds) && seconds >= 0) {
		st->timed++;
		st->total_time += seconds;
		svcmap_hist_add(&st->hist, seconds, 1);
	}
}

long long
svcmap_errors(const struct svcmap_stats *st)
{
	return st->error_other + st->throttle;
}

double
svcmap_avg(const struct svcmap_stats *st)
{
	return st->timed > 0 ? st->total_time / (double)st->timed : NAN;
}

double
svcmap_percentile(const struct svcmap_stats *st, double p)
{
	unsigned long long all = 0;
	for (unsigned b = 0; b < st->hist.n; b++)
		all += st->hist.counts[b];
	if (!all)
		return NAN;
	double want = ceil(p * (double)all);
	if (want < 1)
		want = 1;
	unsigned long long seen = 0;
	for (unsigned b = 0; b < st->hist.n; b++) {
		seen += st->hist.counts[b];
		if ((double)seen >= want)
			return svcmap_bin_value(b);
	}
	return NAN;
}

static void
stats_free(struct svcmap_stats *st)
{
	free(st->hist.counts);
}

struct svcmap *
svcmap_new(void)
{
	struct svcmap *m = xcalloc(1, sizeof *m);
	m->arena = arena_new();
	m->start_time = m->end_time = NAN;
	hash_index_init(&m->node_index_, 31);
	hash_index_init(&m->edge_index_, 31);
	return m;
}

void
svcmap_free(struct svcmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_nodes; i++)
		stats_free(&m->nodes[i].stats);
	for (size_t i = 0; i < m->n_edges; i++)
		stats_free(&m->edges[i].stats);
	free(m->nodes);
	free(m->edges);
	hash_index_free(&m->node_index_);
	hash_index_free(&m->edge_index_);
	arena_free(m->arena);
	free(m);
}

static bool
same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static uint64_t
edge_hash(unsigned from, unsigned to)
{
	uint64_t h = ((uint64_t)from << 32 | to) * 0x9E3779B97F4A7C15ull;
	return h ^ (h >> 29);
}

static uint64_t
node_hash(const void *nodes, size_t i)
{
	return ((const struct svcmap_node *)nodes)[i].key_;
}

/* What names a node: its tracegraph_key() and the strings it hashes. */
struct node_id {
	unsigned long long key;
	const char *name, *type, *account;
};

/* Equal keys are compared by their strings too: trace text is untrusted,
 * and two services whose keys collide must stay two services. */
static bool
node_id_is(const struct node_id *id, unsigned long long key, const char *name, const char *type,
           const char *account)
{
	return key == id->key && same(name, id->name) && same(type, id->type) &&
	       same(account, id->account);
}

static bool
node_same(const void *nodes, size_t i, const void *key)
{
	const struct svcmap_node *n = &((const struct svcmap_node *)nodes)[i];
	return node_id_is(key, n->key_, n->name, n->type, n->account_id);
}

static uint64_t
edge_item_hash(const void *edges, size_t i)
{
	const struct svcmap_edge *e = &((const struct svcmap_edge *)edges)[i];
	return edge_hash(e->from, e->to);
}

static bool
edge_same(const void *edges, size_t i, const void *key)
{
	const struct svcmap_edge *e = &((const struct svcmap_edge *)edges)[i];
	const unsigned *ends = key;
	return e->from == ends[0] && e->to == ends[1];
}

static const char *
keep_str(struct svcmap *m, const char *s)
{
	return s ? arena_strdup(m->arena, s) : NULL;
}

/* The node of (name, type, account), whose tracegraph_key() is key (made
 * when needed). */
static unsigned
node_get_keyed(struct svcmap *m, unsigned long long key, const char *name, const char *type,
               const char *account)
{
	const struct node_id id = {key, name ? name : "", type, account};
	size_t *slot = hash_index_slot(&m->node_index_, key, &id, node_same, m->nodes);
	if (*slot)
		return (unsigned)*slot - 1;
	XGROW(m->nodes, m->cap_nodes_, m->n_nodes + 1);
	struct svcmap_node *n = &m->nodes[m->n_nodes];
	memset(n, 0, sizeof *n);
	n->key_ = key;
	n->name = keep_str(m, name ? name : "");
	n->names = ARENA_ARRAY(m->arena, const char *, 1);
	n->names[0] = n->name;
	n->n_names = 1;
	n->type = keep_str(m, type);
	n->account_id = keep_str(m, account);
	n->has_stats = true;
	n->start_time = n->end_time = NAN;
	*slot = ++m->n_nodes;
	hash_index_added(&m->node_index_, m->n_nodes, node_hash, m->nodes);
	return (unsigned)m->n_nodes - 1;
}

static unsigned
node_get(struct svcmap *m, const char *name, const char *type, const char *account)
{
	return node_get_keyed(m, tracegraph_key(name, type, account), name, type, account);
}

static unsigned
edge_get(struct svcmap *m, unsigned from, unsigned to)
{
	const unsigned ends[2] = {from, to};
	size_t *slot =
	    hash_index_slot(&m->edge_index_, edge_hash(from, to), ends, edge_same, m->edges);
	if (*slot)
		return (unsigned)*slot - 1;
	XGROW(m->edges, m->cap_edges_, m->n_edges + 1);
	struct svcmap_edge *e = &m->edges[m->n_edges];
	memset(e, 0, sizeof *e);
	e->from = from;
	e->to = to;
	e->start_time = e->end_time = NAN;
	*slot = ++m->n_edges;
	hash_index_added(&m->edge_index_, m->n_edges, edge_item_hash, m->edges);
	return (unsigned)m->n_edges - 1;
}

static void
widen(double *start, double *end, double s, double e)
{
	if (isfinite(s) && !(*start <= s))
		*start = s;
	if (isfinite(e) && !(*end >= e))
		*end = e;
	else if (!isfinite(e) && isfinite(s) && !(*end >= s))
		*end = s;
}

static double
duration_of(const struct xr_segment *s)
{
	if (isfinite(s->start_time) && isfinite(s->end_time) && s->end_time >= s->start_time)
		return s->end_time - s->start_time;
	return NAN;
}

static void
count(struct svcmap *m, struct svcmap_stats *st, double *start, double *end,
      const struct xr_segment *s)
{
	/* Like X-Ray, statistics come from completed segments only. */
	if (!(s->flags & XR_SEG_IN_PROGRESS))
		svcmap_stats_add(st, duration_of(s), s->flags);
	widen(start, end, s->start_time, s->end_time);
	widen(&m->start_time, &m->end_time, s->start_time, s->end_time);
}

static void
add_tally(struct svcmap *m, struct svcmap_stats *st, double *start, double *end,
          const struct xr_tally *t)
{
	st->ok += t->ok;
	st->error_other += t->error;
	st->throttle += t->throttle;
	st->fault += t->fault;
	st->total += t->ok + t->error + t->throttle + t->fault;
	st->timed += t->n_times;
	for (unsigned i = 0; i < t->n_times; i++) {
		st->total_time += t->times[i];
		svcmap_hist_add(&st->hist, t->times[i], 1);
	}
	widen(start, end, t->start, t->end);
	widen(&m->start_time, &m->end_time, t->start, t->end);
}

#define LOCAL_NODES 32

/* The client node in front of entry point `to` (made when needed). */
static unsigned
client_of(struct svcmap *m, unsigned to)
{
	m->nodes[to].root = true;
	if (!m->nodes[to].client_) {
		unsigned k = node_get(m, m->nodes[to].name, "client", NULL);
		m->nodes[k].client = true;
		m->nodes[k].has_stats = false;
		m->nodes[to].client_ = k + 1;
	}
	return m->nodes[to].client_ - 1;
}

void
svcmap_add_trace(struct svcmap *m, const struct xr_trace *t)
{
	unsigned local[LOCAL_NODES];
	unsigned *map = t->n_nodes <= LOCAL_NODES ? local : xmalloc(t->n_nodes * sizeof *map);
	m->n_traces++;
	for (unsigned i = 0; i < t->n_nodes; i++) {
		const struct xr_node *tn = &t->nodes[i];
		map[i] = node_get_keyed(m, tn->key, tn->name, tn->type, tn->account_id);
		struct svcmap_node *n = &m->nodes[map[i]];
		if (tn->inferred)
			n->inferred = true;
		add_tally(m, &n->stats, &n->start_time, &n->end_time, &tn->tally);
	}
	for (unsigned i = 0; i < t->n_edges; i++) {
		const struct xr_edge *te = &t->edges[i];
		unsigned e = edge_get(m, map[te->from], map[te->to]);
		struct svcmap_edge *me = &m->edges[e];
		add_tally(m, &me->stats, &me->start_time, &me->end_time, &te->tally);
	}
	/* A client in front of every entry point: segments that no segment of
	 * this trace called (their caller was not traced, or not found). */
	for (unsigned r = 0; r < t->n_roots; r++) {
		const struct xr_segment *s = t->roots[r];
		if (s->document != s || (s->flags & XR_SEG_SUBSEGMENT))
			continue;
		unsigned to = map[s->node];
		unsigned from = client_of(m, to);
		struct svcmap_node *c = &m->nodes[from];
		widen(&c->start_time, &c->end_time, s->start_time, s->end_time);
		unsigned ei = edge_get(m, from, to);
		struct svcmap_edge *me = &m->edges[ei];
		count(m, &me->stats, &me->start_time, &me->end_time, s);
	}
	if (map != local)
		free(map);
}

static int
cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static const struct svcmap_node *sort_nodes_;

static int
cmp_node_index(const void *pa, const void *pb)
{
	const struct svcmap_node *a = &sort_nodes_[*(const unsigned *)pa];
	const struct svcmap_node *b = &sort_nodes_[*(const unsigned *)pb];
	int c;
	if (a->client != b->client)
		return a->client ? -1 : 1;
	if ((c = strcmp(a->name, b->name)) != 0)
		return c;
	if ((c = cmp_str(a->type, b->type)) != 0)
		return c;
	return cmp_str(a->account_id, b->account_id);
}

static int
cmp_edge(const void *pa, const void *pb)
{
	const struct svcmap_edge *a = pa, *b = pb;
	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	return a->to < b->to ? -1 : a->to > b->to;
}

void
svcmap_finish(struct svcmap *m)
{
	size_t n = m->n_nodes;
	unsigned *order = xmalloc((n + 1) * sizeof *order);
	unsigned *where = xmalloc((n + 1) * sizeof *where);
	for (size_t i = 0; i < n; i++)
		order[i] = (unsigned)i;
	sort_nodes_ = m->nodes;
	qsort(order, n, sizeof *order, cmp_node_index);
	sort_nodes_ = NULL;
	struct svcmap_node *nodes = xmalloc((n + 1) * sizeof *nodes);
	for (size_t i = 0; i < n; i++) {
		nodes[i] = m->nodes[order[i]];
		nodes[i].client_ = 0; /* an index in the old order */
		where[order[i]] = (unsigned)i;
	}
	free(m->nodes);
	m->nodes = nodes;
	m->cap_nodes_ = n + 1;
	for (size_t i = 0; i < m->n_edges; i++) {
		m->edges[i].from = where[m->edges[i].from];
		m->edges[i].to = where[m->edges[i].to];
	}
	qsort(m->edges, m->n_edges, sizeof *m->edges, cmp_edge);
	free(order);
	free(where);
	/* The tables index the old order: rebuild them. */
	hash_index_rebuild(&m->node_index_, m->n_nodes, node_hash, m->nodes);
	hash_index_rebuild(&m->edge_index_, m->n_edges, edge_item_hash, m->edges);
}

/* The map of 100,000 traces is bound by memory latency: each trace's
 * nodes, edges and tallies are a chain of pointers in its own arena.  The
 * build walks ahead of itself, asking for the links a few traces early
 * (PREFETCH_* are how many), so the misses overlap. */
#define PREFETCH_ENTRY 24
#define PREFETCH_TRACE 16
#define PREFETCH_ARRAYS 8
#define PREFETCH_LEAVES 4

static void
prefetch_lines(const void *p, size_t bytes)
{
	for (size_t off = 0; off < bytes; off += 64)
		__builtin_prefetch((const char *)p + off);
}

/* The trace of the k-th entry picked (pick == NULL: the k-th entry). */
static const struct xr_trace *
trace_at(const struct xr_store *s, const size_t *pick, size_t k, size_t end)
{
	return k < end ? store_entry(s, pick ? pick[k] : k)->trace : NULL;
}

static void
prefetch_ahead(const struct xr_store *s, const size_t *pick, size_t k, size_t end)
{
	if (k + PREFETCH_ENTRY < end)
		__builtin_prefetch(
		    store_entry(s, pick ? pick[k + PREFETCH_ENTRY] : k + PREFETCH_ENTRY));
	const struct xr_trace *t = trace_at(s, pick, k + PREFETCH_TRACE, end);
	if (t)
		prefetch_lines(t, sizeof *t);
	if ((t = trace_at(s, pick, k + PREFETCH_ARRAYS, end)) != NULL) {
		prefetch_lines(t->nodes, t->n_nodes * sizeof *t->nodes);
		prefetch_lines(t->edges, t->n_edges * sizeof *t->edges);
		__builtin_prefetch(t->roots);
	}
	if ((t = trace_at(s, pick, k + PREFETCH_LEAVES, end)) != NULL) {
		for (unsigned j = 0; j < t->n_nodes; j++) {
			__builtin_prefetch(t->nodes[j].tally.times);
			__builtin_prefetch(t->nodes[j].name); /* compared with the map's */
			__builtin_prefetch(t->nodes[j].type);
		}
		for (unsigned j = 0; j < t->n_edges; j++)
			__builtin_prefetch(t->edges[j].tally.times);
		if (t->n_roots)
			prefetch_lines(t->roots[0], sizeof *t->roots[0]);
	}
}

/* --- the index: every trace's tallies copied into one arena --- */

/* A service of the index: its key and names, kept once for all its
 * traces, so a build compares names that stay in the cache. */
struct ix_service {
	unsigned long long key;
	const char *name, *type, *account;
};

struct ix_node {
	unsigned service; /* in the index's services */
	bool inferred;
	struct xr_tally tally;
};

struct ix_edge {
	unsigned from, to;
	struct xr_tally tally;
};

struct ix_root {
	unsigned node;
	unsigned flags;
	double start, end;
};

/* One trace's tallies, laid out in one piece: nodes, edges, entry points. */
struct ix_block {
	const struct xr_trace *trace;
	unsigned n_all; /* the trace's size when copied: a merge makes it grow */
	unsigned n_nodes, n_edges, n_roots;
	struct ix_node *nodes;
	struct ix_edge *edges;
	struct ix_root *roots;
};

struct svcmap_index {
	struct arena *arena;
	struct ix_block **blocks; /* per store entry; NULL: a summary only */
	size_t n, cap;
	struct ix_service *services;
	size_t n_services, cap_services;
	struct hash_index service_index;
};

struct svcmap_index *
svcmap_index_new(void)
{
	struct svcmap_index *ix = xcalloc(1, sizeof *ix);
	ix->arena = arena_new();
	hash_index_init(&ix->service_index, 31);
	return ix;
}

void
svcmap_index_free(struct svcmap_index *ix)
{
	if (!ix)
		return;
	arena_free(ix->arena);
	free(ix->blocks);
	free(ix->services);
	hash_index_free(&ix->service_index);
	free(ix);
}

static double *
copy_times(struct arena *a, const struct xr_tally *t)
{
	return t->n_times ? arena_memdup(a, t->times, t->n_times, sizeof *t->times) : NULL;
}

static uint64_t
service_hash(const void *services, size_t i)
{
	return ((const struct ix_service *)services)[i].key;
}

static bool
service_same(const void *services, size_t i, const void *key)
{
	const struct ix_service *sv = &((const struct ix_service *)services)[i];
	return node_id_is(key, sv->key, sv->name, sv->type, sv->account);
}

/* The index's service of trace node n (added when new). */
static unsigned
index_service(struct svcmap_index *ix, const struct xr_node *n)
{
	const struct node_id id = {n->key, n->name ? n->name : "", n->type, n->account_id};
	size_t *slot = hash_index_slot(&ix->service_index, id.key, &id, service_same, ix->services);
	if (*slot)
		return (unsigned)*slot - 1;
	XGROW(ix->services, ix->cap_services, ix->n_services + 1);
	struct arena *a = ix->arena;
	ix->services[ix->n_services] = (struct ix_service){
	    id.key, arena_strdup(a, id.name), id.type ? arena_strdup(a, id.type) : NULL,
	    id.account ? arena_strdup(a, id.account) : NULL};
	*slot = ++ix->n_services;
	hash_index_added(&ix->service_index, ix->n_services, service_hash, ix->services);
	return (unsigned)ix->n_services - 1;
}

static struct ix_block *
index_trace(struct svcmap_index *ix, const struct xr_trace *t)
{
	struct arena *a = ix->arena;
	struct ix_block *b = ARENA_NEW(a, struct ix_block);
	b->trace = t;
	b->n_all = t->n_all;
	b->n_nodes = t->n_nodes;
	b->n_edges = t->n_edges;
	b->nodes = ARENA_ARRAY(a, struct ix_node, t->n_nodes + 1);
	b->edges = ARENA_ARRAY(a, struct ix_edge, t->n_edges + 1);
	b->roots = ARENA_ARRAY(a, struct ix_root, t->n_roots + 1);
	for (unsigned i = 0; i < t->n_nodes; i++) {
		const struct xr_node *n = &t->nodes[i];
		b->nodes[i] = (struct ix_node){index_service(ix, n), n->inferred, n->tally};
		b->nodes[i].tally.times = copy_times(a, &n->tally);
	}
	for (unsigned i = 0; i < t->n_edges; i++) {
		const struct xr_edge *e = &t->edges[i];
		b->edges[i] = (struct ix_edge){e->from, e->to, e->tally};
		b->edges[i].tally.times = copy_times(a, &e->tally);
	}
	for (unsigned r = 0; r < t->n_roots; r++) {
		const struct xr_segment *s = t->roots[r];
		if (s->document != s || (s->flags & XR_SEG_SUBSEGMENT))
			continue;
		b->roots[b->n_roots++] =
		    (struct ix_root){s->node, s->flags, s->start_time, s->end_time};
	}
	return b;
}

void
svcmap_index_update(struct svcmap_index *ix, const struct xr_store *s)
{
	size_t n = store_count(s);
	if (n > ix->cap) {
		size_t old = ix->cap;
		XGROW(ix->blocks, ix->cap, n);
		memset(ix->blocks + old, 0, (ix->cap - old) * sizeof *ix->blocks);
	}
	for (size_t i = 0; i < n; i++) {
		prefetch_ahead(s, NULL, i, n);
		const struct xr_trace *t = store_entry(s, i)->trace;
		const struct ix_block *b = ix->blocks[i];
		if (!t || (b && b->trace == t && b->n_all == t->n_all))
			continue;
		ix->blocks[i] = index_trace(ix, t);
	}
	ix->n = n;
}

/* Adds one indexed trace, as svcmap_add_trace() adds the trace itself. */
static void
add_block(struct svcmap *m, const struct svcmap_index *ix, const struct ix_block *b)
{
	unsigned local[LOCAL_NODES];
	unsigned *map = b->n_nodes <= LOCAL_NODES ? local : xmalloc(b->n_nodes * sizeof *map);
	m->n_traces++;
	for (unsigned i = 0; i < b->n_nodes; i++) {
		const struct ix_node *in = &b->nodes[i];
		const struct ix_service *sv = &ix->services[in->service];
		map[i] = node_get_keyed(m, sv->key, sv->name, sv->type, sv->account);
		struct svcmap_node *n = &m->nodes[map[i]];
		n->inferred |= in->inferred;
		add_tally(m, &n->stats, &n->start_time, &n->end_time, &in->tally);
	}
	for (unsigned i = 0; i < b->n_edges; i++) {
		const struct ix_edge *ie = &b->edges[i];
		unsigned e = edge_get(m, map[ie->from], map[ie->to]);
		struct svcmap_edge *me = &m->edges[e];
		add_tally(m, &me->stats, &me->start_time, &me->end_time, &ie->tally);
	}
	for (unsigned r = 0; r < b->n_roots; r++) {
		const struct ix_root *ir = &b->roots[r];
		unsigned to = map[ir->node];
		unsigned from = client_of(m, to);
		struct svcmap_node *c = &m->nodes[from];
		widen(&c->start_time, &c->end_time, ir->start, ir->end);
		unsigned ei = edge_get(m, from, to);
		struct svcmap_edge *me = &m->edges[ei];
		double d = isfinite(ir->start) && isfinite(ir->end) && ir->end >= ir->start
		               ? ir->end - ir->start
		               : NAN;
		if (!(ir->flags & XR_SEG_IN_PROGRESS))
			svcmap_stats_add(&me->stats, d, ir->flags);
		widen(&me->start_time, &me->end_time, ir->start, ir->end);
		widen(&m->start_time, &m->end_time, ir->start, ir->end);
	}
	if (map != local)
		free(map);
}

static void
hist_merge(struct svcmap_hist *dst, const struct svcmap_hist *src)
{
	for (unsigned b = 0; b < src->n; b++)
		if (src->counts[b])
			svcmap_hist_add(dst, svcmap_bin_value(b), src->counts[b]);
}

static void
stats_merge(struct svcmap_stats *dst, const struct svcmap_stats *src)
{
	dst->ok += src->ok;
	dst->error_other += src->error_other;
	dst->throttle += src->throttle;
	dst->fault += src->fault;
	dst->total += src->total;
	dst->timed += src->timed;
	dst->total_time += src->total_time;
	hist_merge(&dst->hist, &src->hist);
}

/* Adds everything src holds to dst. */
static void
merge(struct svcmap *dst, const struct svcmap *src)
{
	unsigned *map = xmalloc((src->n_nodes + 1) * sizeof *map);
	for (size_t i = 0; i < src->n_nodes; i++) {
		const struct svcmap_node *sn = &src->nodes[i];
		map[i] = node_get_keyed(dst, sn->key_, sn->name, sn->type, sn->account_id);
		struct svcmap_node *dn = &dst->nodes[map[i]];
		dn->inferred |= sn->inferred;
		dn->root |= sn->root;
		dn->client |= sn->client;
		dn->has_stats &= sn->has_stats;
		dn->client_ = 0; /* found again when needed */
		widen(&dn->start_time, &dn->end_time, sn->start_time, sn->end_time);
		stats_merge(&dn->stats, &sn->stats);
	}
	for (size_t i = 0; i < src->n_edges; i++) {
		const struct svcmap_edge *se = &src->edges[i];
		unsigned ei = edge_get(dst, map[se->from], map[se->to]);
		struct svcmap_edge *de = &dst->edges[ei];
		widen(&de->start_time, &de->end_time, se->start_time, se->end_time);
		stats_merge(&de->stats, &se->stats);
	}
	dst->n_traces += src->n_traces;
	widen(&dst->start_time, &dst->end_time, src->start_time, src->end_time);
	free(map);
}

/* Below this many traces one thread builds the map. */
#define PARALLEL_MIN_TRACES 8192

struct build_job {
	const struct xr_store *store;
	const struct svcmap_index *index; /* or NULL */
	const size_t *pick;               /* entries to use, or NULL for all */
	size_t n;
	unsigned workers;
	struct svcmap *maps[PARALLEL_MAX_WORKERS];
	size_t summaries_only[PARALLEL_MAX_WORKERS];
};

static void
build_share(void *arg, unsigned w)
{
	struct build_job *job = arg;
	size_t from = job->n * w / job->workers, to = job->n * (w + 1) / job->workers;
	struct svcmap *m = svcmap_new();
	for (size_t k = from; k < to; k++) {
		size_t i = job->pick ? job->pick[k] : k;
		if (job->index) {
			const struct ix_block *b = i < job->index->n ? job->index->blocks[i] : NULL;
			if (b)
				add_block(m, job->index, b);
			else
				job->summaries_only[w]++;
			continue;
		}
		prefetch_ahead(job->store, job->pick, k, to);
		const struct xr_store_entry *e = store_entry(job->store, i);
		if (e->trace)
			svcmap_add_trace(m, e->trace);
		else
			job->summaries_only[w]++;
	}
	job->maps[w] = m;
}

static struct svcmap *
build(const struct xr_store *s, const struct svcmap_index *index, svcmap_keep_fn keep, void *ctx,
      size_t *summaries_only)
{
	struct build_job job = {.store = s, .index = index, .n = store_count(s)};
	size_t *pick = NULL;
	if (keep) {
		pick = xmalloc((job.n + 1) * sizeof *pick);
		size_t k = 0;
		for (size_t i = 0; i < job.n; i++)
			if (keep(ctx, store_entry(s, i)))
				pick[k++] = i;
		job.n = k;
		job.pick = pick;
	}
	job.workers = job.n < PARALLEL_MIN_TRACES ? 1 : parallel_workers();
	parallel_run(job.workers, build_share, &job);
	struct svcmap *m = job.maps[0];
	size_t skipped = job.summaries_only[0];
	for (unsigned w = 1; w < job.workers; w++) {
		merge(m, job.maps[w]);
		skipped += job.summaries_only[w];
		svcmap_free(job.maps[w]);
	}
	if (summaries_only)
		*summaries_only = skipped;
	free(pick);
	svcmap_finish(m);
	return m;
}

struct svcmap *
svcmap_build(const struct xr_store *s, svcmap_keep_fn keep, void *ctx, size_t *summaries_only)
{
	return build(s, NULL, keep, ctx, summaries_only);
}

struct svcmap *
svcmap_build_indexed(const struct svcmap_index *ix, const struct xr_store *s, svcmap_keep_fn keep,
                     void *ctx, size_t *summaries_only)
{
	return build(s, ix, keep, ctx, summaries_only);
}

static void
stats_from_graph(struct svcmap_stats *st, const struct xr_graph_stats *g,
                 const struct xr_histogram_bin *bins, unsigned n_bins)
{
	st->ok = g->ok > 0 ? g->ok : 0;
	st->throttle = g->error_throttle > 0 ? g->error_throttle : 0;
	if (g->error_other >= 0)
		st->error_other = g->error_other;
	else if (g->error_total > 0)
		st->error_other = g->error_total - st->throttle;
	st->fault = g->fault_total >= 0 ? g->fault_total : g->fault_other > 0 ? g->fault_other : 0;
	st->total = g->total >= 0 ? g->total : st->ok + st->error_other + st->throttle + st->fault;
	if (isfinite(g->total_response_time)) {
		st->timed = st->total;
		st->total_time = g->total_response_time;
	}
	for (unsigned b = 0; b < n_bins; b++)
		svcmap_hist_add(&st->hist, bins[b].value, bins[b].count);
}

struct svcmap *
svcmap_from_graph(const struct xr_service_graph *g)
{
	struct svcmap *m = svcmap_new();
	unsigned *index = xmalloc((g->n_services + 1) * sizeof *index);
	for (size_t i = 0; i < g->n_services; i++) {
		const struct xr_graph_service *gs = &g->services[i];
		index[i] = node_get(m, gs->name, gs->type, gs->account_id);
		struct svcmap_node *n = &m->nodes[index[i]];
		if (gs->n_names > 1 || (gs->n_names == 1 && !same(gs->names[0], n->name))) {
			n->names = ARENA_ARRAY(m->arena, const char *, gs->n_names);
			for (unsigned k = 0; k < gs->n_names; k++)
				n->names[k] = keep_str(m, gs->names[k]);
			n->n_names = gs->n_names;
		}
		n->root = gs->root;
		n->client = gs->type && strcmp(gs->type, "client") == 0;
		n->has_stats = gs->stats.total >= 0;
		n->start_time = gs->start_time;
		n->end_time = gs->end_time;
		if (n->has_stats)
			stats_from_graph(&n->stats, &gs->stats, gs->response_times,
			                 gs->n_response_times);
	}
	for (size_t i = 0; i < g->n_services; i++) {
		const struct xr_graph_service *gs = &g->services[i];
		for (unsigned k = 0; k < gs->n_edges; k++) {
			const struct xr_graph_edge *ge = &gs->edges[k];
			size_t to;
			for (to = 0; to < g->n_services; to++)
				if (g->services[to].reference_id == ge->reference_id)
					break;
			if (to == g->n_services)
				continue; /* an edge to a service the graph does not hold */
			unsigned ei = edge_get(m, index[i], index[to]);
			struct svcmap_edge *e = &m->edges[ei];
			e->edge_type = keep_str(m, ge->edge_type);
			e->start_time = ge->start_time;
			e->end_time = ge->end_time;
			stats_from_graph(&e->stats, &ge->stats, ge->response_times,
			                 ge->n_response_times);
		}
	}
	free(index);
	m->start_time = g->start_time;
	m->end_time = g->end_time;
	if (!isfinite(m->start_time) || !isfinite(m->end_time)) /* the services' own window */
		for (size_t i = 0; i < m->n_nodes; i++)
			widen(&m->start_time, &m->end_time, m->nodes[i].start_time,
			      m->nodes[i].end_time);
	svcmap_finish(m);
	return m;
}

int
svcmap_find(const struct svcmap *m, const char *name)
{
	int client = -1;
	for (size_t i = 0; i < m->n_nodes; i++) {
		if (strcmp(m->nodes[i].name, name) != 0)
			continue;
		if (!m->nodes[i].client)
			return (int)i;
		if (client < 0)
			client = (int)i;
	}
	return client;
}
