/* GetServiceGraph responses. */
#include "config.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonpos.h"
#include "util/jsonscan.h"
#include "util/xmalloc.h"
#include "xray/decode_graph.h"
#include "xray/json.h"
#include "xray/strict.h"

static double
g_num(struct strict *g, const cJSON *obj, const char *field)
{
	const cJSON *v = strict_kind(g, obj, field, cJSON_IsNumber, "expected a number");
	return v && isfinite(v->valuedouble) ? v->valuedouble : NAN;
}

static long long
g_count(struct strict *g, const cJSON *obj, const char *field)
{
	double d = obj ? g_num(g, obj, field) : NAN;
	return isfinite(d) && fabs(d) < 9e18 ? (long long)d : -1;
}

static void
g_stats(struct strict *g, const cJSON *obj, const char *field, struct xr_graph_stats *s)
{
	const cJSON *st = strict_kind(g, obj, field, cJSON_IsObject, "expected an object");
	const cJSON *err =
	    st ? strict_kind(g, st, "ErrorStatistics", cJSON_IsObject, "expected an object") : NULL;
	const cJSON *flt =
	    st ? strict_kind(g, st, "FaultStatistics", cJSON_IsObject, "expected an object") : NULL;
	s->ok = g_count(g, st, "OkCount");
	s->total = g_count(g, st, "TotalCount");
	s->total_response_time = st ? g_num(g, st, "TotalResponseTime") : NAN;
	s->error_throttle = g_count(g, err, "ThrottleCount");
	s->error_other = g_count(g, err, "OtherCount");
	s->error_total = g_count(g, err, "TotalCount");
	s->fault_other = g_count(g, flt, "OtherCount");
	s->fault_total = g_count(g, flt, "TotalCount");
}

static struct xr_histogram_bin *
g_histogram(struct strict *g, const cJSON *obj, const char *field, unsigned *n)
{
	*n = 0;
	const cJSON *list = strict_kind(g, obj, field, cJSON_IsArray, "expected a list");
	if (!list || !cJSON_GetArraySize(list))
		return NULL;
	struct xr_histogram_bin *bins =
	    ARENA_ARRAY(g->a, struct xr_histogram_bin, (size_t)cJSON_GetArraySize(list));
	const cJSON *e;
	cJSON_ArrayForEach(e, list)
	{
		if (!cJSON_IsObject(e)) {
			strict_fail(g, field, "expected a list of objects");
			return NULL;
		}
		bins[*n].value = g_num(g, e, "Value");
		bins[*n].count = g_count(g, e, "Count");
		(*n)++;
	}
	return bins;
}

static void
g_service(struct strict *g, const cJSON *obj, struct xr_graph_service *s)
{
	double ref = g_num(g, obj, "ReferenceId");
	s->reference_id = isfinite(ref) ? (int)ref : -1;
	s->name = strict_str(g, obj, "Name");
	s->type = strict_str(g, obj, "Type");
	s->account_id = strict_str(g, obj, "AccountId");
	s->state = strict_str(g, obj, "State");
	const cJSON *root = strict_kind(g, obj, "Root", cJSON_IsBool, "expected a boolean");
	s->root = root && cJSON_IsTrue(root);
	s->start_time = g_num(g, obj, "StartTime");
	s->end_time = g_num(g, obj, "EndTime");
	const cJSON *names = strict_kind(g, obj, "Names", cJSON_IsArray, "expected a list");
	if (names) {
		s->names = ARENA_ARRAY(g->a, const char *, (size_t)cJSON_GetArraySize(names) + 1);
		const cJSON *n;
		cJSON_ArrayForEach(n, names)
		{
			if (!cJSON_IsString(n)) {
				strict_fail(g, "Names", "expected a list of strings");
				return;
			}
			s->names[s->n_names++] = arena_strdup(g->a, n->valuestring);
		}
	}
	g_stats(g, obj, "SummaryStatistics", &s->stats);
	s->response_times = g_histogram(g, obj, "ResponseTimeHistogram", &s->n_response_times);
	const cJSON *edges = strict_kind(g, obj, "Edges", cJSON_IsArray, "expected a list");
	if (!edges || !cJSON_GetArraySize(edges))
		return;
	s->edges = ARENA_ARRAY(g->a, struct xr_graph_edge, (size_t)cJSON_GetArraySize(edges));
	const cJSON *e;
	cJSON_ArrayForEach(e, edges)
	{
		if (!cJSON_IsObject(e)) {
			strict_fail(g, "Edges", "expected a list of objects");
			return;
		}
		struct xr_graph_edge *out = &s->edges[s->n_edges++];
		double eref = g_num(g, e, "ReferenceId");
		out->reference_id = isfinite(eref) ? (int)eref : -1;
		out->start_time = g_num(g, e, "StartTime");
		out->end_time = g_num(g, e, "EndTime");
		out->edge_type = strict_str(g, e, "EdgeType");
		g_stats(g, e, "SummaryStatistics", &out->stats);
		out->response_times =
		    g_histogram(g, e, "ResponseTimeHistogram", &out->n_response_times);
	}
}

int
decode_service_graph_response(const char *json, size_t len, struct xr_service_graph *graph,
                              char **next_token, struct xr_err *err)
{
	*next_token = NULL;
	const char *end = NULL;
	size_t held_len;
	char *held = jsonscan_hold_nul(json, len, &held_len); /* cJSON cuts strings at NUL */
	if (held) {
		json = held;
		len = held_len;
	}
	cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, false);
	if (!root) {
		int rc =
		    jsonpos_error(json, len, end && end >= json ? (size_t)(end - json) : len, err);
		free(held);
		return rc;
	}
	free(held);
	char where[64] = "GetServiceGraph";
	struct strict g = {.a = graph->arena, .err = err, .where = where};
	int rc = -1;
	if (!cJSON_IsObject(root)) {
		xr_err_set(err, XR_EINPUT, "expected a GetServiceGraph object");
		goto out;
	}
	const cJSON *services = strict_kind(&g, root, "Services", cJSON_IsArray, "expected a list");
	const cJSON *tok = strict_kind(&g, root, "NextToken", cJSON_IsString, "expected a string");
	double start = g_num(&g, root, "StartTime"), stop = g_num(&g, root, "EndTime");
	const cJSON *old =
	    strict_kind(&g, root, "ContainsOldGroupVersions", cJSON_IsBool, "expected a boolean");
	if (g.failed)
		goto out;
	/* Decode into a scratch list first so a bad page adds nothing. */
	size_t count = services ? (size_t)cJSON_GetArraySize(services) : 0, i = 0;
	struct xr_graph_service *tmp = xcalloc(count + 1, sizeof *tmp);
	const cJSON *s;
	cJSON_ArrayForEach(s, services)
	{
		snprintf(where, sizeof where, "Services[%zu]", i);
		if (!cJSON_IsObject(s)) {
			xr_err_set(err, XR_EINPUT, "Services[%zu]: expected an object", i);
			g.failed = true;
			break;
		}
		g_service(&g, s, &tmp[i++]);
		if (g.failed)
			break;
	}
	if (!g.failed) {
		XGROW(graph->services, graph->cap_services, graph->n_services + count);
		memcpy(graph->services + graph->n_services, tmp, count * sizeof *tmp);
		graph->n_services += count;
		if (isfinite(start))
			graph->start_time = start;
		if (isfinite(stop))
			graph->end_time = stop;
		graph->contains_old_group_versions |= old && cJSON_IsTrue(old);
		if (tok && *tok->valuestring)
			*next_token = xstrdup(tok->valuestring);
		rc = 0;
	}
	free(tmp);
out:
	cJSON_Delete(root);
	return rc;
}
