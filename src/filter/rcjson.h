/* rcjson: the `rootcause.json = #[ ... ]` pattern (filter-language.md §6.8).
 *
 * Owns a small JSON reader for the literal's structure (no external JSON
 * library in filter/; its strings and numbers are read by util/jsonscan.h
 * as everywhere else), the typed pattern it compiles to, the match
 * against the root causes of a summary, and the canonical printing.
 * Matching rules: a field left out is a wildcard; a field given must
 * match exactly (null matches an absent, empty or false value); a list
 * matches when its elements match, in order, a subsequence of the data's
 * list.  The whole pattern matches when its root causes match a
 * subsequence of one kind's root causes (fault, error or response
 * time). */
#ifndef XRTOP_FILTER_RCJSON_H
#define XRTOP_FILTER_RCJSON_H

#include <stdbool.h>

#include "filter/lexer.h"
#include "model/summary.h"
#include "util/arena.h"
#include "util/buf.h"

struct rcjson;

/* Reads the JSON array at lx->pos (just after '#') into a pattern in a and
 * moves lx->pos past it.  Returns NULL and fills the lexer's error. */
struct rcjson *rcjson_parse(struct lexer *lx, struct arena *a);
/* True if the root causes of s match p. */
bool rcjson_match(const struct rcjson *p, const struct xr_summary *s);
/* Appends p as compact JSON with the fields in a fixed order. */
void rcjson_print(const struct rcjson *p, struct buf *out);

#endif
