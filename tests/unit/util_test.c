/* Unit tests for src/util: UTF-8 width and sanitising, JSON writing, times. */
#include "config.h"

#include <locale.h>
#include <stdint.h>
#include <string.h>
#include <math.h>
#include <stdlib.h>

#include "tap.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/jsonscan.h"
#include "util/jsonw.h"
#include "util/strdist.h"
#include "util/timefmt.h"
#include "util/utf8.h"

static char *
sanitized(const char *s, unsigned flags)
{
	static struct buf b;
	buf_reset(&b);
	utf8_sanitize(&b, s, strlen(s), flags);
	return b.data ? b.data : (char *)"";
}

static char *
fitted(const char *s, size_t cols, enum utf8_align align)
{
	static struct buf b;
	buf_reset(&b);
	utf8_fit(&b, s, strlen(s), cols, align, 0);
	return b.data ? b.data : (char *)"";
}

static char *
escaped(const char *s, size_t n)
{
	static struct buf b;
	buf_reset(&b);
	json_escape(&b, s, n);
	return b.data;
}

static char *
number(double v)
{
	static struct buf b;
	buf_reset(&b);
	json_number(&b, v);
	return b.data;
}

static void
test_utf8(void)
{
	const char *hangul = "강남 맛집";
	is_int(utf8_width(hangul, strlen(hangul), 0), 9, "\"강남 맛집\" is 9 columns");
	is_int(utf8_chars(hangul, strlen(hangul)), 5, "\"강남 맛집\" is 5 characters");
	ok(utf8_valid(hangul, strlen(hangul)), "hangul is valid UTF-8");
	ok(!utf8_valid("\xC0\xAF", 2), "overlong encoding is invalid");
	ok(!utf8_valid("\xED\xA0\x80", 3), "surrogate is invalid");
	ok(!utf8_valid("\xE2\x82", 2), "truncated sequence is invalid");

	is_str(sanitized("a\x1b[31mred", 0), "a^[[31mred", "ESC becomes ^[");
	is_str(sanitized("x\ry\tz\n", 0), "x y z ", "CR, TAB, LF become spaces");
	is_str(sanitized("x\ny", UTF8_MULTILINE), "x\ny", "LF kept in multiline mode");
	is_str(sanitized("\xC2\x9B"
	                 "2J",
	                 0),
	       "\\u009B2J", "C1 CSI is escaped");
	is_str(sanitized("abc\xE2\x80\xAE"
	                 "cba",
	                 0),
	       "abc\\u202Ecba", "bidi override is escaped");
	is_str(sanitized("bad\xFFx", 0), "bad\\xFFx", "invalid byte is shown as \\xFF");
	is_str(sanitized("\x7f", 0), "^?", "DEL becomes ^?");
	is_str(sanitized("맛집", UTF8_ASCII), "\\uB9DB\\uC9D1", "ASCII mode escapes hangul");
	is_str(sanitized("맛집", 0), "맛집", "hangul passes unchanged");

	is_str(fitted("abc", 5, UTF8_LEFT), "abc  ", "pad left-aligned");
	is_str(fitted("abc", 5, UTF8_RIGHT), "  abc", "pad right-aligned");
	is_str(fitted("강남 맛집", 9, UTF8_LEFT), "강남 맛집", "exact fit");
	is_str(fitted("강남 맛집", 6, UTF8_LEFT), "강남 \xE2\x80\xA6",
	       "cut keeps whole wide chars");
	is_str(fitted("강남", 2, UTF8_LEFT), " \xE2\x80\xA6", "wide char never straddles the edge");
	is_int(utf8_width(fitted("강남 맛집", 6, UTF8_LEFT),
	                  strlen(fitted("강남 맛집", 6, UTF8_LEFT)), 0),
	       6, "cut result is exactly 6 columns");
}

static void
test_json(void)
{
	is_str(escaped("a\"b\\c", 5), "\"a\\\"b\\\\c\"", "quotes and backslashes");
	is_str(escaped("\x1b[0m\n", 5), "\"\\u001b[0m\\n\"", "control characters escaped");
	is_str(escaped("\xC2\x9B", 2), "\"\\u009b\"", "C1 escaped");
	is_str(escaped("\xFF", 1), "\"\\ufffd\"", "invalid byte becomes U+FFFD");
	is_str(escaped("강남", strlen("강남")), "\"강남\"", "hangul kept as UTF-8");
	is_str(number(1499473411.677), "1499473411.677", "shortest round-trip number");
	is_str(number(0.1), "0.1", "0.1");
	is_str(number(200), "200", "integral number");
	is_str(number(NAN), "null", "NaN becomes null");

	struct buf b = BUF_INIT;
	struct jsonw w;
	jsonw_init(&w, &b);
	jsonw_object_begin(&w);
	jsonw_key(&w, "a");
	jsonw_int(&w, 1);
	jsonw_key(&w, "b");
	jsonw_array_begin(&w);
	jsonw_bool(&w, true);
	jsonw_null(&w);
	jsonw_string(&w, "x");
	jsonw_array_end(&w);
	jsonw_object_end(&w);
	is_str(b.data, "{\"a\":1,\"b\":[true,null,\"x\"]}", "writer inserts commas");
	buf_free(&b);

	struct buf capped;
	buf_init(&capped, 4);
	ok(buf_puts(&capped, "abcd") == 0, "append up to the cap");
	ok(buf_puts(&capped, "e") < 0 && capped.overflow, "append past the cap is refused");
	buf_free(&capped);
}

static void
test_time(void)
{
	double t;
	struct xr_err err;
	ok(timefmt_parse_time("2017-07-08T00:20:40Z", &t, &err) == 0 && t == 1499473240, "ISO Z");
	ok(timefmt_parse_time("2017-07-08T09:20:40+09:00", &t, &err) == 0 && t == 1499473240,
	   "ISO offset");
	ok(timefmt_parse_time("2017-07-08T00:20:40.250Z", &t, &err) == 0 && t == 1499473240.25,
	   "ISO fraction");
	ok(timefmt_parse_time("1499473240", &t, &err) == 0 && t == 1499473240, "epoch");
	ok(timefmt_parse_time("2017-07-08", &t, &err) == 0 && t == 1499472000, "bare date");
	ok(timefmt_parse_time("yesterday", &t, &err) < 0 && strstr(err.msg, "yesterday"),
	   "bad time named");
	ok(timefmt_parse_duration("15m", &t, &err) == 0 && t == 900, "15m");
	ok(timefmt_parse_duration("1h30m", &t, &err) == 0 && t == 5400, "1h30m");
	ok(timefmt_parse_duration("10x", &t, &err) < 0, "bad unit rejected");
	char s[40];
	timefmt_iso(1499473411.677, s, sizeof s);
	is_str(s, "2017-07-08T00:23:31.677Z", "ISO output");
	timefmt_short(1499473411.677, s, sizeof s);
	is_str(s, "2017-07-08 00:23:31", "short output");

	/* Numbers from outside are range-checked before any cast. */
	ok(timefmt_parse_time("2026-02-31", &t, &err) < 0 && strstr(err.msg, "2026-02 has 28 days"),
	   "2026-02-31 refused, not taken as March 3");
	ok(timefmt_parse_time("2024-02-29", &t, &err) == 0 && t == 1709164800,
	   "2024-02-29 (leap year)");
	ok(timefmt_parse_time("2023-02-29T00:00Z", &t, &err) < 0, "2023-02-29 refused");
	ok(timefmt_parse_time("2026-04-31T10:00Z", &t, &err) < 0, "April 31 refused");
	ok(timefmt_parse_time("2026-11-27T08:00+99:99", &t, &err) < 0 && strstr(err.msg, "offset"),
	   "+99:99 offset refused");
	ok(timefmt_parse_time("2026-11-27T08:00+09:60", &t, &err) < 0, "+09:60 offset refused");
	ok(timefmt_parse_time("2026-11-27T08:00-12:00", &t, &err) == 0, "-12:00 offset taken");
	ok(timefmt_parse_time("99999999999999999999", &t, &err) < 0, "an epoch past 9999 refused");
	ok(timefmt_parse_time("0001-01-01", &t, &err) < 0, "a time before 1970 refused");
	ok(timefmt_parse_duration("999999999999999999999d", &t, &err) < 0 &&
	       strstr(err.msg, "longer than 100 years"),
	   "a duration that overflows refused");
	ok(timefmt_parse_duration("36500d", &t, &err) == 0, "100 years accepted");
	ok(timefmt_parse_duration("36600d", &t, &err) < 0, "more than 100 years refused");
	timefmt_short(1.59e35, s, sizeof s);
	is_str(s, "-", "short output of 1.59e35: '-'");
	timefmt_iso(-1e300, s, sizeof s);
	is_str(s, "-", "ISO output of -1e300: '-'");
	timefmt_iso(NAN, s, sizeof s);
	is_str(s, "-", "ISO output of NaN: '-'");
	ok(timefmt_in_range(0) && timefmt_in_range(TIMEFMT_MAX) &&
	       !timefmt_in_range(TIMEFMT_MAX + 1) && !timefmt_in_range(-1) &&
	       !timefmt_in_range(NAN),
	   "timefmt_in_range bounds");
}

static void
test_arena(void)
{
	struct arena *a = arena_new();
	char *p = NULL;
	for (int i = 0; i < 10000; i++)
		p = arena_strdup(a, "segment");
	is_str(p, "segment", "arena keeps strings");
	void *big = arena_alloc(a, 1 << 20);
	ok(big != NULL, "large allocation");
	arena_free(a);
	arena_free(NULL);
}

/* The obvious byte-at-a-time answer the block scanner must agree with. */
static const char *
reference_string_end(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

static char *
decoded(const char *json)
{
	static struct buf b;
	buf_reset(&b);
	const char *end = jsonscan_string(json, json + strlen(json), &b, NULL);
	return end ? (b.data ? b.data : (char *)"") : (char *)"(invalid)";
}

static void
test_jsonscan(void)
{
	/* Random strings of quotes, backslashes and letters, across block edges. */
	static const char alphabet[] = "\"\\ab\\\\";
	unsigned seed = 12345;
	int mismatches = 0;
	char text[400];
	for (int round = 0; round < 20000; round++) {
		seed = seed * 1103515245 + 12345;
		size_t len = 1 + (seed >> 8) % (sizeof text - 1);
		text[0] = '"';
		for (size_t i = 1; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			text[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
		}
		if (jsonscan_value_end(text, text + len, 10) !=
		    reference_string_end(text, text + len))
			mismatches++;
	}
	is_int(mismatches, 0,
	       "block string scanner agrees with the byte-at-a-time one (20000 strings)");

	is_str(decoded("\"plain\""), "plain", "plain string");
	is_str(decoded("\"a\\\"b\\\\c\\/d\""), "a\"b\\c/d", "simple escapes");
	is_str(decoded("\"\\n\\t\\r\\b\\f\""), "\n\t\r\b\f", "control escapes");
	is_str(decoded("\"\\u00e9\\uAC15\""), "é강", "\\u escapes to UTF-8");
	is_str(decoded("\"\\ud83c\\udf55\""), "\xF0\x9F\x8D\x95", "surrogate pair");
	is_str(decoded("\"\\ud83c\""), "\xEF\xBF\xBD",
	       "lone high surrogate: U+FFFD, the string kept");
	is_str(decoded("\"\\udf55x\""), "\xEF\xBF\xBDx",
	       "lone low surrogate: U+FFFD, the string kept");
	is_str(decoded("\"\\ud83cx\\ud83c\\udf55\""), "\xEF\xBF\xBDx\xF0\x9F\x8D\x95",
	       "lone high surrogate, then a pair");
	is_str(decoded("\"a\\u0000b\""), "a" UTF8_NUL "b", "\\u0000 held as UTF8_NUL");
	is_str(decoded("\"a\x01b\""), "(invalid)", "raw control character rejected");
	is_str(decoded("\"abc"), "(invalid)", "unterminated string rejected");
	is_str(decoded("\"\\x41\""), "(invalid)", "unknown escape rejected");
	struct buf long_text = BUF_INIT;
	buf_putc(&long_text, '"');
	for (int i = 0; i < 100; i++)
		buf_puts(&long_text, "{\\\"id\\\":\\\"x\\\"}");
	buf_putc(&long_text, '"');
	const char *d = decoded(long_text.data);
	ok(strlen(d) == 100 * 10 && strncmp(d, "{\"id\":\"x\"}", 10) == 0,
	   "escaped document across many blocks decodes");
	buf_free(&long_text);

	const char *const words[] = {"load", "demo", "filter", "limit", NULL};
	is_str(strdist_nearest("lod", 3, words), "load", "nearest word with one edit");
	is_str(strdist_nearest("fitler", 6, words), "filter", "transposition counts as one edit");
	is_str(strdist_nearest("xyz", 3, words), NULL, "nothing near");
}

/* jsonscan_number: the value, where it stops, and what it refuses. */
static void
test_jsonscan_number(void)
{
	static const struct {
		const char *text;
		double value;
		size_t used; /* 0: refused */
		const char *what;
	} cases[] = {
	    {"0", 0, 1, NULL},
	    {"-12.5e1,", -125, 7, NULL},
	    {"01", 0, 1, NULL},
	    {"123456789012345678901234", 123456789012345678901234.0, 24, NULL},
	    {"1e400", HUGE_VAL, 5, NULL},
	    {"-", 0, 0, "expected a digit"},
	    {"1.", 0, 0, "expected a digit after '.'"},
	    {"1e+", 0, 0, "expected a digit in the exponent"},
	    {"+1", 0, 0, "expected a digit"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *t = cases[i].text, *bad = NULL, *what = NULL;
		double v = -1;
		const char *after = jsonscan_number(t, t + strlen(t), &v, &bad, &what);
		if (cases[i].used) {
			ok(after == t + cases[i].used && v == cases[i].value,
			   "jsonscan_number(\"%s\") reads %zu bytes", t, cases[i].used);
		} else {
			ok(!after && what && strcmp(what, cases[i].what) == 0,
			   "jsonscan_number(\"%s\") refused: %s", t, cases[i].what);
		}
	}
}

static const char *
ids_key(const void *items, size_t i)
{
	return ((const char *const *)items)[i];
}

static uint64_t
ids_hash(const void *items, size_t i)
{
	return hash_str(ids_key(items, i));
}

/* The one string hash and index: seeded, stable within the process, and
 * an index that finds every key after growing. */
static void
test_hash(void)
{
	uint64_t seed = hash_seed();
	ok(seed != 0 && hash_seed() == seed, "hash: one nonzero seed per process");
	ok(hash_str("1-5f000000-abc") == hash_str("1-5f000000-abc"),
	   "hash: equal strings, equal hashes");
	ok(hash_str("a") != hash_str("b") && hash_str("") != hash_str("a"),
	   "hash: different strings differ");
	ok(hash_str("ab") == hash_byte(hash_byte(hash_start(), 'a'), 'b'),
	   "hash: hash_str() is hash_byte() over the bytes from hash_start()");
	ok(hash_start() != 1469598103934665603ull,
	   "hash: the start is not FNV's public offset basis");
	static char names[300][16];
	const char *items[300];
	struct hash_index ix;
	hash_index_init(&ix, 4);
	size_t n = 0;
	bool all_new = true;
	for (int i = 0; i < 300; i++) {
		snprintf(names[i], sizeof names[i], "id-%d", i);
		size_t *slot = hash_index_str_slot(&ix, names[i], ids_key, items);
		all_new &= *slot == 0;
		items[n] = names[i];
		*slot = ++n;
		hash_index_added(&ix, n, ids_hash, items);
	}
	bool found = true;
	for (int i = 0; i < 300; i++)
		found &= *hash_index_str_slot(&ix, names[i], ids_key, items) == (size_t)i + 1;
	ok(all_new && found, "hash index: 300 ids in, each found at its item after growing");
	ok(*hash_index_str_slot(&ix, "id-300", ids_key, items) == 0, "hash index: a missing id");
	hash_index_free(&ix);
}

int
main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	test_utf8();
	test_json();
	test_time();
	test_arena();
	test_jsonscan();
	test_jsonscan_number();
	test_hash();
	return tap_done();
}
