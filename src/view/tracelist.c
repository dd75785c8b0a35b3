#include "config.h"

#include "view/tracelist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Larger first for the "worst first" keys. */
static int
cmp_desc(double a, double b)
{
	a = or_neg_inf(a);
	b = or_neg_inf(b);
	return a == b ? 0 : a > b ? -1 : 1;
}

static int
cmp_start(const void *x, const void *y)
{
	return cmp_tiebreak(x, y);
}

static int
cmp_duration(const void *x, const void *y)
{
	const struct tracelist_row *a = x, *b = y;
	int c = cmp_desc(a->summary->duration, b->summary->duration);
	return c ? c : cmp_tiebreak(a, b);
}

static int
cmp_responsetime(const void *x, const void *y)
{
	const struct tracelist_row *a = x, *b = y;
	int c = cmp_desc(a->summary->response_time, b->summary->response_time);
	return c ? c : cmp_tiebreak(a, b);
}

static int
cmp_status(const void *x, const void *y)
{
	const struct tracelist_row *a = x, *b = y;
	int c = cmp_desc(a->summary->http.status, b->summary->http.status);
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
	int (*cmp)(const void *, const void *) = cmp_start;
	switch (key) {
	case SORT_START: cmp = cmp_start; break;
	case SORT_DURATION: cmp = cmp_duration; break;
	case SORT_RESPONSETIME: cmp = cmp_responsetime; break;
	case SORT_STATUS: cmp = cmp_status; break;
	}
	qsort(tl->rows, tl->n_rows, sizeof *tl->rows, cmp);
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
	for (size_t r = 0; r < tl->n_rows; r++) {
		const struct xr_summary *s = tl->rows[r].summary;
		for (unsigned a = 0; a < s->n_annotations; a++) {
			const struct xr_summary_annotation *an = &s->annotations[a];
			size_t k;
			for (k = 0; k < n_keys; k++)
				if (strcmp(keys[k].key, an->key) == 0)
					break;
			if (k == n_keys) {
				XGROW(keys, cap, n_keys + 1);
				keys[n_keys++] = (struct key_stats){.key = an->key};
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
