#include "config.h"

#include "aws/retry.h"

#include <math.h>

double
retry_backoff(int attempt, double r)
{
	if (attempt < 1)
		attempt = 1;
	double max = attempt > 30 ? RETRY_CAP : RETRY_BASE * ldexp(1.0, attempt - 1);
	if (max > RETRY_CAP)
		max = RETRY_CAP;
	return r * max;
}

static void
cubic_zero_point(struct retry_ratelim *r)
{
	r->k = cbrt(r->w_max * (1 - RATELIM_BETA) / RATELIM_SCALE);
}

static void
bucket_refill(struct retry_ratelim *r, double now)
{
	if (isnan(r->last_refill)) {
		r->last_refill = now;
		return;
	}
	double c = r->capacity + (now - r->last_refill) * r->fill_rate;
	r->capacity = c < r->max_capacity ? c : r->max_capacity;
	r->last_refill = now;
}

static void
bucket_set_rate(struct retry_ratelim *r, double rate, double now)
{
	bucket_refill(r, now);
	r->fill_rate = rate > RATELIM_MIN_RATE ? rate : RATELIM_MIN_RATE;
	r->max_capacity = rate >= 1 ? rate : 1;
	if (r->capacity > r->max_capacity)
		r->capacity = r->max_capacity;
}

void
retry_ratelim_init(struct retry_ratelim *r, double now)
{
	*r = (struct retry_ratelim){0};
	r->last_refill = NAN;
	r->last_bucket = floor(now);
	r->last_fail = now;
	r->w_max = 0;
	cubic_zero_point(r);
	bucket_set_rate(r, 1, now);
}

double
retry_ratelim_acquire(struct retry_ratelim *r, double now)
{
	if (!r->enabled)
		return 0;
	bucket_refill(r, now);
	if (r->capacity >= 1) {
		r->capacity -= 1;
		return 0;
	}
	return (1 - r->capacity) / r->fill_rate;
}

static double
measure(struct retry_ratelim *r, double now)
{
	double bucket = floor(now / RATELIM_BUCKET) * RATELIM_BUCKET;
	r->count += 1;
	if (bucket > r->last_bucket) {
		double current = r->count / (bucket - r->last_bucket);
		r->measured_rate =
		    current * RATELIM_SMOOTHING + r->measured_rate * (1 - RATELIM_SMOOTHING);
		r->count = 0;
		r->last_bucket = bucket;
	}
	return r->measured_rate;
}

void
retry_ratelim_response(struct retry_ratelim *r, double now, bool throttled)
{
	double measured = measure(r, now);
	double rate;
	if (!throttled) {
		double dt = now - r->last_fail - r->k;
		rate = RATELIM_SCALE * dt * dt * dt + r->w_max;
	} else {
		double use = r->enabled && r->fill_rate < measured ? r->fill_rate : measured;
		r->w_max = use;
		cubic_zero_point(r);
		r->last_fail = now;
		rate = use * RATELIM_BETA;
		r->enabled = true;
	}
	if (rate > 2 * measured)
		rate = 2 * measured;
	bucket_set_rate(r, rate, now);
}

double
retry_ratelim_rate(const struct retry_ratelim *r)
{
	return r->enabled ? r->fill_rate : INFINITY;
}
