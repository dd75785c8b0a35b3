#include "config.h"

#include "model/tracegraph.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/xmalloc.h"

static bool
same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static const char *
last_part(const char *s, char sep)
{
	const char *p = strrchr(s, sep);
	return p && p[1] ? p + 1 : s;
}

/* Host part of a URL ("https://api.example.com:443/x" -> api.example.com). */
static const char *
url_host(const char *url, struct arena *a)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	size_t n = strcspn(p, ":/?#");
	return n ? arena_strndup(a, p, n) : NULL;
}

const char *
tracegraph_inferred_name(const struct xr_segment *s, const char **type, struct arena *a)
{
	if (!s->namespace || !(s->flags & XR_SEG_SUBSEGMENT))
		return NULL;
	if (strcmp(s->namespace, "aws") == 0) {
		const struct xr_aws *aws = s->aws;
		const char *name = s->name;
		if (aws && aws->table_name)
			name = aws->table_name;
		else if (aws && aws->queue_url)
			name = last_part(aws->queue_url, '/');
		else if (aws && aws->topic_arn)
			name = last_part(aws->topic_arn, ':');
		else if (aws && aws->function_name)
			name = aws->function_name;
		if (strcmp(s->name, "DynamoDB") == 0 && aws && aws->table_name) {
			*type = "AWS::DynamoDB::Table";
		} else {
			size_t n = strlen(s->name);
			char *t = arena_alloc(a, n + 6);
			memcpy(t, "AWS::", 5);
			memcpy(t + 5, s->name, n + 1);
			*type = t;
		}
		return name;
	}
	if (strcmp(s->namespace, "remote") == 0) {
		*type = "remote";
		const char *host = s->http.url ? url_host(s->http.url, a) : NULL;
		return host ? host : s->name;
	}
	return NULL;
}

/* A field: 1 and its bytes and a NUL, or 0 for NULL, so no two differ. */
static uint64_t
key_field(uint64_t h, const char *s)
{
	h = hash_byte(h, s ? 1 : 0);
	return hash_byte(s ? hash_add_str(h, s) : h, 0);
}

unsigned long long
tracegraph_key(const char *name, const char *type, const char *account)
{
	uint64_t h = key_field(hash_start(), name ? name : "");
	return key_field(key_field(h, type), account);
}

/* Counts docs into t (times allocated in a). */
static void
tally(struct xr_tally *t, struct xr_segment *const *docs, unsigned n, struct arena *a)
{
	*t = (struct xr_tally){.start = NAN, .end = NAN};
	t->times = ARENA_ARRAY(a, double, n + 1);
	for (unsigned i = 0; i < n; i++) {
		const struct xr_segment *s = docs[i];
		if (isfinite(s->start_time) && !(t->start <= s->start_time))
			t->start = s->start_time;
		double last = isfinite(s->end_time) ? s->end_time : s->start_time;
		if (isfinite(last) && !(t->end >= last))
			t->end = last;
		if (s->flags & XR_SEG_IN_PROGRESS)
			continue;
		if (s->flags & XR_SEG_FAULT)
			t->fault++;
		else if (s->flags & XR_SEG_THROTTLE)
			t->throttle++;
		else if (s->flags & XR_SEG_ERROR)
			t->error++;
		else
			t->ok++;
		if (isfinite(s->start_time) && isfinite(s->end_time) &&
		    s->end_time >= s->start_time)
			t->times[t->n_times++] = s->end_time - s->start_time;
	}
}

struct node_builder {
	struct xr_node *nodes;
	size_t n, cap;
	struct xr_segment ***docs; /* per node, growable */
	size_t *n_docs, *cap_docs;
};

static unsigned
node_for(struct node_builder *b, const char *name, const char *type, const char *account,
         bool inferred)
{
	for (size_t i = 0; i < b->n; i++)
		if (same(b->nodes[i].name, name) && same(b->nodes[i].type, type) &&
		    same(b->nodes[i].account_id, account))
			return (unsigned)i;
	size_t old = b->cap;
	XGROW(b->nodes, b->cap, b->n + 1);
	if (b->cap != old) {
		b->docs = xreallocarray(b->docs, b->cap, sizeof *b->docs);
		b->n_docs = xreallocarray(b->n_docs, b->cap, sizeof *b->n_docs);
		b->cap_docs = xreallocarray(b->cap_docs, b->cap, sizeof *b->cap_docs);
	}
	b->nodes[b->n] = (struct xr_node){
	    .name = name, .type = type, .account_id = account, .inferred = inferred};
	b->docs[b->n] = NULL;
	b->n_docs[b->n] = b->cap_docs[b->n] = 0;
	return (unsigned)b->n++;
}

static void
node_add_doc(struct node_builder *b, unsigned node, struct xr_segment *doc)
{
	XGROW(b->docs[node], b->cap_docs[node], b->n_docs[node] + 1);
	b->docs[node][b->n_docs[node]++] = doc;
}

struct edge_builder {
	struct xr_edge *edges;
	size_t n, cap;
	struct xr_segment ***docs;
	size_t *n_docs, *cap_docs;
};

static void
edge_add(struct edge_builder *b, unsigned from, unsigned to, struct xr_segment *doc)
{
	size_t i;
	for (i = 0; i < b->n; i++)
		if (b->edges[i].from == from && b->edges[i].to == to)
			break;
	if (i == b->n) {
		size_t old = b->cap;
		XGROW(b->edges, b->cap, b->n + 1);
		if (b->cap != old) {
			b->docs = xreallocarray(b->docs, b->cap, sizeof *b->docs);
			b->n_docs = xreallocarray(b->n_docs, b->cap, sizeof *b->n_docs);
			b->cap_docs = xreallocarray(b->cap_docs, b->cap, sizeof *b->cap_docs);
		}
		b->edges[i] = (struct xr_edge){.from = from, .to = to};
		b->docs[i] = NULL;
		b->n_docs[i] = b->cap_docs[i] = 0;
		b->n++;
	}
	XGROW(b->docs[i], b->cap_docs[i], b->n_docs[i] + 1);
	b->docs[i][b->n_docs[i]++] = doc;
}

bool
tracegraph_calls_a_document(const struct xr_segment *s)
{
	for (unsigned i = 0; i < s->n_children; i++)
		if (s->children[i]->document == s->children[i])
			return true;
	return false;
}

void
tracegraph_build(struct xr_trace *t)
{
	struct node_builder nb = {0};
	struct edge_builder eb = {0};

	for (unsigned i = 0; i < t->n_all; i++) {
		struct xr_segment *s = t->all[i];
		if (s->document != s)
			continue;
		const char *account = s->aws ? s->aws->account_id : NULL;
		unsigned n = node_for(&nb, s->name, s->origin, account, s->flags & XR_SEG_INFERRED);
		node_add_doc(&nb, n, s);
		s->node = n;
	}
	for (unsigned i = 0; i < t->n_all; i++) {
		struct xr_segment *s = t->all[i];
		if (s->document == s) {
			if (s->parent)
				edge_add(&eb, s->parent->document->node, s->node, s);
			continue;
		}
		s->node = s->document->node;
		const char *type = NULL;
		const char *name;
		if (!tracegraph_calls_a_document(s) &&
		    (name = tracegraph_inferred_name(s, &type, t->arena))) {
			unsigned n = node_for(&nb, name, type, NULL, true);
			node_add_doc(&nb, n, s);
			edge_add(&eb, s->node, n, s);
		}
	}
	if (t->root && t->root->document == t->root && nb.n)
		nb.nodes[t->root->node].root = true;

	t->n_nodes = (unsigned)nb.n;
	t->nodes = ARENA_ARRAY(t->arena, struct xr_node, nb.n + 1);
	for (size_t i = 0; i < nb.n; i++) {
		t->nodes[i] = nb.nodes[i];
		t->nodes[i].documents =
		    arena_memdup(t->arena, nb.docs[i], nb.n_docs[i], sizeof(void *));
		t->nodes[i].n_documents = (unsigned)nb.n_docs[i];
		t->nodes[i].key =
		    tracegraph_key(t->nodes[i].name, t->nodes[i].type, t->nodes[i].account_id);
		tally(&t->nodes[i].tally, t->nodes[i].documents, t->nodes[i].n_documents, t->arena);
		free(nb.docs[i]);
	}
	t->n_edges = (unsigned)eb.n;
	t->edges = ARENA_ARRAY(t->arena, struct xr_edge, eb.n + 1);
	for (size_t i = 0; i < eb.n; i++) {
		t->edges[i] = eb.edges[i];
		t->edges[i].documents =
		    arena_memdup(t->arena, eb.docs[i], eb.n_docs[i], sizeof(void *));
		t->edges[i].n_documents = (unsigned)eb.n_docs[i];
		tally(&t->edges[i].tally, t->edges[i].documents, t->edges[i].n_documents, t->arena);
		free(eb.docs[i]);
	}
	free(nb.nodes);
	free(nb.docs);
	free(nb.n_docs);
	free(nb.cap_docs);
	free(eb.edges);
	free(eb.docs);
	free(eb.n_docs);
	free(eb.cap_docs);
}
