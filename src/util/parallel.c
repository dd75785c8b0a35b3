#include "config.h"

#include "util/parallel.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <stdbool.h>
#include <unistd.h>

struct job {
	void (*fn)(void *ctx, unsigned worker);
	void *ctx;
	unsigned worker;
};

static void *
job_main(void *arg)
{
	struct job *j = arg;
	j->fn(j->ctx, j->worker);
	return NULL;
}

unsigned
parallel_workers(void)
{
	/* XRTOP_THREADS=N overrides the processor count (for benchmarks). */
	const char *env = getenv("XRTOP_THREADS");
	long n = env && *env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t cpus; /* the CPUs this process may run on */
	if (!(env && *env) && sched_getaffinity(0, sizeof cpus, &cpus) == 0 && CPU_COUNT(&cpus) < n)
		n = CPU_COUNT(&cpus);
	if (n < 1)
		return 1;
	return n > PARALLEL_MAX_WORKERS ? PARALLEL_MAX_WORKERS : (unsigned)n;
}

void
parallel_run(unsigned n, void (*fn)(void *ctx, unsigned worker), void *ctx)
{
	if (n > PARALLEL_MAX_WORKERS)
		n = PARALLEL_MAX_WORKERS;
	pthread_t threads[PARALLEL_MAX_WORKERS];
	struct job jobs[PARALLEL_MAX_WORKERS];
	bool started[PARALLEL_MAX_WORKERS] = {false};
	for (unsigned w = 1; w < n; w++) {
		jobs[w] = (struct job){fn, ctx, w};
		started[w] = pthread_create(&threads[w], NULL, job_main, &jobs[w]) == 0;
	}
	fn(ctx, 0);
	for (unsigned w = 1; w < n; w++) {
		if (started[w])
			pthread_join(threads[w], NULL);
		else
			fn(ctx, w);
	}
}
