/* svcmap: the service map, as X-Ray builds its service graph.
 *
 * Owns the nodes (one per service: name, type and account; inferred nodes
 * for AWS services and remote hosts called through subsegments; a `client`
 * node in front of every entry point) and the edges between them, each with
 * its statistics: OK / error (4xx) / throttle (429) / fault (5xx) counts and
 * a response-time histogram at millisecond resolution (coarser above 10 s)
 * from which averages and percentiles are read.  A map is computed from the
 * full traces it is given (the tallies each trace keeps of its own nodes and
 * edges, model/tracedata.h; nodes are found by their seeded hash,
 * tracegraph_key(), and told apart by their names, type and account when
 * two keys collide), or from an index of those tallies kept across builds,
 * or converted from a GetServiceGraph response (model/svcgraph.h), so all
 * are drawn and printed the same way.  Statistics come from completed
 * segments only, as X-Ray's do.  Every string is owned by the map. */
#ifndef XRTOP_MODEL_SVCMAP_H
#define XRTOP_MODEL_SVCMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/store.h"
#include "model/svcgraph.h"
#include "model/trace.h"
#include "util/arena.h"
#include "util/hash.h"

/* Response times: counts per bin (see svcmap_bin_value()). */
struct svcmap_hist {
	uint32_t *counts;
	unsigned n; /* bins allocated */
};

/* Counts follow X-Ray: total = ok + errors (4xx, throttles included) + faults. */
struct svcmap_stats {
	long long ok;
	long long error_other; /* 4xx other than 429 */
	long long throttle;    /* 429 */
	long long fault;       /* 5xx */
	long long total;
	long long timed;   /* requests with a response time */
	double total_time; /* seconds, summed over the timed requests */
	struct svcmap_hist hist;
};

struct svcmap_node {
	const char *name;
	const char **names; /* every name the service answered to (names[0] == name) */
	unsigned n_names;
	const char *type;       /* AWS::Lambda::Function, client, remote, ...; NULL if unknown */
	const char *account_id; /* or NULL */
	bool inferred;          /* known only from its callers' subsegments */
	bool root;              /* an entry point: a client calls it */
	bool client;            /* the client node in front of an entry point */
	bool has_stats;         /* client nodes have none */
	double start_time, end_time; /* NAN when unknown */
	struct svcmap_stats stats;
	unsigned long long key_; /* private: tracegraph_key() */
	unsigned client_;        /* private: 1 + index of its client node, or 0 */
};

struct svcmap_edge {
	unsigned from, to;     /* node indexes */
	const char *edge_type; /* "link" for asynchronous edges, else NULL */
	double start_time, end_time;
	struct svcmap_stats stats;
};

struct svcmap {
	struct arena *arena;
	struct svcmap_node *nodes;
	size_t n_nodes;
	struct svcmap_edge *edges; /* sorted by (from, to) after svcmap_finish() */
	size_t n_edges;
	size_t n_traces;             /* traces added */
	double start_time, end_time; /* the window covered; NAN when empty */
	/* private */
	size_t cap_nodes_, cap_edges_;
	struct hash_index node_index_, edge_index_;
};

/* Which store entries a map is built from (NULL: every full trace). */
typedef bool (*svcmap_keep_fn)(void *ctx, const struct xr_store_entry *e);

/* An empty map.  Caller frees. */
struct svcmap *svcmap_new(void);
void svcmap_free(struct svcmap *m);
/* Adds one trace's services, calls and their statistics. */
void svcmap_add_trace(struct svcmap *m, const struct xr_trace *t);
/* Orders nodes by name and type and edges by their ends (call once, last). */
void svcmap_finish(struct svcmap *m);
/* The map of the full traces of the store that keep accepts (keep is
 * called on the calling thread; the map is then built on every processor),
 * finished; entries without a full trace are counted in *summaries_only
 * (may be NULL).  Caller frees. */
struct svcmap *svcmap_build(const struct xr_store *s, svcmap_keep_fn keep, void *ctx,
                            size_t *summaries_only);
/* The index: a compact copy of every loaded trace's tallies, in one arena,
 * so that a map rebuilt for each new filter (the interactive screen) reads
 * only it.  Kept by whoever holds the store, brought up to date as traces
 * arrive (a trace merged with more documents is copied again). */
struct svcmap_index;

/* An empty index.  Caller frees. */
struct svcmap_index *svcmap_index_new(void);
void svcmap_index_free(struct svcmap_index *ix);
/* Copies the tallies of the store's traces that are new or have grown. */
void svcmap_index_update(struct svcmap_index *ix, const struct xr_store *s);
/* svcmap_build() reading the index (up to date with s) instead of the
 * traces.  Caller frees. */
struct svcmap *svcmap_build_indexed(const struct svcmap_index *ix, const struct xr_store *s,
                                    svcmap_keep_fn keep, void *ctx, size_t *summaries_only);

/* The map of a GetServiceGraph response, with the service's own
 * statistics, finished.  Caller frees. */
struct svcmap *svcmap_from_graph(const struct xr_service_graph *g);

/* Index of the node called name (any type, clients last), or -1. */
int svcmap_find(const struct svcmap *m, const char *name);

/* Adds one request of duration seconds (NAN: no response time) and outcome. */
void svcmap_stats_add(struct svcmap_stats *st, double seconds, unsigned segment_flags);
/* Adds count requests of duration seconds to the histogram only. */
void svcmap_hist_add(struct svcmap_hist *h, double seconds, long long count);
/* Average response time in seconds, NAN when nothing was timed. */
double svcmap_avg(const struct svcmap_stats *st);
/* The p-quantile (0 < p <= 1) of the response times, NAN when none. */
double svcmap_percentile(const struct svcmap_stats *st, double p);
/* The response time a histogram bin stands for, in seconds. */
double svcmap_bin_value(unsigned bin);
/* Errors (4xx, throttles included). */
long long svcmap_errors(const struct svcmap_stats *st);

#endif
