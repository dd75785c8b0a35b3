#include "config.h"

#include "util/hash.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "util/xmalloc.h"

static _Atomic uint64_t seed; /* 0 until drawn */

uint64_t
hash_seed(void)
{
	uint64_t s = atomic_load_explicit(&seed, memory_order_relaxed);
	if (s)
		return s;
	if (getrandom(&s, sizeof s, GRND_NONBLOCK) != (ssize_t)sizeof s) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		s = ((uint64_t)ts.tv_nsec << 32 ^ (uint64_t)ts.tv_sec) * 0x9E3779B97F4A7C15ull ^
		    (uint64_t)getpid() ^ (uint64_t)(uintptr_t)&ts;
	}
	if (!s)
		s = 0x9E3779B97F4A7C15ull;
	uint64_t none = 0; /* the first thread to draw wins; the others take its seed */
	if (!atomic_compare_exchange_strong(&seed, &none, s))
		s = none;
	return s;
}

static size_t
size_for(size_t n)
{
	size_t size = 16;
	while (size < n * 2 + 2)
		size *= 2;
	return size;
}

void
hash_index_init(struct hash_index *ix, size_t n)
{
	size_t size = size_for(n);
	ix->slots = xcalloc(size, sizeof *ix->slots);
	ix->mask = size - 1;
}

void
hash_index_free(struct hash_index *ix)
{
	free(ix->slots);
	ix->slots = NULL;
	ix->mask = 0;
}

void
hash_index_rebuild(struct hash_index *ix, size_t n, hash_item_fn *hash_of, const void *items)
{
	size_t size = size_for(n);
	if (ix->slots && ix->mask + 1 >= size) {
		memset(ix->slots, 0, (ix->mask + 1) * sizeof *ix->slots);
	} else {
		free(ix->slots);
		ix->slots = xcalloc(size, sizeof *ix->slots);
		ix->mask = size - 1;
	}
	for (size_t i = 0; i < n; i++) {
		size_t s = hash_of(items, i) & ix->mask;
		while (ix->slots[s])
			s = (s + 1) & ix->mask;
		ix->slots[s] = i + 1;
	}
}
