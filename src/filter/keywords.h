/* keywords: the vocabulary of the filter language — every typed keyword
 * with its value type and the scopes it may appear in (filter-language.md
 * §3 and §10), and the "did you mean" suggestion for unknown words. */
#ifndef XRTOP_FILTER_KEYWORDS_H
#define XRTOP_FILTER_KEYWORDS_H

#include <stddef.h>

/* Where a term is evaluated. */
enum fscope {
	SC_TRACE,        /* top level: the trace as a whole */
	SC_NODE,         /* inside service(...) { }: one segment of that node */
	SC_EDGE,         /* inside edge(a, b) { }: one callee segment of the edge */
	SC_RC_SERVICE,   /* inside rootcause.<kind>.service { } */
	SC_RC_ENTITY,    /* inside rootcause.<kind>.entity { } */
	SC_RC_EXCEPTION, /* inside rootcause.<kind>.exception { } */
};

#define SCOPE_BIT(s) (1u << (s))
#define SCOPES_SEGMENT (SCOPE_BIT(SC_TRACE) | SCOPE_BIT(SC_NODE) | SCOPE_BIT(SC_EDGE))
#define SCOPES_RC (SCOPE_BIT(SC_RC_SERVICE) | SCOPE_BIT(SC_RC_ENTITY) | SCOPE_BIT(SC_RC_EXCEPTION))

enum kw_type { KW_BOOL, KW_NUM, KW_STR };

/* What a typed keyword reads. */
enum ffield {
	FLD_OK,
	FLD_ERROR,
	FLD_THROTTLE,
	FLD_FAULT,
	FLD_PARTIAL,
	FLD_INFERRED,
	FLD_FIRST,
	FLD_LAST,
	FLD_REMOTE,
	FLD_ROOT,
	FLD_RESPONSETIME,
	FLD_DURATION,
	FLD_HTTP_STATUS,
	FLD_INDEX,
	FLD_COVERAGE,
	FLD_HTTP_URL,
	FLD_HTTP_METHOD,
	FLD_HTTP_USERAGENT,
	FLD_HTTP_CLIENTIP,
	FLD_USER,
	FLD_NAME,
	FLD_TYPE,
	FLD_MESSAGE,
	FLD_AVAILABILITYZONE,
	FLD_INSTANCE_ID,
	FLD_RESOURCE_ARN,
	FLD_ACCOUNT_ID,
	FLD_COUNT_
};

struct keyword {
	const char *name; /* canonical (lower-case) spelling */
	enum ffield field;
	enum kw_type type;
	unsigned scopes;   /* SCOPE_BIT()s */
	const char *where; /* where it is allowed, for messages */
};

/* The typed keyword spelled w (n bytes, any case), or NULL. */
const struct keyword *keyword_find(const char *w, size_t n);
/* The keyword for field f. */
const struct keyword *keyword_of(enum ffield f);
/* The known word nearest to w (n bytes) by edit distance, or NULL when
 * nothing is close.  For "annotaton.x" it returns "annotation.x" in tmp. */
const char *keyword_suggest(const char *w, size_t n, char *tmp, size_t size);
/* The name of a scope for messages ("service(...) { }"). */
const char *keyword_scope_name(enum fscope s);

#endif
