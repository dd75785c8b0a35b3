#include "config.h"

#include "view/analytics.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/arena.h"
#include "util/hash.h"
#include "util/jsonw.h"
#include "util/parallel.h"
#include "util/strdist.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"
#include "util/i18n.h"

/* One response time of one group, before they are sorted per group. */
struct sample {
	uint32_t group;
	double rt;
};

/* ---- keys ---- */

static const struct {
	const char *name;
	enum analytics_key_kind kind;
} fixed_keys[] = {
    {"http.status", ANALYTICS_KEY_HTTP_STATUS},
    {"http.method", ANALYTICS_KEY_HTTP_METHOD},
    {"http.url", ANALYTICS_KEY_HTTP_URL},
    {"service", ANALYTICS_KEY_SERVICE},
    {"user", ANALYTICS_KEY_USER},
    {"rootcause.fault", ANALYTICS_KEY_RC_FAULT},
    {"rootcause.error", ANALYTICS_KEY_RC_ERROR},
    {"rootcause.responsetime", ANALYTICS_KEY_RC_RESPONSETIME},
    {"rootcause.fault.service", ANALYTICS_KEY_RC_FAULT},
    {"rootcause.error.service", ANALYTICS_KEY_RC_ERROR},
    {"rootcause.responsetime.service", ANALYTICS_KEY_RC_RESPONSETIME},
};
#define N_FIXED_KEYS (sizeof fixed_keys / sizeof *fixed_keys)
#define KEY_FORMS                                                                                  \
	_("annotation.KEY (or annotation[KEY], annotation[\"KEY\"]), http.status, http.method, "   \
	  "http.url, service, user, rootcause.fault, rootcause.error, rootcause.responsetime")

static bool
is_word(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* The annotation reference of the filter language for key. */
static void
annotation_ref(struct buf *out, const char *key)
{
	if (is_word(key)) {
		buf_printf(out, "annotation.%s", key);
	} else {
		buf_puts(out, "annotation[");
		buf_put_quoted(out, key);
		buf_putc(out, ']');
	}
}

static int
bad_key(const char *key, struct xr_err *err)
{
	const char *names[N_FIXED_KEYS + 2];
	size_t n = 0;
	for (size_t i = 0; i < N_FIXED_KEYS; i++)
		names[n++] = fixed_keys[i].name;
	names[n++] = "annotation";
	names[n] = NULL;
	const char *near = strdist_nearest(key, strlen(key), names);
	if (near && strcmp(near, "annotation") != 0)
		return xr_err_set(err, XR_EUSAGE,
		                  _("'%s' is not a group key (did you mean '%s'?); use %s"), key,
		                  near, KEY_FORMS);
	return xr_err_set(err, XR_EUSAGE, _("'%s' is not a group key; use %s"), key, KEY_FORMS);
}

/* Parses key into kind and, for annotations, *ann (caller frees). */
static int
key_parse(const char *key, enum analytics_key_kind *kind, char **ann, struct xr_err *err)
{
	*ann = NULL;
	for (size_t i = 0; i < N_FIXED_KEYS; i++)
		if (strcasecmp(key, fixed_keys[i].name) == 0) {
			*kind = fixed_keys[i].kind;
			return 0;
		}
	*kind = ANALYTICS_KEY_ANNOTATION;
	if (strncasecmp(key, "annotation.", 11) == 0) {
		if (!key[11])
			return xr_err_set(err, XR_EUSAGE,
			                  _("'%s' names no annotation key; write annotation.KEY"),
			                  key);
		*ann = xstrdup(key + 11);
		return 0;
	}
	if (strncasecmp(key, "annotation[", 11) != 0)
		return bad_key(key, err);
	const char *p = key + 11;
	size_t n = strlen(p);
	if (n < 2 || p[n - 1] != ']')
		return xr_err_set(err, XR_EUSAGE, _("'%s': annotation[ is not closed with ]"), key);
	n--;
	if (p[0] != '"') {
		char *k = xstrndup(p, n);
		if (!is_word(k)) {
			free(k);
			return xr_err_set(
			    err, XR_EUSAGE,
			    _("'%s': a key in annotation[...] is letters, digits and _, "
			      "or a quoted string"),
			    key);
		}
		*ann = k;
		return 0;
	}
	char *k = xmalloc(n + 1);
	size_t len = 0, i = 1;
	for (; i < n && p[i] != '"'; i++) {
		if (p[i] == '\\' && i + 1 < n && (p[i + 1] == '"' || p[i + 1] == '\\'))
			i++;
		else if (p[i] == '\\')
			break;
		k[len++] = p[i];
	}
	k[len] = '\0';
	if (i != n - 1 || p[i] != '"' || len == 0) {
		free(k);
		return xr_err_set(
		    err, XR_EUSAGE,
		    _("'%s': write annotation[\"KEY\"] with \\\" and \\\\ as the only "
		      "escapes, and a key that is not empty"),
		    key);
	}
	*ann = k;
	return 0;
}

int
analytics_key_check(const char *key, struct xr_err *err)
{
	enum analytics_key_kind kind;
	char *ann;
	int rc = key_parse(key, &kind, &ann, err);
	free(ann);
	return rc;
}

/* ---- building ---- */

/* A group table being filled: the groups met so far, with a hash table
 * from value to group.  Each worker counts its share of the traces into
 * its own tally, whose string values point into the summaries; the tallies
 * are then merged into the analytics' own, which copies them. */
struct tally {
	struct analytics_group *groups;
	size_t n_groups, cap_groups;
	size_t *last_trace;      /* per group: 1 + the last trace counted in it */
	struct hash_index index; /* value -> group (slots NULL until the first) */
	long none_group;         /* index, or -1 */
	bool has_bool;           /* some value is a boolean */
	struct arena *arena;     /* copies of string values, or NULL to point at them */
	struct sample *samples;
	size_t n_samples, cap_samples;
	/* over the tally's traces */
	size_t errors, faults, throttles, timed;
	double first, last, min, max;
};

struct analytics {
	enum analytics_key_kind kind;
	enum xr_rc_kind rc_kind; /* the root-cause keys */
	char *ann_key;           /* ANALYTICS_KEY_ANNOTATION */
	char *key_text;          /* canonical */
	struct tally all;        /* the groups */
	size_t *order;           /* display order */
	enum analytics_column sort_col;
	bool sort_desc;
	struct analytics_dist dist;
};

static void
tally_init(struct tally *ty, struct arena *arena)
{
	memset(ty, 0, sizeof *ty);
	ty->none_group = -1;
	ty->arena = arena;
	ty->first = ty->last = ty->min = ty->max = NAN;
}

static void
tally_free(struct tally *ty)
{
	free(ty->groups);
	free(ty->last_trace);
	hash_index_free(&ty->index);
	free(ty->samples);
	arena_free(ty->arena);
	tally_init(ty, NULL);
}

struct analytics *
analytics_new(void)
{
	struct analytics *a = xcalloc(1, sizeof *a);
	a->sort_col = ANALYTICS_COL_COUNT;
	a->sort_desc = true;
	tally_init(&a->all, NULL);
	return a;
}

static void
reset(struct analytics *a)
{
	free(a->ann_key);
	free(a->key_text);
	free(a->order);
	tally_free(&a->all);
	stats_histogram_free(&a->dist.hist);
	a->ann_key = a->key_text = NULL;
	a->order = NULL;
	memset(&a->dist, 0, sizeof a->dist);
}

void
analytics_free(struct analytics *a)
{
	if (!a)
		return;
	reset(a);
	free(a);
}

static uint64_t
group_hash(const void *groups, size_t i)
{
	const struct analytics_group *g = &((const struct analytics_group *)groups)[i];
	return g->none ? 0 : xr_value_hash(&g->value);
}

static bool
group_same(const void *groups, size_t i, const void *v)
{
	const struct analytics_group *g = &((const struct analytics_group *)groups)[i];
	return !g->none && xr_value_equal(&g->value, v);
}

static size_t
new_group(struct tally *ty)
{
	if (ty->n_groups == ty->cap_groups) {
		xgrow((void **)&ty->groups, &ty->cap_groups, ty->n_groups + 1, sizeof *ty->groups);
		ty->last_trace =
		    xreallocarray(ty->last_trace, ty->cap_groups, sizeof *ty->last_trace);
	}
	size_t g = ty->n_groups++;
	memset(&ty->groups[g], 0, sizeof ty->groups[g]);
	ty->last_trace[g] = 0;
	return g;
}

static size_t
none_group(struct tally *ty)
{
	if (ty->none_group < 0) {
		ty->none_group = (long)new_group(ty);
		ty->groups[ty->none_group].none = true;
	}
	return (size_t)ty->none_group;
}

/* The group of value v, created when new. */
static size_t
group_of(struct tally *ty, const struct xr_value *v)
{
	if (!ty->index.slots)
		hash_index_init(&ty->index, 32);
	size_t *slot = hash_index_slot(&ty->index, xr_value_hash(v), v, group_same, ty->groups);
	if (*slot)
		return *slot - 1;
	size_t g = new_group(ty);
	ty->groups[g].value = *v;
	if (v->type == XR_VAL_STRING && ty->arena)
		ty->groups[g].value.u.s = arena_strdup(ty->arena, v->u.s);
	else if (v->type == XR_VAL_NUMBER && v->u.n == 0)
		ty->groups[g].value.u.n = 0;
	else if (v->type == XR_VAL_BOOL)
		ty->has_bool = true;
	*slot = g + 1;
	hash_index_added(&ty->index, ty->n_groups, group_hash, ty->groups);
	return g;
}

/* Counts trace number t (summary s) in group g, once. */
static void
count_in(struct tally *ty, size_t g, size_t t, const struct xr_summary *s)
{
	if (ty->last_trace[g] == t + 1)
		return;
	ty->last_trace[g] = t + 1;
	struct analytics_group *gr = &ty->groups[g];
	gr->count++;
	gr->errors += s->has_error;
	gr->faults += s->has_fault;
	gr->throttles += s->has_throttle;
	if (isfinite(s->response_time)) {
		gr->timed++;
		if (ty->n_samples == ty->cap_samples)
			xgrow((void **)&ty->samples, &ty->cap_samples, ty->n_samples + 1,
			      sizeof *ty->samples);
		ty->samples[ty->n_samples++] = (struct sample){(uint32_t)g, s->response_time};
	}
}

static size_t
count_string(struct tally *ty, size_t t, const struct xr_summary *s, const char *str)
{
	if (!str)
		return 0;
	struct xr_value v = {.type = XR_VAL_STRING, .u.s = str};
	count_in(ty, group_of(ty, &v), t, s);
	return 1;
}

/* Counts trace t in the group of each of its values; returns how many
 * values it has. */
static size_t
count_values(const struct analytics *a, struct tally *ty, size_t t, const struct xr_summary *s)
{
	size_t n = 0;
	switch (a->kind) {
	case ANALYTICS_KEY_ANNOTATION: {
		const struct xr_summary_annotation *an = summary_annotation(s, a->ann_key);
		for (unsigned i = 0; an && i < an->n_values; i++, n++)
			count_in(ty, group_of(ty, &an->values[i].value), t, s);
		break;
	}
	case ANALYTICS_KEY_HTTP_STATUS:
		if (s->http.status) {
			struct xr_value v = {.type = XR_VAL_NUMBER, .u.n = s->http.status};
			count_in(ty, group_of(ty, &v), t, s);
			n++;
		}
		break;
	case ANALYTICS_KEY_HTTP_METHOD: n = count_string(ty, t, s, s->http.method); break;
	case ANALYTICS_KEY_HTTP_URL: n = count_string(ty, t, s, s->http.url); break;
	case ANALYTICS_KEY_SERVICE:
		/* service() matches a nameless node too: it is not "(none)". */
		for (unsigned i = 0; i < s->n_service_ids; i++)
			n += count_string(ty, t, s, s->service_ids[i].name) +
			     !s->service_ids[i].name;
		break;
	case ANALYTICS_KEY_USER:
		for (unsigned i = 0; i < s->n_users; i++)
			n += count_string(ty, t, s, s->users[i].name);
		break;
	case ANALYTICS_KEY_RC_FAULT:
	case ANALYTICS_KEY_RC_ERROR:
	case ANALYTICS_KEY_RC_RESPONSETIME:
		for (unsigned i = 0; i < s->n_root_causes[a->rc_kind]; i++) {
			const struct xr_root_cause *rc = &s->root_causes[a->rc_kind][i];
			for (unsigned j = 0; j < rc->n_services; j++) {
				/* A service without a name still means the trace
				 * has a root cause: it is not in "(none)". */
				n += count_string(ty, t, s, rc->services[j].id.name);
				n += !rc->services[j].id.name;
			}
		}
		break;
	}
	return n;
}

#define PF(p) __builtin_prefetch((const void *)(p))
/* How far ahead of the trace being counted each stage fetches: the summary
 * struct, then the list the key reads, then its items, then the strings
 * of the annotation values.  Summaries of different traces live in
 * different arenas, so without this every trace waits for memory 3-5 times. */
enum { AHEAD_STRUCT = 16, AHEAD_LIST = 12, AHEAD_ITEMS = 8, AHEAD_STRINGS = 4, PF_ITEMS = 8 };

static unsigned
min_items(unsigned n)
{
	return n < PF_ITEMS ? n : PF_ITEMS;
}

/* Prefetches what counting trace t + AHEAD_* (below end) will read. */
static void
prefetch(const struct analytics *a, const struct xr_summary *const *sums, size_t end, size_t t)
{
	enum xr_rc_kind k = a->rc_kind;
	if (t + AHEAD_STRUCT < end) { /* the line of the times and flags, and the key's */
		const struct xr_summary *s = sums[t + AHEAD_STRUCT];
		PF(&s->response_time);
		switch (a->kind) {
		/* a list and its length may sit on two lines */
		case ANALYTICS_KEY_ANNOTATION:
			PF(&s->annotations);
			PF(&s->n_annotations);
			break;
		case ANALYTICS_KEY_HTTP_STATUS: PF(&s->http.status); break;
		case ANALYTICS_KEY_HTTP_METHOD: PF(&s->http.method); break;
		case ANALYTICS_KEY_HTTP_URL: PF(&s->http.url); break;
		case ANALYTICS_KEY_SERVICE:
			PF(&s->service_ids);
			PF(&s->n_service_ids);
			break;
		case ANALYTICS_KEY_USER:
			PF(&s->users);
			PF(&s->n_users);
			break;
		default:
			PF(&s->root_causes[k]);
			PF(&s->n_root_causes[k]);
			break;
		}
	}
	if (t + AHEAD_LIST < end) {
		const struct xr_summary *s = sums[t + AHEAD_LIST];
		switch (a->kind) {
		case ANALYTICS_KEY_ANNOTATION:
			for (unsigned i = 0; i < min_items(s->n_annotations); i += 2)
				PF(&s->annotations[i]);
			break;
		case ANALYTICS_KEY_HTTP_METHOD: PF(s->http.method); break;
		case ANALYTICS_KEY_HTTP_URL: PF(s->http.url); break;
		case ANALYTICS_KEY_SERVICE:
			for (unsigned i = 0; i < min_items(s->n_service_ids); i++)
				PF(&s->service_ids[i]);
			break;
		case ANALYTICS_KEY_USER: PF(s->users); break;
		case ANALYTICS_KEY_HTTP_STATUS: break;
		default: PF(s->root_causes[k]); break;
		}
	}
	if (t + AHEAD_ITEMS < end) {
		const struct xr_summary *s = sums[t + AHEAD_ITEMS];
		switch (a->kind) {
		case ANALYTICS_KEY_ANNOTATION:
			for (unsigned i = 0; i < min_items(s->n_annotations); i++) {
				PF(s->annotations[i].key);
				PF(s->annotations[i].values);
			}
			break;
		case ANALYTICS_KEY_SERVICE:
			for (unsigned i = 0; i < min_items(s->n_service_ids); i++)
				PF(s->service_ids[i].name);
			break;
		case ANALYTICS_KEY_USER:
			for (unsigned i = 0; i < min_items(s->n_users); i++)
				PF(s->users[i].name);
			break;
		case ANALYTICS_KEY_RC_FAULT:
		case ANALYTICS_KEY_RC_ERROR:
		case ANALYTICS_KEY_RC_RESPONSETIME:
			for (unsigned i = 0; i < min_items(s->n_root_causes[k]); i++)
				PF(s->root_causes[k][i].services);
			break;
		default: break;
		}
	}
	if (t + AHEAD_STRINGS < end) {
		const struct xr_summary *s = sums[t + AHEAD_STRINGS];
		if (a->kind == ANALYTICS_KEY_ANNOTATION) {
			const struct xr_summary_annotation *an = summary_annotation(s, a->ann_key);
			for (unsigned i = 0; an && i < min_items(an->n_values); i++)
				if (an->values[i].value.type == XR_VAL_STRING)
					PF(an->values[i].value.u.s);
		} else if (a->kind >= ANALYTICS_KEY_RC_FAULT) {
			for (unsigned i = 0; i < min_items(s->n_root_causes[k]); i++) {
				const struct xr_root_cause *rc = &s->root_causes[k][i];
				for (unsigned j = 0; j < min_items(rc->n_services); j++)
					PF(rc->services[j].id.name);
			}
		}
	}
}

/* Stores of this many traces or more are counted on several CPUs. */
enum { PER_WORKER = 20000 };

struct count_job {
	const struct analytics *a;
	const struct xr_summary *const *sums;
	size_t n;
	unsigned workers;
	struct tally *tallies; /* one per worker */
	double *times;         /* n slots: worker w writes its finite times from its first trace */
};

static void
count_share(void *ctx, unsigned w)
{
	struct count_job *job = ctx;
	size_t lo = job->n * w / job->workers, hi = job->n * (w + 1) / job->workers;
	struct tally *ty = &job->tallies[w];
	double *times = job->times + lo;
	for (size_t t = lo; t < hi; t++) {
		prefetch(job->a, job->sums, hi, t);
		const struct xr_summary *s = job->sums[t];
		double x = s->response_time;
		if (isfinite(x)) {
			times[ty->timed++] = x;
			if (!(x >= ty->min))
				ty->min = x;
			if (!(x <= ty->max))
				ty->max = x;
		}
		if (s->start_time < ty->first || isnan(ty->first))
			ty->first = s->start_time;
		if (s->start_time > ty->last || isnan(ty->last))
			ty->last = s->start_time;
		ty->errors += s->has_error;
		ty->faults += s->has_fault;
		ty->throttles += s->has_throttle;
		if (count_values(job->a, ty, t, s) == 0)
			count_in(ty, none_group(ty), t, s);
	}
}

static double
min_of(double x, double y)
{
	return isnan(x) || y < x ? y : x;
}

static double
max_of(double x, double y)
{
	return isnan(x) || y > x ? y : x;
}

/* Adds the workers' tallies into a->all (copying their strings), sorts
 * every sample by its merged group (a counting sort) and fills each
 * group's percentiles. */
static void
merge(struct analytics *a, struct tally *tallies, unsigned workers)
{
	struct tally *all = &a->all;
	size_t **map = xcalloc(workers, sizeof *map);
	size_t samples = 0;
	for (unsigned w = 0; w < workers; w++) {
		struct tally *ty = &tallies[w];
		map[w] = xmalloc((ty->n_groups ? ty->n_groups : 1) * sizeof *map[w]);
		for (size_t g = 0; g < ty->n_groups; g++) {
			const struct analytics_group *from = &ty->groups[g];
			size_t to = from->none ? none_group(all) : group_of(all, &from->value);
			struct analytics_group *gr = &all->groups[to];
			gr->count += from->count;
			gr->errors += from->errors;
			gr->faults += from->faults;
			gr->throttles += from->throttles;
			gr->timed += from->timed;
			map[w][g] = to;
		}
		all->has_bool = all->has_bool || ty->has_bool;
		all->errors += ty->errors;
		all->faults += ty->faults;
		all->throttles += ty->throttles;
		all->timed += ty->timed;
		all->first = min_of(all->first, ty->first);
		all->last = max_of(all->last, ty->last);
		all->min = min_of(all->min, ty->min);
		all->max = max_of(all->max, ty->max);
		samples += ty->n_samples;
	}
	size_t ng = all->n_groups;
	size_t *start = xcalloc(ng + 1, sizeof *start);
	for (size_t g = 0; g < ng; g++)
		start[g + 1] = start[g] + all->groups[g].timed;
	double *times = xmalloc((samples ? samples : 1) * sizeof *times);
	for (unsigned w = 0; w < workers; w++)
		for (size_t i = 0; i < tallies[w].n_samples; i++) {
			const struct sample *sm = &tallies[w].samples[i];
			times[start[map[w][sm->group]]++] = sm->rt;
		}
	static const double ps[3] = {50, 90, 99};
	for (size_t g = 0, from = 0; g < ng; g++) { /* start[g] is now the end of g */
		double out[3];
		stats_percentiles(times + from, start[g] - from, ps, 3, out);
		struct analytics_group *gr = &all->groups[g];
		gr->p50 = out[0];
		gr->p90 = out[1];
		gr->p99 = out[2];
		from = start[g];
	}
	free(times);
	free(start);
	for (unsigned w = 0; w < workers; w++)
		free(map[w]);
	free(map);
}

static void sort_groups(struct analytics *a);

int
analytics_build(struct analytics *a, const char *key, const struct xr_summary *const *sums,
                size_t n, struct xr_err *err)
{
	enum analytics_key_kind kind;
	char *ann;
	if (key_parse(key, &kind, &ann, err) < 0)
		return -1;
	reset(a);
	a->kind = kind;
	a->rc_kind = kind == ANALYTICS_KEY_RC_FAULT   ? XR_RC_FAULT
	             : kind == ANALYTICS_KEY_RC_ERROR ? XR_RC_ERROR
	                                              : XR_RC_RESPONSETIME;
	a->ann_key = ann;
	struct buf text = BUF_INIT;
	if (kind == ANALYTICS_KEY_ANNOTATION)
		annotation_ref(&text, ann);
	else
		for (size_t i = 0; i < N_FIXED_KEYS; i++)
			if (fixed_keys[i].kind == kind) {
				buf_puts(&text, fixed_keys[i].name);
				break;
			}
	a->key_text = buf_steal(&text);
	tally_init(&a->all, arena_new());

	unsigned workers = n >= 2 * PER_WORKER ? parallel_workers() : 1;
	if (workers > n / PER_WORKER)
		workers = n / PER_WORKER > 0 ? (unsigned)(n / PER_WORKER) : 1;
	struct tally *tallies = xcalloc(workers, sizeof *tallies);
	for (unsigned w = 0; w < workers; w++)
		tally_init(&tallies[w], NULL);
	struct count_job job = {.a = a,
	                        .sums = sums,
	                        .n = n,
	                        .workers = workers,
	                        .tallies = tallies,
	                        .times = xmalloc((n ? n : 1) * sizeof *job.times)};
	if (workers > 1)
		parallel_run(workers, count_share, &job);
	else
		count_share(&job, 0);
	merge(a, tallies, workers);
	/* Each worker's times start at its first trace: close the gaps. */
	size_t timed = 0;
	for (unsigned w = 0; w < workers; w++) {
		size_t lo = n * w / workers;
		memmove(job.times + timed, job.times + lo, tallies[w].timed * sizeof *job.times);
		timed += tallies[w].timed;
		tally_free(&tallies[w]);
	}
	free(tallies);

	struct analytics_dist *d = &a->dist;
	d->traces = n;
	d->timed = timed;
	d->first = a->all.first;
	d->last = a->all.last;
	d->min = a->all.min;
	d->max = a->all.max;
	static const double ps[3] = {50, 90, 99};
	double out[3];
	stats_percentiles(job.times, timed, ps, 3, out);
	d->p50 = out[0];
	d->p90 = out[1];
	d->p99 = out[2];
	stats_histogram_build(&d->hist, job.times, timed, ANALYTICS_HIST_BUCKETS);
	free(job.times);

	a->order = xmalloc((a->all.n_groups ? a->all.n_groups : 1) * sizeof *a->order);
	sort_groups(a);
	return 0;
}

const char *
analytics_key(const struct analytics *a)
{
	return a->key_text ? a->key_text : "";
}

enum analytics_key_kind
analytics_key_kind(const struct analytics *a)
{
	return a->kind;
}

const struct analytics_dist *
analytics_dist(const struct analytics *a)
{
	return &a->dist;
}

size_t
analytics_n_groups(const struct analytics *a)
{
	return a->all.n_groups;
}

const struct analytics_group *
analytics_group(const struct analytics *a, size_t i)
{
	return i < a->all.n_groups ? &a->all.groups[a->order[i]] : NULL;
}

/* ---- sorting ---- */

static int
type_rank(enum xr_value_type t)
{
	return t == XR_VAL_NUMBER ? 0 : t == XR_VAL_BOOL ? 1 : 2;
}

static int
cmp_value(const struct xr_value *x, const struct xr_value *y)
{
	if (x->type != y->type)
		return type_rank(x->type) - type_rank(y->type);
	switch (x->type) {
	case XR_VAL_STRING: return strcmp(x->u.s, y->u.s);
	case XR_VAL_NUMBER: return (x->u.n > y->u.n) - (x->u.n < y->u.n);
	case XR_VAL_BOOL: return (int)x->u.b - (int)y->u.b;
	}
	return 0;
}

/* x/nx against y/ny without dividing. */
static int
cmp_rate(size_t x, size_t nx, size_t y, size_t ny)
{
	double l = (double)x * (double)ny, r = (double)y * (double)nx;
	return (l > r) - (l < r);
}

static int
cmp_double(double x, double y)
{
	return (x > y) - (x < y);
}

/* Negative when group i goes before group j. */
static int
cmp_groups(const struct analytics *a, size_t i, size_t j)
{
	const struct analytics_group *x = &a->all.groups[i], *y = &a->all.groups[j];
	if (x->none != y->none)
		return x->none ? 1 : -1;
	int c = 0;
	switch (a->sort_col) {
	case ANALYTICS_COL_GROUP: c = x->none ? 0 : cmp_value(&x->value, &y->value); break;
	case ANALYTICS_COL_COUNT: c = (x->count > y->count) - (x->count < y->count); break;
	case ANALYTICS_COL_ERROR: c = cmp_rate(x->errors, x->count, y->errors, y->count); break;
	case ANALYTICS_COL_FAULT: c = cmp_rate(x->faults, x->count, y->faults, y->count); break;
	case ANALYTICS_COL_THROTTLE:
		c = cmp_rate(x->throttles, x->count, y->throttles, y->count);
		break;
	case ANALYTICS_COL_P50:
	case ANALYTICS_COL_P90:
	case ANALYTICS_COL_P99: {
		double vx = a->sort_col == ANALYTICS_COL_P50   ? x->p50
		            : a->sort_col == ANALYTICS_COL_P90 ? x->p90
		                                               : x->p99;
		double vy = a->sort_col == ANALYTICS_COL_P50   ? y->p50
		            : a->sort_col == ANALYTICS_COL_P90 ? y->p90
		                                               : y->p99;
		if (isnan(vx) != isnan(vy)) /* no response time: last either way */
			return isnan(vx) ? 1 : -1;
		c = cmp_double(vx, vy);
		break;
	}
	default: break;
	}
	if (c)
		return a->sort_desc ? -c : c;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->none ? 0 : cmp_value(&x->value, &y->value);
}

/* A stable merge sort of a->order (qsort has no context argument). */
static void
merge_sort(const struct analytics *a, size_t *v, size_t *tmp, size_t n)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	merge_sort(a, v, tmp, h);
	merge_sort(a, v + h, tmp, n - h);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		tmp[k++] = cmp_groups(a, v[j], v[i]) < 0 ? v[j++] : v[i++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof *v);
}

static void
sort_groups(struct analytics *a)
{
	for (size_t i = 0; i < a->all.n_groups; i++)
		a->order[i] = i;
	size_t *tmp = xmalloc((a->all.n_groups ? a->all.n_groups : 1) * sizeof *tmp);
	merge_sort(a, a->order, tmp, a->all.n_groups);
	free(tmp);
}

void
analytics_sort(struct analytics *a, enum analytics_column col, bool descending)
{
	a->sort_col = col < ANALYTICS_COLUMNS ? col : ANALYTICS_COL_COUNT;
	a->sort_desc = descending;
	if (a->order)
		sort_groups(a);
}

enum analytics_column
analytics_sort_column(const struct analytics *a, bool *descending)
{
	if (descending)
		*descending = a->sort_desc;
	return a->sort_col;
}

/* ---- text of a group ---- */

static void
value_text(const struct xr_value *v, struct buf *out)
{
	switch (v->type) {
	case XR_VAL_STRING: buf_puts(out, v->u.s); break;
	case XR_VAL_NUMBER: json_number(out, v->u.n); break;
	case XR_VAL_BOOL: buf_puts(out, v->u.b ? "true" : "false"); break;
	}
}

void
analytics_group_text(const struct analytics *a, size_t i, struct buf *out)
{
	const struct analytics_group *g = analytics_group(a, i);
	if (!g)
		return;
	if (g->none)
		buf_puts(out, _("(none)"));
	else
		value_text(&g->value, out);
}

/* A value as a filter literal: quoted string, number or boolean. */
static void
literal(const struct xr_value *v, struct buf *out)
{
	if (v->type == XR_VAL_STRING)
		buf_put_quoted(out, v->u.s);
	else
		value_text(v, out);
}

static const char *
rc_kind_name(enum analytics_key_kind k)
{
	return k == ANALYTICS_KEY_RC_FAULT   ? "fault"
	       : k == ANALYTICS_KEY_RC_ERROR ? "error"
	                                     : "responsetime";
}

/* The filter for the traces without a value. */
static void
none_filter(const struct analytics *a, struct buf *out)
{
	switch (a->kind) {
	case ANALYTICS_KEY_ANNOTATION:
		/* A bare boolean annotation is its value, so "no value at all"
		 * also needs "no false value". */
		buf_putc(out, '!');
		annotation_ref(out, a->ann_key);
		if (a->all.has_bool) {
			buf_puts(out, " AND !(");
			annotation_ref(out, a->ann_key);
			buf_puts(out, " = false)");
		}
		break;
	/* http.status is a number keyword, which has no "is set" form; a
	 * comparison on an absent field is false (filter-language.md §10.5). */
	case ANALYTICS_KEY_HTTP_STATUS: buf_puts(out, "!(http.status != 0)"); break;
	case ANALYTICS_KEY_HTTP_METHOD: buf_puts(out, "!http.method"); break;
	case ANALYTICS_KEY_HTTP_URL: buf_puts(out, "!http.url"); break;
	case ANALYTICS_KEY_SERVICE: buf_puts(out, "!service()"); break;
	case ANALYTICS_KEY_USER: buf_puts(out, "!user"); break;
	case ANALYTICS_KEY_RC_FAULT:
	case ANALYTICS_KEY_RC_ERROR:
	case ANALYTICS_KEY_RC_RESPONSETIME:
		/* Every non-empty list has a first element. */
		buf_printf(out, "!rootcause.%s.service { first }", rc_kind_name(a->kind));
		break;
	}
}

void
analytics_group_filter(const struct analytics *a, size_t i, struct buf *out)
{
	const struct analytics_group *g = analytics_group(a, i);
	if (!g)
		return;
	if (g->none) {
		none_filter(a, out);
		return;
	}
	switch (a->kind) {
	case ANALYTICS_KEY_ANNOTATION:
		annotation_ref(out, a->ann_key);
		buf_puts(out, " = ");
		literal(&g->value, out);
		break;
	case ANALYTICS_KEY_HTTP_STATUS:
		buf_puts(out, "http.status = ");
		literal(&g->value, out);
		break;
	case ANALYTICS_KEY_HTTP_METHOD:
	case ANALYTICS_KEY_HTTP_URL:
	case ANALYTICS_KEY_USER:
		buf_puts(out, a->kind == ANALYTICS_KEY_HTTP_METHOD ? "http.method = "
		              : a->kind == ANALYTICS_KEY_HTTP_URL  ? "http.url = "
		                                                   : "user = ");
		literal(&g->value, out);
		break;
	case ANALYTICS_KEY_SERVICE:
		buf_puts(out, "service(");
		literal(&g->value, out);
		buf_putc(out, ')');
		break;
	case ANALYTICS_KEY_RC_FAULT:
	case ANALYTICS_KEY_RC_ERROR:
	case ANALYTICS_KEY_RC_RESPONSETIME:
		buf_printf(out, "rootcause.%s.service { name = ", rc_kind_name(a->kind));
		literal(&g->value, out);
		buf_puts(out, " }");
		break;
	}
}

void
analytics_format_seconds(double s, bool ascii, struct buf *out)
{
	if (!isfinite(s)) {
		buf_puts(out, "-");
	} else if (s == 0) {
		buf_putc(out, '0');
	} else if (s < 0) {
		buf_putc(out, '-');
		analytics_format_seconds(-s, ascii, out);
	} else if (s * 1e6 < 999.5) {
		buf_printf(out, "%.3g%s", s * 1e6, ascii ? "us" : "µs");
	} else if (s * 1e3 < 999.5) { /* 0.9996 s is "1s", not "1e+03ms" */
		buf_printf(out, "%.3gms", s * 1e3);
	} else if (s < 999.5) {
		buf_printf(out, "%.3gs", s);
	} else {
		buf_printf(out, "%.0fs", s);
	}
}

/* ---- rendering ---- */

#define TABLE_FIXED_ROWS 3 /* header, rule, all traces */
#define TITLE_ROWS 2
#define ALL_TRACES N_("all traces")

int
analytics_height(const struct analytics *a)
{
	if (a->dist.traces == 0)
		return 1;
	int hist = a->dist.hist.n_buckets ? (int)a->dist.hist.n_buckets : 0;
	return TITLE_ROWS + hist + 1 + TABLE_FIXED_ROWS + (int)a->all.n_groups;
}

static bool
ascii(const struct canvas *c)
{
	return c->flags & CANVAS_ASCII;
}

/* Writes trusted text and returns the column after it. */
static int
put(struct canvas *c, int x, int y, int max_x, const char *s, unsigned style)
{
	if (x >= max_x)
		return x;
	return x + canvas_puts(c, x, y, max_x - x, s, style);
}

/* A bar of `eighths` eighths of a cell (a '#' per whole cell in ASCII). */
static void
bar(struct canvas *c, int x, int y, long eighths, unsigned style)
{
	static const char *const part[8] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
	if (ascii(c)) {
		long cells = (eighths + 4) / 8;
		if (cells == 0 && eighths > 0)
			cells = 1;
		canvas_fill(c, x, y, (int)cells, 1, "#", style);
		return;
	}
	canvas_fill(c, x, y, (int)(eighths / 8), 1, "█", style);
	if (eighths % 8)
		canvas_puts(c, x + (int)(eighths / 8), y, 1, part[eighths % 8], style);
}

/* Eighths of `cols` cells for n out of max, at least one when n > 0. */
static long
bar_eighths(size_t n, size_t max, int cols)
{
	if (n == 0 || max == 0 || cols <= 0)
		return 0;
	long e = lround((double)n / (double)max * cols * 8);
	return e < 1 ? 1 : e;
}

/* "300 traces from 2026-11-20 09:00:04 to 09:59:58 UTC (4 in progress)". */
static void
render_span(const struct analytics *a, struct canvas *c, int x, int y, int w)
{
	const struct analytics_dist *d = &a->dist;
	int end = x + w;
	char from[32], to[32];
	struct buf b = BUF_INIT;
	buf_printf(&b, "%zu", d->traces);
	x = put(c, x, y, end, b.data, CANVAS_BOLD);
	x = put(c, x, y, end, ngettext(" trace", " traces", d->traces), CANVAS_NORMAL);
	if (isfinite(d->first) && isfinite(d->last)) {
		timefmt_short(d->first, from, sizeof from);
		timefmt_short(d->last, to, sizeof to);
		/* the same day: the second date goes */
		const char *to_shown = strncmp(from, to, 11) == 0 ? to + 11 : to;
		x = put(c, x, y, end, _(" from "), CANVAS_NORMAL);
		x = put(c, x, y, end, from, CANVAS_NORMAL);
		x = put(c, x, y, end, _(" to "), CANVAS_NORMAL);
		x = put(c, x, y, end, to_shown, CANVAS_NORMAL);
		x = put(c, x, y, end, " UTC", CANVAS_NORMAL);
	}
	if (d->timed < d->traces) {
		buf_reset(&b);
		buf_printf(&b, _(" (%zu in progress)"), d->traces - d->timed);
		put(c, x, y, end, b.data, CANVAS_DIM);
	}
	buf_free(&b);
}

/* "RESPONSE TIME   p50 16.4ms   p90 1.06s   p99 3.31s   max 3.68s   min 7.3ms", as
 * much as fits. */
static void
render_title(const struct analytics *a, struct canvas *c, int x, int y, int w)
{
	const struct analytics_dist *d = &a->dist;
	int end = x + w;
	struct buf b = BUF_INIT;
	x = put(c, x, y, end, _("RESPONSE TIME"), CANVAS_HEADER | CANVAS_BOLD);
	static const char *const names[] = {"p50", "p90", "p99", N_("max"), N_("min")};
	const double vals[] = {d->p50, d->p90, d->p99, d->max, d->min};
	for (int i = 0; i < 5 && d->timed; i++) {
		buf_reset(&b);
		analytics_format_seconds(vals[i], ascii(c), &b);
		const char *name = i < 3 ? names[i] : _(names[i]);
		int need = 3 + canvas_width_of(c, name, strlen(name)) + 1 +
		           canvas_width_of(c, b.data, b.len);
		if (x + need > end)
			break;
		x = put(c, x + 3, y, end, name, CANVAS_DIM);
		x = put(c, x + 1, y, end, b.data,
		        i < 3 ? CANVAS_ACCENT | CANVAS_BOLD : CANVAS_BOLD);
	}
	buf_free(&b);
}

int
analytics_render_histogram(const struct analytics *a, struct canvas *c, int x, int y, int w, int h)
{
	const struct stats_histogram *hist = &a->dist.hist;
	if (hist->n_buckets == 0 || h <= 0 || w <= 0)
		return 0;
	/* Merge k neighbours into one row when there are more buckets than rows. */
	size_t k = (hist->n_buckets + (size_t)h - 1) / (size_t)h;
	size_t rows = (hist->n_buckets + k - 1) / k;
	size_t *counts = xcalloc(rows, sizeof *counts);
	char **labels = xcalloc(rows, sizeof *labels);
	char **marks = xcalloc(rows, sizeof *marks);
	size_t max = 0;
	int lo_w = 0, hi_w = 0, count_w = 1, mark_w = 0;
	struct buf b = BUF_INIT;
	for (size_t r = 0; r < rows; r++) {
		size_t first = r * k,
		       last = first + k < hist->n_buckets ? first + k : hist->n_buckets;
		for (size_t i = first; i < last; i++)
			counts[r] += hist->counts[i];
		if (counts[r] > max)
			max = counts[r];
		buf_reset(&b);
		analytics_format_seconds(hist->edges[first], ascii(c), &b);
		int lw = canvas_width_of(c, b.data, b.len);
		buf_putc(&b, '\t');
		analytics_format_seconds(hist->edges[last], ascii(c), &b);
		labels[r] = xstrdup(b.data);
		int hw = canvas_width_of(c, b.data, b.len) - lw - 1;
		lo_w = lw > lo_w ? lw : lo_w;
		hi_w = hw > hi_w ? hw : hi_w;
		buf_reset(&b);
		buf_printf(&b, "%zu", counts[r]);
		count_w = (int)b.len > count_w ? (int)b.len : count_w;
	}
	static const char *const pnames[] = {"p50", "p90", "p99"};
	const double pvals[] = {a->dist.p50, a->dist.p90, a->dist.p99};
	for (int p = 0; p < 3; p++) {
		long bucket = stats_histogram_bucket(hist, pvals[p]);
		if (bucket < 0)
			continue;
		size_t r = (size_t)bucket / k;
		buf_reset(&b);
		buf_puts(&b, marks[r] ? marks[r] : ascii(c) ? "<" : "◀");
		buf_printf(&b, " %s ", pnames[p]);
		analytics_format_seconds(pvals[p], ascii(c), &b);
		free(marks[r]);
		marks[r] = xstrdup(b.data);
		int mw = canvas_width_of(c, b.data, b.len);
		mark_w = mw > mark_w ? mw : mark_w;
	}
	int label_w = lo_w + 1 + hi_w;
	int fixed = label_w + 2 + 1 + count_w + 1 + 6 + (mark_w ? 1 + mark_w : 0);
	int bar_w = w - fixed;
	if (bar_w > 60)
		bar_w = 60;
	for (size_t r = 0; r < rows; r++) {
		int row = y + (int)r, cx = x, end = x + w;
		const char *tab = strchr(labels[r], '\t');
		int lw = canvas_width_of(c, labels[r], (size_t)(tab - labels[r]));
		canvas_text(c, cx + lo_w - lw, row, lw, labels[r], (size_t)(tab - labels[r]),
		            CANVAS_NORMAL);
		canvas_puts(c, cx + lo_w, row, 1, ascii(c) ? "-" : "–", CANVAS_DIM);
		canvas_puts(c, cx + lo_w + 1, row, hi_w, tab + 1, CANVAS_NORMAL);
		cx += label_w + 1;
		put(c, cx, row, end, canvas_glyph(c, CANVAS_G_VLINE), CANVAS_DIM);
		cx += 1;
		if (bar_w > 0) {
			bar(c, cx, row, bar_eighths(counts[r], max, bar_w), CANVAS_ACCENT);
			cx += bar_w;
		}
		buf_reset(&b);
		buf_printf(&b, "%*zu", count_w + 1, counts[r]);
		cx = put(c, cx, row, end, b.data, counts[r] ? CANVAS_NORMAL : CANVAS_DIM);
		buf_reset(&b);
		buf_printf(&b, " %5.1f%%",
		           a->dist.timed ? 100.0 * (double)counts[r] / (double)a->dist.timed : 0.0);
		cx = put(c, cx, row, end, b.data, CANVAS_DIM);
		if (marks[r])
			put(c, cx + 1, row, end, marks[r], CANVAS_ACCENT | CANVAS_BOLD);
	}
	for (size_t r = 0; r < rows; r++) {
		free(labels[r]);
		free(marks[r]);
	}
	free(labels);
	free(marks);
	free(counts);
	buf_free(&b);
	return (int)rows;
}

/* ---- the table ---- */

enum tcol {
	TC_NAME,
	TC_COUNT,
	TC_SHARE,
	TC_BAR,
	TC_ERROR,
	TC_FAULT,
	TC_THROTTLE,
	TC_P50,
	TC_P90,
	TC_P99,
	TC_N
};

struct layout {
	int x[TC_N], w[TC_N]; /* w 0: column not shown */
	int end;              /* the column after the last one */
};

/* The narrowest the name column gets before other columns give way. */
#define MIN_NAME_W 16

static const char *const tc_header[TC_N] = {"",           N_("TRACES"), "%",   "",    N_("ERROR%"),
                                            N_("FAULT%"), N_("THROT%"), "P50", "P90", "P99"};
static const enum analytics_column tc_sort[TC_N] = {
    ANALYTICS_COL_GROUP, ANALYTICS_COL_COUNT, ANALYTICS_COL_COUNT,    ANALYTICS_COLUMNS,
    ANALYTICS_COL_ERROR, ANALYTICS_COL_FAULT, ANALYTICS_COL_THROTTLE, ANALYTICS_COL_P50,
    ANALYTICS_COL_P90,   ANALYTICS_COL_P99};

static const char *
key_header(const struct analytics *a)
{
	switch (a->kind) {
	case ANALYTICS_KEY_ANNOTATION: return a->ann_key;
	case ANALYTICS_KEY_HTTP_STATUS: return _("HTTP STATUS");
	case ANALYTICS_KEY_HTTP_METHOD: return _("METHOD");
	case ANALYTICS_KEY_HTTP_URL: return _("URL");
	case ANALYTICS_KEY_SERVICE: return _("SERVICE");
	case ANALYTICS_KEY_USER: return _("USER");
	case ANALYTICS_KEY_RC_FAULT: return _("FAULT ROOT CAUSE");
	case ANALYTICS_KEY_RC_ERROR: return _("ERROR ROOT CAUSE");
	case ANALYTICS_KEY_RC_RESPONSETIME: return _("RESPONSE TIME ROOT CAUSE");
	}
	return "";
}

/* Columns for width w: numbers at fixed widths, the name gets what its
 * longest value needs (within what is left), a share bar the rest. */
static void
table_layout(const struct analytics *a, const struct canvas *c, int w, struct layout *l)
{
	memset(l, 0, sizeof *l);
	size_t max_count = a->dist.traces;
	int count_w = 6;
	for (size_t n = max_count; n >= 1000000; n /= 10)
		count_w++;
	l->w[TC_COUNT] = count_w;
	l->w[TC_SHARE] = 5;
	l->w[TC_ERROR] = l->w[TC_FAULT] = l->w[TC_THROTTLE] = 6;
	l->w[TC_P50] = l->w[TC_P90] = l->w[TC_P99] = 6;
	for (int i = TC_COUNT; i < TC_N; i++) { /* a translated header may be wider */
		const char *hd = tc_header[i][0] ? _(tc_header[i]) : "";
		int hw = canvas_width_of(c, hd, strlen(hd));
		l->w[i] = hw > l->w[i] ? hw : l->w[i];
	}
	int fixed = 1; /* left margin */
	for (int i = TC_COUNT; i < TC_N; i++)
		if (l->w[i])
			fixed += l->w[i] + 1;
	fixed += 1; /* two spaces after the name */
	struct buf b = BUF_INIT;
	int name_w = canvas_width_of(c, key_header(a), strlen(key_header(a))) + 1;
	int all_w = canvas_width_of(c, _(ALL_TRACES), strlen(_(ALL_TRACES)));
	if (name_w < all_w)
		name_w = all_w;
	for (size_t i = 0; i < a->all.n_groups; i++) {
		buf_reset(&b);
		analytics_group_text(a, i, &b);
		int gw = canvas_width_of(c, b.data, b.len);
		name_w = gw > name_w ? gw : name_w;
	}
	buf_free(&b);
	/* Narrow: columns give way so names keep MIN_NAME_W columns. */
	static const enum tcol give_way[] = {TC_THROTTLE, TC_P50,   TC_FAULT,
	                                     TC_P90,      TC_SHARE, TC_ERROR};
	int want = name_w < MIN_NAME_W ? name_w : MIN_NAME_W;
	for (size_t i = 0; i < sizeof give_way / sizeof *give_way && w - fixed < want; i++) {
		fixed -= l->w[give_way[i]] + 1;
		l->w[give_way[i]] = 0;
	}
	int room = w - fixed;
	if (name_w > room)
		name_w = room;
	l->w[TC_NAME] = name_w > 4 ? name_w : 4;
	int spare = room - l->w[TC_NAME];
	if (spare >= 10) /* a bar of each group's share */
		l->w[TC_BAR] = spare - 1 > 30 ? 30 : spare - 1;
	int x = 1;
	for (int i = 0; i < TC_N; i++) {
		if (!l->w[i])
			continue;
		l->x[i] = x;
		l->end = x + l->w[i];
		x += l->w[i] + (i == TC_NAME ? 2 : 1);
	}
}

static void
rate_cell(struct canvas *c, int x, int y, int w, size_t n, size_t of, unsigned role)
{
	if (w <= 0) /* a column that gave way */
		return;
	char t[32];
	double r = of ? 100.0 * (double)n / (double)of : 0;
	if (n == 0)
		snprintf(t, sizeof t, "-");
	else if (r < 0.05)
		snprintf(t, sizeof t, "<0.1");
	else
		snprintf(t, sizeof t, "%.1f", r);
	canvas_fit(c, x, y, w, t, strlen(t), UTF8_RIGHT, n ? role : CANVAS_DIM);
}

static void
seconds_cell(struct canvas *c, int x, int y, int w, double s)
{
	if (w <= 0)
		return;
	struct buf b = BUF_INIT;
	analytics_format_seconds(s, ascii(c), &b);
	canvas_fit(c, x, y, w, b.data, b.len, UTF8_RIGHT, isnan(s) ? CANVAS_DIM : CANVAS_NORMAL);
	buf_free(&b);
}

/* One row of figures (a group, or all traces when g is NULL). */
static void
table_row(const struct analytics *a, struct canvas *c, const struct layout *l, int x, int y,
          const struct analytics_group *g, size_t max_count, const char *name, size_t name_len,
          unsigned name_style)
{
	const struct analytics_dist *d = &a->dist;
	size_t count = g ? g->count : d->traces;
	size_t errors = g ? g->errors : a->all.errors, faults = g ? g->faults : a->all.faults;
	size_t throttles = g ? g->throttles : a->all.throttles;
	char t[32];
	canvas_fit(c, x + l->x[TC_NAME], y, l->w[TC_NAME], name, name_len, UTF8_LEFT, name_style);
	snprintf(t, sizeof t, "%zu", count);
	canvas_fit(c, x + l->x[TC_COUNT], y, l->w[TC_COUNT], t, strlen(t), UTF8_RIGHT,
	           g ? CANVAS_NORMAL : CANVAS_BOLD);
	snprintf(t, sizeof t, "%.1f", d->traces ? 100.0 * (double)count / (double)d->traces : 0.0);
	if (l->w[TC_SHARE])
		canvas_fit(c, x + l->x[TC_SHARE], y, l->w[TC_SHARE], t, strlen(t), UTF8_RIGHT,
		           CANVAS_NORMAL);
	if (l->w[TC_BAR] && g)
		bar(c, x + l->x[TC_BAR], y, bar_eighths(count, max_count, l->w[TC_BAR]),
		    CANVAS_ACCENT);
	rate_cell(c, x + l->x[TC_ERROR], y, l->w[TC_ERROR], errors, count, CANVAS_ERROR);
	rate_cell(c, x + l->x[TC_FAULT], y, l->w[TC_FAULT], faults, count, CANVAS_FAULT);
	rate_cell(c, x + l->x[TC_THROTTLE], y, l->w[TC_THROTTLE], throttles, count,
	          CANVAS_THROTTLE);
	seconds_cell(c, x + l->x[TC_P50], y, l->w[TC_P50], g ? g->p50 : d->p50);
	seconds_cell(c, x + l->x[TC_P90], y, l->w[TC_P90], g ? g->p90 : d->p90);
	seconds_cell(c, x + l->x[TC_P99], y, l->w[TC_P99], g ? g->p99 : d->p99);
}

/* The style of a group's name: a status by its class, "(none)" dim. */
static unsigned
group_style(const struct analytics *a, const struct analytics_group *g)
{
	if (g->none)
		return CANVAS_DIM;
	if (a->kind != ANALYTICS_KEY_HTTP_STATUS || g->value.type != XR_VAL_NUMBER)
		return CANVAS_NORMAL;
	double st = g->value.u.n;
	return st == 429               ? CANVAS_THROTTLE
	       : st >= 500             ? CANVAS_FAULT
	       : st >= 400             ? CANVAS_ERROR
	       : st >= 200 && st < 300 ? CANVAS_OK
	                               : CANVAS_NORMAL;
}

int
analytics_render_table(const struct analytics *a, struct canvas *c, int x, int y, int w, int h,
                       size_t first_row, long selected)
{
	if (h <= 0 || w <= 0)
		return 0;
	struct canvas *t = canvas_new(w, h, c->flags); /* clips every row to w */
	struct layout l;
	table_layout(a, t, w, &l);
	bool desc;
	enum analytics_column sorted = analytics_sort_column(a, &desc);
	const char *marker = canvas_glyph(t, desc ? CANVAS_G_SORT_DOWN : CANVAS_G_SORT_UP);
	bool marked = false;
	for (int i = 0; i < TC_N; i++) {
		if (!l.w[i])
			continue;
		const char *hd = i == TC_NAME      ? key_header(a)
		                 : tc_header[i][0] ? _(tc_header[i])
		                                   : "";
		unsigned style = CANVAS_HEADER | CANVAS_BOLD;
		canvas_fit(t, l.x[i], 0, l.w[i], hd, strlen(hd),
		           i == TC_NAME ? UTF8_LEFT : UTF8_RIGHT, style);
		if (tc_sort[i] != sorted || marked)
			continue;
		marked = true;
		if (i == TC_NAME) {
			int hw = canvas_width_of(t, hd, strlen(hd));
			canvas_puts(t, l.x[i] + (hw < l.w[i] ? hw : l.w[i]), 0, 1, marker, style);
		} else {
			int hw = canvas_width_of(t, hd, strlen(hd));
			canvas_puts(t, l.x[i] + l.w[i] - hw - 1, 0, 1, marker, style);
		}
	}
	size_t max_count = 0;
	for (size_t i = 0; i < a->all.n_groups; i++)
		max_count = a->all.groups[i].count > max_count ? a->all.groups[i].count : max_count;
	int body = h - 1 - (h >= 4 ? 2 : 0);
	int drawn = 0;
	struct buf b = BUF_INIT;
	for (size_t i = first_row; i < a->all.n_groups && drawn < body; i++, drawn++) {
		const struct analytics_group *g = analytics_group(a, i);
		buf_reset(&b);
		analytics_group_text(a, i, &b);
		int row = 1 + drawn;
		table_row(a, t, &l, 0, row, g, max_count, b.data, b.len, group_style(a, g));
		if (selected >= 0 && (size_t)selected == i)
			canvas_add_attr(t, 0, row, w, CANVAS_SELECTED);
	}
	if (h >= 4) {
		int row = 1 + drawn;
		canvas_hline(t, l.x[TC_NAME], row, l.end - l.x[TC_NAME], CANVAS_DIM);
		table_row(a, t, &l, 0, row + 1, NULL, max_count, _(ALL_TRACES),
		          strlen(_(ALL_TRACES)), CANVAS_NORMAL | CANVAS_BOLD);
	}
	buf_free(&b);
	canvas_blit(c, x, y, t, 0, 0, w, h);
	canvas_free(t);
	return drawn;
}

int
analytics_render(const struct analytics *a, struct canvas *c, size_t first_row, long selected)
{
	int h = c->height, w = c->width;
	if (h <= 0 || w <= 0)
		return 0;
	if (a->dist.traces == 0) {
		canvas_puts(c, 0, 0, w, _("No traces to analyse."), CANVAS_DIM);
		return 0;
	}
	render_span(a, c, 0, 0, w);
	render_title(a, c, 0, 1, w);
	int hist_rows = (int)a->dist.hist.n_buckets;
	int table_rows = TABLE_FIXED_ROWS + (int)a->all.n_groups;
	int room = h - TITLE_ROWS - 1; /* and a blank line */
	if (hist_rows + table_rows > room) {
		int half = room / 2 > 3 ? room / 2 : 3;
		if (hist_rows > half && room - hist_rows < table_rows)
			hist_rows = room - table_rows > half ? room - table_rows : half;
	}
	if (hist_rows > room)
		hist_rows = room;
	int used = analytics_render_histogram(a, c, 0, TITLE_ROWS, w, hist_rows);
	int top = TITLE_ROWS + used + 1;
	return analytics_render_table(a, c, 0, top, w, h - top, first_row, selected);
}
