#include "config.h"

#include "model/svcgraph.h"

#include <math.h>
#include <stdlib.h>

#include "util/xmalloc.h"

struct xr_service_graph *
svcgraph_new(void)
{
	struct xr_service_graph *g = xcalloc(1, sizeof *g);
	g->arena = arena_new();
	g->start_time = g->end_time = NAN;
	return g;
}

void
svcgraph_free(struct xr_service_graph *g)
{
	if (!g)
		return;
	arena_free(g->arena);
	free(g->services);
	free(g);
}

const struct xr_graph_service *
svcgraph_find(const struct xr_service_graph *g, int reference_id)
{
	for (size_t i = 0; i < g->n_services; i++)
		if (g->services[i].reference_id == reference_id)
			return &g->services[i];
	return NULL;
}
