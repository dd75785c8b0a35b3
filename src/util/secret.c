#include "config.h"

#include "util/secret.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

/* Each secret gets its own mapping; a header before the text keeps its size. */
struct secret_head {
	size_t map_size;
	size_t pad;
};

void
secret_wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}

void
secret_wipe_str(char *s)
{
	if (s)
		secret_wipe(s, strlen(s));
}

/* No core file at all once a secret exists: MADV_DONTDUMP keeps the secret
 * pages out, but copies in curl's or the C library's buffers would not be. */
static void
secret_no_core_files(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_CORE, &rl) == 0) {
		rl.rlim_cur = 0;
		(void)setrlimit(RLIMIT_CORE, &rl);
	}
}

char *
secret_alloc(size_t n)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, secret_no_core_files);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	if (n > SIZE_MAX / 2)
		n = SIZE_MAX / 2;
	size_t need = sizeof(struct secret_head) + n;
	size_t size = (need + page - 1) / page * page;
	void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		/* Out of mappings counts as out of memory, as in xmalloc. */
		static const char msg[] = "xrtop: out of memory (secret pages)\n";
		(void)!write(2, msg, sizeof msg - 1);
		abort();
	}
#ifdef MADV_DONTDUMP
	madvise(map, size, MADV_DONTDUMP);
#endif
	(void)mlock(map, size); /* best effort: RLIMIT_MEMLOCK may forbid it */
	struct secret_head *h = map;
	h->map_size = size;
	return (char *)(h + 1);
}

char *
secret_strndup(const char *s, size_t n)
{
	if (!s)
		return NULL;
	char *text = secret_alloc(n + 1);
	memcpy(text, s, n);
	text[n] = '\0';
	return text;
}

char *
secret_strdup(const char *s)
{
	return s ? secret_strndup(s, strlen(s)) : NULL;
}

void
secret_free(char *s)
{
	if (!s)
		return;
	struct secret_head *h = (struct secret_head *)s - 1;
	size_t size = h->map_size;
	secret_wipe(h, size);
	munlock(h, size);
	munmap(h, size);
}
