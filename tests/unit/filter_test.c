/* filter_test: what the cases file cannot express — error reports, size and
 * depth limits, number printing, the resolver, locales, and evaluation of
 * hand-built summaries. */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter.h"
#include "model/store.h"
#include "tap.h"
#include "util/buf.h"
#include "util/utf8.h"
#include "util/xmalloc.h"

/* Compiles expr; returns the normalised text or "E<column>: <message>".  Caller frees. */
static char *
compile(const char *expr)
{
	struct xr_filter_error e;
	struct xr_filter *f = filter_compile(expr, NULL, NULL, &e);
	if (!f)
		return xasprintf("E%zu: %s", e.column, e.message);
	struct buf b = BUF_INIT;
	buf_puts(&b, "");
	filter_normalize(f, &b);
	filter_free(f);
	return buf_steal(&b);
}

static void
check(const char *expr, const char *want, const char *what)
{
	char *got = compile(expr);
	is_str(got, want, "%s", what);
	free(got);
}

static char *
report(const char *expr, unsigned flags)
{
	struct xr_filter_error e;
	struct xr_filter *f = filter_compile(expr, NULL, NULL, &e);
	struct buf b = BUF_INIT;
	buf_puts(&b, "");
	if (f)
		filter_free(f);
	else
		filter_error_format(expr, &e, flags, &b);
	return buf_steal(&b);
}

static void
test_reports(void)
{
	char *r = report("user = alice", 0);
	is_str(r,
	       "column 8: expected a quoted string after '='\n"
	       "  user = alice\n"
	       "         ^\n"
	       "hint: did you mean \"alice\"?\n",
	       "report: message, expression, caret, hint");
	free(r);

	/* After CJK text the caret moves two columns per character. */
	r = report("annotation.restaurantName = \"강남 맛집\" AND user = alice", 0);
	is_str(r,
	       "column 48: expected a quoted string after '='\n"
	       "  annotation.restaurantName = \"강남 맛집\" AND user = alice\n"
	       "                                                     ^\n"
	       "hint: did you mean \"alice\"?\n",
	       "report: caret after wide characters");
	free(r);

	/* In ASCII mode the text is escaped and the caret follows the escapes. */
	r = report("user = \"맛\" AND x", UTF8_ASCII);
	is_str(r,
	       "column 16: unknown keyword 'x'\n"
	       "  user = \"\\uB9DB\" AND x\n"
	       "                      ^\n"
	       "hint: an annotation is written annotation.x\n",
	       "report: ASCII escapes keep the caret aligned");
	free(r);

	/* Control characters never reach the terminal, in the message or the expression. */
	r = report("\"\x1b[31mred\"", 0);
	ok(!strchr(r, '\x1b'), "report: escape characters are made visible");
	is_str(strchr(r, '\n') + 1,
	       "  \"^[[31mred\"\n  ^\n"
	       "hint: compare a keyword with it, for example http.url CONTAINS \"^[[31mred\"\n",
	       "report: control characters shown as ^X");
	free(r);

	/* Tabs and newlines show as single spaces, so the caret still lines up. */
	r = report("ok\nAND\tfaults", 0);
	is_str(r,
	       "column 8: unknown keyword 'faults'\n  ok AND faults\n         ^\nhint: did you "
	       "mean 'fault'?\n",
	       "report: newline and tab");
	free(r);

	/* A long expression is clipped around the column. */
	struct buf b = BUF_INIT;
	for (int i = 0; i < 100; i++)
		buf_puts(&b, "ok AND ");
	buf_puts(
	    &b,
	    "oops AND ok AND ok AND ok AND ok AND ok AND ok AND ok AND ok AND ok AND ok AND ok");
	for (int i = 0; i < 100; i++)
		buf_puts(&b, " AND ok");
	r = report(b.data, 0);
	char *line2 = strchr(r, '\n') + 1;
	char *line3 = strchr(line2, '\n') + 1;
	ok(strncmp(r, "column 701: unknown keyword 'oops'\n", 35) == 0,
	   "report: long expression message");
	ok(strncmp(line2, "  ...", 5) == 0 && strstr(line2, "...\n") != NULL,
	   "report: clipped on both sides");
	ok(strchr(line2, '\n') - line2 <= 2 + 3 + 100 + 3,
	   "report: excerpt is at most 100 columns");
	size_t caret = strcspn(line3, "^");
	ok(strncmp(line2 + caret, "oops", 4) == 0, "report: caret under the error in the excerpt");
	free(r);
	buf_free(&b);

	/* No column: just the message. */
	struct xr_filter_error e = {0, "something", ""};
	struct buf out = BUF_INIT;
	buf_puts(&out, "");
	filter_error_format("ok", &e, 0, &out);
	is_str(out.data, "something\n", "report without a column");
	buf_free(&out);
}

static void
test_limits(void)
{
	/* filter_free(NULL) is a no-op: a crash here would end the test. */
	filter_free(NULL);

	/* Length cap. */
	char *big = xmalloc(FILTER_MAX_LEN + 2);
	memset(big, ' ', FILTER_MAX_LEN + 1);
	memcpy(big, "ok", 2);
	big[FILTER_MAX_LEN + 1] = '\0';
	check(big, "E1: expression too long (65537 bytes; the limit is 65536)",
	      "over 64 KiB is refused");
	big[FILTER_MAX_LEN] = '\0';
	check(big, "ok", "exactly 64 KiB is accepted");

	/* A long flat chain: n-ary AND, no deep recursion anywhere. */
	struct buf b = BUF_INIT;
	buf_puts(&b, "ok");
	while (b.len + 7 <= FILTER_MAX_LEN)
		buf_puts(&b, " AND ok");
	struct xr_filter_error e;
	struct xr_filter *f = filter_compile(b.data, NULL, NULL, &e);
	ok(f != NULL, "9362 terms joined by AND compile");
	struct xr_summary s;
	summary_init(&s);
	is_int(filter_eval_summary(f, &s), FILTER_MATCH, "and evaluate");
	struct buf n = BUF_INIT;
	buf_puts(&n, "");
	if (f)
		filter_normalize(f, &n);
	is_str(n.data, b.data, "and normalise to themselves");
	buf_free(&n);
	filter_free(f);
	buf_free(&b);

	/* Deep nesting stops at FILTER_MAX_DEPTH with a column, not a crash. */
	memset(big, '(', FILTER_MAX_LEN);
	big[FILTER_MAX_LEN] = '\0';
	check(big, "E257: expression nested too deeply (more than 256 levels)",
	      "(((( ... stops at 256");
	memset(big, '!', FILTER_MAX_LEN);
	check(big, "E257: expression nested too deeply (more than 256 levels)",
	      "!!!! ... stops at 256");
	b = (struct buf)BUF_INIT;
	for (int i = 0; i < 300; i++)
		buf_puts(&b, "NOT ");
	buf_puts(&b, "ok");
	check(b.data, "E1025: expression nested too deeply (more than 256 levels)",
	      "NOT NOT ... stops at 256");
	buf_free(&b);

	b = (struct buf)BUF_INIT;
	for (int i = 0; i < 256; i++)
		buf_putc(&b, '(');
	buf_puts(&b, "ok");
	for (int i = 0; i < 256; i++)
		buf_putc(&b, ')');
	check(b.data, "ok", "256 levels are allowed");
	buf_free(&b);

	b = (struct buf)BUF_INIT;
	buf_puts(&b, "service(\"x\") { ");
	for (int i = 0; i < 256; i++)
		buf_putc(&b, '!');
	buf_puts(&b, "fault }");
	check(b.data, "E271: expression nested too deeply (more than 256 levels)",
	      "a block counts as a level");
	buf_free(&b);

	/* A 60,000-character string literal. */
	b = (struct buf)BUF_INIT;
	buf_puts(&b, "user = \"");
	for (int i = 0; i < 20000; i++)
		buf_puts(&b, "맛");
	buf_puts(&b, "\"");
	char *got = compile(b.data);
	is_str(got, b.data, "a long UTF-8 string");
	free(got);
	buf_free(&b);
	free(big);
}

static void
test_numbers(void)
{
	check("duration > 0.1", "duration > 0.1", "0.1");
	check("duration > 1e21", "duration > 1000000000000000000000", "1e21 in plain notation");
	check("duration > 1e-400", "E12: number 1e-400 is out of range",
	      "underflow to zero is refused");
	const char *tiny[] = {"5e-324", "2.2250738585072014e-308", "1.7976931348623157e308"};
	for (size_t i = 0; i < 3; i++) {
		char expr[64];
		snprintf(expr, sizeof expr, "duration > %s", tiny[i]);
		char *got = compile(expr);
		ok(strtod(got + 11, NULL) == strtod(tiny[i], NULL), "%s prints exactly", tiny[i]);
		free(got);
	}
	/* Every printed number reads back as the same double. */
	srand(42);
	int bad = 0;
	for (int i = 0; i < 5000; i++) {
		double v = (double)rand() / RAND_MAX * pow(10, rand() % 40 - 20);
		if (i % 2)
			v = -v;
		char expr[64];
		snprintf(expr, sizeof expr, "duration > %.17g", v);
		char *got = compile(expr);
		double back = strtod(got + 11, NULL);
		if (back != v || strchr(got, 'e'))
			bad++;
		free(got);
	}
	is_int(bad, 0, "5000 random numbers print shortest, exact and without exponent");
}

/* A resolver over a fixed table; "fail" returns an error. */
static int
resolve(void *ctx, const char *name_or_arn, int is_arn, char **expr, struct xr_err *err)
{
	int *calls = ctx;
	(*calls)++;
	if (is_arn &&
	    strcmp(name_or_arn, "arn:aws:xray:us-east-1:123456789012:group/slow/ABC") == 0) {
		*expr = xstrdup("responsetime > 5");
		return 0;
	}
	if (!is_arn && strncmp(name_or_arn, "chain", 5) == 0) {
		int k = atoi(name_or_arn + 5);
		*expr = k < 40 ? xasprintf("group.name = \"chain%d\"", k + 1) : xstrdup("ok");
		return 0;
	}
	if (!is_arn && strcmp(name_or_arn, "big") == 0) {
		*expr = xmalloc(FILTER_MAX_LEN + 2);
		memset(*expr, ' ', FILTER_MAX_LEN + 1);
		(*expr)[0] = 'o', (*expr)[1] = 'k', (*expr)[FILTER_MAX_LEN + 1] = '\0';
		return 0;
	}
	return xr_err_set(err, XR_EAPI, "GetGroups: access denied");
}

static void
test_groups(void)
{
	int calls = 0;
	struct xr_filter_error e;
	struct xr_filter *f = filter_compile(
	    "group.arn = \"arn:aws:xray:us-east-1:123456789012:group/slow/ABC\" OR fault", resolve,
	    &calls, &e);
	ok(f != NULL && calls == 1, "group.arn goes to the resolver with is_arn");
	struct xr_summary s;
	summary_init(&s);
	s.response_time = 6;
	is_int(filter_eval_summary(f, &s), FILTER_MATCH, "the group's expression is evaluated");
	s.response_time = 1;
	is_int(filter_eval_summary(f, &s), FILTER_NO_MATCH, "and decides");
	filter_free(f);

	f = filter_compile("group.name = \"nope\"", resolve, &calls, &e);
	ok(!f && e.column == 14 &&
	       strcmp(e.message, "group \"nope\": GetGroups: access denied") == 0,
	   "the resolver's message is passed on");

	f = filter_compile("group.name = \"chain0\"", resolve, &calls, &e);
	ok(!f &&
	       strncmp(e.message, "in group \"chain0\", column 14: in group \"chain1\",", 48) == 0,
	   "a long chain of group references stops");

	f = filter_compile("group.name = \"big\"", resolve, &calls, &e);
	ok(!f && strcmp(e.message, "in group \"big\", column 1: expression too long") == 0,
	   "a group's expression has the same length cap");
}

static void
test_eval(void)
{
	struct xr_summary s;
	summary_init(&s);
	struct xr_filter_error e;
	const char *none[] = {
	    "responsetime != 1",  "responsetime < 1",       "duration >= 0",
	    "http.status != 200", "http.url != \"x\"",      "http.method",
	    "user != \"x\"",      "annotation.k != 1",      "annotation.k",
	    "account.id != \"\"", "rootcause.json = #[{}]", "rootcause.fault.service { !first }",
	};
	for (size_t i = 0; i < sizeof none / sizeof *none; i++) {
		struct xr_filter *f = filter_compile(none[i], NULL, NULL, &e);
		is_int(filter_eval_summary(f, &s), FILTER_NO_MATCH, "absent field: %s is false",
		       none[i]);
		filter_free(f);
	}
	/* A summary with an annotation of each type. */
	struct xr_ann_value vs = {{XR_VAL_STRING, {.s = "98101"}}, NULL, 0};
	struct xr_ann_value vn = {{XR_VAL_NUMBER, {.n = 98101}}, NULL, 0};
	struct xr_ann_value vb = {{XR_VAL_BOOL, {.b = false}}, NULL, 0};
	struct xr_summary_annotation anns[] = {
	    {"zip_s", &vs, 1}, {"zip_n", &vn, 1}, {"flag", &vb, 1}};
	s.annotations = anns;
	s.n_annotations = 3;
	struct {
		const char *expr;
		enum filter_verdict want;
	} cases[] = {
	    {"annotation.zip_s = \"98101\"", FILTER_MATCH},
	    {"annotation.zip_s = 98101", FILTER_NO_MATCH},
	    {"annotation.zip_n = 98101", FILTER_MATCH},
	    {"annotation.zip_n = \"98101\"", FILTER_NO_MATCH},
	    {"annotation.zip_n != \"98101\"", FILTER_NO_MATCH},
	    {"annotation.zip_n >= 98101.0 AND annotation.zip_n < 98101.5", FILTER_MATCH},
	    {"annotation.zip_s CONTAINS \"\" AND annotation.zip_s BEGINSWITH \"981\"",
	     FILTER_MATCH},
	    {"annotation.zip_s ENDSWITH \"0981010\"", FILTER_NO_MATCH},
	    {"annotation.flag", FILTER_NO_MATCH},
	    {"!annotation.flag AND annotation.flag = false AND annotation[flag] != true",
	     FILTER_MATCH},
	    {"annotation.flag = 0", FILTER_NO_MATCH},
	    {"annotation.ZIP_S", FILTER_NO_MATCH},
	    {"service(\"x\")", FILTER_NEED_TRACE},
	    {"service(\"x\") OR annotation.zip_n = 98101", FILTER_MATCH},
	    {"service(\"x\") AND annotation.zip_n = 1", FILTER_NO_MATCH},
	    {"!(service(\"x\") AND edge(\"a\", \"b\"))", FILTER_NEED_TRACE},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct xr_filter *f = filter_compile(cases[i].expr, NULL, NULL, &e);
		ok(f != NULL, "compiles: %s", cases[i].expr);
		if (f)
			is_int(filter_eval_summary(f, &s), cases[i].want, "%s", cases[i].expr);
		filter_free(f);
	}
	struct {
		const char *expr;
		int needs;
	} needs[] = {
	    {"fault", 0},
	    {"service(\"x\")", 0},
	    {"service(\"x\") { fault }", 1},
	    {"edge(\"a\", \"b\")", 1},
	    {"inferred", 1},
	    {"rootcause.fault.service { inferred }", 0},
	    {"ok OR !(partial AND inferred)", 1},
	};
	for (size_t i = 0; i < sizeof needs / sizeof *needs; i++) {
		struct xr_filter *f = filter_compile(needs[i].expr, NULL, NULL, &e);
		is_int(filter_needs_trace(f), needs[i].needs, "filter_needs_trace: %s",
		       needs[i].expr);
		filter_free(f);
	}
}

/* filter_eval_store() on a store big enough to be split between threads
 * agrees with filter_eval() entry by entry. */
static void
test_store(void)
{
	enum { N = 60000 };
	struct xr_store *store = store_new();
	for (int i = 0; i < N; i++) {
		struct arena *a = arena_new();
		struct xr_summary *sum = ARENA_NEW(a, struct xr_summary);
		summary_init(sum);
		char id[40];
		snprintf(id, sizeof id, "1-6744e0a0-%024x", i);
		sum->id = arena_strdup(a, id);
		sum->response_time = (i % 97) / 10.0;
		sum->has_fault = i % 13 == 0;
		sum->http.method = i % 3 ? "GET" : "POST";
		if (i % 5 == 0) {
			struct xr_summary_annotation *an =
			    ARENA_NEW(a, struct xr_summary_annotation);
			an->key = "restaurantName";
			an->values = ARENA_NEW(a, struct xr_ann_value);
			an->values->value.type = XR_VAL_STRING;
			an->values->value.u.s = i % 10 ? "부산 횟집" : "강남 맛집";
			an->n_values = 1;
			sum->annotations = an;
			sum->n_annotations = 1;
		}
		store_add_summary(store, sum, a);
	}
	const char *exprs[] = {"annotation.restaurantName = \"강남 맛집\"",
	                       "responsetime > 1 AND http.method = \"POST\"",
	                       "fault OR service(\"x\") { ok }"};
	enum filter_verdict *v = xmalloc(N * sizeof *v);
	for (size_t k = 0; k < 3; k++) {
		struct xr_filter_error e;
		struct xr_filter *f = filter_compile(exprs[k], NULL, NULL, &e);
		size_t matches = filter_eval_store(f, store, v), want = 0, same = 0;
		for (size_t i = 0; i < store_count(store); i++) {
			const struct xr_store_entry *en = store_entry(store, i);
			enum filter_verdict one =
			    filter_eval(f, store_entry_summary(en), en->trace);
			same += one == v[i];
			want += one == FILTER_MATCH;
		}
		ok(same == N && matches == want && want > 0,
		   "filter_eval_store on %d entries agrees with filter_eval: %s", N, exprs[k]);
		filter_free(f);
	}
	free(v);
	store_free(store);
}

static void
test_locale(void)
{
	/* Numbers in expressions use '.', whatever LC_NUMERIC says. */
	const char *names[] = {"de_DE.UTF-8", "fr_FR.UTF-8", "de_DE.utf8", NULL};
	const char *set = NULL;
	for (size_t i = 0; names[i] && !set; i++)
		set = setlocale(LC_NUMERIC, names[i]);
	if (!set) {
		printf("# no locale with a decimal comma installed; checking the C locale only\n");
		setlocale(LC_NUMERIC, "C");
	}
	check("duration > 2.5 AND responsetime < 1e-3", "duration > 2.5 AND responsetime < 0.001",
	      "numbers parse and print with '.' in any locale");
	setlocale(LC_NUMERIC, "C");
}

int
main(void)
{
	setlocale(LC_CTYPE, "C.UTF-8");
	test_reports();
	test_limits();
	test_numbers();
	test_groups();
	test_eval();
	test_store();
	test_locale();
	return tap_done();
}
