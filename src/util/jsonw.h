/* jsonw: a small JSON writer into a struct buf.  Strings are escaped so the
 * output is safe to print: control characters, C1 controls and bidi
 * overrides become \uXXXX, invalid UTF-8 becomes U+FFFD.  Commas between
 * members are inserted automatically. */
#ifndef XRTOP_UTIL_JSONW_H
#define XRTOP_UTIL_JSONW_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

#define JSONW_MAX_DEPTH 64

struct jsonw {
	struct buf *out;
	int depth;
	bool need_comma[JSONW_MAX_DEPTH];
	bool after_key;
};

void jsonw_init(struct jsonw *w, struct buf *out);
void jsonw_object_begin(struct jsonw *w);
void jsonw_object_end(struct jsonw *w);
void jsonw_array_begin(struct jsonw *w);
void jsonw_array_end(struct jsonw *w);
void jsonw_key(struct jsonw *w, const char *key);
/* A key known to need no escaping (a literal in our code), n bytes long. */
void jsonw_key_plain(struct jsonw *w, const char *key, size_t n);
#define JSONW_KEY(w, literal) jsonw_key_plain((w), "" literal, sizeof(literal) - 1)
void jsonw_string(struct jsonw *w, const char *s);
void jsonw_stringn(struct jsonw *w, const char *s, size_t n);
void jsonw_number(struct jsonw *w, double v);
void jsonw_int(struct jsonw *w, long long v);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);
/* Inserts already-serialised JSON text as one value (trusted: produced by us). */
void jsonw_raw(struct jsonw *w, const char *json);

/* Appends s as a quoted, escaped JSON string. */
void json_escape(struct buf *out, const char *s, size_t n);
/* Appends v in decimal. */
void json_int(struct buf *out, long long v);
/* Appends the shortest decimal text that reads back as v; non-finite as null. */
void json_number(struct buf *out, double v);

#endif
