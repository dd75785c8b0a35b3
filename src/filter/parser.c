#include "config.h"

#include "filter/parser.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/lexer.h"
#include "filter/rcjson.h"
#include "util/strdist.h"
#include "util/xmalloc.h"
#include "util/i18n.h"

/* Group references being expanded, to catch loops; X-Ray allows 25 groups. */
#define MAX_GROUPS 32

/* State shared by the parser of an expression and of the groups it uses. */
struct shared {
	struct arena *a;
	xr_group_resolver resolver;
	void *ctx;
	int depth;
	const char *groups[MAX_GROUPS];
	unsigned n_groups;
};

struct parser {
	struct lexer lx;
	struct token tok; /* the current token */
	struct shared *sh;
};

/* Where a sub-expression is being parsed. */
struct scope {
	enum fscope sc;
	enum xr_rc_kind kind; /* for the root-cause scopes */
};

static struct fnode *parse_or(struct parser *p, struct scope sc);
static struct fnode *parse_unary(struct parser *p, struct scope sc);

const char *
parser_op_text(enum fop op)
{
	static const char *const text[] = {
	    [OP_SET] = "",
	    [OP_EQ] = "=",
	    [OP_NE] = "!=",
	    [OP_LT] = "<",
	    [OP_LE] = "<=",
	    [OP_GT] = ">",
	    [OP_GE] = ">=",
	    [OP_CONTAINS] = "CONTAINS",
	    [OP_BEGINSWITH] = "BEGINSWITH",
	    [OP_ENDSWITH] = "ENDSWITH",
	};
	return text[op];
}

const char *
parser_rc_kind_name(enum xr_rc_kind k)
{
	return k == XR_RC_FAULT ? "fault" : k == XR_RC_ERROR ? "error" : "responsetime";
}

const char *
parser_rc_level_name(enum rc_level l)
{
	return l == RC_SERVICE ? "service" : l == RC_ENTITY ? "entity" : "exception";
}

/* ---- tokens ---- */

static int
advance(struct parser *p)
{
	lexer_next(&p->lx, &p->tok);
	return p->tok.kind == TOK_ERROR ? -1 : 0;
}

static bool
is_word(const struct parser *p, const char *w)
{
	return lexer_word_is(&p->lx, &p->tok, w);
}

static const char *
tok_text(const struct parser *p)
{
	return p->lx.src + p->tok.off;
}

/* Describes the current token for a message: 'AND', "text", end of ... */
static const char *
describe(const struct parser *p, char *tmp, size_t size)
{
	int n = lexer_clip(tok_text(p), p->tok.len, 40);
	const char *more = (size_t)n < p->tok.len ? "..." : "";
	switch (p->tok.kind) {
	case TOK_EOF: snprintf(tmp, size, "%s", _("the end of the expression")); break;
	case TOK_STRING: snprintf(tmp, size, _("string %.*s%s"), n, tok_text(p), more); break;
	case TOK_NUMBER: snprintf(tmp, size, _("number %.*s%s"), n, tok_text(p), more); break;
	default: snprintf(tmp, size, "'%.*s%s'", n, tok_text(p), more); break;
	}
	return tmp;
}

static void *fail_at(struct parser *p, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void *
fail_at(struct parser *p, size_t off, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	lexer_error(&p->lx, off, "%s", msg);
	return NULL;
}

#define fail(p, ...) fail_at((p), (p)->tok.off, __VA_ARGS__)
#define hint(p, ...) lexer_hint(&(p)->lx, __VA_ARGS__)

/* Suggests the quoted form of an unquoted value (word or number). */
static void
hint_quote(struct parser *p)
{
	if (p->tok.kind == TOK_WORD || p->tok.kind == TOK_NUMBER) {
		hint(p, _("did you mean \"%.*s\"?"), lexer_clip(tok_text(p), p->tok.len, 60),
		     tok_text(p));
	} else if (p->tok.kind == TOK_EQ) {
		hint(p, _("compare with a single '='"));
	}
}

/* The current word is no keyword: says so, with the nearest known word as
 * the hint, or `otherwise` when nothing is near. */
static void *
fail_unknown(struct parser *p, const char *otherwise)
{
	fail(p, _("unknown keyword '%.*s'"), p->tok.len > 60 ? 60 : (int)p->tok.len, tok_text(p));
	char tmp[128];
	const char *near = keyword_suggest(tok_text(p), p->tok.len, tmp, sizeof tmp);
	if (near)
		hint(p, _("did you mean '%s'?"), near);
	else if (otherwise)
		hint(p, "%s", otherwise);
	return NULL;
}

static bool
is_word_operator(const struct parser *p)
{
	return is_word(p, "and") || is_word(p, "or") || is_word(p, "contains") ||
	       is_word(p, "beginswith") || is_word(p, "endswith");
}

/* True if the current token can begin a term. */
static bool
starts_term(const struct parser *p)
{
	return p->tok.kind == TOK_BANG || p->tok.kind == TOK_LPAREN ||
	       (p->tok.kind == TOK_WORD && !is_word_operator(p));
}

static enum fop
current_op(const struct parser *p)
{
	switch (p->tok.kind) {
	case TOK_EQ: return OP_EQ;
	case TOK_NE: return OP_NE;
	case TOK_LT: return OP_LT;
	case TOK_LE: return OP_LE;
	case TOK_GT: return OP_GT;
	case TOK_GE: return OP_GE;
	case TOK_WORD:
		if (is_word(p, "contains"))
			return OP_CONTAINS;
		if (is_word(p, "beginswith"))
			return OP_BEGINSWITH;
		if (is_word(p, "endswith"))
			return OP_ENDSWITH;
		return OP_SET;
	default: return OP_SET;
	}
}

static bool
is_string_op(enum fop op)
{
	return op == OP_CONTAINS || op == OP_BEGINSWITH || op == OP_ENDSWITH;
}

static bool
is_order_op(enum fop op)
{
	return op == OP_LT || op == OP_LE || op == OP_GT || op == OP_GE;
}

static struct fnode *
new_node(struct parser *p, enum fnode_kind kind)
{
	struct fnode *n = ARENA_NEW(p->sh->a, struct fnode);
	n->kind = kind;
	return n;
}

/* Copies the current string token's value into the arena. */
static void
take_string(struct parser *p, struct flit *lit)
{
	char *s = arena_alloc(p->sh->a, p->tok.len);
	lit->type = XR_VAL_STRING;
	lit->len = lexer_string_value(&p->lx, &p->tok, s);
	lit->s = s;
}

static int
enter(struct parser *p)
{
	if (++p->sh->depth > FILTER_MAX_DEPTH) {
		fail(p, _("expression nested too deeply (more than %d levels)"), FILTER_MAX_DEPTH);
		return -1;
	}
	return 0;
}

static void
leave(struct parser *p)
{
	p->sh->depth--;
}

/* ---- literals after an operator ---- */

/* Reads a number after op into lit. */
static int
expect_number(struct parser *p, enum fop op, struct flit *lit)
{
	if (p->tok.kind != TOK_NUMBER) {
		fail(p, _("expected a number after '%s'"), parser_op_text(op));
		double v;
		if (p->tok.kind == TOK_STRING && p->tok.len > 2 &&
		    lexer_parse_number(tok_text(p) + 1, p->tok.len - 2, &v))
			hint(p, _("numbers are written without quotes: %.*s"), (int)p->tok.len - 2,
			     tok_text(p) + 1);
		else if (p->tok.kind == TOK_EQ)
			hint(p, _("compare with a single '='"));
		return -1;
	}
	lit->type = XR_VAL_NUMBER;
	lit->n = p->tok.num;
	return advance(p);
}

static int
expect_string(struct parser *p, enum fop op, struct flit *lit)
{
	if (p->tok.kind != TOK_STRING) {
		fail(p, _("expected a quoted string after '%s'"), parser_op_text(op));
		hint_quote(p);
		return -1;
	}
	take_string(p, lit);
	return advance(p);
}

static int
expect_bool(struct parser *p, enum fop op, struct flit *lit)
{
	if (!is_word(p, "true") && !is_word(p, "false")) {
		fail(p, _("expected true or false after '%s'"), parser_op_text(op));
		if (p->tok.kind == TOK_STRING &&
		    (p->tok.len == 6 || p->tok.len == 7) /* "true" "false" */)
			hint(p, _("write true or false without quotes"));
		else
			hint_quote(p);
		return -1;
	}
	lit->type = XR_VAL_BOOL;
	lit->b = is_word(p, "true");
	return advance(p);
}

/* ---- typed keywords and annotations ---- */

static struct fnode *
parse_keyword(struct parser *p, const struct keyword *kw, struct scope sc)
{
	size_t at = p->tok.off;
	if (!(kw->scopes & SCOPE_BIT(sc.sc)) ||
	    (kw->field == FLD_COVERAGE && sc.kind != XR_RC_RESPONSETIME))
		return fail(p, _("'%s' can only be used %s"), kw->name, _(kw->where));
	if (advance(p) < 0)
		return NULL;
	struct fnode *n = new_node(p, FN_TERM);
	n->u.term.field = kw->field;
	enum fop op = current_op(p);
	n->u.term.op = op;
	const char *name = kw->name;
	switch (kw->type) {
	case KW_BOOL:
		if (op == OP_SET)
			return n;
		if (op != OP_EQ && op != OP_NE) {
			fail(p, _("'%s' cannot be used with '%s', a Boolean keyword"),
			     parser_op_text(op), name);
			hint(p, _("write %s, !%s, %s = true or %s = false"), name, name, name,
			     name);
			return NULL;
		}
		if (advance(p) < 0 || expect_bool(p, op, &n->u.term.lit) < 0)
			return NULL;
		return n;
	case KW_NUM:
		if (op == OP_SET) {
			fail_at(p, at, _("expected a comparison after '%s', a number keyword"),
			        name);
			hint(p, _("for example %s > 1"), name);
			return NULL;
		}
		if (is_string_op(op)) {
			fail(p, _("'%s' cannot be used with '%s', a number keyword"),
			     parser_op_text(op), name);
			hint(p, _("use = != < <= > >="));
			return NULL;
		}
		if (advance(p) < 0 || expect_number(p, op, &n->u.term.lit) < 0)
			return NULL;
		return n;
	case KW_STR:
		if (op == OP_SET)
			return n;
		if (is_order_op(op)) {
			fail(p, _("'%s' cannot be used with '%s', a string keyword"),
			     parser_op_text(op), name);
			hint(p, _("use = != CONTAINS BEGINSWITH ENDSWITH"));
			return NULL;
		}
		if (advance(p) < 0 || expect_string(p, op, &n->u.term.lit) < 0)
			return NULL;
		return n;
	}
	return NULL;
}

/* The operator and literal after annotation.KEY. */
static struct fnode *
parse_annotation_rest(struct parser *p, struct fnode *n)
{
	enum fop op = current_op(p);
	n->u.ann.op = op;
	if (op == OP_SET)
		return n;
	if (advance(p) < 0)
		return NULL;
	struct flit *lit = &n->u.ann.lit;
	if (is_order_op(op))
		return expect_number(p, op, lit) < 0 ? NULL : n;
	if (is_string_op(op))
		return expect_string(p, op, lit) < 0 ? NULL : n;
	if (p->tok.kind == TOK_STRING)
		return expect_string(p, op, lit) < 0 ? NULL : n;
	if (p->tok.kind == TOK_NUMBER)
		return expect_number(p, op, lit) < 0 ? NULL : n;
	if (is_word(p, "true") || is_word(p, "false"))
		return expect_bool(p, op, lit) < 0 ? NULL : n;
	fail(p, _("expected a quoted string, a number, true or false after '%s'"),
	     parser_op_text(op));
	hint_quote(p);
	return NULL;
}

static struct fnode *
parse_annotation(struct parser *p, struct scope sc)
{
	static const char prefix[] = "annotation.";
	const size_t plen = sizeof prefix - 1;
	if (!(SCOPES_SEGMENT & SCOPE_BIT(sc.sc)))
		return fail(p, _("annotations cannot be used inside %s"),
		            keyword_scope_name(sc.sc));
	struct fnode *n = new_node(p, FN_ANNOTATION);
	if (p->tok.len > plen) { /* annotation.KEY */
		const char *key = tok_text(p) + plen;
		size_t klen = p->tok.len - plen;
		if (!lexer_is_key(key, klen)) {
			fail(p, _("an annotation key after 'annotation.' has only letters, digits "
			          "and '_'"));
			hint(p, _("write annotation[\"%.*s\"]"), klen > 60 ? 60 : (int)klen, key);
			return NULL;
		}
		n->u.ann.key = arena_strndup(p->sh->a, key, klen);
		if (advance(p) < 0)
			return NULL;
		return parse_annotation_rest(p, n);
	}
	/* annotation[KEY] or annotation["any key"] */
	if (advance(p) < 0)
		return NULL;
	if (p->tok.kind != TOK_LBRACKET) {
		fail(p, _("expected '.KEY' or '[KEY]' after 'annotation'"));
		hint(p, _("for example annotation.user_tier = \"gold\""));
		return NULL;
	}
	if (advance(p) < 0)
		return NULL;
	if (p->tok.kind == TOK_STRING) {
		struct flit lit;
		take_string(p, &lit);
		if (lit.len == 0)
			return fail(p, _("an annotation key cannot be empty"));
		n->u.ann.key = lit.s;
	} else if ((p->tok.kind == TOK_WORD || p->tok.kind == TOK_NUMBER) &&
	           lexer_is_key(tok_text(p), p->tok.len)) {
		n->u.ann.key = arena_strndup(p->sh->a, tok_text(p), p->tok.len);
	} else {
		fail(p, _("expected an annotation key inside '[ ]'"));
		if (p->tok.kind == TOK_WORD)
			hint(p, _("quote a key with other characters: annotation[\"%.*s\"]"),
			     p->tok.len > 60 ? 60 : (int)p->tok.len, tok_text(p));
		return NULL;
	}
	if (advance(p) < 0)
		return NULL;
	if (p->tok.kind != TOK_RBRACKET)
		return fail(p, _("expected ']' after the annotation key"));
	if (advance(p) < 0)
		return NULL;
	return parse_annotation_rest(p, n);
}

/* ---- service(), edge(), id() ---- */

static int
parse_id(struct parser *p, struct fref *ref)
{
	static const char *const fields[] = {"name", "type", "account.id", NULL};
	ref->is_id = true;
	if (advance(p) < 0)
		return -1;
	if (p->tok.kind != TOK_LPAREN) {
		fail(p, _("expected '(' after 'id'"));
		return -1;
	}
	if (advance(p) < 0)
		return -1;
	if (p->tok.kind == TOK_RPAREN) {
		fail(p, _("id() needs at least one of name:, type: and account.id:"));
		return -1;
	}
	for (;;) {
		const char **slot = is_word(p, "name")         ? &ref->name
		                    : is_word(p, "type")       ? &ref->type
		                    : is_word(p, "account.id") ? &ref->account
		                                               : NULL;
		if (!slot) {
			fail(p, _("expected name:, type: or account.id: in id(...)"));
			const char *near = p->tok.kind == TOK_WORD
			                       ? strdist_nearest(tok_text(p), p->tok.len, fields)
			                       : NULL;
			if (near)
				hint(p, _("did you mean '%s:'?"), near);
			return -1;
		}
		if (*slot) {
			fail(p, _("'%.*s:' appears twice in id(...)"), (int)p->tok.len,
			     tok_text(p));
			return -1;
		}
		const char *field = slot == &ref->name   ? "name"
		                    : slot == &ref->type ? "type"
		                                         : "account.id";
		if (advance(p) < 0)
			return -1;
		if (p->tok.kind != TOK_COLON) {
			fail(p, _("expected ':' after '%s' in id(...)"), field);
			return -1;
		}
		if (advance(p) < 0)
			return -1;
		if (p->tok.kind != TOK_STRING) {
			fail(p, _("expected a quoted string after '%s:'"), field);
			hint_quote(p);
			return -1;
		}
		struct flit lit;
		take_string(p, &lit);
		*slot = lit.s;
		if (advance(p) < 0)
			return -1;
		if (p->tok.kind == TOK_COMMA) {
			if (advance(p) < 0)
				return -1;
			continue;
		}
		if (p->tok.kind == TOK_RPAREN)
			return advance(p);
		fail(p, _("expected ',' or ')' in id(...)"));
		return -1;
	}
}

/* A node: "name" or id(...). */
static int
parse_ref(struct parser *p, struct fref *ref)
{
	if (p->tok.kind == TOK_STRING) {
		struct flit lit;
		take_string(p, &lit);
		ref->name = lit.s;
		return advance(p);
	}
	if (is_word(p, "id"))
		return parse_id(p, ref);
	fail(p, _("expected a quoted service name or id(...)"));
	hint_quote(p);
	return -1;
}

static struct fnode *
parse_block(struct parser *p, struct scope sc)
{
	size_t open = p->tok.off;
	if (enter(p) < 0 || advance(p) < 0)
		return NULL;
	if (p->tok.kind == TOK_RBRACE)
		return fail(p, _("expected a filter inside '{ }'"));
	struct fnode *n = parse_or(p, sc);
	if (!n)
		return NULL;
	if (p->tok.kind != TOK_RBRACE) {
		char tmp[80];
		fail(p, _("expected '}' to close the '{' at column %zu, found %s"),
		     lexer_column(&p->lx, open), describe(p, tmp, sizeof tmp));
		return NULL;
	}
	leave(p);
	return advance(p) < 0 ? NULL : n;
}

static struct fnode *
parse_service(struct parser *p, struct scope sc, bool edge)
{
	const char *kw = edge ? "edge" : "service";
	if (sc.sc != SC_TRACE)
		return fail(p, _("%s() cannot be used inside %s"), kw, keyword_scope_name(sc.sc));
	struct fnode *n = new_node(p, edge ? FN_EDGE : FN_SERVICE);
	if (advance(p) < 0)
		return NULL;
	if (p->tok.kind != TOK_LPAREN)
		return fail(p, _("expected '(' after '%s'"), kw);
	if (advance(p) < 0)
		return NULL;
	if (!edge && p->tok.kind == TOK_RPAREN) {
		/* service(): every node */
	} else if (edge && p->tok.kind == TOK_RPAREN) {
		fail(p, _("edge() needs a source and a destination"));
		hint(p, _("for example edge(\"api.example.com\", \"backend.example.com\")"));
		return NULL;
	} else {
		if (parse_ref(p, &n->u.svc.a) < 0)
			return NULL;
		if (edge) {
			if (p->tok.kind != TOK_COMMA) {
				fail(p, _("expected ',' and the destination after the source of "
				          "edge(...)"));
				return NULL;
			}
			if (advance(p) < 0 || parse_ref(p, &n->u.svc.b) < 0)
				return NULL;
		}
	}
	if (p->tok.kind != TOK_RPAREN) {
		fail(p, _("expected ')' after the %s of %s(...)"), edge ? "destination" : "service",
		     kw);
		if (!edge && p->tok.kind == TOK_COMMA)
			hint(p, _("edge(\"a\", \"b\") names the connection from a to b"));
		return NULL;
	}
	if (advance(p) < 0)
		return NULL;
	if (p->tok.kind == TOK_LBRACE) {
		struct scope inner = {edge ? SC_EDGE : SC_NODE, XR_RC_FAULT};
		if (!(n->u.svc.block = parse_block(p, inner)))
			return NULL;
	}
	return n;
}

/* ---- root causes ---- */

static struct fnode *
parse_rootcause(struct parser *p, struct scope sc)
{
	/* rootcause.<kind>.<level>: split the word after "rootcause." */
	const char *w = tok_text(p) + 10;
	size_t n = p->tok.len - 10;
	const char *dot = memchr(w, '.', n);
	size_t klen = dot ? (size_t)(dot - w) : n;
	const char *lvl = dot ? dot + 1 : "";
	size_t llen = dot ? n - klen - 1 : 0;
	int kind = lexer_ieq(w, klen, "fault")          ? XR_RC_FAULT
	           : lexer_ieq(w, klen, "error")        ? XR_RC_ERROR
	           : lexer_ieq(w, klen, "responsetime") ? XR_RC_RESPONSETIME
	                                                : -1;
	int level = lexer_ieq(lvl, llen, "service")     ? RC_SERVICE
	            : lexer_ieq(lvl, llen, "entity")    ? RC_ENTITY
	            : lexer_ieq(lvl, llen, "exception") ? RC_EXCEPTION
	                                                : -1;
	if (kind < 0 || level < 0)
		return fail_unknown(
		    p, _("root causes are "
		         "rootcause.<fault|error|responsetime>.<service|entity|exception>"));
	const char *kname = parser_rc_kind_name((enum xr_rc_kind)kind);
	const char *lname = parser_rc_level_name((enum rc_level)level);
	if (kind == XR_RC_RESPONSETIME && level == RC_EXCEPTION) {
		fail(p, _("response-time root causes have no exceptions"));
		hint(p, _("use rootcause.responsetime.service or rootcause.responsetime.entity"));
		return NULL;
	}
	bool nested = sc.sc == SC_RC_SERVICE || sc.sc == SC_RC_ENTITY || sc.sc == SC_RC_EXCEPTION;
	if (sc.sc != SC_TRACE && !nested)
		return fail(p, _("rootcause.%s.%s cannot be used inside %s"), kname, lname,
		            keyword_scope_name(sc.sc));
	if (nested) {
		int outer = sc.sc - SC_RC_SERVICE;
		if ((int)sc.kind != kind) {
			fail(p, _("rootcause.%s.%s cannot be used inside rootcause.%s.%s { }"),
			     kname, lname, parser_rc_kind_name(sc.kind),
			     parser_rc_level_name((enum rc_level)outer));
			hint(p, _("a nested root-cause block uses the same kind as its parent"));
			return NULL;
		}
		if (level <= outer) {
			fail(p, _("rootcause.%s.%s cannot be used inside rootcause.%s.%s { }"),
			     kname, lname, kname, parser_rc_level_name((enum rc_level)outer));
			hint(p, _("nest from service to entity to exception"));
			return NULL;
		}
	}
	struct fnode *node = new_node(p, FN_ROOTCAUSE);
	node->u.rc.kind = (enum xr_rc_kind)kind;
	node->u.rc.level = (enum rc_level)level;
	if (advance(p) < 0)
		return NULL;
	if (p->tok.kind != TOK_LBRACE) {
		fail(p, _("expected '{' after rootcause.%s.%s"), kname, lname);
		hint(p, _("for example rootcause.%s.%s { name = \"x\" }"), kname, lname);
		return NULL;
	}
	struct scope inner = {(enum fscope)(SC_RC_SERVICE + level), (enum xr_rc_kind)kind};
	node->u.rc.block = parse_block(p, inner);
	return node->u.rc.block ? node : NULL;
}

static struct fnode *
parse_rcjson(struct parser *p, struct scope sc)
{
	if (sc.sc != SC_TRACE)
		return fail(p, _("rootcause.json cannot be used inside %s"),
		            keyword_scope_name(sc.sc));
	if (advance(p) < 0)
		return NULL;
	if (p->tok.kind != TOK_EQ)
		return fail(p, _("expected '=' after rootcause.json"));
	if (advance(p) < 0)
		return NULL;
	if (p->tok.kind != TOK_HASH) {
		fail(p, _("expected #[ ... ] after 'rootcause.json ='"));
		hint(p, _("paste root causes as #[{ \"Services\": [ ... ] }]"));
		return NULL;
	}
	struct fnode *n = new_node(p, FN_RCJSON);
	/* The lexer stands just after '#': the JSON reader takes over there. */
	if (!(n->u.json = rcjson_parse(&p->lx, p->sh->a)))
		return NULL;
	return advance(p) < 0 ? NULL : n;
}

/* ---- groups ---- */

static struct fnode *
parse_group(struct parser *p, struct scope sc, bool arn)
{
	const char *kw = arn ? "group.arn" : "group.name";
	size_t at = p->tok.off;
	if (sc.sc != SC_TRACE)
		return fail(p, _("%s cannot be used inside %s"), kw, keyword_scope_name(sc.sc));
	if (advance(p) < 0)
		return NULL;
	enum fop op = current_op(p);
	if (op != OP_EQ && op != OP_NE) {
		if (op == OP_SET)
			fail(p, _("expected '=' or '!=' after %s"), kw);
		else
			fail(p, _("'%s' cannot be used with %s"), parser_op_text(op), kw);
		hint(p, _("for example %s = \"%s\""), kw,
		     arn ? "arn:aws:xray:...:group/G/ID" : "G");
		return NULL;
	}
	if (advance(p) < 0)
		return NULL;
	if (p->tok.kind != TOK_STRING) {
		fail(p, _("expected a quoted group %s after '%s'"), arn ? "ARN" : "name",
		     parser_op_text(op));
		hint_quote(p);
		return NULL;
	}
	struct flit lit;
	take_string(p, &lit);
	size_t value_at = p->tok.off;
	struct shared *sh = p->sh;
	if (!sh->resolver) {
		fail_at(p, at, _("%s needs the X-Ray API source"), kw);
		hint(p,
		     _("groups are stored in X-Ray; without the API, write the group's expression "
		       "itself"));
		return NULL;
	}
	for (unsigned i = 0; i < sh->n_groups; i++)
		if (strcmp(sh->groups[i], lit.s) == 0)
			return fail_at(p, value_at, _("group \"%.*s\" refers to itself"),
			               lexer_clip(lit.s, lit.len, 60), lit.s);
	if (sh->n_groups == MAX_GROUPS)
		return fail_at(p, value_at, _("group references nested too deeply"));
	char *expr = NULL;
	struct xr_err rerr;
	xr_err_clear(&rerr);
	if (sh->resolver(sh->ctx, lit.s, arn, &expr, &rerr) < 0 || !expr) {
		free(expr);
		return fail_at(p, value_at, _("group \"%.*s\": %.180s"),
		               lexer_clip(lit.s, lit.len, 60), lit.s,
		               rerr.msg[0] ? rerr.msg : _("not found"));
	}
	struct xr_filter_error inner_err;
	sh->groups[sh->n_groups++] = lit.s;
	sh->depth++;
	struct fnode *n = new_node(p, FN_GROUP);
	n->u.group.name = lit.s;
	n->u.group.arn = arn;
	n->u.group.negate = op == OP_NE;
	struct parser sub = {.sh = sh};
	size_t len = strnlen(expr, FILTER_MAX_LEN + 1);
	if (len > FILTER_MAX_LEN) {
		inner_err.column = 1;
		snprintf(inner_err.message, sizeof inner_err.message, "%s",
		         _("expression too long"));
		inner_err.hint[0] = '\0';
	} else if (lexer_init(&sub.lx, expr, len, &inner_err) == 0 && advance(&sub) == 0) {
		if (sub.tok.kind == TOK_EOF) {
			inner_err.column = 1;
			snprintf(inner_err.message, sizeof inner_err.message,
			         "empty filter expression");
			inner_err.hint[0] = '\0';
		} else if ((n->u.group.expr = parse_or(&sub, sc)) && sub.tok.kind != TOK_EOF) {
			char tmp[80];
			fail(&sub, _("unexpected %s"), describe(&sub, tmp, sizeof tmp));
			n->u.group.expr = NULL;
		}
	}
	sh->depth--;
	sh->n_groups--;
	free(expr);
	if (!n->u.group.expr) {
		fail_at(p, value_at, _("in group \"%.*s\", column %zu: %.160s"),
		        lexer_clip(lit.s, lit.len, 60), lit.s, inner_err.column, inner_err.message);
		if (inner_err.hint[0])
			hint(p, "%s", inner_err.hint);
		return NULL;
	}
	return advance(p) < 0 ? NULL : n;
}

/* ---- terms ---- */

static struct fnode *
parse_word(struct parser *p, struct scope sc)
{
	const char *w = tok_text(p);
	size_t n = p->tok.len;
	if (n >= 10 && lexer_ieq(w, 10, "annotation") && (n == 10 || w[10] == '.'))
		return parse_annotation(p, sc);
	if (is_word(p, "service"))
		return parse_service(p, sc, false);
	if (is_word(p, "edge"))
		return parse_service(p, sc, true);
	if (is_word(p, "group.name"))
		return parse_group(p, sc, false);
	if (is_word(p, "group.arn"))
		return parse_group(p, sc, true);
	if (is_word(p, "rootcause.json"))
		return parse_rcjson(p, sc);
	if (n > 10 && lexer_ieq(w, 10, "rootcause."))
		return parse_rootcause(p, sc);
	const struct keyword *kw = keyword_find(w, n);
	if (kw)
		return parse_keyword(p, kw, sc);
	if (is_word(p, "id")) {
		fail(p, _("id(...) names a node: use it inside service(...) or edge(...)"));
		hint(p, _("for example service(id(name: \"x\", type: \"AWS::Lambda::Function\"))"));
		return NULL;
	}
	if (is_word(p, "true") || is_word(p, "false")) {
		fail(p, _("'%.*s' is a value, not a filter"), (int)n, w);
		hint(p, _("compare a keyword with it, for example fault = %.*s"), (int)n, w);
		return NULL;
	}
	/* a bare name is most often an annotation's */
	char other[160] = "";
	if (!memchr(w, '.', n))
		snprintf(other, sizeof other, _("an annotation is written annotation.%.*s"),
		         n > 60 ? 60 : (int)n, w);
	return fail_unknown(p, *other ? other : NULL);
}

static struct fnode *
parse_primary(struct parser *p, struct scope sc)
{
	if (p->tok.kind == TOK_LPAREN) {
		size_t open = p->tok.off;
		if (enter(p) < 0 || advance(p) < 0)
			return NULL;
		if (p->tok.kind == TOK_RPAREN)
			return fail(p, _("expected a filter inside '( )'"));
		struct fnode *n = parse_or(p, sc);
		if (!n)
			return NULL;
		if (p->tok.kind != TOK_RPAREN) {
			char tmp[80];
			fail(p, _("expected ')' to close the '(' at column %zu, found %s"),
			     lexer_column(&p->lx, open), describe(p, tmp, sizeof tmp));
			return NULL;
		}
		leave(p);
		return advance(p) < 0 ? NULL : n;
	}
	if (p->tok.kind == TOK_WORD && !is_word_operator(p))
		return parse_word(p, sc);
	char tmp[80];
	if (p->tok.kind == TOK_WORD)
		fail(p, _("expected a filter term before '%.*s'"), (int)p->tok.len, tok_text(p));
	else
		fail(p, _("expected a filter term, found %s"), describe(p, tmp, sizeof tmp));
	if (p->tok.kind == TOK_STRING)
		hint(p, _("compare a keyword with it, for example http.url CONTAINS %.*s"),
		     lexer_clip(tok_text(p), p->tok.len, 60), tok_text(p));
	return NULL;
}

static struct fnode *
parse_unary(struct parser *p, struct scope sc)
{
	if (p->tok.kind != TOK_BANG && !is_word(p, "not"))
		return parse_primary(p, sc);
	const char *op = p->tok.kind == TOK_BANG ? "!" : "NOT";
	if (enter(p) < 0 || advance(p) < 0)
		return NULL;
	if (!starts_term(p)) {
		char tmp[80];
		return fail(p, _("expected a filter term after '%s', found %s"), op,
		            describe(p, tmp, sizeof tmp));
	}
	struct fnode *kid = parse_unary(p, sc);
	if (!kid)
		return NULL;
	leave(p);
	struct fnode *n = new_node(p, FN_NOT);
	n->u.kid = kid;
	return n;
}

/* Appends kid to a list node of kind, flattening a kid of the same kind. */
static void
list_add(struct fnode ***kids, unsigned *n, unsigned *cap, struct fnode *kid, enum fnode_kind kind)
{
	if (kid->kind == kind) {
		for (unsigned i = 0; i < kid->u.list.n; i++)
			list_add(kids, n, cap, kid->u.list.kids[i], kind);
		return;
	}
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 4;
		*kids = xreallocarray(*kids, *cap, sizeof **kids);
	}
	(*kids)[(*n)++] = kid;
}

static struct fnode *
finish_list(struct parser *p, enum fnode_kind kind, struct fnode **kids, unsigned n)
{
	struct fnode *node;
	if (n == 1) {
		node = kids[0];
	} else {
		node = new_node(p, kind);
		node->u.list.kids = arena_memdup(p->sh->a, kids, n, sizeof *kids);
		node->u.list.n = n;
	}
	free(kids);
	return node;
}

static struct fnode *
parse_and(struct parser *p, struct scope sc)
{
	struct fnode **kids = NULL;
	unsigned n = 0, cap = 0;
	struct fnode *kid = parse_unary(p, sc);
	if (!kid)
		goto fail;
	list_add(&kids, &n, &cap, kid, FN_AND);
	for (;;) {
		if (is_word(p, "and")) {
			if (advance(p) < 0)
				goto fail;
			if (!starts_term(p)) {
				char tmp[80];
				fail(p, _("expected a filter term after 'AND', found %s"),
				     describe(p, tmp, sizeof tmp));
				goto fail;
			}
		} else if (!starts_term(p)) {
			break;
		}
		if (!(kid = parse_unary(p, sc)))
			goto fail;
		list_add(&kids, &n, &cap, kid, FN_AND);
	}
	return finish_list(p, FN_AND, kids, n);
fail:
	free(kids);
	return NULL;
}

static struct fnode *
parse_or(struct parser *p, struct scope sc)
{
	struct fnode **kids = NULL;
	unsigned n = 0, cap = 0;
	struct fnode *kid = parse_and(p, sc);
	if (!kid)
		goto fail;
	list_add(&kids, &n, &cap, kid, FN_OR);
	while (is_word(p, "or")) {
		if (advance(p) < 0)
			goto fail;
		if (!starts_term(p)) {
			char tmp[80];
			fail(p, _("expected a filter term after 'OR', found %s"),
			     describe(p, tmp, sizeof tmp));
			goto fail;
		}
		if (!(kid = parse_and(p, sc)))
			goto fail;
		list_add(&kids, &n, &cap, kid, FN_OR);
	}
	return finish_list(p, FN_OR, kids, n);
fail:
	free(kids);
	return NULL;
}

struct fnode *
parser_parse(const char *expr, size_t len, struct arena *a, xr_group_resolver resolver, void *ctx,
             struct xr_filter_error *err)
{
	struct shared sh = {.a = a, .resolver = resolver, .ctx = ctx};
	struct parser p = {.sh = &sh};
	memset(err, 0, sizeof *err);
	if (len > FILTER_MAX_LEN) {
		err->column = 1;
		snprintf(err->message, sizeof err->message,
		         _("expression too long (%zu bytes; the limit is %d)"), len,
		         FILTER_MAX_LEN);
		return NULL;
	}
	if (lexer_init(&p.lx, expr, len, err) < 0 || advance(&p) < 0)
		return NULL;
	if (p.tok.kind == TOK_EOF) {
		fail(&p, _("empty filter expression"));
		return NULL;
	}
	struct scope top = {SC_TRACE, XR_RC_FAULT};
	struct fnode *n = parse_or(&p, top);
	if (!n)
		return NULL;
	if (p.tok.kind != TOK_EOF) {
		char tmp[80];
		if (p.tok.kind == TOK_RPAREN)
			return fail(&p, _("unexpected ')' without a matching '('"));
		if (p.tok.kind == TOK_RBRACE)
			return fail(&p, _("unexpected '}' without a matching '{'"));
		fail(&p, _("unexpected %s"), describe(&p, tmp, sizeof tmp));
		if (p.tok.kind == TOK_STRING || p.tok.kind == TOK_NUMBER)
			hint(&p, _("a value follows an operator, for example user = \"alice\""));
		else if (current_op(&p) != OP_SET)
			hint(&p, _("join comparisons with AND or OR"));
		return NULL;
	}
	return n;
}
