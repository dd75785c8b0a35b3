#include "config.h"

#include "filter/keywords.h"

#include "filter/lexer.h"

#include <stdio.h>
#include <string.h>

#include "util/i18n.h"
#include "util/strdist.h"

/* Where the fields that many keywords share may be used. */
#define WHERE_SEGMENT N_("at the top level or inside service(...) { } and edge(...) { }")
#define WHERE_ROOTCAUSE N_("inside rootcause.<kind>.<level> { }")

static const struct keyword keywords[FLD_COUNT_] = {
    {"ok", FLD_OK, KW_BOOL, SCOPES_SEGMENT, WHERE_SEGMENT},
    {"error", FLD_ERROR, KW_BOOL, SCOPES_SEGMENT, WHERE_SEGMENT},
    {"throttle", FLD_THROTTLE, KW_BOOL, SCOPES_SEGMENT, WHERE_SEGMENT},
    {"fault", FLD_FAULT, KW_BOOL, SCOPES_SEGMENT, WHERE_SEGMENT},
    {"partial", FLD_PARTIAL, KW_BOOL, SCOPE_BIT(SC_TRACE), N_("at the top level")},
    {"inferred", FLD_INFERRED, KW_BOOL, SCOPE_BIT(SC_TRACE) | SCOPE_BIT(SC_RC_SERVICE),
     N_("at the top level or inside rootcause.<kind>.service { }")},
    {"first", FLD_FIRST, KW_BOOL, SCOPES_RC, WHERE_ROOTCAUSE},
    {"last", FLD_LAST, KW_BOOL, SCOPES_RC, WHERE_ROOTCAUSE},
    {"remote", FLD_REMOTE, KW_BOOL, SCOPE_BIT(SC_RC_ENTITY),
     N_("inside rootcause.<kind>.entity { }")},
    {"root", FLD_ROOT, KW_BOOL, SCOPE_BIT(SC_NODE), N_("inside service(...) { }")},
    {"responsetime", FLD_RESPONSETIME, KW_NUM, SCOPES_SEGMENT, WHERE_SEGMENT},
    {"duration", FLD_DURATION, KW_NUM, SCOPES_SEGMENT, WHERE_SEGMENT},
    {"http.status", FLD_HTTP_STATUS, KW_NUM, SCOPES_SEGMENT, WHERE_SEGMENT},
    {"index", FLD_INDEX, KW_NUM, SCOPES_RC, WHERE_ROOTCAUSE},
    {"coverage", FLD_COVERAGE, KW_NUM, SCOPE_BIT(SC_RC_ENTITY),
     N_("inside rootcause.responsetime.entity { }")},
    {"http.url", FLD_HTTP_URL, KW_STR, SCOPES_SEGMENT, WHERE_SEGMENT},
    {"http.method", FLD_HTTP_METHOD, KW_STR, SCOPES_SEGMENT, WHERE_SEGMENT},
    {"http.useragent", FLD_HTTP_USERAGENT, KW_STR, SCOPES_SEGMENT, WHERE_SEGMENT},
    {"http.clientip", FLD_HTTP_CLIENTIP, KW_STR, SCOPES_SEGMENT, WHERE_SEGMENT},
    {"user", FLD_USER, KW_STR, SCOPES_SEGMENT, WHERE_SEGMENT},
    {"name", FLD_NAME, KW_STR, SCOPES_RC, WHERE_ROOTCAUSE},
    {"type", FLD_TYPE, KW_STR, SCOPE_BIT(SC_RC_SERVICE), N_("inside rootcause.<kind>.service { }")},
    {"message", FLD_MESSAGE, KW_STR, SCOPE_BIT(SC_RC_EXCEPTION),
     N_("inside rootcause.<kind>.exception { }")},
    {"availabilityzone", FLD_AVAILABILITYZONE, KW_STR, SCOPES_SEGMENT, WHERE_SEGMENT},
    {"instance.id", FLD_INSTANCE_ID, KW_STR, SCOPES_SEGMENT, WHERE_SEGMENT},
    {"resource.arn", FLD_RESOURCE_ARN, KW_STR, SCOPES_SEGMENT, WHERE_SEGMENT},
    {"account.id", FLD_ACCOUNT_ID, KW_STR, SCOPES_SEGMENT | SCOPE_BIT(SC_RC_SERVICE),
     N_("at the top level or inside service(...) { } and edge(...) { } or rootcause.<kind>.service "
        "{ }")},
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
	if (dot && strdist(w, (size_t)(dot - w), "annotation") <= 2) {
		snprintf(tmp, size, "annotation%.*s", (int)(n - (size_t)(dot - w)), dot);
		return tmp;
	}
	const char *best = strdist_nearest(w, n, names);
	if (best)
		return best;
	/* "http.statuscode": a known keyword with something appended. */
	for (size_t i = 0; i < FLD_COUNT_; i++) {
		size_t len = strlen(keywords[i].name);
		if (len < n && len >= 6 && strdist(w, len, keywords[i].name) == 0)
			return keywords[i].name;
	}
	return NULL;
}

const char *
keyword_scope_name(enum fscope s)
{
	switch (s) {
	case SC_TRACE: return _("the top level");
	case SC_NODE: return "service(...) { }";
	case SC_EDGE: return "edge(...) { }";
	case SC_RC_SERVICE: return "rootcause.<kind>.service { }";
	case SC_RC_ENTITY: return "rootcause.<kind>.entity { }";
	case SC_RC_EXCEPTION: return "rootcause.<kind>.exception { }";
	}
	return "?";
}
