/* arena: a bump allocator.  Everything that belongs to one trace (segments,
 * strings, arrays) is carved from the trace's arena and released together,
 * which keeps loading fast and freeing trivial. */
#ifndef XRTOP_UTIL_ARENA_H
#define XRTOP_UTIL_ARENA_H

#include <stddef.h>

struct arena;

struct arena *arena_new(void);
/* An arena whose first block is first_chunk bytes (a good guess saves memory). */
struct arena *arena_new_sized(size_t first_chunk);
void arena_free(struct arena *a);
/* Returns size bytes aligned for pointers and doubles; never NULL. */
void *arena_alloc(struct arena *a, size_t size);
void *arena_zalloc(struct arena *a, size_t size);
/* Copies n bytes and adds a terminating NUL. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* Copies an array of n elements of size elem (NULL when n is 0). */
void *arena_memdup(struct arena *a, const void *p, size_t n, size_t elem);
/* Moves every block of src into a (src is freed): both lifetimes become a's. */
void arena_adopt(struct arena *a, struct arena *src);
/* Bytes handed out plus bookkeeping, for memory accounting. */
size_t arena_size(const struct arena *a);

#define ARENA_NEW(a, type) ((type *)arena_zalloc((a), sizeof(type)))
#define ARENA_ARRAY(a, type, n) ((type *)arena_zalloc((a), sizeof(type) * (n)))

#endif
