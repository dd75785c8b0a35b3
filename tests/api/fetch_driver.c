/* A small driver of the fetch engine for tests/api/engine_test.py: runs one
 * operation against an endpoint through the event loop and prints what the
 * engine got, as JSON lines.  Credentials come from the usual chain.
 *
 *   fetch_driver URL REGION groups
 *   fetch_driver URL REGION graph START END [GROUP]
 *   fetch_driver URL REGION traces ID...
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "source/api.h"
#include "util/jsonw.h"

static bool
finished(void *ctx)
{
	struct fetch *f = ctx;
	return fetch_idle(f) || fetch_aborted(f);
}

static void
print_stats(struct jsonw *w, const char *key, const struct xr_graph_stats *s)
{
	jsonw_key(w, key);
	jsonw_object_begin(w);
	jsonw_key(w, "ok");
	jsonw_int(w, s->ok);
	jsonw_key(w, "error");
	jsonw_int(w, s->error_total);
	jsonw_key(w, "fault");
	jsonw_int(w, s->fault_total);
	jsonw_key(w, "total");
	jsonw_int(w, s->total);
	jsonw_object_end(w);
}

static void
print_graph(const struct xr_service_graph *g)
{
	for (size_t i = 0; i < g->n_services; i++) {
		const struct xr_graph_service *s = &g->services[i];
		struct buf b = BUF_INIT;
		struct jsonw w;
		jsonw_init(&w, &b);
		jsonw_object_begin(&w);
		jsonw_key(&w, "ReferenceId");
		jsonw_int(&w, s->reference_id);
		jsonw_key(&w, "Name");
		jsonw_string(&w, s->name);
		jsonw_key(&w, "Type");
		jsonw_string(&w, s->type);
		jsonw_key(&w, "Root");
		jsonw_bool(&w, s->root);
		print_stats(&w, "Stats", &s->stats);
		jsonw_key(&w, "Edges");
		jsonw_array_begin(&w);
		for (unsigned e = 0; e < s->n_edges; e++) {
			jsonw_object_begin(&w);
			jsonw_key(&w, "ReferenceId");
			jsonw_int(&w, s->edges[e].reference_id);
			print_stats(&w, "Stats", &s->edges[e].stats);
			jsonw_object_end(&w);
		}
		jsonw_array_end(&w);
		jsonw_object_end(&w);
		puts(b.data);
		buf_free(&b);
	}
}

int
main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: fetch_driver URL REGION groups|graph|traces ...\n");
		return 2;
	}
	struct xr_store *store = store_new();
	struct xr_warnings warnings = {0};
	struct xr_err err = {0};
	struct api_settings s = {.region = argv[2], .endpoint_url = argv[1]};
	struct api *a = api_open(&s, store, &warnings, &err);
	if (!a) {
		fprintf(stderr, "fetch_driver: %s\n", err.msg);
		return 1;
	}
	const char *op = argv[3];
	if (strcmp(op, "groups") == 0)
		fetch_get_groups(a->fetch);
	else if (strcmp(op, "graph") == 0 && argc >= 6)
		fetch_get_service_graph(a->fetch, atof(argv[4]), atof(argv[5]),
		                        argc > 6 ? argv[6] : NULL);
	else if (strcmp(op, "traces") == 0)
		fetch_traces(a->fetch, (const char *const *)argv + 4, (size_t)argc - 4);
	struct loop *l = loop_new(a->http);
	loop_add_tick(l, api_tick, a);
	int rc = loop_run(l, finished, a->fetch, &err);
	if (strcmp(op, "groups") == 0) {
		size_t n;
		const struct xr_group *g = store_groups(store, &n);
		for (size_t i = 0; i < n; i++)
			printf("{\"GroupName\":\"%s\",\"FilterExpression\":\"%s\"}\n", g[i].name,
			       g[i].filter_expression ? g[i].filter_expression : "");
	} else if (strcmp(op, "graph") == 0 && store_service_graph(store)) {
		print_graph(store_service_graph(store));
	} else {
		for (size_t i = 0; i < store_count(store); i++) {
			const struct xr_trace *t = store_entry(store, i)->trace;
			if (t)
				printf("{\"Id\":\"%s\",\"Segments\":%u}\n", t->id, t->n_documents);
		}
	}
	const struct fetch_progress *p = fetch_progress(a->fetch);
	fprintf(stderr, "requests %zu fetched %zu failures %zu\n", p->requests, p->fetched,
	        fetch_failure_count(a->fetch));
	for (size_t i = 0; i < fetch_failure_count(a->fetch); i++)
		fprintf(stderr, "failure: %s: %s\n", fetch_failure(a->fetch, i)->what,
		        fetch_failure(a->fetch, i)->why);
	if (fetch_aborted(a->fetch))
		fprintf(stderr, "aborted: %s\n", fetch_aborted(a->fetch));
	rc = rc < 0 || fetch_aborted(a->fetch) || fetch_failure_count(a->fetch) ? 1 : 0;
	loop_free(l);
	api_close(a);
	warn_free(&warnings);
	store_free(store);
	return rc;
}
