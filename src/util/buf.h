/* buf: a growable byte buffer with an optional size cap.  Every buffer fed by
 * the network or a file is capped; buf_* report overflow instead of growing. */
#ifndef XRTOP_UTIL_BUF_H
#define XRTOP_UTIL_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data; /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	size_t limit;  /* 0 = no limit */
	bool overflow; /* set when an append was refused by the limit */
};

#define BUF_INIT                                                                                   \
	{                                                                                          \
		NULL, 0, 0, 0, false                                                               \
	}

void buf_init(struct buf *b, size_t limit);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
/* Makes room for n more bytes (plus the NUL); -1 if the limit forbids it. */
int buf_reserve(struct buf *b, size_t n);
/* Appends n bytes; returns -1 (and sets overflow) if the limit would be passed. */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
/* Appends one byte (inline: the JSON writer calls it per punctuation mark). */
static inline int
buf_putc(struct buf *b, char c)
{
	if (b->len + 2 <= b->cap && (!b->limit || b->len < b->limit)) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
		return 0;
	}
	return buf_append(b, &c, 1);
}
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s (NULL: "") in double quotes with " and \ escaped by a
 * backslash, as the filter language writes a string. */
void buf_put_quoted(struct buf *b, const char *s);
/* Hands the contents to the caller and empties b.  Caller frees. */
char *buf_steal(struct buf *b);

#endif
