#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include "util/regex.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "util/utf8.h"
#include "util/xmalloc.h"

struct regex {
	pcre2_code *code;
	pcre2_match_data *match;
};

static bool
has_upper(const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		int len = utf8_decode(s + i, n - i, &cp);
		if (len < 0)
			len = 1, cp = 0;
		/* "\S", "\W", "\D" and the like are escapes, not letters */
		if (cp == '\\' && i + 1 < n) {
			i += 2;
			continue;
		}
		if (iswupper((wint_t)cp))
			return true;
		i += (size_t)len;
	}
	return false;
}

struct regex *
regex_new(const char *pattern, bool smart_case, struct xr_err *err)
{
	uint32_t opts = PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF;
	if (smart_case && !has_upper(pattern))
		opts |= PCRE2_CASELESS;
	int code;
	PCRE2_SIZE offset;
	pcre2_code *re =
	    pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts, &code, &offset, NULL);
	if (!re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(code, msg, sizeof msg);
		xr_err_set(err, XR_EUSAGE, "column %zu: %s", utf8_chars(pattern, offset) + 1,
		           (const char *)msg);
		return NULL;
	}
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* without JIT it still matches */
	struct regex *r = xcalloc(1, sizeof *r);
	r->code = re;
	r->match = pcre2_match_data_create_from_pattern(re, NULL);
	return r;
}

void
regex_free(struct regex *re)
{
	if (!re)
		return;
	pcre2_match_data_free(re->match);
	pcre2_code_free(re->code);
	free(re);
}

bool
regex_match(struct regex *re, const char *s, size_t n)
{
	return pcre2_match(re->code, (PCRE2_SPTR)s, n, 0, 0, re->match, NULL) >= 0;
}
