/* parser: the grammar of filter-language.md §4 with the decisions of §10,
 * and the tree it builds.  The parser checks everything that can be checked
 * before evaluation: operator and literal types, the scope of every
 * keyword, node references, nesting depth, and group references, which it
 * resolves and inlines as sub-trees.  Literals are prepared for fast
 * evaluation (string lengths, numbers as doubles).  AND and OR nodes are
 * n-ary and flattened, so long chains do not nest. */
#ifndef XRTOP_FILTER_PARSER_H
#define XRTOP_FILTER_PARSER_H

#include <stdbool.h>
#include <stddef.h>

#include "filter/filtertypes.h"
#include "filter/keywords.h"
#include "model/summary.h"
#include "model/value.h"
#include "util/arena.h"

struct rcjson;

enum fop {
	OP_SET, /* no operator: "is set", or a Boolean keyword's own value */
	OP_EQ,
	OP_NE,
	OP_LT,
	OP_LE,
	OP_GT,
	OP_GE,
	OP_CONTAINS,
	OP_BEGINSWITH,
	OP_ENDSWITH,
};

struct flit {
	enum xr_value_type type;
	const char *s; /* XR_VAL_STRING, NUL-terminated */
	size_t len;
	double n;
	bool b;
};

/* A node named in service(...) or edge(...); NULL fields match anything.
 * A reference that is not an id(...) and has no name is service(). */
struct fref {
	bool is_id;
	const char *name;
	const char *type;
	const char *account;
};

enum rc_level { RC_SERVICE, RC_ENTITY, RC_EXCEPTION };

enum fnode_kind {
	FN_AND,
	FN_OR,
	FN_NOT,
	FN_TERM,       /* typed keyword */
	FN_ANNOTATION, /* annotation.KEY / annotation[KEY] */
	FN_SERVICE,
	FN_EDGE,
	FN_ROOTCAUSE, /* rootcause.<kind>.<level> { } */
	FN_RCJSON,
	FN_GROUP,
};

struct fnode {
	enum fnode_kind kind;
	union {
		struct {
			struct fnode **kids;
			unsigned n;
		} list;            /* FN_AND, FN_OR */
		struct fnode *kid; /* FN_NOT */
		struct {
			enum ffield field;
			enum fop op;
			struct flit lit;
		} term;
		struct {
			const char *key;
			enum fop op;
			struct flit lit;
		} ann;
		struct {
			struct fref a, b;    /* b: edge destination */
			struct fnode *block; /* NULL without braces */
		} svc;
		struct {
			enum xr_rc_kind kind;
			enum rc_level level;
			struct fnode *block;
		} rc;
		struct rcjson *json;
		struct {
			const char *name;
			bool arn;
			bool negate; /* written with != */
			struct fnode *expr;
		} group;
	} u;
};

/* Parses expr (len bytes) into a tree allocated in a.  Returns NULL and
 * fills err on failure. */
struct fnode *parser_parse(const char *expr, size_t len, struct arena *a,
                           xr_group_resolver resolver, void *ctx, struct xr_filter_error *err);
/* The text of an operator ("=", "CONTAINS"). */
const char *parser_op_text(enum fop op);
/* "fault", "error" or "responsetime". */
const char *parser_rc_kind_name(enum xr_rc_kind k);
/* "service", "entity" or "exception". */
const char *parser_rc_level_name(enum rc_level l);

#endif
