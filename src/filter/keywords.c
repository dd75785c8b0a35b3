#include "config.h"

#include "filter/keywords.h"

#include "filter/lexer.h"

#include <stdio.h>
#include <string.h>

#define TRACE_NODE_EDGE "at the top level or inside service(...) { } and edge(...) { }"

static const struct keyword keywords[FLD_COUNT_] = {
    {"ok", FLD_OK, KW_BOOL, SCOPES_SEGMENT, TRACE_NODE_EDGE},
    {"error", FLD_ERROR, KW_BOOL, SCOPES_SEGMENT, TRACE_NODE_EDGE},
    {"throttle", FLD_THROTTLE, KW_BOOL, SCOPES_SEGMENT, TRACE_NODE_EDGE},
    {"fault", FLD_FAULT, KW_BOOL, SCOPES_SEGMENT, TRACE_NODE_EDGE},
    {"partial", FLD_PARTIAL, KW_BOOL, SCOPE_BIT(SC_TRACE), "at the top level"},
    {"inferred", FLD_INFERRED, KW_BOOL, SCOPE_BIT(SC_TRACE) | SCOPE_BIT(SC_RC_SERVICE),
     "at the top level or inside rootcause.<kind>.service { }"},
    {"first", FLD_FIRST, KW_BOOL, SCOPES_RC, "inside rootcause.<kind>.<level> { }"},
    {"last", FLD_LAST, KW_BOOL, SCOPES_RC, "inside rootcause.<kind>.<level> { }"},
    {"remote", FLD_REMOTE, KW_BOOL, SCOPE_BIT(SC_RC_ENTITY), "inside rootcause.<kind>.entity { }"},
    {"root", FLD_ROOT, KW_BOOL, SCOPE_BIT(SC_NODE), "inside service(...) { }"},
    {"responsetime", FLD_RESPONSETIME, KW_NUM, SCOPES_SEGMENT, TRACE_NODE_EDGE},
    {"duration", FLD_DURATION, KW_NUM, SCOPES_SEGMENT, TRACE_NODE_EDGE},
    {"http.status", FLD_HTTP_STATUS, KW_NUM, SCOPES_SEGMENT, TRACE_NODE_EDGE},
    {"index", FLD_INDEX, KW_NUM, SCOPES_RC, "inside rootcause.<kind>.<level> { }"},
    {"coverage", FLD_COVERAGE, KW_NUM, SCOPE_BIT(SC_RC_ENTITY),
     "inside rootcause.responsetime.entity { }"},
    {"http.url", FLD_HTTP_URL, KW_STR, SCOPES_SEGMENT, TRACE_NODE_EDGE},
    {"http.method", FLD_HTTP_METHOD, KW_STR, SCOPES_SEGMENT, TRACE_NODE_EDGE},
    {"http.useragent", FLD_HTTP_USERAGENT, KW_STR, SCOPES_SEGMENT, TRACE_NODE_EDGE},
    {"http.clientip", FLD_HTTP_CLIENTIP, KW_STR, SCOPES_SEGMENT, TRACE_NODE_EDGE},
    {"user", FLD_USER, KW_STR, SCOPES_SEGMENT, TRACE_NODE_EDGE},
    {"name", FLD_NAME, KW_STR, SCOPES_RC, "inside rootcause.<kind>.<level> { }"},
    {"type", FLD_TYPE, KW_STR, SCOPE_BIT(SC_RC_SERVICE), "inside rootcause.<kind>.service { }"},
    {"message", FLD_MESSAGE, KW_STR, SCOPE_BIT(SC_RC_EXCEPTION),
     "inside rootcause.<kind>.exception { }"},
    {"availabilityzone", FLD_AVAILABILITYZONE, KW_STR, SCOPES_SEGMENT, TRACE_NODE_EDGE},
    {"instance.id", FLD_INSTANCE_ID, KW_STR, SCOPES_SEGMENT, TRACE_NODE_EDGE},
    {"resource.arn", FLD_RESOURCE_ARN, KW_STR, SCOPES_SEGMENT, TRACE_NODE_EDGE},
    {"account.id", FLD_ACCOUNT_ID, KW_STR, SCOPES_SEGMENT | SCOPE_BIT(SC_RC_SERVICE),
     TRACE_NODE_EDGE " or rootcause.<kind>.service { }"},
};

/* Words that are not typed keywords but may start a term. */
static const char *const other_words[] = {
    "annotation",
    "service",
    "edge",
    "id",
    "group.name",
    "group.arn",
    "rootcause.json",
    "rootcause.fault.service",
    "rootcause.fault.entity",
    "rootcause.fault.exception",
    "rootcause.error.service",
    "rootcause.error.entity",
    "rootcause.error.exception",
    "rootcause.responsetime.service",
    "rootcause.responsetime.entity",
    "AND",
    "OR",
    "NOT",
    "CONTAINS",
    "BEGINSWITH",
    "ENDSWITH",
    "true",
    "false",
    NULL,
};

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

const struct keyword *
keyword_find(const char *w, size_t n)
{
	for (size_t i = 0; i < FLD_COUNT_; i++)
		if (lexer_ieq(w, n, keywords[i].name))
			return &keywords[i];
	return NULL;
}

const struct keyword *
keyword_of(enum ffield f)
{
	return &keywords[f];
}

/* Optimal string alignment distance, ignoring ASCII case; gives up (returns
 * a large number) for long words. */
static size_t
distance(const char *a, size_t n, const char *b)
{
	enum { MAX = 40 };
	size_t m = strlen(b);
	if (n > MAX || m > MAX)
		return (size_t)-1;
	size_t d[MAX + 1][MAX + 1];
	for (size_t i = 0; i <= n; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= n; i++) {
		for (size_t j = 1; j <= m; j++) {
			size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
			size_t v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
			    lower(a[i - 2]) == lower(b[j - 1]) && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[n][m];
}

/* How many edits still count as a typo of a word of n characters. */
static size_t
tolerance(size_t n)
{
	return n <= 3 ? 1 : n <= 8 ? 2 : 3;
}

const char *
keyword_nearest(const char *w, size_t n, const char *const *candidates)
{
	const char *best = NULL;
	size_t best_d = tolerance(n) + 1;
	for (size_t i = 0; candidates[i]; i++) {
		size_t d = distance(w, n, candidates[i]);
		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	return best;
}

const char *
keyword_suggest(const char *w, size_t n, char *tmp, size_t size)
{
	const char *names[FLD_COUNT_ + sizeof other_words / sizeof *other_words];
	size_t k = 0;
	for (size_t i = 0; i < FLD_COUNT_; i++)
		names[k++] = keywords[i].name;
	for (size_t i = 0; other_words[i]; i++)
		names[k++] = other_words[i];
	names[k] = NULL;
	/* "annotaton.key": a misspelt annotation prefix keeps its key. */
	const char *dot = memchr(w, '.', n);
	if (dot && distance(w, (size_t)(dot - w), "annotation") <= 2) {
		snprintf(tmp, size, "annotation%.*s", (int)(n - (size_t)(dot - w)), dot);
		return tmp;
	}
	const char *best = keyword_nearest(w, n, names);
	if (best)
		return best;
	/* "http.statuscode": a known keyword with something appended. */
	for (size_t i = 0; i < FLD_COUNT_; i++) {
		size_t len = strlen(keywords[i].name);
		if (len < n && len >= 6 && distance(w, len, keywords[i].name) == 0)
			return keywords[i].name;
	}
	return NULL;
}

const char *
keyword_scope_name(enum fscope s)
{
	switch (s) {
	case SC_TRACE: return "the top level";
	case SC_NODE: return "service(...) { }";
	case SC_EDGE: return "edge(...) { }";
	case SC_RC_SERVICE: return "rootcause.<kind>.service { }";
	case SC_RC_ENTITY: return "rootcause.<kind>.entity { }";
	case SC_RC_EXCEPTION: return "rootcause.<kind>.exception { }";
	}
	return "?";
}
