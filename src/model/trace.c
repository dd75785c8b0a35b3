#include "config.h"

#include "model/trace.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/summarize.h"
#include "model/tracegraph.h"
#include "util/hash.h"
#include "util/xmalloc.h"
#include "util/i18n.h"

struct xr_trace *
trace_new(const char *id)
{
	return trace_new_sized(id, 0);
}

struct xr_trace *
trace_new_sized(const char *id, size_t json_size)
{
	struct xr_trace *t = xcalloc(1, sizeof *t);
	/* The model takes about 1.5 times the JSON text it came from. */
	t->arena = json_size ? arena_new_sized(json_size + json_size / 2) : arena_new();
	t->api_duration = NAN;
	summary_init(&t->summary);
	if (id)
		snprintf(t->id, sizeof t->id, "%s", id);
	return t;
}

void
trace_free(struct xr_trace *t)
{
	if (!t)
		return;
	arena_free(t->arena);
	free(t->documents);
	free(t->problems);
	free(t);
}

void
trace_add_document(struct xr_trace *t, struct xr_segment *doc)
{
	if (!t->id[0] && doc->trace_id)
		snprintf(t->id, sizeof t->id, "%s", doc->trace_id);
	if (t->n_documents == t->cap_documents_) {
		t->cap_documents_ = t->cap_documents_ ? t->cap_documents_ * 2 : 8;
		t->documents = xreallocarray(t->documents, t->cap_documents_, sizeof *t->documents);
	}
	t->documents[t->n_documents++] = doc;
}

void
trace_add_problem(struct xr_trace *t, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	for (unsigned i = 0; i < t->n_problems; i++)
		if (strcmp(t->problems[i], msg) == 0)
			return;
	if (t->n_problems == t->cap_problems_) {
		t->cap_problems_ = t->cap_problems_ ? t->cap_problems_ * 2 : 4;
		t->problems = xreallocarray(t->problems, t->cap_problems_, sizeof *t->problems);
	}
	t->problems[t->n_problems++] = arena_strdup(t->arena, msg);
}

void
trace_merge(struct xr_trace *dst, struct xr_trace *src)
{
	for (unsigned i = 0; i < src->n_documents; i++)
		trace_add_document(dst, src->documents[i]);
	/* Problems trace_finish() found are found again by the next one. */
	if (dst->finished_)
		dst->n_problems = dst->n_input_problems_;
	unsigned n = src->finished_ ? src->n_input_problems_ : src->n_problems;
	for (unsigned i = 0; i < n; i++)
		trace_add_problem(dst, "%s", src->problems[i]);
	if (dst->finished_)
		dst->n_input_problems_ = dst->n_problems;
	if (src->limit_exceeded)
		dst->limit_exceeded = true;
	if (isnan(dst->api_duration))
		dst->api_duration = src->api_duration;
	arena_adopt(dst->arena, src->arena);
	src->arena = NULL;
	trace_free(src);
}

/* ---- id index: every segment of the trace, by id ---- */

/* The segments indexed (one per id) and a hash_index over them. */
struct seg_index {
	struct xr_segment **segs;
	size_t n;
	struct hash_index ix;
};

static const char *
seg_key(const void *segs, size_t i)
{
	return ((struct xr_segment *const *)segs)[i]->id;
}

/* The slot for id: 0, or the index + 1 of the segment with that id. */
static size_t *
index_slot(struct seg_index *ix, const char *id)
{
	return hash_index_str_slot(&ix->ix, id, seg_key, ix->segs);
}

static struct xr_segment *
index_find(struct seg_index *ix, const char *id)
{
	size_t slot = id ? *index_slot(ix, id) : 0;
	return slot ? ix->segs[slot - 1] : NULL;
}

/* Puts s, whose id is not indexed yet, where index_slot() said. */
static void
index_add(struct seg_index *ix, size_t *slot, struct xr_segment *s)
{
	ix->segs[ix->n++] = s;
	*slot = ix->n; /* sized for every segment: it never grows */
}

/* Counts a document and everything nested in it (iteratively). */
static size_t
count_nested(struct xr_segment *doc, struct xr_segment ***stack, size_t *cap)
{
	size_t n = 0, top = 0;
	XGROW(*stack, *cap, 1);
	(*stack)[top++] = doc;
	while (top) {
		struct xr_segment *s = (*stack)[--top];
		n++;
		XGROW(*stack, *cap, top + s->n_subsegments);
		for (unsigned i = 0; i < s->n_subsegments; i++)
			(*stack)[top++] = s->subsegments[i];
	}
	return n;
}

static bool
is_better_duplicate(const struct xr_segment *candidate, const struct xr_segment *kept)
{
	/* A complete segment replaces the in-progress one sent earlier. */
	return (kept->flags & XR_SEG_IN_PROGRESS) && !(candidate->flags & XR_SEG_IN_PROGRESS);
}

/* Indexes every segment by id; drops duplicate documents (keeping the
 * complete one) and reports duplicate ids.  Returns the number indexed. */
static void
build_index(struct xr_trace *t, struct seg_index *ix)
{
	struct xr_segment **stack = NULL;
	size_t cap = 0, total = 0;
	for (unsigned d = 0; d < t->n_documents; d++)
		total += count_nested(t->documents[d], &stack, &cap);
	ix->segs = xmalloc((total + 1) * sizeof *ix->segs);
	ix->n = 0;
	hash_index_init(&ix->ix, total);

	unsigned kept = 0;
	for (unsigned d = 0; d < t->n_documents; d++) {
		struct xr_segment *doc = t->documents[d];
		size_t *slot = index_slot(ix, doc->id);
		struct xr_segment *old = *slot ? ix->segs[*slot - 1] : NULL;
		if (old && old->document == old && is_better_duplicate(doc, old)) {
			for (unsigned k = 0; k < kept; k++)
				if (t->documents[k] == old)
					t->documents[k] = doc;
			ix->segs[*slot - 1] = doc; /* in the old one's place */
		} else if (old) {
			trace_add_problem(t, _("duplicate segment id %s: kept the first"), doc->id);
			continue;
		} else {
			t->documents[kept++] = doc;
		}
		size_t top = 0;
		stack[top++] = doc;
		while (top) {
			struct xr_segment *s = stack[--top];
			s->document = doc;
			size_t *sl = index_slot(ix, s->id);
			if (*sl && ix->segs[*sl - 1] != s)
				trace_add_problem(t, _("duplicate segment id %s: kept the first"),
				                  s->id);
			else if (!*sl)
				index_add(ix, sl, s);
			for (unsigned i = 0; i < s->n_subsegments; i++)
				stack[top++] = s->subsegments[i];
		}
	}
	t->n_documents = kept;
	free(stack);
}

static int
cmp_start(const void *a, const void *b)
{
	const struct xr_segment *x = *(struct xr_segment *const *)a;
	const struct xr_segment *y = *(struct xr_segment *const *)b;
	double sx = isnan(x->start_time) ? INFINITY : x->start_time;
	double sy = isnan(y->start_time) ? INFINITY : y->start_time;
	if (sx != sy)
		return sx < sy ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* Children lists: each segment's subsegments plus the documents that name
 * it as parent.  links[i] is the parent chosen for documents[i]. */
static void
build_children(struct xr_trace *t, struct xr_segment **links, struct xr_segment **all, size_t n_all)
{
	unsigned *extra = xcalloc(n_all ? n_all : 1, sizeof *extra);
	/* Count linked documents per parent, using the depth field as scratch index. */
	for (size_t i = 0; i < n_all; i++)
		all[i]->depth = (unsigned)i;
	for (unsigned d = 0; d < t->n_documents; d++)
		if (links[d])
			extra[links[d]->depth]++;
	for (size_t i = 0; i < n_all; i++) {
		struct xr_segment *s = all[i];
		unsigned n = s->n_subsegments + extra[i];
		s->children = n ? ARENA_ARRAY(t->arena, struct xr_segment *, n) : NULL;
		s->n_children = 0;
		for (unsigned k = 0; k < s->n_subsegments; k++) {
			s->children[s->n_children++] = s->subsegments[k];
			s->subsegments[k]->parent = s;
		}
	}
	for (unsigned d = 0; d < t->n_documents; d++) {
		struct xr_segment *p = links[d];
		t->documents[d]->parent = p;
		if (p)
			p->children[p->n_children++] = t->documents[d];
	}
	for (size_t i = 0; i < n_all; i++)
		if (all[i]->n_children > 1)
			qsort(all[i]->children, all[i]->n_children, sizeof *all[i]->children,
			      cmp_start);
	free(extra);
}

/* Walks the trees from the roots in preorder, filling t->all and depths.
 * Returns how many segments were reached. */
static size_t
walk_preorder(struct xr_trace *t, struct xr_segment **out, size_t n_all)
{
	struct xr_segment **stack = xmalloc((n_all + 1) * sizeof *stack);
	size_t n = 0;
	for (unsigned r = 0; r < t->n_roots; r++) {
		size_t top = 0;
		t->roots[r]->depth = 0;
		t->roots[r]->document = t->roots[r];
		stack[top++] = t->roots[r];
		while (top) {
			struct xr_segment *s = stack[--top];
			if (n == n_all)
				break;
			out[n++] = s;
			for (unsigned k = s->n_children; k-- > 0;) {
				struct xr_segment *c = s->children[k];
				c->depth = s->depth + 1;
				/* A subsegment sent on its own joins its parent's document. */
				c->document = (c->flags & XR_SEG_SUBSEGMENT) ? s->document : c;
				stack[top++] = c;
			}
		}
	}
	free(stack);
	return n;
}

static void
check_times(struct xr_trace *t)
{
	for (unsigned i = 0; i < t->n_all; i++) {
		struct xr_segment *s = t->all[i];
		if (isfinite(s->start_time) && isfinite(s->end_time) && s->end_time < s->start_time)
			trace_add_problem(t, _("segment %s (%s) ends before it starts"), s->id,
			                  s->name);
		if (isnan(s->end_time) && !(s->flags & XR_SEG_IN_PROGRESS))
			trace_add_problem(
			    t, _("segment %s (%s) has no end_time and is not in progress"), s->id,
			    s->name);
	}
}

void
trace_finish(struct xr_trace *t)
{
	if (!t->finished_) {
		t->finished_ = true;
		t->n_input_problems_ = t->n_problems;
	} else {
		t->n_problems = t->n_input_problems_;
	}
	struct seg_index ix;
	build_index(t, &ix);

	/* Choose each document's parent: the segment its parent_id names. */
	struct xr_segment **links = xcalloc(t->n_documents + 1, sizeof *links);
	size_t n_all = ix.n;
	for (unsigned d = 0; d < t->n_documents; d++) {
		struct xr_segment *doc = t->documents[d];
		doc->flags &= ~(unsigned)XR_SEG_DETACHED;
		if (!doc->parent_id)
			continue;
		struct xr_segment *p = index_find(&ix, doc->parent_id);
		if (p && p->document != doc) {
			links[d] = p;
		} else {
			doc->flags |= XR_SEG_DETACHED;
			if (!p)
				trace_add_problem(t, _("segment %s (%s): parent %s not found"),
				                  doc->id, doc->name, doc->parent_id);
			else
				trace_add_problem(t, _("segment %s (%s) names itself as parent"),
				                  doc->id, doc->name);
		}
	}

	struct xr_segment **all = ix.segs; /* every indexed segment */
	build_children(t, links, all, n_all);

	if (t->n_documents > 1)
		qsort(t->documents, t->n_documents, sizeof *t->documents, cmp_start);
	t->roots = ARENA_ARRAY(t->arena, struct xr_segment *, t->n_documents + 1);
	t->n_roots = 0;
	for (unsigned d = 0; d < t->n_documents; d++)
		if (!t->documents[d]->parent)
			t->roots[t->n_roots++] = t->documents[d];

	/* Documents not reached from a root sit on a cycle of parent links:
	 * cut the cycle at its earliest document. */
	t->all = ARENA_ARRAY(t->arena, struct xr_segment *, n_all + 1);
	t->n_all = (unsigned)walk_preorder(t, t->all, n_all);
	while (t->n_all < n_all) {
		for (size_t i = 0; i < n_all; i++)
			all[i]->node = 0;
		for (unsigned i = 0; i < t->n_all; i++)
			t->all[i]->node = 1; /* scratch mark: reached */
		struct xr_segment *cut = NULL;
		for (unsigned d = 0; d < t->n_documents && !cut; d++)
			if (!t->documents[d]->node)
				cut = t->documents[d];
		if (!cut)
			break;
		trace_add_problem(t, _("segment %s (%s): cycle in parent links, cut here"), cut->id,
		                  cut->name);
		struct xr_segment *p = cut->parent;
		for (unsigned c = 0; c < p->n_children; c++)
			if (p->children[c] == cut)
				p->children[c] = p->children[--p->n_children];
		cut->parent = NULL;
		cut->flags |= XR_SEG_DETACHED;
		t->roots[t->n_roots++] = cut;
		qsort(t->roots, t->n_roots, sizeof *t->roots, cmp_start);
		t->n_all = (unsigned)walk_preorder(t, t->all, n_all);
	}

	/* The root segment: the earliest segment without a parent_id. */
	t->root = NULL;
	for (unsigned r = 0; r < t->n_roots && !t->root; r++)
		if (!t->roots[r]->parent_id && !(t->roots[r]->flags & XR_SEG_SUBSEGMENT))
			t->root = t->roots[r];
	if (!t->root && t->n_roots) {
		t->root = t->roots[0];
		if (t->n_documents)
			trace_add_problem(t, _("no root segment: using %s (%s)"), t->root->id,
			                  t->root->name);
	}

	check_times(t);
	tracegraph_build(t);
	summarize_trace(t);
	free(links);
	free(ix.segs);
	hash_index_free(&ix.ix);
}

struct xr_segment *
trace_find_segment(const struct xr_trace *t, const char *id)
{
	for (unsigned i = 0; i < t->n_all; i++)
		if (strcmp(t->all[i]->id, id) == 0)
			return t->all[i];
	return NULL;
}
