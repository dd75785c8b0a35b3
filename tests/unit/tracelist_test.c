/* tracelist_test: the orders of the trace list (view/tracelist.h) against
 * a plain comparison sort: by every key, both ways, over summaries made to
 * tie (the same start times, numbers and texts, NaN, -0, missing fields,
 * texts that share long beginnings or are beginnings of others, bytes
 * above 0x7f), built directly and through an index of the store, on a part
 * of the store, after tracelist_limit() and after the store changed. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/store.h"
#include "tap.h"
#include "util/arena.h"
#include "util/xmalloc.h"
#include "view/tracelist.h"

static uint64_t rng = 0x2545F4914F6CDD1Dull;

static unsigned
pick(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const double numbers[] = {NAN, 0.0, -0.0, 0.5, 0.5, 1.25, 2, 3.676, -1, INFINITY, 1e-9};
static const double starts[] = {
    NAN, 0.0, -0.0, 1795165200.244559, 1795165200.244559, 1795165201.5, 1795168800, -5};
static const int statuses[] = {0, 200, 200, 404, 500, 502};
static const char *const methods[] = {NULL, "", "GET", "POST", "GETX", "G", "\xed\x8a\xb8", "PUT"};
static const char *const url_tails[] = {
    "",          "?a=1",      "?a=10",        "?a=1&b=2", "?restaurant=%EA%B0%95%EB%82%A8&d=1",
    "?a=1&b=2x", "/x/y/z/w/", "\xea\xb0\x95", "12345678", "1234567",
};
static const char *const services[] = {
    NULL, "", "Res", "Reservations", "Reservations2", "Menu", "\xeb\xa7\x9b\xec\xa7\x91"};
static const char *const id_heads[] = {"1-6b000c10-", "1-6b000c10-c11e06f42bac36a3", "1-6b000c1",
                                       "2-", "\xed\x8a\xb8-"};

static void
add_summary(struct xr_store *store, unsigned n)
{
	struct arena *a = arena_new();
	struct xr_summary *s = arena_zalloc(a, sizeof *s);
	summary_init(s);
	char id[96];
	/* unique, with long common beginnings and some ending inside them */
	snprintf(id, sizeof id, "%s%0*x", id_heads[pick(5)], 1 + (int)pick(12), n);
	s->id = arena_strdup(a, id);
	s->start_time = starts[pick(sizeof starts / sizeof *starts)];
	s->duration = numbers[pick(sizeof numbers / sizeof *numbers)];
	s->response_time = numbers[pick(sizeof numbers / sizeof *numbers)];
	s->http.status = statuses[pick(sizeof statuses / sizeof *statuses)];
	const char *m = methods[pick(sizeof methods / sizeof *methods)];
	s->http.method = m ? arena_strdup(a, m) : NULL;
	if (pick(8)) {
		char url[256];
		snprintf(url, sizeof url,
		         "https://k7x2m9qd1f.execute-api.ap-northeast-2.amazonaws.com/prod/"
		         "reservations%s",
		         url_tails[pick(sizeof url_tails / sizeof *url_tails)]);
		s->http.url = arena_strdup(a, url);
	}
	const char *svc = services[pick(sizeof services / sizeof *services)];
	if (svc) {
		struct xr_service_id *ep = arena_zalloc(a, sizeof *ep);
		ep->name = arena_strdup(a, svc);
		s->entry_point = ep;
	}
	s->has_error = pick(2);
	s->has_fault = pick(3) == 0;
	store_add_summary(store, s, a);
}

/* ---- the reference: the comparison sort the list had before ---- */

static enum sort_key ref_key;

static double
or_neg_inf(double v)
{
	return isnan(v) ? -INFINITY : v;
}

static double
ref_number(const struct xr_summary *s)
{
	switch (ref_key) {
	case SORT_DURATION: return -or_neg_inf(s->duration);
	case SORT_RESPONSETIME: return -or_neg_inf(s->response_time);
	case SORT_STATUS: return -(double)s->http.status;
	default: return 0;
	}
}

static const char *
ref_text(const struct xr_summary *s)
{
	const char *t = NULL;
	switch (ref_key) {
	case SORT_ID: t = s->id; break;
	case SORT_METHOD: t = s->http.method; break;
	case SORT_URL: t = s->http.url; break;
	case SORT_SERVICE: t = tracelist_service(s); break;
	default: break;
	}
	return t ? t : "";
}

static int
ref_cmp(const void *x, const void *y)
{
	const struct xr_summary *a = ((const struct tracelist_row *)x)->summary;
	const struct xr_summary *b = ((const struct tracelist_row *)y)->summary;
	int c = 0;
	if (ref_key == SORT_ID || ref_key == SORT_METHOD || ref_key == SORT_URL ||
	    ref_key == SORT_SERVICE) {
		c = strcmp(ref_text(a), ref_text(b));
	} else {
		double p = ref_number(a), q = ref_number(b);
		c = p < q ? -1 : p > q;
	}
	if (c)
		return c;
	double sa = or_neg_inf(a->start_time), sb = or_neg_inf(b->start_time);
	if (sa != sb)
		return sa < sb ? -1 : 1;
	return strcmp(a->id, b->id);
}

/* Whether tl's rows are its own rows sorted by key (reversed if asked). */
static bool
sorted_like_reference(const struct tracelist *tl, enum sort_key key, bool reverse)
{
	size_t n = tl->n_rows;
	struct tracelist_row *ref = xmalloc((n + 1) * sizeof *ref);
	memcpy(ref, tl->rows, n * sizeof *ref);
	ref_key = key;
	qsort(ref, n, sizeof *ref, ref_cmp);
	bool same = true;
	for (size_t i = 0; i < n && same; i++) {
		const struct tracelist_row *r = &ref[reverse ? n - 1 - i : i];
		if (r->entry != tl->rows[i].entry) {
			printf("# row %zu: %s, want %s\n", i, tl->rows[i].id, r->id);
			same = false;
		}
	}
	free(ref);
	return same;
}

static const char *const key_names[] = {"start", "duration", "responsetime", "status",
                                        "id",    "method",   "url",          "service"};

static bool
keep_some(void *ctx, size_t i, const struct xr_store_entry *e)
{
	(void)ctx;
	return i % 3 != 1 && store_entry_summary(e)->http.status != 404;
}

static void
test_orders(size_t n)
{
	struct xr_store *store = store_new();
	for (unsigned i = 0; i < n; i++)
		add_summary(store, i);
	for (int k = SORT_START; k <= SORT_SERVICE; k++) {
		struct tracelist tl;
		tracelist_build(&tl, store, NULL, NULL, (enum sort_key)k);
		is_int(tl.n_rows, n, "%zu rows: every summary listed", n);
		ok(sorted_like_reference(&tl, (enum sort_key)k, false), "%zu rows: built by %s", n,
		   key_names[k]);
		tracelist_sort(&tl, SORT_URL, true);
		tracelist_sort(&tl, (enum sort_key)k, true);
		ok(sorted_like_reference(&tl, (enum sort_key)k, true),
		   "%zu rows: sorted again by %s, inverted", n, key_names[k]);
		tracelist_reverse(&tl);
		ok(sorted_like_reference(&tl, (enum sort_key)k, false),
		   "%zu rows: reversed: by %s again", n, key_names[k]);
		tracelist_limit(&tl, (long)n / 2);
		tracelist_sort(&tl, (enum sort_key)((k + 3) % (SORT_SERVICE + 1)), false);
		ok(sorted_like_reference(&tl, (enum sort_key)((k + 3) % (SORT_SERVICE + 1)), false),
		   "%zu rows: half of them sorted by %s", n,
		   key_names[(k + 3) % (SORT_SERVICE + 1)]);
		tracelist_free(&tl);
	}

	/* through an index, on a part of the store */
	struct tracelist_index *x = tracelist_index_new();
	struct tracelist tl;
	tracelist_build_indexed(&tl, x, store, keep_some, NULL, SORT_RESPONSETIME);
	struct tracelist plain;
	tracelist_build(&plain, store, keep_some, NULL, SORT_RESPONSETIME);
	is_int(tl.n_rows, plain.n_rows, "%zu rows: the index keeps what the filter keeps (%zu)", n,
	       plain.n_rows);
	is_int(tl.n_considered, plain.n_considered, "and counts every summary");
	bool same = tl.n_rows == plain.n_rows;
	for (size_t i = 0; same && i < tl.n_rows; i++)
		same = tl.rows[i].entry == plain.rows[i].entry;
	ok(same, "%zu rows: in the same order as built directly", n);
	tracelist_free(&plain);
	for (int round = 0; round < 2; round++) {
		for (int k = SORT_START; k <= SORT_SERVICE; k++) {
			tracelist_sort(&tl, (enum sort_key)k, round == 1);
			ok(sorted_like_reference(&tl, (enum sort_key)k, round == 1),
			   "%zu rows, indexed: by %s%s", n, key_names[k],
			   round ? ", inverted" : "");
		}
	}
	bool interned = true;
	for (size_t i = 1; i < tl.n_rows; i++)
		if ((strcmp(tl.rows[i].service, tl.rows[0].service) == 0) !=
		    (tl.rows[i].service == tl.rows[0].service))
			interned = false;
	ok(interned, "%zu rows, indexed: one pointer per service name", n);
	/* idle time computes the orders not asked for: all eight were */
	is_int(tracelist_index_prepare(x), false, "%zu rows: every order computed already", n);
	/* the store changes: the list sorts without the index */
	add_summary(store, (unsigned)n);
	is_int(tracelist_index_prepare(x), false, "nothing is prepared for a changed store");
	tracelist_sort(&tl, SORT_URL, false);
	ok(sorted_like_reference(&tl, SORT_URL, false),
	   "%zu rows: after the store changed, by url without the index", n);
	tracelist_free(&tl);
	tracelist_build_indexed(&tl, x, store, NULL, NULL, SORT_METHOD);
	is_int(tl.n_rows, n + 1, "the index follows the store (%zu rows)", n + 1);
	ok(sorted_like_reference(&tl, SORT_METHOD, false), "and lists it by method");
	int prepared = 0;
	while (tracelist_index_prepare(x))
		prepared++;
	is_int(prepared, SORT_SERVICE, "idle time computes the other seven orders");
	for (int k = SORT_START; k <= SORT_SERVICE; k++) {
		tracelist_sort(&tl, (enum sort_key)k, k % 2);
		ok(sorted_like_reference(&tl, (enum sort_key)k, k % 2), "prepared order: by %s%s",
		   key_names[k], k % 2 ? ", inverted" : "");
	}
	tracelist_free(&tl);
	tracelist_index_free(x);
	store_free(store);
}

int
main(void)
{
	test_orders(0);
	test_orders(1);
	test_orders(40);
	test_orders(700);
	test_orders(6000);
	tracelist_index_free(NULL);
	ok(1, "tracelist_index_free(NULL) is a no-op");
	return tap_done();
}
