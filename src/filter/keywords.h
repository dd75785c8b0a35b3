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
	F_OK,
	F_ERROR,
	F_THROTTLE,
	F_FAULT,
	F_PARTIAL,
	F_INFERRED,
	F_FIRST,
	F_LAST,
	F_REMOTE,
	F_ROOT,
	F_RESPONSETIME,
	F_DURATION,
	F_HTTP_STATUS,
	F_INDEX,
	F_COVERAGE,
	F_HTTP_URL,
	F_HTTP_METHOD,
	F_HTTP_USERAGENT,
	F_HTTP_CLIENTIP,
	F_USER,
	F_NAME,
	F_TYPE,
	F_MESSAGE,
	F_AVAILABILITYZONE,
	F_INSTANCE_ID,
	F_RESOURCE_ARN,
	F_ACCOUNT_ID,
	F_COUNT_
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
/* The nearest of the NULL-terminated candidates to w, or NULL. */
const char *keyword_nearest(const char *w, size_t n, const char *const *candidates);
/* The name of a scope for messages ("service(...) { }"). */
const char *keyword_scope_name(enum fscope s);

#endif
