/* parallel: runs one function on several threads and waits for them.  The
 * one way xrtop uses several CPUs: the loader decodes, the batch printer
 * encodes, filter_eval_store() filters and the service map and analytics
 * count on every processor through it. */
#ifndef XRTOP_UTIL_PARALLEL_H
#define XRTOP_UTIL_PARALLEL_H

#define PARALLEL_MAX_WORKERS 8

/* Processors online that this process may run on (or $XRTOP_THREADS),
 * between 1 and PARALLEL_MAX_WORKERS. */
unsigned parallel_workers(void);
/* Calls fn(ctx, w) for w in 0..n-1, each on its own thread (w = 0 on the
 * calling thread), and returns when all have returned.  If a thread cannot
 * be started its share runs on the calling thread. */
void parallel_run(unsigned n, void (*fn)(void *ctx, unsigned worker), void *ctx);

#endif
