#include "config.h"

#include "model/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

void
stats_values_add(struct stats_values *s, double x)
{
	xgrow((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v);
	s->v[s->n++] = x;
}

void
stats_values_free(struct stats_values *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

size_t
stats_sort(double *v, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i])) {
			double t = v[k];
			v[k++] = v[i];
			v[i] = t;
		}
	qsort(v, k, sizeof *v, cmp_double);
	return k;
}

static void
swap(double *a, double *b)
{
	double t = *a;
	*a = *b;
	*b = t;
}

/* Moves the k-th smallest of v[0..n) to v[k], with nothing larger before
 * it and nothing smaller after it: quickselect with Hoare's partition
 * (values equal to the pivot may go either way, so runs of equal values
 * split evenly), sorting what is left once it is small or when the pivots
 * keep missing. */
static void
select_kth(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n; /* k is in [lo, hi) */
	for (int round = 0; hi - lo > 16; round++) {
		if (round == 64) {
			qsort(v + lo, hi - lo, sizeof *v, cmp_double);
			return;
		}
		double a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi - 1];
		double pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
		/* The pivot is in the range, so both scans stop inside it. */
		size_t i = lo, j = hi - 1;
		for (;;) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i >= j)
				break;
			swap(&v[i], &v[j]);
			i++;
			j--;
		}
		/* v[lo..j] <= pivot <= v[j+1..hi) */
		if (k <= j)
			hi = j + 1;
		else
			lo = j + 1;
	}
	for (size_t i = lo + 1; i < hi; i++)
		for (size_t j = i; j > lo && v[j] < v[j - 1]; j--)
			swap(&v[j], &v[j - 1]);
}

/* The 0-based index of the nearest-rank p-th percentile of n values. */
static size_t
rank_index(size_t n, double p)
{
	/* p * n is exact for whole p, so the division is exact when the
	 * true quotient is a whole number. */
	double r = ceil(p * (double)n / 100.0);
	size_t rank = r < 1 ? 1 : r > (double)n ? n : (size_t)r;
	return rank - 1;
}

double
stats_percentile(const double *sorted, size_t n, double p)
{
	return n ? sorted[rank_index(n, p)] : NAN;
}

void
stats_percentiles(double *v, size_t n, const double *p, size_t np, double *out)
{
	size_t bound = n; /* v[0..bound) holds what is left to select from */
	bool *done = xcalloc(np ? np : 1, sizeof *done);
	for (size_t round = 0; round < np; round++) {
		size_t best = np; /* the highest rank not done yet */
		for (size_t i = 0; i < np; i++)
			if (!done[i] && (best == np || p[i] > p[best]))
				best = i;
		done[best] = true;
		if (n == 0) {
			out[best] = NAN;
			continue;
		}
		size_t k = rank_index(n, p[best]);
		if (k < bound) {
			select_kth(v, bound, k);
			bound = k;
		}
		out[best] = v[k];
	}
	free(done);
}

/* m * 10^e, rounded once (10^e is exact for |e| <= 22). */
static double
scaled(double m, int e)
{
	return e >= 0 ? m * pow(10, e) : m / pow(10, -e);
}

struct ladder {
	const double *mant;
	int n;       /* mantissas per step */
	int decades; /* decades per step */
};

static const double ladder_fine[] = {1, 1.5, 2, 3, 5, 7};
static const double ladder_125[] = {1, 2, 5};
static const double ladder_one[] = {1};
static const struct ladder ladders[] = {
    {ladder_fine, 6, 1},
    {ladder_125, 3, 1},
    {ladder_one, 1, 1},
    {ladder_one, 1, 2},
};

static long
floor_div(long a, long b)
{
	long q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The idx-th edge of a ladder (idx 0 = 1.0). */
static double
ladder_edge(const struct ladder *l, long idx)
{
	long step = floor_div(idx, l->n);
	long m = idx - step * l->n;
	return scaled(l->mant[m], (int)(step * l->decades));
}

/* Log edges for lo..hi (lo > 0) from ladder l: the index of the largest
 * edge <= lo in *first and the number of buckets up to the first edge > hi. */
static long
ladder_span(const struct ladder *l, double lo, double hi, long *first)
{
	long idx = (long)floor(log10(lo) / l->decades) * l->n - l->n;
	while (ladder_edge(l, idx + 1) <= lo)
		idx++;
	while (ladder_edge(l, idx) > lo)
		idx--;
	*first = idx;
	long end = idx + 1;
	while (ladder_edge(l, end) <= hi)
		end++;
	return end - idx;
}

static void
alloc_buckets(struct stats_histogram *h, size_t n)
{
	h->n_buckets = n;
	h->edges = xmalloc((n + 1) * sizeof *h->edges);
	h->counts = xcalloc(n, sizeof *h->counts);
}

static bool
build_log(struct stats_histogram *h, double lo, double hi, bool zeros, size_t max_buckets)
{
	const struct ladder *l = NULL;
	long first = 0, n = 0;
	for (size_t i = 0; i < sizeof ladders / sizeof *ladders && !l; i++) {
		n = ladder_span(&ladders[i], lo, hi, &first);
		if ((size_t)n <= max_buckets)
			l = &ladders[i];
	}
	if (!l)
		return false;
	alloc_buckets(h, (size_t)n);
	h->log = true;
	for (long i = 0; i <= n; i++)
		h->edges[i] = ladder_edge(l, first + i);
	if (zeros)
		h->edges[0] = 0;
	return true;
}

static void
build_linear(struct stats_histogram *h, double lo, double hi, size_t max_buckets)
{
	static const double nice[] = {1, 2, 5};
	double range = hi - lo;
	if (max_buckets == 1 && range > 0) { /* a nice width may straddle a multiple */
		alloc_buckets(h, 1);
		h->edges[0] = lo;
		h->edges[1] = hi;
		return;
	}
	double unit = range > 0 ? range / (double)max_buckets : lo != 0 ? fabs(lo) / 10 : 1e-3;
	int e = (int)floor(log10(unit)) - 1;
	double m = 1, start = 0;
	long n = 1;
	for (;; e++) {
		bool found = false;
		for (int k = 0; k < 3 && !found; k++) {
			m = nice[k];
			double step = scaled(m, e);
			start = floor(lo / step);
			n = (long)floor((hi - start * step) / step) + 1;
			found = n >= 1 && (size_t)n <= max_buckets;
		}
		if (found)
			break;
	}
	alloc_buckets(h, (size_t)n);
	for (long i = 0; i <= n; i++)
		h->edges[i] = scaled((start + (double)i) * m, e);
}

void
stats_histogram_build(struct stats_histogram *h, const double *values, size_t n, size_t max_buckets)
{
	memset(h, 0, sizeof *h);
	if (n == 0)
		return;
	if (max_buckets < 1)
		max_buckets = 1;
	double lo = values[0], hi = values[0], low_positive = INFINITY;
	bool zeros = false;
	for (size_t i = 0; i < n; i++) {
		double x = values[i];
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
		if (x > 0 && x < low_positive)
			low_positive = x;
		zeros = zeros || x <= 0;
	}
	if (!(lo >= 0 && isfinite(low_positive) && hi >= 20 * low_positive &&
	      build_log(h, low_positive, hi, zeros, max_buckets)))
		build_linear(h, lo, hi, max_buckets);
	/* Rounding in the edges must not leave a value outside. */
	if (h->edges[0] > lo)
		h->edges[0] = lo;
	if (h->edges[h->n_buckets] < hi)
		h->edges[h->n_buckets] = hi;
	for (size_t i = 0; i < n; i++)
		h->counts[stats_histogram_bucket(h, values[i])]++;
}

void
stats_histogram_free(struct stats_histogram *h)
{
	free(h->edges);
	free(h->counts);
	memset(h, 0, sizeof *h);
}

long
stats_histogram_bucket(const struct stats_histogram *h, double x)
{
	if (h->n_buckets == 0 || !(x >= h->edges[0]) || x > h->edges[h->n_buckets])
		return -1;
	size_t lo = 0, hi = h->n_buckets; /* the bucket is in [lo, hi) */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (x >= h->edges[mid])
			lo = mid;
		else
			hi = mid;
	}
	return (long)lo;
}
