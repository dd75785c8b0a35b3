/* retry: the arithmetic of retrying AWS requests, with no clock or
 * randomness of its own so it can be tested exactly.
 *
 * Backoff is exponential with full jitter (a random delay between 0 and
 * base * 2^(attempt-1), capped), as in the AWS SDKs.  The rate limiter is
 * the SDKs' "adaptive" retry mode: it stays out of the way until the first
 * throttling reply, then sends through a token bucket whose rate follows
 * CUBIC (cut by BETA at each throttle, growing back along a cubic curve
 * between them), never above twice the measured response rate. */
#ifndef XRTOP_AWS_RETRY_H
#define XRTOP_AWS_RETRY_H

#include <stdbool.h>

#define RETRY_BASE 0.2 /* seconds */
#define RETRY_CAP 20.0 /* seconds */
#define RETRY_DEFAULT_MAX_ATTEMPTS 5

/* Delay before retry number `attempt` (1 = the first retry) for a random
 * number r in [0, 1). */
double retry_backoff(int attempt, double r);

struct retry_ratelim {
	bool enabled; /* since the first throttling reply */
	/* token bucket */
	double fill_rate; /* requests per second */
	double max_capacity;
	double capacity;
	double last_refill; /* NAN until first used */
	/* measured response rate */
	double measured_rate;
	double last_bucket;
	double count;
	/* CUBIC */
	double w_max;
	double k;
	double last_fail;
};

#define RATELIM_BETA 0.7
#define RATELIM_SCALE 0.4
#define RATELIM_MIN_RATE 0.5
#define RATELIM_SMOOTHING 0.8
#define RATELIM_BUCKET 0.5

void retry_ratelim_init(struct retry_ratelim *r, double now);
/* Takes a token and returns 0 when a request may be sent now; otherwise
 * returns the seconds to wait (and takes nothing). */
double retry_ratelim_acquire(struct retry_ratelim *r, double now);
/* Records a response: throttled or not. */
void retry_ratelim_response(struct retry_ratelim *r, double now, bool throttled);
/* The send rate in force, INFINITY before the first throttle. */
double retry_ratelim_rate(const struct retry_ratelim *r);

#endif
