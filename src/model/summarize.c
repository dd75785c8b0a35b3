#include "config.h"

#include "model/summarize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/tracegraph.h"
#include "util/hash.h"
#include "util/xmalloc.h"

/* Segment times carry microseconds at most; rounding there removes the
 * binary noise of subtracting two epoch times (3.2319998741 -> 3.232). */
static double
round_micro(double v)
{
	return round(v * 1e6) / 1e6;
}

/* Most root causes of one kind kept per trace. */
#define MAX_ROOT_CAUSES 5

/* The ServiceIds of the summary: one per node, in node order, built
 * first so every other list can point into it. */
static void
summarize_service_ids(struct xr_trace *t, struct xr_summary *sum)
{
	sum->service_ids = ARENA_ARRAY(t->arena, struct xr_service_id, t->n_nodes + 1);
	sum->n_service_ids = t->n_nodes;
	for (unsigned i = 0; i < t->n_nodes; i++) {
		const struct xr_node *n = &t->nodes[i];
		struct xr_service_id *id = &sum->service_ids[i];
		*id = (struct xr_service_id){
		    .name = n->name, .account_id = n->account_id, .type = n->type};
		if (n->name) {
			id->names = ARENA_ARRAY(t->arena, const char *, 1);
			id->names[0] = n->name;
			id->n_names = 1;
		}
	}
	if (t->root && t->n_nodes)
		sum->entry_point = &sum->service_ids[t->root->node];
}

static struct xr_service_id
service_id_of(struct xr_trace *t, unsigned node)
{
	return t->summary.service_ids[node];
}

/* The sets below keep distinct items in first-seen order: a linear scan
 * while they hold few, a hash_index (util/hash.h) once they hold more, so
 * a trace with thousands of users, resources or annotation values is
 * summarised in linear time. */
#define SET_SCAN 8

static uint64_t
mix(uint64_t x)
{
	return hash_byte(x * 0x9E3779B97F4A7C15ull, 0);
}

/* A growable list of service ids without duplicates (by node index). */
struct node_set {
	unsigned *nodes;
	size_t n, cap;
	struct hash_index ix; /* once n > SET_SCAN */
};

static uint64_t
node_hash(const void *nodes, size_t i)
{
	return mix(((const unsigned *)nodes)[i]);
}

static bool
node_same(const void *nodes, size_t i, const void *key)
{
	return ((const unsigned *)nodes)[i] == *(const unsigned *)key;
}

static void
node_set_add(struct node_set *set, unsigned node)
{
	size_t *slot = NULL;
	if (set->n <= SET_SCAN) {
		for (size_t i = 0; i < set->n; i++)
			if (set->nodes[i] == node)
				return;
	} else {
		if (!set->ix.slots) {
			hash_index_init(&set->ix, set->n * 2);
			hash_index_rebuild(&set->ix, set->n, node_hash, set->nodes);
		}
		slot = hash_index_slot(&set->ix, mix(node), &node, node_same, set->nodes);
		if (*slot)
			return;
	}
	XGROW(set->nodes, set->cap, set->n + 1);
	set->nodes[set->n++] = node;
	if (slot) {
		*slot = set->n;
		hash_index_added(&set->ix, set->n, node_hash, set->nodes);
	}
}

static void
node_set_free(struct node_set *set)
{
	free(set->nodes);
	hash_index_free(&set->ix);
}

static struct xr_service_id *
node_set_ids(struct xr_trace *t, const struct node_set *set, unsigned *n_out)
{
	*n_out = (unsigned)set->n;
	if (set->n == 1) /* the common case: share the summary's entry */
		return &t->summary.service_ids[set->nodes[0]];
	struct xr_service_id *ids = ARENA_ARRAY(t->arena, struct xr_service_id, set->n + 1);
	for (size_t i = 0; i < set->n; i++)
		ids[i] = service_id_of(t, set->nodes[i]);
	return set->n ? ids : NULL;
}

/* Distinct strings, kept in first-seen order. */
struct str_set {
	const char **items;
	size_t n, cap;
	struct hash_index ix; /* once n > SET_SCAN */
};

static const char *
str_key(const void *items, size_t i)
{
	return ((const char *const *)items)[i];
}

static uint64_t
str_hash(const void *items, size_t i)
{
	return hash_str(str_key(items, i));
}

/* The index of s in set, added when new (*added then true). */
static size_t
str_set_index(struct str_set *set, const char *s, bool *added)
{
	size_t *slot = NULL;
	*added = false;
	if (set->n <= SET_SCAN) {
		for (size_t i = 0; i < set->n; i++)
			if (strcmp(set->items[i], s) == 0)
				return i;
	} else {
		if (!set->ix.slots) {
			hash_index_init(&set->ix, set->n * 2);
			hash_index_rebuild(&set->ix, set->n, str_hash, set->items);
		}
		slot = hash_index_str_slot(&set->ix, s, str_key, set->items);
		if (*slot)
			return *slot - 1;
	}
	XGROW(set->items, set->cap, set->n + 1);
	set->items[set->n++] = s;
	*added = true;
	if (slot) {
		*slot = set->n;
		hash_index_added(&set->ix, set->n, str_hash, set->items);
	}
	return set->n - 1;
}

static void
str_set_add(struct str_set *set, const char *s)
{
	bool added;
	if (s && *s)
		str_set_index(set, s, &added);
}

static void
str_set_free(struct str_set *set)
{
	free(set->items);
	hash_index_free(&set->ix);
}

static const char **
str_set_finish(struct xr_trace *t, struct str_set *set, unsigned *n_out)
{
	*n_out = (unsigned)set->n;
	const char **out = arena_memdup(t->arena, set->items, set->n, sizeof *set->items);
	str_set_free(set);
	return out;
}

/* The values of one annotation key, in first-seen order, each with the
 * services that recorded it. */
struct value_set {
	struct xr_value *values;
	struct node_set *services; /* parallel to values */
	size_t n, cap;
	struct hash_index ix; /* once n > SET_SCAN */
};

static uint64_t
value_hash(const void *values, size_t i)
{
	return xr_value_hash(&((const struct xr_value *)values)[i]);
}

static bool
value_same(const void *values, size_t i, const void *key)
{
	return xr_value_equal(&((const struct xr_value *)values)[i], key);
}

/* The services of value v in set, v added when new. */
static struct node_set *
value_set_services(struct value_set *set, const struct xr_value *v)
{
	size_t *slot = NULL;
	if (set->n <= SET_SCAN) {
		for (size_t i = 0; i < set->n; i++)
			if (xr_value_equal(&set->values[i], v))
				return &set->services[i];
	} else {
		if (!set->ix.slots) {
			hash_index_init(&set->ix, set->n * 2);
			hash_index_rebuild(&set->ix, set->n, value_hash, set->values);
		}
		slot = hash_index_slot(&set->ix, xr_value_hash(v), v, value_same, set->values);
		if (*slot)
			return &set->services[*slot - 1];
	}
	if (set->n == set->cap) {
		XGROW(set->values, set->cap, set->n + 1);
		set->services = xreallocarray(set->services, set->cap, sizeof *set->services);
	}
	set->values[set->n] = *v;
	set->services[set->n] = (struct node_set){0};
	set->n++;
	if (slot) {
		*slot = set->n;
		hash_index_added(&set->ix, set->n, value_hash, set->values);
	}
	return &set->services[set->n - 1];
}

static void
summarize_annotations(struct xr_trace *t, struct xr_summary *sum)
{
	struct str_set keys = {0};
	struct value_set *values = NULL; /* parallel to keys */
	size_t cap_values = 0;
	for (unsigned i = 0; i < t->n_all; i++) {
		const struct xr_segment *s = t->all[i];
		for (unsigned a = 0; a < s->n_annotations; a++) {
			const struct xr_annotation *an = &s->annotations[a];
			bool added;
			size_t k = str_set_index(&keys, an->key, &added);
			if (added) {
				XGROW(values, cap_values, keys.n);
				values[k] = (struct value_set){0};
			}
			node_set_add(value_set_services(&values[k], &an->value), s->node);
		}
	}
	sum->annotations = ARENA_ARRAY(t->arena, struct xr_summary_annotation, keys.n + 1);
	sum->n_annotations = (unsigned)keys.n;
	for (size_t k = 0; k < keys.n; k++) {
		struct xr_summary_annotation *out = &sum->annotations[k];
		struct value_set *vs = &values[k];
		out->key = keys.items[k];
		out->n_values = (unsigned)vs->n;
		out->values = ARENA_ARRAY(t->arena, struct xr_ann_value, vs->n + 1);
		for (size_t v = 0; v < vs->n; v++) {
			out->values[v].value = vs->values[v];
			out->values[v].services =
			    node_set_ids(t, &vs->services[v], &out->values[v].n_services);
			node_set_free(&vs->services[v]);
		}
		free(vs->values);
		free(vs->services);
		hash_index_free(&vs->ix);
	}
	free(values);
	str_set_free(&keys);
}

/* Users in first-seen order, each with the services (nodes) that named
 * it, in one pass over the segments. */
static void
summarize_users(struct xr_trace *t, struct xr_summary *sum)
{
	struct str_set names = {0};
	struct node_set *services = NULL; /* parallel to names */
	size_t cap_services = 0;
	for (unsigned i = 0; i < t->n_all; i++) {
		const struct xr_segment *s = t->all[i];
		if (!s->user || !*s->user)
			continue;
		bool added;
		size_t u = str_set_index(&names, s->user, &added);
		if (added) {
			XGROW(services, cap_services, names.n);
			services[u] = (struct node_set){0};
		}
		node_set_add(&services[u], s->node);
	}
	sum->users = ARENA_ARRAY(t->arena, struct xr_user, names.n + 1);
	sum->n_users = (unsigned)names.n;
	for (size_t u = 0; u < names.n; u++) {
		sum->users[u].name = names.items[u];
		sum->users[u].services = node_set_ids(t, &services[u], &sum->users[u].n_services);
		node_set_free(&services[u]);
	}
	free(services);
	str_set_free(&names);
}

static void
summarize_resources(struct xr_trace *t, struct xr_summary *sum)
{
	struct str_set arns = {0}, instances = {0}, zones = {0};
	for (unsigned i = 0; i < t->n_all; i++) {
		const struct xr_segment *s = t->all[i];
		if (s->document != s)
			continue;
		str_set_add(&arns, s->resource_arn);
		if (s->aws) {
			str_set_add(&instances, s->aws->instance_id);
			str_set_add(&zones, s->aws->availability_zone);
		}
	}
	sum->resource_arns = str_set_finish(t, &arns, &sum->n_resource_arns);
	sum->instance_ids = str_set_finish(t, &instances, &sum->n_instance_ids);
	sum->availability_zones = str_set_finish(t, &zones, &sum->n_availability_zones);
}

/* ---- root causes ---- */

static bool
has_flag(const struct xr_segment *s, enum xr_rc_kind kind)
{
	return kind == XR_RC_FAULT ? (s->flags & XR_SEG_FAULT) : (s->flags & XR_SEG_ERROR);
}

static double
seg_duration(const struct xr_segment *s)
{
	double d = s->end_time - s->start_time;
	return isfinite(d) && d > 0 ? d : 0;
}

/* The entity path from s's document down to s, as root-cause entities. */
static struct xr_rc_service
rc_service_for(struct xr_trace *t, const struct xr_segment *s, enum xr_rc_kind kind,
               double response_time)
{
	struct xr_rc_service svc = {0};
	const struct xr_segment *chain[XR_MAX_DEPTH];
	unsigned depth = 0;
	/* A downstream call without an inferred document is its own service. */
	const char *type = NULL;
	const char *inferred = NULL;
	if (s->document != s && !tracegraph_calls_a_document(s))
		inferred = tracegraph_inferred_name(s, &type, t->arena);
	const struct xr_segment *top = inferred ? s : s->document;
	for (const struct xr_segment *p = s; p && depth < XR_MAX_DEPTH; p = p->parent) {
		chain[depth++] = p;
		if (p == top)
			break;
	}
	if (inferred) {
		svc.id = (struct xr_service_id){.name = inferred, .type = type};
		svc.inferred = true;
	} else {
		svc.id = service_id_of(t, s->document->node);
		svc.inferred = (s->document->flags & XR_SEG_INFERRED) != 0;
	}
	if (svc.id.name && !svc.id.names) {
		svc.id.names = ARENA_ARRAY(t->arena, const char *, 1);
		svc.id.names[0] = svc.id.name;
		svc.id.n_names = 1;
	}
	svc.path = ARENA_ARRAY(t->arena, struct xr_rc_entity, depth + 1);
	svc.n_path = depth;
	for (unsigned i = 0; i < depth; i++) {
		const struct xr_segment *e = chain[depth - 1 - i];
		struct xr_rc_entity *ent = &svc.path[i];
		ent->name = e->name;
		ent->coverage = NAN;
		if (e->namespace &&
		    (strcmp(e->namespace, "remote") == 0 || strcmp(e->namespace, "aws") == 0)) {
			ent->remote = true;
			ent->has_remote = true;
		}
		if (kind == XR_RC_RESPONSETIME && response_time > 0)
			ent->coverage = round_micro(seg_duration(e) / response_time);
		if (kind != XR_RC_RESPONSETIME && e->cause && e->cause->n_exceptions) {
			ent->n_exceptions = e->cause->n_exceptions;
			ent->exceptions =
			    ARENA_ARRAY(t->arena, struct xr_rc_exception, ent->n_exceptions);
			for (unsigned x = 0; x < ent->n_exceptions; x++) {
				const struct xr_exception *ex = &e->cause->exceptions[x];
				ent->exceptions[x].name = ex->type ? ex->type : ex->id;
				ent->exceptions[x].message = ex->message;
			}
		}
	}
	return svc;
}

static bool
is_ancestor(const struct xr_segment *a, const struct xr_segment *d)
{
	for (const struct xr_segment *p = d->parent; p; p = p->parent)
		if (p == a)
			return true;
	return false;
}

static bool
has_exception(const struct xr_segment *s)
{
	return s->cause && (s->cause->n_exceptions || s->cause->exception_id);
}

/* Fault and error causes: where the failure started.  That is each flagged
 * entity that records the exception (a cause) with no such entity below
 * it; when no flagged entity has a cause, each flagged entity with no
 * flagged child. */
static void
summarize_failure_causes(struct xr_trace *t, struct xr_summary *sum, enum xr_rc_kind kind)
{
	const struct xr_segment *found[MAX_ROOT_CAUSES];
	unsigned n = 0;
	bool with_cause = false;
	for (unsigned i = 0; i < t->n_all && !with_cause; i++)
		with_cause = has_flag(t->all[i], kind) && has_exception(t->all[i]);
	for (unsigned i = 0; i < t->n_all && n < MAX_ROOT_CAUSES; i++) {
		const struct xr_segment *s = t->all[i];
		if (!has_flag(s, kind) || (with_cause && !has_exception(s)))
			continue;
		/* Only s's descendants can be deeper: in preorder they follow s
		 * until the depth comes back to s's (so each segment is looked
		 * at by its ancestors at most, not by every segment). */
		bool deeper = false;
		for (unsigned j = i + 1; j < t->n_all && t->all[j]->depth > s->depth && !deeper;
		     j++) {
			const struct xr_segment *d = t->all[j];
			deeper = has_flag(d, kind) && (!with_cause || has_exception(d)) &&
			         (with_cause ? is_ancestor(s, d) : d->parent == s);
		}
		if (!deeper)
			found[n++] = s;
	}
	sum->n_root_causes[kind] = n;
	if (!n)
		return;
	bool client_impacting = t->root && has_flag(t->root, kind);
	struct xr_root_cause *causes = ARENA_ARRAY(t->arena, struct xr_root_cause, n);
	for (unsigned i = 0; i < n; i++) {
		causes[i].services = ARENA_NEW(t->arena, struct xr_rc_service);
		causes[i].services[0] = rc_service_for(t, found[i], kind, NAN);
		causes[i].n_services = 1;
		causes[i].client_impacting = client_impacting;
	}
	sum->root_causes[kind] = causes;
}

/* Response-time cause: follow the child that takes the most time from the
 * root down to a leaf. */
static void
summarize_latency_cause(struct xr_trace *t, struct xr_summary *sum)
{
	if (!t->root || !isfinite(sum->response_time) || sum->response_time <= 0)
		return;
	const struct xr_segment *s = t->root;
	for (;;) {
		const struct xr_segment *longest = NULL;
		for (unsigned c = 0; c < s->n_children; c++)
			if (!longest || seg_duration(s->children[c]) > seg_duration(longest))
				longest = s->children[c];
		if (!longest || seg_duration(longest) <= 0)
			break;
		s = longest;
	}
	struct xr_root_cause *rc = ARENA_NEW(t->arena, struct xr_root_cause);
	rc->services = ARENA_NEW(t->arena, struct xr_rc_service);
	rc->services[0] = rc_service_for(t, s, XR_RC_RESPONSETIME, sum->response_time);
	rc->n_services = 1;
	rc->client_impacting = true;
	sum->root_causes[XR_RC_RESPONSETIME] = rc;
	sum->n_root_causes[XR_RC_RESPONSETIME] = 1;
}

void
summarize_trace(struct xr_trace *t)
{
	struct xr_summary *sum = &t->summary;
	summary_init(sum);
	sum->id = t->id;

	double first = INFINITY, last = -INFINITY;
	for (unsigned i = 0; i < t->n_all; i++) {
		const struct xr_segment *s = t->all[i];
		if (isfinite(s->start_time) && s->start_time < first)
			first = s->start_time;
		if (isfinite(s->end_time) && s->end_time > last)
			last = s->end_time;
		if (s->flags & XR_SEG_THROTTLE)
			sum->has_throttle = true;
		if (s->flags & XR_SEG_IN_PROGRESS)
			sum->is_partial = true;
	}
	if (isfinite(first)) {
		sum->start_time = first;
		if (isfinite(last) && last >= first)
			sum->duration = round_micro(last - first);
	} else {
		sum->start_time = summary_time_from_trace_id(t->id);
	}
	if (isnan(sum->duration) && isfinite(t->api_duration))
		sum->duration = t->api_duration;

	const struct xr_segment *root = t->root;
	if (root) {
		if (isfinite(root->start_time) && isfinite(root->end_time) &&
		    root->end_time >= root->start_time)
			sum->response_time = round_micro(root->end_time - root->start_time);
		sum->has_error = (root->flags & XR_SEG_ERROR) != 0;
		sum->has_fault = (root->flags & XR_SEG_FAULT) != 0;
		sum->http.url = root->http.url;
		sum->http.method = root->http.method;
		sum->http.user_agent = root->http.user_agent;
		sum->http.client_ip = root->http.client_ip;
		sum->http.status = root->http.status;
	}
	summarize_service_ids(t, sum);
	summarize_annotations(t, sum);
	summarize_users(t, sum);
	summarize_resources(t, sum);
	summarize_failure_causes(t, sum, XR_RC_FAULT);
	summarize_failure_causes(t, sum, XR_RC_ERROR);
	summarize_latency_cause(t, sum);
}
