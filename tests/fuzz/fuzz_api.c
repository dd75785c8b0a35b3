/* libFuzzer target for the X-Ray API replies: the first byte picks the
 * decoder (GetTraceSummaries, BatchGetTraces, GetServiceGraph, GetGroups,
 * an error body), the rest is the reply body.  Whatever the body, nothing
 * may crash, leak or overrun. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "model/store.h"
#include "model/svcgraph.h"
#include "util/warn.h"
#include "xray/decode.h"
#include "xray/decode_graph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *body = (const char *)data + 1;
	size_t len = size - 1;
	struct xr_err err;
	switch (data[0] % 5) {
	case 0:
	case 1: {
		struct xr_store *store = store_new();
		struct xr_warnings warnings = {0};
		struct decode_page page = {0};
		if (data[0] % 5 == 0)
			decode_trace_summaries_response(body, len, store, &page, &warnings, &err);
		else
			decode_batch_get_traces_response(body, len, store, &page, &warnings, &err);
		decode_page_free(&page);
		warn_free(&warnings);
		store_free(store);
		break;
	}
	case 2: {
		struct xr_service_graph *g = svcgraph_new();
		char *token = NULL;
		decode_service_graph_response(body, len, g, &token, &err);
		free(token);
		svcgraph_free(g);
		break;
	}
	case 3: {
		struct xr_group *groups = NULL;
		size_t n = 0;
		char *token = NULL;
		decode_groups_response(body, len, &groups, &n, &token, &err);
		group_list_free(groups, n);
		free(token);
		break;
	}
	default: {
		char *code = NULL, *message = NULL;
		decode_error_body(body, len, &code, &message);
		free(code);
		free(message);
		break;
	}
	}
	decode_thread_done();
	return 0;
}
