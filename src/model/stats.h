/* stats: distributions of response times (or any non-negative durations):
 * nearest-rank percentiles and a histogram whose buckets are chosen from
 * the data.  Pure arithmetic over arrays of doubles; shared by the
 * analytics view and the service map's edges.
 *
 * Percentiles use the nearest-rank definition: the p-th percentile of n
 * sorted values is the value at 1-based rank ceil(p * n / 100) (rank 1
 * when that is 0), so it is always one of the observed values.
 *
 * Histogram buckets (stats_histogram_build()): bucket i holds the values
 * in [edges[i], edges[i+1]); the last bucket also holds its upper edge.
 * When every value is >= 0 and the largest is at least 20 times the
 * smallest positive one, the edges are log-spaced "nice" numbers: the
 * finest of the ladders 1-1.5-2-3-5-7, 1-2-5, 1 (every decade) and 1
 * (every second decade) times powers of ten that covers the data in at
 * most max_buckets buckets; if zeros occur, the first edge becomes 0.
 * Otherwise the buckets are linear with the smallest width among 1, 2 and
 * 5 times a power of ten that covers the data in at most max_buckets
 * buckets (or when no ladder fits), starting at a multiple of that
 * width (one bucket from the smallest to the largest value when only one
 * is allowed).  Values that are not finite (NaN, infinities) are ignored. */
#ifndef XRTOP_MODEL_STATS_H
#define XRTOP_MODEL_STATS_H

#include <stdbool.h>
#include <stddef.h>

/* A growable set of values. */
struct stats_values {
	double *v;
	size_t n, cap;
};

struct stats_histogram {
	double *edges;    /* n_buckets + 1 ascending edges */
	size_t *counts;   /* n_buckets counts */
	size_t n_buckets; /* 0 when there were no values */
	bool log;         /* log-spaced edges */
};

/* Adds x to s (a value that is not finite is kept, and later ignored). */
void stats_values_add(struct stats_values *s, double x);
void stats_values_free(struct stats_values *s);

/* Sorts v ascending with every value that is not finite moved to the
 * end; returns how many values are finite. */
size_t stats_sort(double *v, size_t n);
/* The nearest-rank p-th percentile (0 < p <= 100) of n ascending values,
 * or NAN when n is 0. */
double stats_percentile(const double *sorted, size_t n, double p);
/* The nearest-rank percentiles p[0..np) (each 0 < p <= 100) of n finite
 * values in any order, into out (NAN when n is 0), in time linear in n;
 * v is reordered. */
void stats_percentiles(double *v, size_t n, const double *p, size_t np, double *out);
/* Fills h with at most max_buckets (>= 1) buckets chosen for n finite
 * values (in any order) and counts them.  Caller frees with
 * stats_histogram_free(). */
void stats_histogram_build(struct stats_histogram *h, const double *values, size_t n,
                           size_t max_buckets);
void stats_histogram_free(struct stats_histogram *h);
/* The bucket x falls in, or -1 when it is outside every bucket. */
long stats_histogram_bucket(const struct stats_histogram *h, double x);

#endif
