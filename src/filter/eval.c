#include "config.h"

#include "filter/eval.h"

#include <math.h>
#include <string.h>

#include "filter/rcjson.h"

/* Three-valued truth. */
enum { T_NO, T_YES, T_UNKNOWN };

struct ectx {
	const struct xr_summary *s;
	const struct xr_trace *t; /* NULL: summary only */
	enum fscope sc;
	/* SC_NODE / SC_EDGE: the node and one of its segment documents. */
	const struct xr_node *node;
	const struct xr_segment *doc;
	/* Root-cause scopes: the current element and its place in its list. */
	const struct xr_rc_service *rcs;
	const struct xr_rc_entity *rce;
	const struct xr_rc_exception *rcx;
	unsigned index, count;
};

static int eval(const struct fnode *n, const struct ectx *c);

static int
tri(bool b)
{
	return b ? T_YES : T_NO;
}

/* a equals b, with the first byte compared inline (most names differ there). */
static bool
same(const char *a, const char *b)
{
	return b && a[0] == b[0] && strcmp(a, b) == 0;
}

static bool
str_match(const char *v, enum fop op, const struct flit *l)
{
	if (!v)
		return false;
	switch (op) {
	case OP_SET: return true;
	case OP_EQ: return same(l->s, v);
	case OP_NE: return strcmp(v, l->s) != 0;
	case OP_CONTAINS: return strstr(v, l->s) != NULL;
	case OP_BEGINSWITH: return strncmp(v, l->s, l->len) == 0;
	case OP_ENDSWITH: {
		size_t n = strlen(v);
		return n >= l->len && memcmp(v + n - l->len, l->s, l->len) == 0;
	}
	default: return false;
	}
}

static bool
num_match(double v, enum fop op, double x)
{
	switch (op) {
	case OP_EQ: return v == x;
	case OP_NE: return !isnan(v) && v != x;
	case OP_LT: return v < x;
	case OP_LE: return v <= x;
	case OP_GT: return v > x;
	case OP_GE: return v >= x;
	default: return false;
	}
}

static bool
bool_match(bool v, enum fop op, const struct flit *l)
{
	return op == OP_SET ? v : op == OP_EQ ? v == l->b : v != l->b;
}

/* A typed annotation value against op and literal (§10.5, §10.6). */
static bool
value_match(const struct xr_value *v, enum fop op, const struct flit *l)
{
	if (op == OP_SET)
		return v->type != XR_VAL_BOOL || v->u.b;
	if (v->type != l->type)
		return false;
	switch (v->type) {
	case XR_VAL_STRING: return str_match(v->u.s, op, l);
	case XR_VAL_NUMBER: return num_match(v->u.n, op, l->n);
	case XR_VAL_BOOL: return bool_match(v->u.b, op, l);
	}
	return false;
}

static bool
strs_match(const char *const *v, unsigned n, enum fop op, const struct flit *l)
{
	for (unsigned i = 0; i < n; i++)
		if (str_match(v[i], op, l))
			return true;
	return false;
}

/* ---- segments of a node ---- */

/* Seconds between two epoch times, rounded to the microsecond as
 * summarize.c does, so 1.0 does not come out as 0.99999976. */
static double
seconds(double start, double end)
{
	return round((end - start) * 1e6) / 1e6;
}

/* True for a child that is a document of its own (a called service),
 * which the walks below leave to that service's node. */
static bool
other_document(const struct xr_segment *k)
{
	return k->document == k;
}

/* Latest end time in g's subtree within its document. */
static double
last_end(const struct xr_segment *g)
{
	double end = g->end_time;
	for (unsigned i = 0; i < g->n_children; i++) {
		if (other_document(g->children[i]))
			continue;
		double e = last_end(g->children[i]);
		if (e > end || isnan(end))
			end = e;
	}
	return end;
}

/* An annotation in g or its subsegments satisfies the term. */
static bool
segment_annotation(const struct xr_segment *g, const struct fnode *n)
{
	for (unsigned i = 0; i < g->n_annotations; i++)
		if (same(n->u.ann.key, g->annotations[i].key) &&
		    value_match(&g->annotations[i].value, n->u.ann.op, &n->u.ann.lit))
			return true;
	for (unsigned i = 0; i < g->n_children; i++)
		if (!other_document(g->children[i]) && segment_annotation(g->children[i], n))
			return true;
	return false;
}

static int
term_segment(const struct fnode *n, const struct ectx *c)
{
	const struct xr_segment *g = c->doc;
	const struct flit *l = &n->u.term.lit;
	enum fop op = n->u.term.op;
	const char *s = NULL;
	switch (n->u.term.field) {
	case FLD_OK:
		return tri(bool_match(!(g->flags & (XR_SEG_ERROR | XR_SEG_FAULT | XR_SEG_THROTTLE)),
		                      op, l));
	case FLD_ERROR: return tri(bool_match(g->flags & XR_SEG_ERROR, op, l));
	case FLD_FAULT: return tri(bool_match(g->flags & XR_SEG_FAULT, op, l));
	case FLD_THROTTLE: return tri(bool_match(g->flags & XR_SEG_THROTTLE, op, l));
	case FLD_ROOT: return tri(bool_match(c->node->root, op, l));
	case FLD_RESPONSETIME: return tri(num_match(seconds(g->start_time, g->end_time), op, l->n));
	case FLD_DURATION: return tri(num_match(seconds(g->start_time, last_end(g)), op, l->n));
	case FLD_HTTP_STATUS: return tri(g->http.status && num_match(g->http.status, op, l->n));
	case FLD_HTTP_URL: s = g->http.url; break;
	case FLD_HTTP_METHOD: s = g->http.method; break;
	case FLD_HTTP_USERAGENT: s = g->http.user_agent; break;
	case FLD_HTTP_CLIENTIP: s = g->http.client_ip; break;
	case FLD_USER: s = g->user; break;
	case FLD_AVAILABILITYZONE: s = g->aws ? g->aws->availability_zone : NULL; break;
	case FLD_INSTANCE_ID: s = g->aws ? g->aws->instance_id : NULL; break;
	case FLD_RESOURCE_ARN: s = g->resource_arn; break;
	case FLD_ACCOUNT_ID: s = c->node->account_id; break;
	default: return T_NO; /* not reachable: the parser checks scopes */
	}
	return tri(str_match(s, op, l));
}

/* ---- the trace as a whole ---- */

static int
term_trace(const struct fnode *n, const struct ectx *c)
{
	const struct xr_summary *s = c->s;
	const struct flit *l = &n->u.term.lit;
	enum fop op = n->u.term.op;
	const char *str = NULL;
	switch (n->u.term.field) {
	case FLD_OK: return tri(bool_match(!s->has_error && !s->has_fault, op, l));
	case FLD_ERROR: return tri(bool_match(s->has_error, op, l));
	case FLD_FAULT: return tri(bool_match(s->has_fault, op, l));
	case FLD_THROTTLE: return tri(bool_match(s->has_throttle, op, l));
	case FLD_PARTIAL: return tri(bool_match(s->is_partial, op, l));
	case FLD_INFERRED: {
		if (!c->t)
			return T_UNKNOWN;
		bool any = false;
		for (unsigned i = 0; i < c->t->n_nodes && !any; i++)
			any = c->t->nodes[i].inferred;
		return tri(bool_match(any, op, l));
	}
	case FLD_RESPONSETIME: return tri(num_match(s->response_time, op, l->n));
	case FLD_DURATION: return tri(num_match(s->duration, op, l->n));
	case FLD_HTTP_STATUS: return tri(s->http.status && num_match(s->http.status, op, l->n));
	case FLD_HTTP_URL: str = s->http.url; break;
	case FLD_HTTP_METHOD: str = s->http.method; break;
	case FLD_HTTP_USERAGENT: str = s->http.user_agent; break;
	case FLD_HTTP_CLIENTIP: str = s->http.client_ip; break;
	case FLD_USER:
		for (unsigned i = 0; i < s->n_users; i++)
			if (str_match(s->users[i].name, op, l))
				return T_YES;
		return T_NO;
	case FLD_AVAILABILITYZONE:
		return tri(strs_match(s->availability_zones, s->n_availability_zones, op, l));
	case FLD_INSTANCE_ID: return tri(strs_match(s->instance_ids, s->n_instance_ids, op, l));
	case FLD_RESOURCE_ARN: return tri(strs_match(s->resource_arns, s->n_resource_arns, op, l));
	case FLD_ACCOUNT_ID:
		for (unsigned i = 0; i < s->n_service_ids; i++)
			if (str_match(s->service_ids[i].account_id, op, l))
				return T_YES;
		return T_NO;
	default: return T_NO;
	}
	return tri(str_match(str, op, l));
}

static int
term_rootcause(const struct fnode *n, const struct ectx *c)
{
	const struct flit *l = &n->u.term.lit;
	enum fop op = n->u.term.op;
	switch (n->u.term.field) {
	case FLD_INDEX: return tri(num_match(c->index, op, l->n));
	case FLD_FIRST: return tri(bool_match(c->index == 0, op, l));
	case FLD_LAST: return tri(bool_match(c->index + 1 == c->count, op, l));
	case FLD_INFERRED: return tri(bool_match(c->rcs->inferred, op, l));
	case FLD_REMOTE: return tri(bool_match(c->rce->has_remote && c->rce->remote, op, l));
	case FLD_COVERAGE: return tri(num_match(c->rce->coverage, op, l->n));
	case FLD_TYPE: return tri(str_match(c->rcs->id.type, op, l));
	case FLD_ACCOUNT_ID: return tri(str_match(c->rcs->id.account_id, op, l));
	case FLD_MESSAGE: return tri(str_match(c->rcx->message, op, l));
	case FLD_NAME: {
		const char *name = c->sc == SC_RC_SERVICE  ? c->rcs->id.name
		                   : c->sc == SC_RC_ENTITY ? c->rce->name
		                                           : c->rcx->name;
		return tri(str_match(name, op, l));
	}
	default: return T_NO;
	}
}

static int
eval_annotation(const struct fnode *n, const struct ectx *c)
{
	if (c->sc == SC_NODE || c->sc == SC_EDGE)
		return tri(segment_annotation(c->doc, n));
	const struct xr_summary *s = c->s;
	for (unsigned i = 0; i < s->n_annotations; i++) {
		const struct xr_summary_annotation *a = &s->annotations[i];
		if (!same(n->u.ann.key, a->key))
			continue;
		for (unsigned k = 0; k < a->n_values; k++)
			if (value_match(&a->values[k].value, n->u.ann.op, &n->u.ann.lit))
				return T_YES;
	}
	return T_NO;
}

/* ---- service(), edge() ---- */

static bool
ref_match(const struct fref *r, const char *name, const char *type, const char *account)
{
	return (!r->name || same(r->name, name)) && (!r->type || same(r->type, type)) &&
	       (!r->account || same(r->account, account));
}

static bool
ref_in_summary(const struct fref *r, const struct xr_summary *s)
{
	for (unsigned i = 0; i < s->n_service_ids; i++) {
		const struct xr_service_id *id = &s->service_ids[i];
		if (ref_match(r, id->name, id->type, id->account_id))
			return true;
	}
	return false;
}

/* One of the documents satisfies the block (§10.8). */
static int
docs_match(const struct fnode *block, const struct ectx *c, enum fscope sc,
           const struct xr_node *node, struct xr_segment *const *docs, unsigned n)
{
	struct ectx sub = *c;
	sub.sc = sc;
	sub.node = node;
	for (unsigned i = 0; i < n; i++) {
		sub.doc = docs[i];
		if (eval(block, &sub) == T_YES)
			return T_YES;
	}
	return T_NO;
}

static int
eval_service(const struct fnode *n, const struct ectx *c)
{
	const struct fref *r = &n->u.svc.a;
	const struct fnode *block = n->u.svc.block;
	const struct xr_trace *t = c->t;
	if (!t) {
		if (c->s->n_service_ids == 0)
			return T_UNKNOWN; /* a summary without ServiceIds says nothing */
		if (!ref_in_summary(r, c->s))
			return T_NO;
		return block ? T_UNKNOWN : T_YES;
	}
	for (unsigned i = 0; i < t->n_nodes; i++) {
		const struct xr_node *node = &t->nodes[i];
		if (!ref_match(r, node->name, node->type, node->account_id))
			continue;
		if (!block || docs_match(block, c, SC_NODE, node, node->documents,
		                         node->n_documents) == T_YES)
			return T_YES;
	}
	return T_NO;
}

static int
eval_edge(const struct fnode *n, const struct ectx *c)
{
	const struct fref *a = &n->u.svc.a, *b = &n->u.svc.b;
	const struct xr_trace *t = c->t;
	if (!t) {
		if (c->s->n_service_ids > 0 &&
		    (!ref_in_summary(a, c->s) || !ref_in_summary(b, c->s)))
			return T_NO;
		return T_UNKNOWN;
	}
	for (unsigned i = 0; i < t->n_edges; i++) {
		const struct xr_edge *e = &t->edges[i];
		const struct xr_node *from = &t->nodes[e->from], *to = &t->nodes[e->to];
		if (!ref_match(a, from->name, from->type, from->account_id) ||
		    !ref_match(b, to->name, to->type, to->account_id))
			continue;
		if (!n->u.svc.block || docs_match(n->u.svc.block, c, SC_EDGE, to, e->documents,
		                                  e->n_documents) == T_YES)
			return T_YES;
	}
	return T_NO;
}

/* ---- root causes ---- */

static int rc_entities(const struct fnode *n, const struct ectx *c,
                       const struct xr_rc_service *svc);

static int
rc_exceptions(const struct fnode *n, const struct ectx *c, const struct xr_rc_entity *e)
{
	struct ectx sub = *c;
	sub.sc = SC_RC_EXCEPTION;
	sub.rce = e;
	sub.count = e->n_exceptions;
	for (unsigned i = 0; i < e->n_exceptions; i++) {
		sub.rcx = &e->exceptions[i];
		sub.index = i;
		if (eval(n->u.rc.block, &sub) == T_YES)
			return T_YES;
	}
	return T_NO;
}

static int
rc_entities(const struct fnode *n, const struct ectx *c, const struct xr_rc_service *svc)
{
	struct ectx sub = *c;
	sub.sc = SC_RC_ENTITY;
	sub.rcs = svc;
	sub.count = svc->n_path;
	for (unsigned i = 0; i < svc->n_path; i++) {
		sub.rce = &svc->path[i];
		sub.index = i;
		int v = n->u.rc.level == RC_ENTITY ? eval(n->u.rc.block, &sub)
		                                   : rc_exceptions(n, &sub, sub.rce);
		if (v == T_YES)
			return T_YES;
	}
	return T_NO;
}

static int
rc_services(const struct fnode *n, const struct ectx *c, const struct xr_root_cause *rc)
{
	struct ectx sub = *c;
	sub.sc = SC_RC_SERVICE;
	sub.count = rc->n_services;
	for (unsigned i = 0; i < rc->n_services; i++) {
		sub.rcs = &rc->services[i];
		sub.index = i;
		int v = n->u.rc.level == RC_SERVICE ? eval(n->u.rc.block, &sub)
		                                    : rc_entities(n, &sub, sub.rcs);
		if (v == T_YES)
			return T_YES;
	}
	return T_NO;
}

static int
eval_rootcause(const struct fnode *n, const struct ectx *c)
{
	switch (c->sc) {
	case SC_RC_SERVICE: /* nested: only the enclosing service's entities */
		return rc_entities(n, c, c->rcs);
	case SC_RC_ENTITY: return rc_exceptions(n, c, c->rce);
	default: break;
	}
	enum xr_rc_kind k = n->u.rc.kind;
	for (unsigned i = 0; i < c->s->n_root_causes[k]; i++)
		if (rc_services(n, c, &c->s->root_causes[k][i]) == T_YES)
			return T_YES;
	return T_NO;
}

/* ---- the tree ---- */

static int
eval(const struct fnode *n, const struct ectx *c)
{
	switch (n->kind) {
	case FN_AND: {
		int r = T_YES;
		for (unsigned i = 0; i < n->u.list.n; i++) {
			int v = eval(n->u.list.kids[i], c);
			if (v == T_NO)
				return T_NO;
			if (v == T_UNKNOWN)
				r = T_UNKNOWN;
		}
		return r;
	}
	case FN_OR: {
		int r = T_NO;
		for (unsigned i = 0; i < n->u.list.n; i++) {
			int v = eval(n->u.list.kids[i], c);
			if (v == T_YES)
				return T_YES;
			if (v == T_UNKNOWN)
				r = T_UNKNOWN;
		}
		return r;
	}
	case FN_NOT: {
		int v = eval(n->u.kid, c);
		return v == T_UNKNOWN ? T_UNKNOWN : v == T_YES ? T_NO : T_YES;
	}
	case FN_TERM:
		switch (c->sc) {
		case SC_TRACE: return term_trace(n, c);
		case SC_NODE:
		case SC_EDGE: return term_segment(n, c);
		default: return term_rootcause(n, c);
		}
	case FN_ANNOTATION: return eval_annotation(n, c);
	case FN_SERVICE: return eval_service(n, c);
	case FN_EDGE: return eval_edge(n, c);
	case FN_ROOTCAUSE: return eval_rootcause(n, c);
	case FN_RCJSON: return tri(rcjson_match(n->u.json, c->s));
	case FN_GROUP: {
		int v = eval(n->u.group.expr, c);
		if (!n->u.group.negate || v == T_UNKNOWN)
			return v;
		return v == T_YES ? T_NO : T_YES;
	}
	}
	return T_NO;
}

enum filter_verdict
eval_run(const struct fnode *n, const struct xr_summary *s, const struct xr_trace *t)
{
	struct ectx c = {.s = s, .t = t, .sc = SC_TRACE};
	int v = eval(n, &c);
	return v == T_YES ? FILTER_MATCH : v == T_NO ? FILTER_NO_MATCH : FILTER_NEED_TRACE;
}

bool
eval_needs_trace(const struct fnode *n)
{
	switch (n->kind) {
	case FN_AND:
	case FN_OR:
		for (unsigned i = 0; i < n->u.list.n; i++)
			if (eval_needs_trace(n->u.list.kids[i]))
				return true;
		return false;
	case FN_NOT: return eval_needs_trace(n->u.kid);
	case FN_TERM:
		return n->u.term.field ==
		       FLD_INFERRED; /* terms in rootcause blocks are not visited */
	case FN_SERVICE: return n->u.svc.block != NULL;
	case FN_EDGE: return true;
	case FN_GROUP: return eval_needs_trace(n->u.group.expr);
	default: return false;
	}
}

unsigned
eval_touches(const struct fnode *n)
{
	unsigned t = 0;
	switch (n->kind) {
	case FN_AND:
	case FN_OR:
		for (unsigned i = 0; i < n->u.list.n; i++)
			t |= eval_touches(n->u.list.kids[i]);
		return t;
	case FN_NOT: return eval_touches(n->u.kid);
	case FN_GROUP: return eval_touches(n->u.group.expr);
	case FN_ANNOTATION: return TOUCH_SUMMARY | TOUCH_ANNOTATIONS;
	case FN_SERVICE:
	case FN_EDGE: return TOUCH_SERVICE_IDS | TOUCH_NODES;
	case FN_TERM:
		switch (n->u.term.field) {
		case FLD_HTTP_URL: return TOUCH_SUMMARY | TOUCH_HTTP_URL;
		case FLD_HTTP_METHOD: return TOUCH_SUMMARY | TOUCH_HTTP_METHOD;
		case FLD_HTTP_USERAGENT: return TOUCH_SUMMARY | TOUCH_HTTP_USERAGENT;
		case FLD_HTTP_CLIENTIP: return TOUCH_SUMMARY | TOUCH_HTTP_CLIENTIP;
		case FLD_INFERRED: return TOUCH_NODES;
		case FLD_ACCOUNT_ID: return TOUCH_SUMMARY | TOUCH_SERVICE_IDS;
		default: return TOUCH_SUMMARY;
		}
	default: return TOUCH_SUMMARY; /* root causes: in the summary */
	}
}

/* Enough of each list to cover a typical trace; the rest is read on demand. */
#define PREFETCH_ITEMS 8

#define PF(p) __builtin_prefetch((const void *)(p))

/* Prefetches the cache lines of an array of size bytes (the first 512). */
static void
prefetch_array(const void *p, size_t size)
{
	const char *c = p;
	for (size_t off = 0; off < size && off < 512; off += 64)
		PF(c + off);
}

void
eval_prefetch(unsigned touch, int stage, const struct xr_summary *s, const struct xr_trace *t)
{
	unsigned n;
	switch (stage) {
	case 0:
		if (touch & TOUCH_ANNOTATIONS)
			prefetch_array(s->annotations, s->n_annotations * sizeof *s->annotations);
		if (touch & TOUCH_HTTP_URL)
			PF(s->http.url);
		if (touch & TOUCH_HTTP_METHOD)
			PF(s->http.method);
		if (touch & TOUCH_HTTP_USERAGENT)
			PF(s->http.user_agent);
		if (touch & TOUCH_HTTP_CLIENTIP)
			PF(s->http.client_ip);
		if ((touch & TOUCH_SERVICE_IDS) && !t)
			prefetch_array(s->service_ids, s->n_service_ids * sizeof *s->service_ids);
		if ((touch & TOUCH_NODES) && t)
			prefetch_array(t->nodes, t->n_nodes * sizeof *t->nodes);
		break;
	case 1:
		n = s->n_annotations < PREFETCH_ITEMS ? s->n_annotations : PREFETCH_ITEMS;
		for (unsigned i = 0; (touch & TOUCH_ANNOTATIONS) && i < n; i++) {
			PF(s->annotations[i].key);
			PF(s->annotations[i].values);
		}
		n = s->n_service_ids < PREFETCH_ITEMS ? s->n_service_ids : PREFETCH_ITEMS;
		for (unsigned i = 0; (touch & TOUCH_SERVICE_IDS) && !t && i < n; i++)
			PF(s->service_ids[i].name);
		n = t && t->n_nodes < PREFETCH_ITEMS ? t->n_nodes : PREFETCH_ITEMS;
		for (unsigned i = 0; (touch & TOUCH_NODES) && t && i < n; i++) {
			PF(t->nodes[i].name);
			PF(t->nodes[i].documents);
		}
		break;
	default:
		n = s->n_annotations < PREFETCH_ITEMS ? s->n_annotations : PREFETCH_ITEMS;
		for (unsigned i = 0; (touch & TOUCH_ANNOTATIONS) && i < n; i++) {
			const struct xr_summary_annotation *a = &s->annotations[i];
			if (a->n_values && a->values[0].value.type == XR_VAL_STRING)
				PF(a->values[0].value.u.s);
		}
		n = t && t->n_nodes < PREFETCH_ITEMS ? t->n_nodes : PREFETCH_ITEMS;
		for (unsigned i = 0; (touch & TOUCH_NODES) && t && i < n; i++)
			if (t->nodes[i].n_documents)
				PF(t->nodes[i].documents[0]);
		break;
	}
}
