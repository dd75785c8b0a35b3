#include "config.h"

#include "view/tracelist.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/hash.h"
#include "util/jsonw.h"
#include "util/utf8.h"
#include "util/xmalloc.h"

static double
or_neg_inf(double v)
{
	return isnan(v) ? -INFINITY : v;
}

/* ---- sorting ----
 *
 * Every order is by one key, then by start time, then by trace id (the
 * tie-break), ascending; "worst first" keys are negated.  tracelist_build()
 * puts the rows in tie-break order once and numbers them (row.tie); a sort
 * starts from that order and sorts it stably by its key alone: numbers as
 * 64-bit integers by radix sort, text by a most-significant-first radix
 * sort of the strings, eight bytes at a time, or, for the method, URL and
 * service of an index (interned), by the rank of each distinct text.  None
 * compares two rows' summaries, which is what made qsort slow on 100,000
 * rows scattered in memory.  A list built through an index sorts again by
 * walking the index's order of the whole store. */

/* A key and what it belongs to. */
struct kv {
	uint64_t k;
	size_t v;
};

/* A string and what it belongs to. */
struct sv {
	const char *s;
	size_t v;
};

/* Scratch space for n items, reused through a sort. */
struct scratch {
	struct kv *kv, *kv_tmp;
	struct sv *sv_tmp;
};

/* Doubles (no NaN) as integers in the same order; -0 and +0 are one. */
static uint64_t
double_key(double d)
{
	if (d == 0)
		d = 0;
	uint64_t u;
	memcpy(&u, &d, sizeof u);
	return u >> 63 ? ~u : u | (UINT64_C(1) << 63);
}

/* Sorts a[0..n) by k, keeping the order of equal keys, through tmp (room
 * for n); returns the array that holds the result (a or tmp).  Digits that
 * are the same in every key are skipped; small arrays take smaller digits,
 * so that clearing the counts does not cost more than the sort. */
static struct kv *
radix_sort(struct kv *a, struct kv *tmp, size_t n)
{
	if (n < 2)
		return a;
	unsigned bits = n >= 4096 ? 11 : 8, buckets = 1u << bits, passes = (64 + bits - 1) / bits;
	uint64_t mask = buckets - 1;
	uint32_t *count = xcalloc((size_t)passes * buckets, sizeof *count);
	for (size_t i = 0; i < n; i++)
		for (unsigned p = 0; p < passes; p++)
			count[p * buckets + ((a[i].k >> (p * bits)) & mask)]++;
	for (unsigned p = 0; p < passes; p++) {
		unsigned shift = p * bits;
		uint32_t *c = count + p * buckets;
		if (c[(a[0].k >> shift) & mask] == n)
			continue;
		uint32_t sum = 0;
		for (unsigned b = 0; b < buckets; b++) {
			uint32_t k = c[b];
			c[b] = sum;
			sum += k;
		}
		for (size_t i = 0; i < n; i++)
			tmp[c[(a[i].k >> shift) & mask]++] = a[i];
		struct kv *t = a;
		a = tmp;
		tmp = t;
	}
	free(count);
	return a;
}

/* Eight bytes of s from its start, in strcmp order, zero after its end. */
static uint64_t
chunk_key(const char *s)
{
	uint64_t k = 0;
	for (int i = 0; i < 8 && s[i]; i++)
		k |= (uint64_t)(unsigned char)s[i] << (56 - 8 * i);
	return k;
}

/* Sorts a[0..n) by strcmp order of the strings, whose first depth bytes
 * are the same, keeping the order of equal strings; sc has room for n. */
static void
sort_strings(struct sv *a, size_t n, size_t depth, struct scratch *sc)
{
	if (n <= 32) {
		for (size_t i = 1; i < n; i++) {
			struct sv x = a[i];
			size_t j = i;
			for (; j > 0 && strcmp(a[j - 1].s + depth, x.s + depth) > 0; j--)
				a[j] = a[j - 1];
			a[j] = x;
		}
		return;
	}
	/* skip what every string has in common */
	const char *first = a[0].s + depth;
	size_t common = strlen(first);
	for (size_t i = 1; i < n && common; i++) {
		if (i + 8 < n) /* the strings are all over memory */
			__builtin_prefetch(a[i + 8].s + depth);
		const char *s = a[i].s + depth;
		size_t j = 0;
		while (j < common && s[j] == first[j])
			j++;
		common = j;
	}
	depth += common;
	for (size_t i = 0; i < n; i++) {
		if (i + 8 < n)
			__builtin_prefetch(a[i + 8].s + depth);
		sc->kv[i] = (struct kv){chunk_key(a[i].s + depth), i};
	}
	struct kv *r = radix_sort(sc->kv, sc->kv_tmp, n);
	/* the keys outlive the scratch space, which the runs below reuse */
	uint64_t *keys = xmalloc(n * sizeof *keys);
	for (size_t i = 0; i < n; i++) {
		sc->sv_tmp[i] = a[r[i].v];
		keys[i] = r[i].k;
	}
	memcpy(a, sc->sv_tmp, n * sizeof *a);
	/* A run of the same eight bytes is one string when it ended there
	 * (a zero byte), else sorted by the next eight. */
	for (size_t lo = 0, hi; lo < n; lo = hi) {
		for (hi = lo + 1; hi < n && keys[hi] == keys[lo]; hi++)
			;
		if (hi - lo > 1 && (keys[lo] & 0xff))
			sort_strings(a + lo, hi - lo, depth + 8, sc);
	}
	free(keys);
}

/* The slot of an interned text in a table of cap (a power of two). */
static size_t
text_slot(const char *t, size_t cap)
{
	return (size_t)((((uint64_t)(uintptr_t)t >> 3) * UINT64_C(0x9E3779B97F4A7C15)) >> 32) &
	       (cap - 1);
}

#define N_SORT_KEYS (SORT_SERVICE + 1)

struct tracelist_index {
	const struct xr_store *store;
	unsigned long gen;
	size_t n_entries;
	struct tracelist_row *rows; /* by entry; summary NULL: not listed */
	size_t n_listed;            /* entries with a summary */
	struct tracelist all;       /* them, in tie-break order */
	size_t *order[N_SORT_KEYS]; /* their entries by each key, or NULL */
	/* by entry: the numeric keys as radix keys, the texts interned */
	uint64_t *num[N_SORT_KEYS];
	const char **text[N_SORT_KEYS];
	const struct xr_trace **traces; /* by entry */
	struct xr_summary *summaries;   /* copies, by entry */
	struct arena *ids;              /* copies of the trace ids, side by side */
};

/* The text a row sorts by: from the index that holds the keys, or from
 * its summary. */
static const char *
text_key(const struct tracelist_row *r, enum sort_key key, const struct tracelist_index *x)
{
	if (x && x->text[key])
		return x->text[key][r->index];
	const char *t = NULL;
	switch (key) {
	case SORT_ID: t = r->id; break;
	case SORT_METHOD: t = r->summary->http.method; break;
	case SORT_URL: t = r->summary->http.url; break;
	case SORT_SERVICE: t = r->service; break;
	default: break;
	}
	return t ? t : "";
}

/* The number a summary sorts by, ascending. */
static double
number_key(const struct xr_summary *s, enum sort_key key)
{
	switch (key) {
	case SORT_DURATION: return -or_neg_inf(s->duration);
	case SORT_RESPONSETIME: return -or_neg_inf(s->response_time);
	case SORT_STATUS: return -(double)s->http.status;
	default: return 0;
	}
}

/* The same as a radix key, from the index that holds the keys or from the
 * summary. */
static uint64_t
radix_key(const struct tracelist_row *r, enum sort_key key, const struct tracelist_index *x)
{
	if (x && x->num[key])
		return x->num[key][r->index];
	return double_key(number_key(r->summary, key));
}

/* sc->kv[i] = {the rank of the text of items[i] among the distinct texts,
 * in strcmp order; items[i].v}, for rows whose texts are interned (one
 * pointer per text).  sv has room for n. */
static void
rank_texts(const struct tracelist_row *rows, const struct tracelist_index *x,
           const struct kv *items, size_t n, enum sort_key key, struct scratch *sc, struct sv *sv)
{
	size_t cap = 64, n_texts = 0;
	size_t *slots = xcalloc(cap, sizeof *slots); /* text number + 1 */
	const char **texts = xmalloc((n + 1) * sizeof *texts);
	size_t *text_of = xmalloc((n + 1) * sizeof *text_of);
	for (size_t i = 0; i < n; i++) {
		const char *t = text_key(&rows[items[i].v], key, x);
		size_t j = text_slot(t, cap);
		while (slots[j] && texts[slots[j] - 1] != t)
			j = (j + 1) & (cap - 1);
		if (slots[j]) {
			text_of[i] = slots[j] - 1;
			continue;
		}
		texts[n_texts] = t;
		text_of[i] = n_texts;
		slots[j] = ++n_texts;
		if (n_texts * 2 > cap) {
			free(slots);
			cap *= 2;
			slots = xcalloc(cap, sizeof *slots);
			for (size_t d = 0; d < n_texts; d++) {
				size_t k = text_slot(texts[d], cap);
				while (slots[k])
					k = (k + 1) & (cap - 1);
				slots[k] = d + 1;
			}
		}
	}
	free(slots);
	for (size_t d = 0; d < n_texts; d++)
		sv[d] = (struct sv){texts[d], d};
	sort_strings(sv, n_texts, 0, sc);
	size_t *rank = xmalloc((n_texts + 1) * sizeof *rank);
	for (size_t d = 0; d < n_texts; d++)
		rank[sv[d].v] = d;
	for (size_t i = 0; i < n; i++)
		sc->kv[i] = (struct kv){rank[text_of[i]], items[i].v};
	free(rank);
	free(text_of);
	free(texts);
}

static void
scratch_init(struct scratch *sc, size_t n)
{
	sc->kv = xmalloc((n + 1) * sizeof *sc->kv);
	sc->kv_tmp = xmalloc((n + 1) * sizeof *sc->kv_tmp);
	sc->sv_tmp = xmalloc((n + 1) * sizeof *sc->sv_tmp);
}

static void
scratch_free(struct scratch *sc)
{
	free(sc->kv);
	free(sc->kv_tmp);
	free(sc->sv_tmp);
}

/* Sorts items[0..n), rows given by their v, stably by key; text keys
 * through sv, which has room for n. */
static void
sort_by_key(const struct tracelist_row *rows, const struct tracelist_index *x, struct kv *items,
            size_t n, enum sort_key key, struct scratch *sc, struct sv *sv)
{
	switch (key) {
	case SORT_START: break;
	case SORT_DURATION:
	case SORT_RESPONSETIME:
	case SORT_STATUS: {
		for (size_t i = 0; i < n; i++)
			sc->kv[i] = (struct kv){radix_key(&rows[items[i].v], key, x), items[i].v};
		struct kv *r = radix_sort(sc->kv, sc->kv_tmp, n);
		memcpy(items, r, n * sizeof *items);
		break;
	}
	case SORT_ID:
	case SORT_METHOD:
	case SORT_URL:
	case SORT_SERVICE:
		if (x && x->text[key] && key != SORT_ID) {
			/* one pointer per text: each row's text numbered by a
			 * hash of its pointer, the few distinct texts sorted, the
			 * rows by their text's rank */
			rank_texts(rows, x, items, n, key, sc, sv);
			struct kv *r = radix_sort(sc->kv, sc->kv_tmp, n);
			memcpy(items, r, n * sizeof *items);
			break;
		}
		for (size_t i = 0; i < n; i++)
			sv[i] = (struct sv){text_key(&rows[items[i].v], key, x), items[i].v};
		sort_strings(sv, n, 0, sc);
		for (size_t i = 0; i < n; i++)
			items[i].v = sv[i].v;
		break;
	}
}

/* Puts the rows in tie-break order (start time, then id) and numbers
 * them. */
static void
order_ties(struct tracelist *tl)
{
	size_t n = tl->n_rows;
	struct kv *items = xmalloc((n + 1) * sizeof *items);
	struct kv *tmp = xmalloc((n + 1) * sizeof *tmp);
	for (size_t i = 0; i < n; i++)
		items[i] = (struct kv){double_key(or_neg_inf(tl->rows[i].start_time)), i};
	struct kv *r = radix_sort(items, tmp, n);
	struct scratch sc = {0};
	struct sv *sv = NULL;
	for (size_t lo = 0, hi; lo < n; lo = hi) {
		for (hi = lo + 1; hi < n && r[hi].k == r[lo].k; hi++)
			;
		if (hi - lo < 2)
			continue;
		if (!sv) {
			scratch_init(&sc, n);
			sv = xmalloc((n + 1) * sizeof *sv);
		}
		for (size_t i = lo; i < hi; i++)
			sv[i - lo] =
			    (struct sv){text_key(&tl->rows[r[i].v], SORT_ID, NULL), r[i].v};
		sort_strings(sv, hi - lo, 0, &sc);
		for (size_t i = lo; i < hi; i++)
			r[i].v = sv[i - lo].v;
	}
	struct tracelist_row *rows = xmalloc((n + 1) * sizeof *rows);
	for (size_t i = 0; i < n; i++) {
		rows[i] = tl->rows[r[i].v];
		rows[i].tie = (uint32_t)i;
	}
	free(tl->rows);
	tl->rows = rows;
	tl->n_ties = n;
	free(sv);
	free(items);
	free(tmp);
	scratch_free(&sc);
}

void
tracelist_build(struct tracelist *tl, const struct xr_store *store, tracelist_keep_fn keep,
                void *ctx, enum sort_key key)
{
	memset(tl, 0, sizeof *tl);
	size_t n = store_count(store);
	tl->rows = xmalloc((n + 1) * sizeof *tl->rows);
	for (size_t i = 0; i < n; i++) {
		const struct xr_store_entry *e = store_entry(store, i);
		const struct xr_summary *s = store_entry_summary(e);
		if (!s)
			continue;
		tl->n_considered++;
		if (keep && !keep(ctx, i, e))
			continue;
		tl->rows[tl->n_rows++] = (struct tracelist_row){
		    .id = s->id,
		    .entry = e,
		    .summary = s,
		    .index = (uint32_t)i,
		    .start_time = s->start_time,
		    .response_time = s->response_time,
		    .has_error = s->has_error,
		    .has_fault = s->has_fault,
		    .has_throttle = s->has_throttle,
		    .service = tracelist_service(s),
		};
	}
	order_ties(tl);
	tracelist_sort(tl, key, false);
}

/* ---- the index ---- */

/* Rows ahead of the one copied whose data is fetched meanwhile. */
#define WALK_AHEAD 16

struct tracelist_index *
tracelist_index_new(void)
{
	return xcalloc(1, sizeof(struct tracelist_index));
}

static void
index_clear(struct tracelist_index *x)
{
	free(x->rows);
	x->rows = NULL;
	free(x->traces);
	x->traces = NULL;
	free(x->summaries);
	x->summaries = NULL;
	arena_free(x->ids);
	x->ids = NULL;
	tracelist_free(&x->all);
	for (size_t k = 0; k < N_SORT_KEYS; k++) {
		free(x->order[k]);
		free(x->num[k]);
		free(x->text[k]);
		x->order[k] = NULL;
		x->num[k] = NULL;
		x->text[k] = NULL;
	}
	x->store = NULL;
}

void
tracelist_index_free(struct tracelist_index *x)
{
	if (!x)
		return;
	index_clear(x);
	free(x);
}

/* One pointer for each distinct text of t[0..n) (NULL: none). */
static void
intern_texts(const char **t, size_t n)
{
	size_t cap = 16, n_texts = 0;
	const char **texts = xcalloc(cap, sizeof *texts);
	for (size_t i = 0; i < n; i++) {
		if (!t[i])
			continue;
		size_t h = (size_t)hash_str(t[i]) & (cap - 1);
		while (texts[h] && texts[h] != t[i] && strcmp(texts[h], t[i]) != 0)
			h = (h + 1) & (cap - 1);
		if (texts[h]) {
			t[i] = texts[h];
			continue;
		}
		texts[h] = t[i];
		if (++n_texts * 2 > cap) {
			const char **old = texts;
			size_t old_cap = cap;
			cap *= 2;
			texts = xcalloc(cap, sizeof *texts);
			for (size_t j = 0; j < old_cap; j++) {
				if (!old[j])
					continue;
				size_t k = (size_t)hash_str(old[j]) & (cap - 1);
				while (texts[k])
					k = (k + 1) & (cap - 1);
				texts[k] = old[j];
			}
			free(old);
		}
	}
	free(texts);
}

void
tracelist_index_update(struct tracelist_index *x, const struct xr_store *store)
{
	if (x->store == store && x->gen == store_generation(store))
		return;
	index_clear(x);
	x->store = store;
	x->gen = store_generation(store);
	x->n_entries = store_count(store);
	tracelist_build(&x->all, store, NULL, NULL, SORT_START);
	x->n_listed = x->all.n_rows;
	size_t n = x->n_entries;
	x->rows = xcalloc(n + 1, sizeof *x->rows);
	for (size_t i = 0; i < x->all.n_rows; i++)
		x->rows[x->all.rows[i].index] = x->all.rows[i];
	/* the keys, in store order, which is mostly the order in memory */
	static const enum sort_key nums[] = {SORT_DURATION, SORT_RESPONSETIME, SORT_STATUS};
	static const enum sort_key texts[] = {SORT_METHOD, SORT_URL, SORT_SERVICE};
	for (size_t k = 0; k < 3; k++) {
		x->num[nums[k]] = xcalloc(n + 1, sizeof **x->num);
		x->text[texts[k]] = xcalloc(n + 1, sizeof **x->text);
	}
	x->traces = xcalloc(n + 1, sizeof *x->traces);
	x->summaries = xcalloc(n + 1, sizeof *x->summaries);
	/* the ids side by side: sorting them reads a few megabytes, not
	 * every summary's page */
	x->ids = arena_new();
	x->text[SORT_ID] = xcalloc(n + 1, sizeof **x->text);
	for (size_t i = 0; i < n; i++) {
		const struct tracelist_row *r = &x->rows[i];
		if (!r->summary)
			continue;
		x->traces[i] = r->entry->trace;
		x->summaries[i] = *r->summary;
		x->text[SORT_ID][i] = arena_strdup(x->ids, r->id ? r->id : "");
		for (size_t k = 0; k < 3; k++) {
			x->num[nums[k]][i] = double_key(number_key(r->summary, nums[k]));
			x->text[texts[k]][i] = text_key(r, texts[k], NULL);
		}
	}
	for (size_t k = 0; k < 3; k++)
		intern_texts(x->text[texts[k]], n);
	for (size_t i = 0; i < n; i++)
		if (x->rows[i].summary)
			x->rows[i].service = x->text[SORT_SERVICE][i];
	for (size_t i = 0; i < x->all.n_rows; i++)
		x->all.rows[i] = x->rows[x->all.rows[i].index];
	x->all.keys = x;
}

const struct tracelist_row *
tracelist_index_rows(const struct tracelist_index *x)
{
	return x->rows;
}

const struct xr_trace *const *
tracelist_index_traces(const struct tracelist_index *x)
{
	return x->traces;
}

const struct xr_summary *
tracelist_index_summaries(const struct tracelist_index *x)
{
	return x->summaries;
}

/* The entries by key (computed the first time). */
static const size_t *
index_order(struct tracelist_index *x, enum sort_key key)
{
	if (!x->order[key]) {
		size_t n = x->all.n_rows;
		tracelist_sort(&x->all, key, false);
		x->order[key] = xmalloc((n + 1) * sizeof **x->order);
		for (size_t i = 0; i < n; i++)
			x->order[key][i] = x->all.rows[i].index;
	}
	return x->order[key];
}

bool
tracelist_index_prepare(struct tracelist_index *x)
{
	if (!x->store || store_generation(x->store) != x->gen)
		return false;
	for (int k = SORT_START; k <= SORT_SERVICE; k++) {
		if (!x->order[k]) {
			index_order(x, (enum sort_key)k);
			return true;
		}
	}
	return false;
}

static bool
index_valid(const struct tracelist *tl)
{
	const struct tracelist_index *x = tl->index;
	return x && x->store && x->gen == tl->gen && store_generation(x->store) == tl->gen;
}

void
tracelist_build_indexed(struct tracelist *tl, struct tracelist_index *x,
                        const struct xr_store *store, tracelist_keep_fn keep, void *ctx,
                        enum sort_key key)
{
	memset(tl, 0, sizeof *tl);
	tracelist_index_update(x, store);
	const size_t *order = index_order(x, key);
	size_t n = x->n_listed;
	tl->rows = xmalloc((n + 1) * sizeof *tl->rows);
	tl->n_considered = n;
	for (size_t i = 0; i < n; i++) {
		/* the filter's answer first, from the entry's number alone */
		if (keep && !keep(ctx, order[i], store_entry(store, order[i])))
			continue;
		if (!keep && i + WALK_AHEAD < n)
			__builtin_prefetch(&x->rows[order[i + WALK_AHEAD]]);
		tl->rows[tl->n_rows++] = x->rows[order[i]];
	}
	tl->n_ties = n;
	tl->index = x;
	tl->gen = x->gen;
}

void
tracelist_sort(struct tracelist *tl, enum sort_key key, bool reverse)
{
	size_t n = tl->n_rows;
	if (index_valid(tl)) {
		/* walk the index's order, taking the entries listed here (their
		 * rows are the index's) */
		struct tracelist_index *x = tl->index;
		unsigned char *listed = xcalloc(x->n_entries + 1, 1);
		for (size_t i = 0; i < n; i++)
			listed[tl->rows[i].index] = 1;
		const size_t *order = index_order(x, key);
		struct tracelist_row *rows = tl->rows; /* rewritten in place */
		size_t m = 0;
		for (size_t i = 0; i < x->n_listed && m < n; i++) {
			if (i + WALK_AHEAD < x->n_listed)
				__builtin_prefetch(&x->rows[order[i + WALK_AHEAD]]);
			if (listed[order[i]])
				rows[reverse ? n - 1 - m++ : m++] = x->rows[order[i]];
		}
		free(listed);
		return;
	}
	/* the rows in tie-break order: by their numbers (some may be gone) */
	size_t *slot = xmalloc((tl->n_ties + 1) * sizeof *slot);
	for (size_t i = 0; i < tl->n_ties; i++)
		slot[i] = SIZE_MAX;
	for (size_t i = 0; i < n; i++)
		slot[tl->rows[i].tie] = i;
	struct kv *items = xmalloc((n + 1) * sizeof *items);
	size_t m = 0;
	for (size_t i = 0; i < tl->n_ties; i++)
		if (slot[i] != SIZE_MAX)
			items[m++] = (struct kv){0, slot[i]};
	free(slot);
	struct scratch sc;
	scratch_init(&sc, n);
	struct sv *sv =
	    key == SORT_ID || key == SORT_METHOD || key == SORT_URL || key == SORT_SERVICE
	        ? xmalloc((n + 1) * sizeof *sv)
	        : NULL;
	sort_by_key(tl->rows,
	            tl->keys          ? tl->keys
	            : index_valid(tl) ? tl->index
	                              : NULL,
	            items, n, key, &sc, sv);
	free(sv);
	scratch_free(&sc);
	struct tracelist_row *rows = xmalloc((n + 1) * sizeof *rows);
	for (size_t i = 0; i < n; i++)
		rows[reverse ? n - 1 - i : i] = tl->rows[items[i].v];
	free(items);
	free(tl->rows);
	tl->rows = rows;
}

void
tracelist_reverse(struct tracelist *tl)
{
	for (size_t i = 0, j = tl->n_rows; i + 1 < j; i++, j--) {
		struct tracelist_row t = tl->rows[i];
		tl->rows[i] = tl->rows[j - 1];
		tl->rows[j - 1] = t;
	}
}

void
tracelist_limit(struct tracelist *tl, long limit)
{
	if (limit >= 0 && (size_t)limit < tl->n_rows)
		tl->n_rows = (size_t)limit;
}

void
tracelist_free(struct tracelist *tl)
{
	free(tl->rows);
	free(tl->annotation_text);
	memset(tl, 0, sizeof *tl);
}

long
tracelist_find(const struct tracelist *tl, const char *id)
{
	for (size_t i = 0; id && i < tl->n_rows; i++)
		if (tl->rows[i].id && strcmp(tl->rows[i].id, id) == 0)
			return (long)i;
	return -1;
}

/* Counting distinct values of one key over the listed rows. */
struct key_stats {
	const char *key;
	size_t present;
	const struct xr_value **values;
	size_t *counts;
	size_t n_values, cap;
	bool too_many;
};

#define MAX_DISTINCT 16

static void
key_stats_add(struct key_stats *k, const struct xr_value *v)
{
	for (size_t i = 0; i < k->n_values; i++) {
		if (xr_value_equal(k->values[i], v)) {
			k->counts[i]++;
			return;
		}
	}
	if (k->n_values == MAX_DISTINCT) {
		k->too_many = true;
		return;
	}
	if (k->n_values == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 4;
		k->values = xreallocarray(k->values, k->cap, sizeof *k->values);
		k->counts = xreallocarray(k->counts, k->cap, sizeof *k->counts);
	}
	k->values[k->n_values] = v;
	k->counts[k->n_values++] = 1;
}

static const char *
key_stats_key(const void *keys, size_t i)
{
	return ((const struct key_stats *)keys)[i].key;
}

static uint64_t
key_stats_hash(const void *keys, size_t i)
{
	return hash_str(key_stats_key(keys, i));
}

static double
key_entropy(const struct key_stats *k)
{
	size_t total = 0;
	for (size_t i = 0; i < k->n_values; i++)
		total += k->counts[i];
	double h = 0;
	for (size_t i = 0; i < k->n_values; i++) {
		double p = (double)k->counts[i] / (double)total;
		h -= p * log2(p);
	}
	return h;
}

void
tracelist_choose_annotations(struct tracelist *tl, size_t max)
{
	struct key_stats *keys = NULL;
	size_t n_keys = 0, cap = 0;
	struct hash_index index; /* key -> keys[] */
	hash_index_init(&index, 16);
	for (size_t r = 0; r < tl->n_rows; r++) {
		const struct xr_summary *s = tl->rows[r].summary;
		for (unsigned a = 0; a < s->n_annotations; a++) {
			const struct xr_summary_annotation *an = &s->annotations[a];
			size_t *slot = hash_index_str_slot(&index, an->key, key_stats_key, keys);
			size_t k = *slot ? *slot - 1 : n_keys;
			if (k == n_keys) {
				XGROW(keys, cap, n_keys + 1);
				keys[n_keys++] = (struct key_stats){.key = an->key};
				*slot = n_keys;
				hash_index_added(&index, n_keys, key_stats_hash, keys);
			}
			keys[k].present++;
			for (unsigned v = 0; v < an->n_values; v++)
				key_stats_add(&keys[k], &an->values[v].value);
		}
	}
	tl->n_annotation_keys = 0;
	if (max > TRACELIST_MAX_ANNOTATIONS)
		max = TRACELIST_MAX_ANNOTATIONS;
	while (tl->n_annotation_keys < max) {
		const struct key_stats *best = NULL;
		double best_h = 0;
		for (size_t k = 0; k < n_keys; k++) {
			const struct key_stats *ks = &keys[k];
			if (ks->too_many || ks->n_values < 2 || ks->present * 2 < tl->n_rows)
				continue;
			bool taken = false;
			for (size_t i = 0; i < tl->n_annotation_keys; i++)
				taken |= tl->annotation_keys[i] == ks->key;
			double h = key_entropy(ks);
			if (!taken && (!best || h > best_h ||
			               (h == best_h && strcmp(ks->key, best->key) < 0))) {
				best = ks;
				best_h = h;
			}
		}
		if (!best)
			break;
		tl->annotation_keys[tl->n_annotation_keys++] = best->key;
	}
	for (size_t k = 0; k < n_keys; k++) {
		free(keys[k].values);
		free(keys[k].counts);
	}
	free(keys);
	hash_index_free(&index);
}

void
tracelist_set_annotations(struct tracelist *tl, const char *keys)
{
	free(tl->annotation_text);
	tl->annotation_text = xstrdup(keys);
	tl->n_annotation_keys = 0;
	char *save = NULL;
	for (char *k = strtok_r(tl->annotation_text, ",", &save);
	     k && tl->n_annotation_keys < TRACELIST_MAX_ANNOTATIONS; k = strtok_r(NULL, ",", &save))
		if (*k)
			tl->annotation_keys[tl->n_annotation_keys++] = k;
}

void
tracelist_flags(const struct tracelist_row *row, char out[6])
{
	const struct xr_summary *s = row->summary;
	bool limit = row->entry->trace && row->entry->trace->limit_exceeded;
	out[0] = s->has_error ? 'E' : '.';
	out[1] = s->has_fault ? 'F' : '.';
	out[2] = s->has_throttle ? 'T' : '.';
	out[3] = s->is_partial ? 'P' : '.';
	out[4] = limit ? 'L' : '\0';
	out[5] = '\0';
}

void
tracelist_annotation_text(const struct xr_summary *s, const char *key, struct buf *out)
{
	const struct xr_summary_annotation *an = summary_annotation(s, key);
	if (!an)
		return;
	for (unsigned v = 0; v < an->n_values; v++) {
		const struct xr_value *val = &an->values[v].value;
		if (v)
			buf_puts(out, ", ");
		switch (val->type) {
		case XR_VAL_STRING: buf_puts(out, val->u.s); break;
		case XR_VAL_NUMBER: json_number(out, val->u.n); break;
		case XR_VAL_BOOL: buf_puts(out, val->u.b ? "true" : "false"); break;
		}
	}
}

const char *
tracelist_url(const char *url, size_t max_cols)
{
	if (!url)
		return "-";
	if (utf8_width(url, strlen(url), 0) <= max_cols)
		return url;
	const char *host = strstr(url, "://");
	const char *path = host ? strchr(host + 3, '/') : NULL;
	return path ? path : url;
}

const char *
tracelist_service(const struct xr_summary *s)
{
	if (s->entry_point && s->entry_point->name)
		return s->entry_point->name;
	return "";
}
