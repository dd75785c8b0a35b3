#include "config.h"

#include "filter/rcjson.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/keywords.h"
#include "util/hex.h"
#include "util/strdist.h"
#include "util/jsonscan.h"
#include "util/jsonw.h"
#include "util/utf8.h"
#include "util/xmalloc.h"
#include "util/i18n.h"

/* ---- a small JSON reader (values live in the filter's arena) ---- */

enum jv_type { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ };

struct jmember;

struct jv {
	enum jv_type type;
	size_t off; /* byte offset in the expression, for messages */
	bool b;
	double n;
	const char *s;
	struct jv *items;        /* JV_ARR */
	struct jmember *members; /* JV_OBJ */
	unsigned count;
};

struct jmember {
	const char *key;
	size_t off;
	struct jv val;
};

#define JSON_MAX_DEPTH 16

struct jreader {
	struct lexer *lx;
	struct arena *a;
	const char *s;
	size_t len;
	size_t pos;
};

static void
jskip(struct jreader *r)
{
	while (r->pos < r->len && (r->s[r->pos] == ' ' || r->s[r->pos] == '\t' ||
	                           r->s[r->pos] == '\n' || r->s[r->pos] == '\r'))
		r->pos++;
}

static int
jfail(struct jreader *r, size_t off, const char *what)
{
	if (off >= r->len)
		lexer_error(r->lx, off, _("rootcause.json: %s, found the end of the expression"),
		            _(what));
	else
		lexer_error(r->lx, off, _("rootcause.json: %s"), _(what));
	return -1;
}

/* The code unit of the \\uXXXX escape at p, or -1. */
static long
escape_unit(const char *p, const char *to)
{
	if (to - p < 6 || p[0] != '\\' || p[1] != 'u')
		return -1;
	long v = 0;
	for (int i = 2; i < 6; i++) {
		int d = hex_digit(p[i]);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* What jsonscan_string() takes but a pattern refuses in the raw string
 * [from, to): a \\u0000 or a lone surrogate (trace data keeps them as
 * C0 80 and U+FFFD).  Returns the escape's backslash and sets *what, or
 * NULL. */
static const char *
escape_problem(const char *from, const char *to, const char **what)
{
	for (const char *p = from; p + 1 < to; p++) {
		if (*p != '\\')
			continue;
		long u = escape_unit(p, to);
		if (u == 0) {
			*what = N_("\\u0000 is not supported in a JSON string");
			return p;
		}
		if (u >= 0xD800 && u <= 0xDBFF) {
			long lo = escape_unit(p + 6, to);
			if (lo < 0xDC00 || lo > 0xDFFF) {
				*what = N_("unpaired surrogate in a JSON string");
				return p;
			}
			p += 11; /* both escapes */
			continue;
		}
		if (u >= 0xDC00 && u <= 0xDFFF) {
			*what = N_("unpaired surrogate in a JSON string");
			return p;
		}
		p++; /* the escaped byte */
	}
	return NULL;
}

/* The message for a string jsonscan_string() refused, with *at set to
 * where it is reported. */
static const char *
string_problem(const struct jreader *r, size_t start, const char *bad, size_t *at)
{
	const char *end = r->s + r->len;
	*at = (size_t)(bad - r->s);
	if (bad >= end) {
		*at = start;
		return N_("unterminated JSON string");
	}
	if ((unsigned char)*bad < 0x20)
		return N_("control character in a JSON string");
	return N_("invalid escape in a JSON string");
}

/* Strings are read by util/jsonscan, the reader util/jsonpull uses. */
static int
jstring(struct jreader *r, struct jv *v)
{
	size_t start = r->pos;
	const char *end = r->s + r->len, *bad;
	struct buf text = BUF_INIT;
	const char *after = jsonscan_string(r->s + start, end, &text, &bad);
	if (!after) {
		buf_free(&text);
		size_t at;
		const char *what = string_problem(r, start, bad, &at);
		return jfail(r, at, what);
	}
	const char *what;
	const char *problem = escape_problem(r->s + start + 1, after - 1, &what);
	if (problem) {
		buf_free(&text);
		return jfail(r, (size_t)(problem - r->s), what);
	}
	v->type = JV_STR;
	v->s = arena_memdup(r->a, text.data ? text.data : "", text.len + 1, 1);
	buf_free(&text);
	r->pos = (size_t)(after - r->s);
	return 0;
}

/* Numbers are read by util/jsonscan too; the value comes from the filter's
 * own conversion so its range checks hold. */
static int
jnumber(struct jreader *r, struct jv *v)
{
	const char *start = r->s + r->pos, *end = r->s + r->len, *bad, *what;
	double ignored;
	const char *after = jsonscan_number(start, end, &ignored, &bad, &what);
	/* "01": jsonscan stops after the 0; JSON says it is not a number. */
	if (!after || (after < end && *after >= '0' && *after <= '9'))
		return jfail(r, r->pos, N_("invalid JSON number"));
	if (!lexer_parse_number(start, (size_t)(after - start), &v->n))
		return jfail(r, r->pos, N_("JSON number out of range"));
	v->type = JV_NUM;
	r->pos = (size_t)(after - r->s);
	return 0;
}

static int jvalue(struct jreader *r, struct jv *v, int depth);

/* Grows a temporary array of n elements by one; caller copies it out. */
#define JPUSH(arr, n, cap)                                                                         \
	do {                                                                                       \
		if ((n) == (cap)) {                                                                \
			(cap) = (cap) ? 2 * (cap) : 4;                                             \
			(arr) = xreallocarray((arr), (cap), sizeof *(arr));                        \
		}                                                                                  \
		memset(&(arr)[(n)], 0, sizeof *(arr));                                             \
	} while (0)

static int
jarray(struct jreader *r, struct jv *v, int depth)
{
	struct jv *items = NULL;
	unsigned n = 0, cap = 0;
	r->pos++;
	jskip(r);
	if (r->pos < r->len && r->s[r->pos] == ']') {
		r->pos++;
	} else {
		for (;;) {
			JPUSH(items, n, cap);
			if (jvalue(r, &items[n], depth + 1) < 0)
				goto fail;
			n++;
			jskip(r);
			if (r->pos < r->len && r->s[r->pos] == ',') {
				r->pos++;
				continue;
			}
			if (r->pos < r->len && r->s[r->pos] == ']') {
				r->pos++;
				break;
			}
			jfail(r, r->pos, N_("expected ',' or ']' in a JSON array"));
			goto fail;
		}
	}
	v->type = JV_ARR;
	v->items = arena_memdup(r->a, items, n, sizeof *items);
	v->count = n;
	free(items);
	return 0;
fail:
	free(items);
	return -1;
}

static int
jobject(struct jreader *r, struct jv *v, int depth)
{
	struct jmember *m = NULL;
	unsigned n = 0, cap = 0;
	r->pos++;
	jskip(r);
	if (r->pos < r->len && r->s[r->pos] == '}') {
		r->pos++;
	} else {
		for (;;) {
			jskip(r);
			if (r->pos >= r->len || r->s[r->pos] != '"') {
				jfail(r, r->pos,
				      N_("expected a quoted field name in a JSON object"));
				goto fail;
			}
			JPUSH(m, n, cap);
			struct jv key;
			m[n].off = r->pos;
			if (jstring(r, &key) < 0)
				goto fail;
			m[n].key = key.s;
			for (unsigned i = 0; i < n; i++) {
				if (strcmp(m[i].key, key.s) == 0) {
					jfail(r, m[n].off, N_("duplicate field in a JSON object"));
					goto fail;
				}
			}
			jskip(r);
			if (r->pos >= r->len || r->s[r->pos] != ':') {
				jfail(r, r->pos, N_("expected ':' after a field name"));
				goto fail;
			}
			r->pos++;
			if (jvalue(r, &m[n].val, depth + 1) < 0)
				goto fail;
			n++;
			jskip(r);
			if (r->pos < r->len && r->s[r->pos] == ',') {
				r->pos++;
				continue;
			}
			if (r->pos < r->len && r->s[r->pos] == '}') {
				r->pos++;
				break;
			}
			jfail(r, r->pos, N_("expected ',' or '}' in a JSON object"));
			goto fail;
		}
	}
	v->type = JV_OBJ;
	v->members = arena_memdup(r->a, m, n, sizeof *m);
	v->count = n;
	free(m);
	return 0;
fail:
	free(m);
	return -1;
}

static bool
jword(struct jreader *r, const char *w)
{
	size_t n = strlen(w);
	if (r->len - r->pos < n || memcmp(r->s + r->pos, w, n) != 0)
		return false;
	r->pos += n;
	return true;
}

static int
jvalue(struct jreader *r, struct jv *v, int depth)
{
	jskip(r);
	v->off = r->pos;
	if (depth > JSON_MAX_DEPTH)
		return jfail(r, r->pos, N_("JSON nested too deeply"));
	if (r->pos >= r->len)
		return jfail(r, r->pos, N_("expected a JSON value"));
	switch (r->s[r->pos]) {
	case '"': return jstring(r, v);
	case '[': return jarray(r, v, depth);
	case '{': return jobject(r, v, depth);
	case 't':
	case 'f':
	case 'n':
		if (jword(r, "true") || jword(r, "false")) {
			v->type = JV_BOOL;
			v->b = r->s[v->off] == 't';
			return 0;
		}
		if (jword(r, "null")) {
			v->type = JV_NULL;
			return 0;
		}
		break;
	default:
		if (r->s[r->pos] == '-' || (r->s[r->pos] >= '0' && r->s[r->pos] <= '9'))
			return jnumber(r, v);
	}
	return jfail(r, r->pos, N_("expected a JSON value"));
}

/* ---- the typed pattern ---- */

enum pstate { P_ANY, P_NULL, P_VAL };

struct pstr {
	enum pstate st;
	const char *s;
};

struct pbool {
	enum pstate st;
	bool b;
};

struct pnum {
	enum pstate st;
	double n;
};

struct pstrs {
	enum pstate st;
	const char **v;
	unsigned n;
};

struct pexc {
	struct pstr name, message;
};

struct pent {
	struct pstr name;
	struct pnum coverage;
	struct pbool remote;
	enum pstate exc_st;
	struct pexc *exc;
	unsigned n_exc;
};

struct psvc {
	struct pstr name, type, account;
	struct pstrs names;
	struct pbool inferred;
	enum pstate path_st;
	struct pent *path;
	unsigned n_path;
};

struct pcause {
	enum pstate svc_st;
	struct psvc *svcs;
	unsigned n_svcs;
	struct pbool client_impacting;
};

struct rcjson {
	struct pcause *causes;
	unsigned n;
};

static int
type_error(struct jreader *r, const struct jmember *m, const char *want)
{
	lexer_error(r->lx, m->val.off, _("rootcause.json: \"%s\" must be %s or null"), m->key,
	            _(want));
	return -1;
}

static int
conv_str(struct jreader *r, const struct jmember *m, struct pstr *p)
{
	if (m->val.type == JV_NULL) {
		p->st = P_NULL;
		return 0;
	}
	if (m->val.type != JV_STR)
		return type_error(r, m, N_("a string"));
	p->st = P_VAL;
	p->s = m->val.s;
	return 0;
}

static int
conv_bool(struct jreader *r, const struct jmember *m, struct pbool *p)
{
	if (m->val.type == JV_NULL) {
		p->st = P_NULL;
		return 0;
	}
	if (m->val.type != JV_BOOL)
		return type_error(r, m, N_("true, false"));
	p->st = P_VAL;
	p->b = m->val.b;
	return 0;
}

static int
conv_num(struct jreader *r, const struct jmember *m, struct pnum *p)
{
	if (m->val.type == JV_NULL) {
		p->st = P_NULL;
		return 0;
	}
	if (m->val.type != JV_NUM)
		return type_error(r, m, N_("a number"));
	p->st = P_VAL;
	p->n = m->val.n;
	return 0;
}

/* AccountId: a string, or a number as the developer guide's example shows. */
static int
conv_account(struct jreader *r, const struct jmember *m, struct pstr *p)
{
	if (m->val.type != JV_NUM)
		return conv_str(r, m, p);
	double n = m->val.n;
	if (n < 0 || n >= 1e15 || n != floor(n))
		return type_error(r, m, N_("a string"));
	char tmp[32];
	snprintf(tmp, sizeof tmp, "%.0f", n);
	p->st = P_VAL;
	p->s = arena_strdup(r->a, tmp);
	return 0;
}

/* Checks that m is an array (or null) and sets *st. */
static int
conv_list(struct jreader *r, const struct jmember *m, enum pstate *st, const char *of)
{
	if (m->val.type == JV_NULL) {
		*st = P_NULL;
		return 0;
	}
	if (m->val.type != JV_ARR)
		return type_error(r, m, of);
	*st = P_VAL;
	return 0;
}

static int
unknown_field(struct jreader *r, const struct jmember *m, const char *const *known)
{
	lexer_error(r->lx, m->off, _("rootcause.json: unknown field \"%s\""), m->key);
	const char *near = strdist_nearest(m->key, strlen(m->key), known);
	if (near) {
		lexer_hint(r->lx, _("did you mean \"%s\"?"), near);
	} else {
		char list[200] = "";
		for (size_t i = 0; known[i]; i++)
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
			         i ? ", " : "", known[i]);
		lexer_hint(r->lx, _("the fields here are %s"), list);
	}
	return -1;
}

static int
need_object(struct jreader *r, const struct jv *v, const char *what)
{
	if (v->type == JV_OBJ)
		return 0;
	lexer_error(r->lx, v->off, _("rootcause.json: expected %s (a JSON object)"), _(what));
	return -1;
}

static int
conv_exception(struct jreader *r, const struct jv *v, struct pexc *p)
{
	static const char *const known[] = {"Name", "Message", NULL};
	if (need_object(r, v, N_("an exception")) < 0)
		return -1;
	for (unsigned i = 0; i < v->count; i++) {
		const struct jmember *m = &v->members[i];
		int rc = strcmp(m->key, "Name") == 0      ? conv_str(r, m, &p->name)
		         : strcmp(m->key, "Message") == 0 ? conv_str(r, m, &p->message)
		                                          : unknown_field(r, m, known);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int
conv_entity(struct jreader *r, const struct jv *v, struct pent *p)
{
	static const char *const known[] = {"Name", "Coverage", "Remote", "Exceptions", NULL};
	if (need_object(r, v, N_("an entity")) < 0)
		return -1;
	for (unsigned i = 0; i < v->count; i++) {
		const struct jmember *m = &v->members[i];
		int rc;
		if (strcmp(m->key, "Name") == 0) {
			rc = conv_str(r, m, &p->name);
		} else if (strcmp(m->key, "Coverage") == 0) {
			rc = conv_num(r, m, &p->coverage);
		} else if (strcmp(m->key, "Remote") == 0) {
			rc = conv_bool(r, m, &p->remote);
		} else if (strcmp(m->key, "Exceptions") == 0) {
			rc = conv_list(r, m, &p->exc_st, N_("a list of exceptions"));
			if (rc == 0 && p->exc_st == P_VAL) {
				p->n_exc = m->val.count;
				p->exc = ARENA_ARRAY(r->a, struct pexc, p->n_exc);
				for (unsigned k = 0; rc == 0 && k < p->n_exc; k++)
					rc = conv_exception(r, &m->val.items[k], &p->exc[k]);
			}
		} else {
			rc = unknown_field(r, m, known);
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int
conv_service(struct jreader *r, const struct jv *v, struct psvc *p)
{
	static const char *const known[] = {"Name",     "Names",      "Type", "AccountId",
	                                    "Inferred", "EntityPath", NULL};
	if (need_object(r, v, N_("a service")) < 0)
		return -1;
	for (unsigned i = 0; i < v->count; i++) {
		const struct jmember *m = &v->members[i];
		int rc;
		if (strcmp(m->key, "Name") == 0) {
			rc = conv_str(r, m, &p->name);
		} else if (strcmp(m->key, "Type") == 0) {
			rc = conv_str(r, m, &p->type);
		} else if (strcmp(m->key, "AccountId") == 0) {
			rc = conv_account(r, m, &p->account);
		} else if (strcmp(m->key, "Inferred") == 0) {
			rc = conv_bool(r, m, &p->inferred);
		} else if (strcmp(m->key, "Names") == 0) {
			rc = conv_list(r, m, &p->names.st, N_("a list of strings"));
			if (rc == 0 && p->names.st == P_VAL) {
				p->names.n = m->val.count;
				p->names.v = ARENA_ARRAY(r->a, const char *, p->names.n);
				for (unsigned k = 0; rc == 0 && k < p->names.n; k++) {
					const struct jv *item = &m->val.items[k];
					if (item->type != JV_STR)
						rc = jfail(r, item->off,
						           N_("\"Names\" must list strings"));
					else
						p->names.v[k] = item->s;
				}
			}
		} else if (strcmp(m->key, "EntityPath") == 0) {
			rc = conv_list(r, m, &p->path_st, N_("a list of entities"));
			if (rc == 0 && p->path_st == P_VAL) {
				p->n_path = m->val.count;
				p->path = ARENA_ARRAY(r->a, struct pent, p->n_path);
				for (unsigned k = 0; rc == 0 && k < p->n_path; k++)
					rc = conv_entity(r, &m->val.items[k], &p->path[k]);
			}
		} else {
			rc = unknown_field(r, m, known);
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int
conv_cause(struct jreader *r, const struct jv *v, struct pcause *p)
{
	static const char *const known[] = {"Services", "ClientImpacting", NULL};
	if (need_object(r, v, N_("a root cause")) < 0)
		return -1;
	for (unsigned i = 0; i < v->count; i++) {
		const struct jmember *m = &v->members[i];
		int rc;
		if (strcmp(m->key, "ClientImpacting") == 0) {
			rc = conv_bool(r, m, &p->client_impacting);
		} else if (strcmp(m->key, "Services") == 0) {
			rc = conv_list(r, m, &p->svc_st, N_("a list of services"));
			if (rc == 0 && p->svc_st == P_VAL) {
				p->n_svcs = m->val.count;
				p->svcs = ARENA_ARRAY(r->a, struct psvc, p->n_svcs);
				for (unsigned k = 0; rc == 0 && k < p->n_svcs; k++)
					rc = conv_service(r, &m->val.items[k], &p->svcs[k]);
			}
		} else {
			rc = unknown_field(r, m, known);
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

struct rcjson *
rcjson_parse(struct lexer *lx, struct arena *a)
{
	struct jreader r = {lx, a, lx->src, lx->len, lx->pos};
	if (r.pos >= r.len || r.s[r.pos] != '[') {
		jfail(&r, r.pos, N_("expected '[' right after '#'"));
		lexer_hint(lx, _("write the root causes as #[ {...}, ... ]"));
		return NULL;
	}
	struct jv top;
	if (jvalue(&r, &top, 0) < 0)
		return NULL;
	if (top.count == 0) {
		jfail(&r, top.off, N_("expected at least one root cause in #[ ]"));
		lexer_hint(lx, _("#[{}] matches every trace that has a root cause"));
		return NULL;
	}
	struct rcjson *p = ARENA_NEW(a, struct rcjson);
	p->n = top.count;
	p->causes = ARENA_ARRAY(a, struct pcause, p->n);
	for (unsigned i = 0; i < p->n; i++)
		if (conv_cause(&r, &top.items[i], &p->causes[i]) < 0)
			return NULL;
	lx->pos = r.pos;
	return p;
}

/* ---- matching ---- */

static bool
m_str(const struct pstr *p, const char *s)
{
	return p->st == P_ANY || (p->st == P_NULL ? s == NULL : s && strcmp(p->s, s) == 0);
}

static bool
m_bool(const struct pbool *p, bool present, bool b)
{
	return p->st == P_ANY || (p->st == P_NULL ? !present || !b : present && p->b == b);
}

static bool
m_num(const struct pnum *p, double n)
{
	return p->st == P_ANY || (p->st == P_NULL ? isnan(n) : p->n == n);
}

/* Ordered subsequence: each pattern element matches a later data element
 * than the one before; taking the earliest match each time is enough. */
#define SUBSEQ(ok, st, pat, np, dat, nd, match)                                                    \
	do {                                                                                       \
		if ((st) == P_NULL) {                                                              \
			(ok) = (nd) == 0;                                                          \
		} else if ((st) == P_VAL) {                                                        \
			unsigned j_ = 0;                                                           \
			(ok) = true;                                                               \
			for (unsigned i_ = 0; (ok) && i_ < (np); i_++) {                           \
				while (j_ < (nd) && !match(&(pat)[i_], &(dat)[j_]))                \
					j_++;                                                      \
				if (j_ == (nd))                                                    \
					(ok) = false;                                              \
				else                                                               \
					j_++;                                                      \
			}                                                                          \
		}                                                                                  \
	} while (0)

static bool
m_exc(const struct pexc *p, const struct xr_rc_exception *e)
{
	return m_str(&p->name, e->name) && m_str(&p->message, e->message);
}

static bool
m_ent(const struct pent *p, const struct xr_rc_entity *e)
{
	if (!m_str(&p->name, e->name) || !m_num(&p->coverage, e->coverage) ||
	    !m_bool(&p->remote, e->has_remote, e->remote))
		return false;
	bool ok = true;
	SUBSEQ(ok, p->exc_st, p->exc, p->n_exc, e->exceptions, e->n_exceptions, m_exc);
	return ok;
}

static bool
m_name(const char *const *p, const char *const *s)
{
	return strcmp(*p, *s) == 0;
}

static bool
m_svc(const struct psvc *p, const struct xr_rc_service *s)
{
	if (!m_str(&p->name, s->id.name) || !m_str(&p->type, s->id.type) ||
	    !m_str(&p->account, s->id.account_id) || !m_bool(&p->inferred, true, s->inferred))
		return false;
	bool ok = true;
	const char *const *names = s->id.names;
	SUBSEQ(ok, p->names.st, (const char *const *)p->names.v, p->names.n, names, s->id.n_names,
	       m_name);
	if (ok)
		SUBSEQ(ok, p->path_st, p->path, p->n_path, s->path, s->n_path, m_ent);
	return ok;
}

static bool
m_cause(const struct pcause *p, const struct xr_root_cause *c)
{
	if (!m_bool(&p->client_impacting, true, c->client_impacting))
		return false;
	bool ok = true;
	SUBSEQ(ok, p->svc_st, p->svcs, p->n_svcs, c->services, c->n_services, m_svc);
	return ok;
}

bool
rcjson_match(const struct rcjson *p, const struct xr_summary *s)
{
	for (int k = 0; k < XR_RC_KINDS; k++) {
		bool ok = true;
		SUBSEQ(ok, P_VAL, p->causes, p->n, s->root_causes[k], s->n_root_causes[k], m_cause);
		if (ok)
			return true;
	}
	return false;
}

/* ---- printing ---- */

struct pr {
	struct buf *out;
	bool first;
};

static void
pr_key(struct pr *pr, const char *key)
{
	buf_puts(pr->out, pr->first ? "\"" : ",\"");
	buf_puts(pr->out, key);
	buf_puts(pr->out, "\":");
	pr->first = false;
}

static void
pr_str(struct pr *pr, const char *key, const struct pstr *p)
{
	if (p->st == P_ANY)
		return;
	pr_key(pr, key);
	if (p->st == P_NULL)
		buf_puts(pr->out, "null");
	else
		json_escape(pr->out, p->s, strlen(p->s));
}

static void
pr_bool(struct pr *pr, const char *key, const struct pbool *p)
{
	if (p->st == P_ANY)
		return;
	pr_key(pr, key);
	buf_puts(pr->out, p->st == P_NULL ? "null" : p->b ? "true" : "false");
}

static void
pr_num(struct pr *pr, const char *key, const struct pnum *p)
{
	if (p->st == P_ANY)
		return;
	pr_key(pr, key);
	if (p->st == P_NULL)
		buf_puts(pr->out, "null");
	else
		lexer_format_number(p->n, pr->out);
}

/* Prints the key and, for a null list, null; returns true if the caller
 * should print the elements. */
static bool
pr_list(struct pr *pr, const char *key, enum pstate st)
{
	if (st == P_ANY)
		return false;
	pr_key(pr, key);
	if (st == P_NULL) {
		buf_puts(pr->out, "null");
		return false;
	}
	return true;
}

static void
pr_ent(struct buf *out, const struct pent *p)
{
	struct pr pr = {out, true};
	buf_putc(out, '{');
	pr_str(&pr, "Name", &p->name);
	pr_num(&pr, "Coverage", &p->coverage);
	pr_bool(&pr, "Remote", &p->remote);
	if (pr_list(&pr, "Exceptions", p->exc_st)) {
		buf_putc(out, '[');
		for (unsigned i = 0; i < p->n_exc; i++) {
			struct pr e = {out, true};
			buf_puts(out, i ? ",{" : "{");
			pr_str(&e, "Name", &p->exc[i].name);
			pr_str(&e, "Message", &p->exc[i].message);
			buf_putc(out, '}');
		}
		buf_putc(out, ']');
	}
	buf_putc(out, '}');
}

static void
pr_svc(struct buf *out, const struct psvc *p)
{
	struct pr pr = {out, true};
	buf_putc(out, '{');
	pr_str(&pr, "Name", &p->name);
	if (pr_list(&pr, "Names", p->names.st)) {
		buf_putc(out, '[');
		for (unsigned i = 0; i < p->names.n; i++) {
			if (i)
				buf_putc(out, ',');
			json_escape(out, p->names.v[i], strlen(p->names.v[i]));
		}
		buf_putc(out, ']');
	}
	pr_str(&pr, "Type", &p->type);
	pr_str(&pr, "AccountId", &p->account);
	pr_bool(&pr, "Inferred", &p->inferred);
	if (pr_list(&pr, "EntityPath", p->path_st)) {
		buf_putc(out, '[');
		for (unsigned i = 0; i < p->n_path; i++) {
			if (i)
				buf_putc(out, ',');
			pr_ent(out, &p->path[i]);
		}
		buf_putc(out, ']');
	}
	buf_putc(out, '}');
}

void
rcjson_print(const struct rcjson *p, struct buf *out)
{
	buf_putc(out, '[');
	for (unsigned i = 0; i < p->n; i++) {
		const struct pcause *c = &p->causes[i];
		struct pr pr = {out, true};
		buf_puts(out, i ? ",{" : "{");
		if (pr_list(&pr, "Services", c->svc_st)) {
			buf_putc(out, '[');
			for (unsigned k = 0; k < c->n_svcs; k++) {
				if (k)
					buf_putc(out, ',');
				pr_svc(out, &c->svcs[k]);
			}
			buf_putc(out, ']');
		}
		pr_bool(&pr, "ClientImpacting", &c->client_impacting);
		buf_putc(out, '}');
	}
	buf_putc(out, ']');
}
