#include "config.h"

#include "view/tracelist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/jsonw.h"
#include "util/utf8.h"
#include "util/xmalloc.h"

static double
or_neg_inf(double v)
{
	return isnan(v) ? -INFINITY : v;
}

static int
cmp_tiebreak(const struct tracelist_row *a, const struct tracelist_row *b)
{
	double sa = or_neg_inf(a->summary->start_time), sb = or_neg_inf(b->summary->start_time);
	if (sa != sb)
		return sa < sb ? -1 : 1;
	return strcmp(a->summary->id ? a->summary->id : "", b->summary->id ? b->summary->id : "");
}

static int
cmp_text(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int
cmp_id(const void *x, const void *y)
{
	const struct tracelist_row *a = x, *b = y;
	int c = cmp_text(a->summary->id, b->summary->id);
	return c ? c : cmp_tiebreak(a, b);
}

static int
cmp_method(const void *x, const void *y)
{
	const struct tracelist_row *a = x, *b = y;
	int c = cmp_text(a->summary->http.method, b->summary->http.method);
	return c ? c : cmp_tiebreak(a, b);
}

static int
cmp_url(const void *x, const void *y)
{
	const struct tracelist_row *a = x, *b = y;
	int c = cmp_text(a->summary->http.url, b->summary->http.url);
	return c ? c : cmp_tiebreak(a, b);
}

static int
cmp_service(const void *x, const void *y)
{
	const struct tracelist_row *a = x, *b = y;
	int c = cmp_text(tracelist_service(a->summary), tracelist_service(b->summary));
	return c ? c : cmp_tiebreak(a, b);
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
		if (keep && !keep(ctx, e))
			continue;
		tl->rows[tl->n_rows++] = (struct tracelist_row){s->id, e, s};
	}
	tracelist_sort(tl, key, false);
}

/* A numeric sort key beside its row, so that sorting reads one array in
 * order instead of every summary in memory (cache misses dominate large
 * lists). */
struct sort_item {
	double key;   /* ascending order: "worst first" keys are negated */
	double start; /* the tie-break, then the trace id */
	struct tracelist_row row;
};

static int
cmp_item(const void *x, const void *y)
{
	const struct sort_item *a = x, *b = y;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return strcmp(a->row.summary->id ? a->row.summary->id : "",
	              b->row.summary->id ? b->row.summary->id : "");
}

/* Sorts by a number: key(summary), ascending, or descending when desc. */
static void
sort_numeric(struct tracelist *tl, enum sort_key key)
{
	struct sort_item *items = xmalloc((tl->n_rows + 1) * sizeof *items);
	for (size_t i = 0; i < tl->n_rows; i++) {
		const struct xr_summary *s = tl->rows[i].summary;
		double k = 0;
		switch (key) {
		case SORT_DURATION: k = -or_neg_inf(s->duration); break;
		case SORT_RESPONSETIME: k = -or_neg_inf(s->response_time); break;
		case SORT_STATUS: k = -(double)s->http.status; break;
		default: k = 0; break;
		}
		items[i] = (struct sort_item){k, or_neg_inf(s->start_time), tl->rows[i]};
	}
	qsort(items, tl->n_rows, sizeof *items, cmp_item);
	for (size_t i = 0; i < tl->n_rows; i++)
		tl->rows[i] = items[i].row;
	free(items);
}

void
tracelist_sort(struct tracelist *tl, enum sort_key key, bool reverse)
{
	int (*cmp)(const void *, const void *) = NULL;
	switch (key) {
	case SORT_START:
	case SORT_DURATION:
	case SORT_RESPONSETIME:
	case SORT_STATUS: sort_numeric(tl, key); break;
	case SORT_ID: cmp = cmp_id; break;
	case SORT_METHOD: cmp = cmp_method; break;
	case SORT_URL: cmp = cmp_url; break;
	case SORT_SERVICE: cmp = cmp_service; break;
	}
	if (cmp)
		qsort(tl->rows, tl->n_rows, sizeof *tl->rows, cmp);
	for (size_t i = 0, j = tl->n_rows; reverse && i + 1 < j; i++, j--) {
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
