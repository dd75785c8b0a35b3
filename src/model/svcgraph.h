/* svcgraph: the service graph GetServiceGraph returns for a time window:
 * services (nodes) with their statistics and the edges to the services
 * they call.  Filled page by page by the decoder (xray/decode_graph.h);
 * everything is owned by the graph's arena.  The store keeps the last one
 * (store_service_graph()); svcmap_from_graph() makes it a service map. */
#ifndef XRTOP_MODEL_SVCGRAPH_H
#define XRTOP_MODEL_SVCGRAPH_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"

/* ServiceStatistics / EdgeStatistics; counts are -1 when absent. */
struct xr_graph_stats {
	long long ok;
	long long error_throttle;
	long long error_other;
	long long error_total;
	long long fault_other;
	long long fault_total;
	long long total;
	double total_response_time; /* NAN when absent */
};

struct xr_histogram_bin {
	double value;
	long long count;
};

struct xr_graph_edge {
	int reference_id; /* the service called */
	double start_time, end_time;
	struct xr_graph_stats stats;
	const char *edge_type; /* "link" for asynchronous edges, NULL when absent */
	struct xr_histogram_bin *response_times;
	unsigned n_response_times;
};

struct xr_graph_service {
	int reference_id;
	const char *name;
	const char **names;
	unsigned n_names;
	const char *type; /* AWS::EC2::Instance, client, remote, ... */
	const char *account_id;
	const char *state;
	bool root;
	double start_time, end_time;
	struct xr_graph_stats stats;
	struct xr_graph_edge *edges;
	unsigned n_edges;
	struct xr_histogram_bin *response_times;
	unsigned n_response_times;
};

struct xr_service_graph {
	struct arena *arena;
	struct xr_graph_service *services;
	size_t n_services, cap_services;
	double start_time, end_time; /* as the service reported them; NAN when absent */
	bool contains_old_group_versions;
};

struct xr_service_graph *svcgraph_new(void);
void svcgraph_free(struct xr_service_graph *g);
/* The service with reference_id, or NULL. */
const struct xr_graph_service *svcgraph_find(const struct xr_service_graph *g, int reference_id);

#endif
