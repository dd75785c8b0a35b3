/* filter_cases: runs tests/filter/cases.txt (TAP).
 *
 * A record is a group of lines separated from the next by a blank line:
 *   expr: EXPRESSION            the expression, up to the end of the line
 *   exprq: "EXPRESSION"         the same with C escapes (\n \t \" \\ \xNN)
 *   norm: TEXT                  valid; filter_normalize() gives TEXT ("=" = expr)
 *   error: COLUMN: MESSAGE      invalid, with exactly this column and message
 *   hint: TEXT                  the error's hint (checked only when given)
 *   group: NAME = EXPRESSION    a group the resolver knows (ARN: arn:NAME)
 *   fixture: FILE               evaluate against tests/filter/fixtures/FILE
 *   match: ID...                ids (or unique id suffixes) of matching traces
 *   need: ID...                 ids whose summary alone gives FILTER_NEED_TRACE
 *                               ("any": not checked)
 * A fixture named data/... is read from the source tree's data directory.
 * Lines starting with '#' are comments.  Every valid expression is also
 * checked to normalise to itself once normalised. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter.h"
#include "model/store.h"
#include "source/file.h"
#include "tap.h"
#include "util/buf.h"
#include "util/warn.h"
#include "util/xmalloc.h"

#define MAX_GROUPS 8

struct record {
	size_t line;
	char *expr;
	char *norm;
	char *error;
	char *hint;
	char *fixture;
	char *match;
	char *need;
	char *group_names[MAX_GROUPS];
	char *group_exprs[MAX_GROUPS];
	size_t n_groups;
};

static void
record_clear(struct record *r)
{
	free(r->expr);
	free(r->norm);
	free(r->error);
	free(r->hint);
	free(r->fixture);
	free(r->match);
	free(r->need);
	for (size_t i = 0; i < r->n_groups; i++) {
		free(r->group_names[i]);
		free(r->group_exprs[i]);
	}
	memset(r, 0, sizeof *r);
}

static int
resolve(void *ctx, const char *name_or_arn, int is_arn, char **expr, struct xr_err *err)
{
	const struct record *r = ctx;
	for (size_t i = 0; i < r->n_groups; i++) {
		const char *n = r->group_names[i];
		if ((!is_arn && strcmp(n, name_or_arn) == 0) ||
		    (is_arn && strncmp(name_or_arn, "arn:", 4) == 0 &&
		     strcmp(n, name_or_arn + 4) == 0)) {
			*expr = xstrdup(r->group_exprs[i]);
			return 0;
		}
	}
	return xr_err_set(err, XR_EAPI, "no such group");
}

/* Decodes a C-escaped, double-quoted string. */
static char *
unquote(const char *s, size_t line)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "");
	if (*s++ != '"') {
		fprintf(stderr, "cases.txt:%zu: exprq needs a quoted string\n", line);
		exit(99);
	}
	for (; *s && *s != '"'; s++) {
		if (*s != '\\') {
			buf_putc(&b, *s);
			continue;
		}
		s++;
		switch (*s) {
		case 'n': buf_putc(&b, '\n'); break;
		case 't': buf_putc(&b, '\t'); break;
		case 'r': buf_putc(&b, '\r'); break;
		case 'x': {
			char hex[3] = {s[1], s[2], 0};
			buf_putc(&b, (char)strtol(hex, NULL, 16));
			s += 2;
			break;
		}
		default: buf_putc(&b, *s); break;
		}
	}
	return buf_steal(&b);
}

/* ---- fixtures ---- */

struct fixture {
	char *name;
	struct xr_store *store;
};

static struct fixture fixtures[16];
static size_t n_fixtures;

static struct xr_store *
fixture_store(const char *dir, const char *name)
{
	for (size_t i = 0; i < n_fixtures; i++)
		if (strcmp(fixtures[i].name, name) == 0)
			return fixtures[i].store;
	char *path = strncmp(name, "data/", 5) == 0 ? xasprintf("%s/../../../%s", dir, name)
	                                            : xasprintf("%s/%s", dir, name);
	struct xr_store *store = store_new();
	struct xr_warnings w = {0};
	struct load_stats stats = {0};
	struct xr_err err = {0};
	if (file_load(path, store, &w, &stats, &err) < 0 || stats.skipped || w.n) {
		fprintf(stderr, "cannot load %s: %s %s\n", path, err.msg, w.n ? w.msgs[0] : "");
		exit(99);
	}
	free(path);
	warn_free(&w);
	if (n_fixtures == sizeof fixtures / sizeof *fixtures)
		exit(99);
	fixtures[n_fixtures].name = xstrdup(name);
	fixtures[n_fixtures].store = store;
	return fixtures[n_fixtures++].store;
}

/* True if id appears in the space-separated list, whole or as a suffix. */
static bool
listed(const char *list, const char *id)
{
	if (!list)
		return false;
	size_t idlen = strlen(id);
	const char *p = list;
	while (*p) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (n && n <= idlen && memcmp(id + idlen - n, p, n) == 0)
			return true;
		p += n;
	}
	return false;
}

/* Counts the words of list, so a name that matches nothing is caught. */
static size_t
words(const char *list)
{
	size_t n = 0;
	for (const char *p = list; p && *p;) {
		while (*p == ' ')
			p++;
		size_t k = strcspn(p, " ");
		n += k > 0;
		p += k;
	}
	return n;
}

static void
check_eval(const struct record *r, const struct xr_filter *f, const char *dir)
{
	struct xr_store *store = fixture_store(dir, r->fixture);
	struct buf got_match = BUF_INIT, got_need = BUF_INIT;
	buf_puts(&got_match, "");
	buf_puts(&got_need, "");
	size_t n_match = 0, n_need = 0;
	bool consistent = true;
	enum filter_verdict *batch = xmalloc((store_count(store) + 1) * sizeof *batch);
	size_t batch_matches = filter_eval_store(f, store, batch), matches = 0;
	for (size_t i = 0; i < store_count(store); i++) {
		const struct xr_store_entry *e = store_entry(store, i);
		const struct xr_summary *s = store_entry_summary(e);
		enum filter_verdict vs = filter_eval_summary(f, s);
		enum filter_verdict v = vs;
		if (e->trace) {
			v = filter_eval(f, s, e->trace);
			int vt = filter_eval_trace(f, e->trace);
			/* A definite answer from the summary must agree with the trace. */
			if ((vs != FILTER_NEED_TRACE && (vs == FILTER_MATCH) != vt) ||
			    (v == FILTER_MATCH) != vt)
				consistent = false;
		}
		if (batch[i] != v)
			consistent = false; /* filter_eval_store() must agree with filter_eval() */
		matches += v == FILTER_MATCH;
		const char *id = s->id ? s->id : e->trace->id;
		if (v == FILTER_MATCH) {
			buf_printf(&got_match, " %s", id);
			n_match += listed(r->match, id);
			if (!listed(r->match, id))
				n_match += 1000;
		}
		if (vs == FILTER_NEED_TRACE) {
			buf_printf(&got_need, " %s", id);
			n_need += listed(r->need, id) ? 1 : 1000;
		}
	}
	consistent = consistent && matches == batch_matches;
	free(batch);
	ok(n_match == words(r->match) && consistent, "line %zu: matches [%s ]%s", r->line,
	   r->match ? r->match : "",
	   consistent ? "" : " (summary, trace and store passes disagree)");
	if (n_match != words(r->match))
		printf("#   got [%s ]\n", got_match.data);
	if ((r->need || n_need) && !(r->need && strcmp(r->need, "any") == 0)) {
		ok(n_need == words(r->need), "line %zu: needs the trace [%s ]", r->line,
		   r->need ? r->need : "");
		if (n_need != words(r->need))
			printf("#   got [%s ]\n", got_need.data);
	}
	buf_free(&got_match);
	buf_free(&got_need);
}

static void
run(const struct record *r, const char *dir)
{
	struct xr_filter_error e;
	xr_group_resolver resolver = r->n_groups ? resolve : NULL;
	struct xr_filter *f = filter_compile(r->expr, resolver, (void *)r, &e);
	struct buf b = BUF_INIT;
	if (r->error) {
		char got[600];
		if (f)
			snprintf(got, sizeof got, "(valid)");
		else
			snprintf(got, sizeof got, "%zu: %s", e.column, e.message);
		is_str(got, r->error, "line %zu: error", r->line);
		if (r->hint && !f)
			is_str(e.hint, r->hint, "line %zu: hint", r->line);
		if (!f) {
			filter_error_format(r->expr, &e, 0, &b); /* must not crash */
			buf_free(&b);
		}
	} else if (!f) {
		ok(0, "line %zu: valid", r->line);
		printf("#   column %zu: %s (hint: %s)\n", e.column, e.message, e.hint);
	} else {
		buf_puts(&b, "");
		filter_normalize(f, &b);
		const char *want = r->norm && strcmp(r->norm, "=") == 0 ? r->expr : r->norm;
		if (want)
			is_str(b.data, want, "line %zu: normalised", r->line);
		struct xr_filter *again = filter_compile(b.data, resolver, (void *)r, &e);
		struct buf b2 = BUF_INIT;
		buf_puts(&b2, "");
		if (again)
			filter_normalize(again, &b2);
		is_str(b2.data, b.data, "line %zu: normalising is idempotent", r->line);
		buf_free(&b2);
		filter_free(again);
		buf_free(&b);
	}
	if (f && r->fixture)
		check_eval(r, f, dir);
	filter_free(f);
}

int
main(int argc, char **argv)
{
	const char *srcdir = argc > 1 ? argv[1] : getenv("top_srcdir");
	if (!srcdir)
		srcdir = ".";
	char *cases = xasprintf("%s/tests/filter/cases.txt", srcdir);
	char *dir = xasprintf("%s/tests/filter/fixtures", srcdir);
	FILE *fp = fopen(cases, "r");
	if (!fp) {
		perror(cases);
		return 99;
	}
	struct record r = {0};
	char *line = NULL;
	size_t cap = 0, lineno = 0, n_records = 0;
	ssize_t len;
	for (;;) {
		len = getline(&line, &cap, fp);
		if (len >= 0) {
			lineno++;
			while (len > 0 && line[len - 1] == '\n')
				line[--len] = '\0';
		}
		if (len < 0 || len == 0) {
			if (r.expr) {
				run(&r, dir);
				n_records++;
			} else if (r.line) {
				fprintf(stderr, "cases.txt:%zu: record without expr\n", r.line);
				return 99;
			}
			record_clear(&r);
			if (len < 0)
				break;
			continue;
		}
		if (line[0] == '#')
			continue;
		char *colon = strstr(line, ": ");
		char *value = colon ? colon + 2 : line + len;
		if (!colon && line[len - 1] == ':')
			colon = line + len - 1;
		if (!colon) {
			fprintf(stderr, "cases.txt:%zu: expected 'key: value'\n", lineno);
			return 99;
		}
		*colon = '\0';
		if (!r.line)
			r.line = lineno;
		if (strcmp(line, "expr") == 0) {
			r.expr = xstrdup(value);
		} else if (strcmp(line, "exprq") == 0) {
			r.expr = unquote(value, lineno);
		} else if (strcmp(line, "norm") == 0) {
			r.norm = xstrdup(value);
		} else if (strcmp(line, "error") == 0) {
			r.error = xstrdup(value);
		} else if (strcmp(line, "hint") == 0) {
			r.hint = xstrdup(value);
		} else if (strcmp(line, "fixture") == 0) {
			r.fixture = xstrdup(value);
		} else if (strcmp(line, "match") == 0) {
			r.match = xstrdup(value);
		} else if (strcmp(line, "need") == 0) {
			r.need = xstrdup(value);
		} else if (strcmp(line, "group") == 0 && r.n_groups < MAX_GROUPS) {
			char *eq = strstr(value, " = ");
			if (!eq) {
				fprintf(stderr, "cases.txt:%zu: group NAME = EXPR\n", lineno);
				return 99;
			}
			r.group_names[r.n_groups] = xstrndup(value, (size_t)(eq - value));
			r.group_exprs[r.n_groups++] = xstrdup(eq + 3);
		} else {
			fprintf(stderr, "cases.txt:%zu: unknown key '%s'\n", lineno, line);
			return 99;
		}
	}
	free(line);
	fclose(fp);
	free(cases);
	free(dir);
	printf("# %zu expressions\n", n_records);
	for (size_t i = 0; i < n_fixtures; i++) {
		store_free(fixtures[i].store);
		free(fixtures[i].name);
	}
	return tap_done();
}
