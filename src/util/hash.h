/* hash: the string hash and the open-addressing index of xrtop's tables.
 *
 * struct hash_index maps keys to items that the caller keeps in its own
 * array: each slot holds an item's index + 1 (0: empty), probing is linear,
 * and the table doubles when it is half full.  The caller says how to hash
 * an item and whether an item has a key, so the table holds no keys and
 * serves string ids (the store, the fetch engine's id set, a trace's
 * segments, the timeline), typed values (the analytics groups) and
 * numeric keys (the service map's nodes and edges) alike.  Items are
 * never removed one by one: hash_index_rebuild() indexes a compacted array
 * again.  Every string hash in xrtop is hash_str() (or hash_byte() for
 * keys of several fields, as tracegraph_key()), from one seed. */
#ifndef XRTOP_UTIL_HASH_H
#define XRTOP_UTIL_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The per-process seed every hash starts from (never 0), drawn with
 * getrandom() on first use.  Trace text is untrusted: with a fixed start a
 * trace author could precompute ids that pile into one probe chain
 * (flooding); a seed unknown outside the process makes that guess blind.
 * (FNV-1a with a seed is no keyed PRF: it raises the bar, it is not a
 * proof.)  Equal hashes never make equal items: every table compares the
 * keys themselves (the service map the names behind tracegraph_key()). */
uint64_t hash_seed(void);

/* The state FNV-1a starts from: its offset basis mixed with the seed. */
static inline uint64_t
hash_start(void)
{
	return 1469598103934665603ull ^ hash_seed();
}

/* FNV-1a, 64 bit: h with one more byte. */
static inline uint64_t
hash_byte(uint64_t h, unsigned char c)
{
	return (h ^ c) * 1099511628211ull;
}

/* h with the bytes of s (up to its NUL). */
static inline uint64_t
hash_add_str(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = hash_byte(h, (unsigned char)*s);
	return h;
}

/* The hash of a string (seeded FNV-1a, 64 bit). */
static inline uint64_t
hash_str(const char *s)
{
	return hash_add_str(hash_start(), s);
}

struct hash_index {
	size_t *slots; /* item index + 1, 0 = empty */
	size_t mask;
};

/* The hash of item i of items. */
typedef uint64_t hash_item_fn(const void *items, size_t i);
/* Whether item i of items has key. */
typedef bool hash_same_fn(const void *items, size_t i, const void *key);
/* The string key of item i of items. */
typedef const char *hash_key_fn(const void *items, size_t i);

/* Sets up an empty index with room for n items before it grows. */
void hash_index_init(struct hash_index *ix, size_t n);
/* Frees the slots; the items are the caller's. */
void hash_index_free(struct hash_index *ix);
/* Indexes items 0..n-1 again from nothing (after items were removed or
 * moved), with room for n. */
void hash_index_rebuild(struct hash_index *ix, size_t n, hash_item_fn *hash_of, const void *items);

/* The slot of the item with key (whose hash is h): it holds the item's
 * index + 1, or 0 where a new item with that key goes. */
static inline size_t *
hash_index_slot(const struct hash_index *ix, uint64_t h, const void *key, hash_same_fn *same,
                const void *items)
{
	size_t i = h & ix->mask;
	while (ix->slots[i] && !same(items, ix->slots[i] - 1, key))
		i = (i + 1) & ix->mask;
	return &ix->slots[i];
}

/* After the n-th item went into a slot: doubles the table when it is half
 * full. */
static inline void
hash_index_added(struct hash_index *ix, size_t n, hash_item_fn *hash_of, const void *items)
{
	if (n * 2 > ix->mask)
		hash_index_rebuild(ix, n, hash_of, items);
}

/* The slot of the item whose string key (key_of) is key. */
static inline size_t *
hash_index_str_slot(const struct hash_index *ix, const char *key, hash_key_fn *key_of,
                    const void *items)
{
	size_t i = hash_str(key) & ix->mask;
	while (ix->slots[i] && strcmp(key_of(items, ix->slots[i] - 1), key) != 0)
		i = (i + 1) & ix->mask;
	return &ix->slots[i];
}

#endif
