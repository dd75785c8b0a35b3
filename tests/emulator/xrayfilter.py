"""X-Ray filter expressions for the emulator: lexer, parser and evaluator.

`compile_filter(text, groups)` turns an expression into a tree whose
`matches(trace)` says whether an `xraymodel.Trace` satisfies it.  Anything the
parser does not understand raises FilterError naming the 1-based column, so
the emulator can answer 400 InvalidRequestException instead of silently
ignoring part of a filter.

Supported (see /work/shared/filter-language.md; decisions of its §10):
  * ok error fault throttle partial inferred [root, inside service/edge]
    bare, negated, or `= true|false` / `!= true|false`;
  * responsetime duration http.status with = != < <= > >=;
  * http.url http.method http.useragent http.clientip user name type
    availabilityzone instance.id resource.arn account.id with
    = != CONTAINS BEGINSWITH ENDSWITH, or bare ("is set");
  * annotation.KEY and annotation[KEY] / annotation["any key"] with every
    operator, or bare ("is set");
  * service(["name" | id(name:, type:, account.id:)]) [{ filter }] and
    edge(ref, ref) [{ filter }]; inside the braces one segment of the node
    (for an edge: of the callee) must satisfy the whole inner filter;
  * group.name / group.arn = "G" (expands the group's expression);
  * AND, OR, juxtaposition (= AND), ! and NOT, parentheses.  Precedence:
    ! / NOT, then AND, then OR.  Keywords are case-insensitive.
Not supported (rejected with a message): rootcause.*, json / #[...],
first, last, remote, index, coverage, message.
"""

import re

BOOL_KEYWORDS = {"ok", "error", "fault", "throttle", "partial", "inferred", "root"}
NUM_KEYWORDS = {"responsetime", "duration", "http.status"}
STR_KEYWORDS = {"http.url", "http.method", "http.useragent", "http.clientip",
                "user", "name", "type", "availabilityzone", "instance.id",
                "resource.arn", "account.id"}
NODE_ONLY = {"root", "name", "type"}
ROOTCAUSE_ONLY = {"first", "last", "remote", "index", "coverage", "message", "json"}
NUM_OPS = {"=", "!=", "<", "<=", ">", ">="}
WORD_OPS = {"contains", "beginswith", "endswith"}
STR_OPS = {"=", "!="} | WORD_OPS
MAX_GROUP_DEPTH = 8

_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_KEY_RE = re.compile(r"^\w+$")


class FilterError(Exception):
    """A filter expression the emulator cannot accept."""

    def __init__(self, column, message):
        super().__init__("column %d: %s" % (column, message))
        self.column = column


# ---------------------------------------------------------------------------
# Lexer


class Token:
    __slots__ = ("kind", "text", "value", "col")

    def __init__(self, kind, text, value, col):
        self.kind = kind    # punct | op | string | number | word | eof
        self.text = text    # the source text
        self.value = value  # decoded string / float / lower-cased word
        self.col = col      # 1-based column in characters

    def is_word(self, *words):
        return self.kind == "word" and self.value in words

    def describe(self):
        if self.kind == "eof":
            return "end of expression"
        return "'%s'" % self.text


_PUNCT = "(){}[],:"


def tokenize(text):
    """Split a filter expression into tokens (the last one is eof)."""
    tokens = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        col = i + 1
        if c.isspace():
            i += 1
        elif c in _PUNCT:
            tokens.append(Token("punct", c, c, col))
            i += 1
        elif c in "!<>=":
            two = text[i:i + 2]
            if two in ("!=", "<=", ">="):
                tokens.append(Token("op", two, two, col))
                i += 2
            elif c == "!":
                tokens.append(Token("punct", "!", "!", col))
                i += 1
            else:
                tokens.append(Token("op", c, c, col))
                i += 1
        elif c == '"':
            value, i = _lex_string(text, i)
            tokens.append(Token("string", text[col - 1:i], value, col))
        elif c == "#":
            raise FilterError(col, "JSON root-cause literals (#[...]) are not "
                              "supported by the emulator")
        elif (m := _NUMBER_RE.match(text, i)) and (c.isdigit() or c in "+-."):
            tokens.append(Token("number", m.group(), float(m.group()), col))
            i = m.end()
        elif c.isalpha() or c == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_."):
                j += 1
            word = text[i:j]
            tokens.append(Token("word", word, word.lower(), col))
            i = j
        else:
            raise FilterError(col, "unexpected character '%s'" % c)
    tokens.append(Token("eof", "", None, n + 1))
    return tokens


def _lex_string(text, i):
    """Decode the double-quoted string starting at text[i]; \\" and \\\\ escape."""
    out = []
    j = i + 1
    while j < len(text):
        c = text[j]
        if c == "\\" and j + 1 < len(text) and text[j + 1] in '"\\':
            out.append(text[j + 1])
            j += 2
        elif c == '"':
            return "".join(out), j + 1
        else:
            out.append(c)
            j += 1
    raise FilterError(i + 1, "unterminated string (missing closing '\"')")


# ---------------------------------------------------------------------------
# Syntax tree


class And:
    def __init__(self, left, right):
        self.left, self.right = left, right

    def eval(self, ctx):
        return self.left.eval(ctx) and self.right.eval(ctx)


class Or:
    def __init__(self, left, right):
        self.left, self.right = left, right

    def eval(self, ctx):
        return self.left.eval(ctx) or self.right.eval(ctx)


class Not:
    def __init__(self, inner):
        self.inner = inner

    def eval(self, ctx):
        return not self.inner.eval(ctx)


class BoolTerm:
    """ok / error / fault / ... possibly compared with true or false."""

    def __init__(self, keyword, expected=True):
        self.keyword, self.expected = keyword, expected

    def eval(self, ctx):
        value = ctx.flag(self.keyword)
        return value is not None and value == self.expected


class NumTerm:
    def __init__(self, keyword, op, number):
        self.keyword, self.op, self.number = keyword, op, number

    def eval(self, ctx):
        value = ctx.number(self.keyword)
        return value is not None and compare(value, self.op, self.number)


class StrTerm:
    """A string keyword; op None means "is set"."""

    def __init__(self, keyword, op=None, text=None):
        self.keyword, self.op, self.text = keyword, op, text

    def eval(self, ctx):
        values = ctx.strings(self.keyword)
        if self.op is None:
            return bool(values)
        return any(compare(v, self.op, self.text) for v in values)


class AnnotationTerm:
    """annotation.KEY [op literal]; op None means "is set"."""

    def __init__(self, key, op=None, literal=None):
        self.key, self.op, self.literal = key, op, literal

    def eval(self, ctx):
        values = ctx.annotations(self.key)
        if self.op is None:
            return bool(values)
        return any(same_type(v, self.literal) and compare(v, self.op, self.literal)
                   for v in values)


class NodeRef:
    """A service reference: a name, or id(name:, type:, account.id:)."""

    def __init__(self, name=None, type_=None, account_id=None):
        self.name, self.type, self.account_id = name, type_, account_id

    def matches(self, seg):
        return ((self.name is None or seg.name == self.name)
                and (self.type is None or seg.origin == self.type)
                and (self.account_id is None
                     or str(seg.account_id or "") == self.account_id))


class ServiceTerm:
    def __init__(self, ref, block):
        self.ref, self.block = ref, block

    def eval(self, ctx):
        for seg in ctx.trace.segments:
            if self.ref.matches(seg) and (
                    self.block is None or self.block.eval(SegmentContext(ctx.trace, seg))):
                return True
        return False


class EdgeTerm:
    def __init__(self, source, dest, block):
        self.source, self.dest, self.block = source, dest, block

    def eval(self, ctx):
        trace = ctx.trace
        for seg in trace.segments:
            parent = trace.parent_segment(seg)
            if (parent is not None and self.source.matches(parent)
                    and self.dest.matches(seg)
                    and (self.block is None
                         or self.block.eval(SegmentContext(trace, seg)))):
                return True
        return False


def same_type(value, literal):
    """True when a stored annotation value and a literal have the same type."""
    if isinstance(literal, bool) or isinstance(value, bool):
        return isinstance(literal, bool) and isinstance(value, bool)
    if isinstance(literal, float):
        return isinstance(value, (int, float))
    return isinstance(value, str) and isinstance(literal, str)


def compare(value, op, literal):
    """Apply a filter operator; `value` is the stored side."""
    if op == "=":
        return value == literal
    if op == "!=":
        return value != literal
    if op == "<":
        return value < literal
    if op == "<=":
        return value <= literal
    if op == ">":
        return value > literal
    if op == ">=":
        return value >= literal
    if op == "contains":
        return literal in value
    if op == "beginswith":
        return value.startswith(literal)
    if op == "endswith":
        return value.endswith(literal)
    raise ValueError(op)


# ---------------------------------------------------------------------------
# Evaluation contexts: what a keyword means at trace level and for one segment


class TraceContext:
    """Keyword values of a whole trace (plain keywords at the top level)."""

    def __init__(self, trace):
        self.trace = trace

    def flag(self, keyword):
        t = self.trace
        if keyword == "ok":  # the root answered, and not with 4xx/5xx/429
            return t.root is not None and not (t.has_error or t.has_fault
                                               or t.root.throttle
                                               or t.root.in_progress)
        return {"error": t.has_error, "fault": t.has_fault,
                "throttle": t.has_throttle, "partial": t.is_partial,
                "inferred": any(s.inferred for s in t.segments)}.get(keyword)

    def number(self, keyword):
        t = self.trace
        return {"responsetime": t.response_time, "duration": t.duration,
                "http.status": t.http_status}.get(keyword)

    def strings(self, keyword):
        t = self.trace
        if keyword.startswith("http."):
            return [] if t.root is None else segment_strings(t.root, keyword)
        out = []
        for seg in t.segments:
            out.extend(segment_strings(seg, keyword))
        return out

    def annotations(self, key):
        return [v for seg in self.trace.segments
                for k, v in seg.annotations() if k == key]


class SegmentContext:
    """Keyword values of one segment (inside service(...) / edge(...) braces)."""

    def __init__(self, trace, seg):
        self.trace, self.seg = trace, seg

    def flag(self, keyword):
        s = self.seg
        if keyword == "ok":
            return not (s.error or s.fault or s.throttle or s.in_progress)
        return {"error": s.error, "fault": s.fault, "throttle": s.throttle,
                "partial": s.partial, "inferred": s.inferred,
                "root": s is self.trace.root}.get(keyword)

    def number(self, keyword):
        if keyword in ("responsetime", "duration"):
            return self.seg.duration
        if keyword == "http.status":
            return self.seg.status
        return None

    def strings(self, keyword):
        return segment_strings(self.seg, keyword)

    def annotations(self, key):
        return [v for k, v in self.seg.annotations() if k == key]


_HTTP_FIELDS = {"http.url": "url", "http.method": "method",
                "http.useragent": "user_agent", "http.clientip": "client_ip"}


def segment_strings(seg, keyword):
    """The string values a keyword has on one segment (possibly several)."""
    if keyword in _HTTP_FIELDS:
        value = seg.http_request().get(_HTTP_FIELDS[keyword])
        values = [value]
    elif keyword == "user":
        values = seg.users()
    elif keyword == "name":
        values = [seg.name]
    elif keyword == "type":
        values = [seg.origin]
    elif keyword == "availabilityzone":
        values = [seg.ec2().get("availability_zone")]
    elif keyword == "instance.id":
        values = [seg.ec2().get("instance_id")]
    elif keyword == "resource.arn":
        values = [seg.doc.get("resource_arn")]
    elif keyword == "account.id":
        values = [seg.account_id]
    else:
        values = []
    return [v if isinstance(v, str) else str(v)
            for v in values if isinstance(v, (str, int)) and not isinstance(v, bool)]


# ---------------------------------------------------------------------------
# Parser


class Filter:
    """A compiled filter expression."""

    def __init__(self, text, tree):
        self.text, self.tree = text, tree

    def matches(self, trace):
        return self.tree.eval(TraceContext(trace))


def compile_filter(text, groups=None):
    """Parse `text`; `groups` maps group names and ARNs to filter strings.

    Raises FilterError on any problem.
    """
    return Filter(text, Parser(text, groups or {}).parse())


class Parser:
    """Recursive-descent parser of the grammar in filter-language.md §4."""

    def __init__(self, text, groups, depth=0):
        self.text = text
        self.groups = groups
        self.depth = depth
        self.tokens = tokenize(text)
        self.pos = 0
        self.scope = "trace"   # trace | node

    # -- token helpers -------------------------------------------------------

    @property
    def tok(self):
        return self.tokens[self.pos]

    def advance(self):
        tok = self.tokens[self.pos]
        if tok.kind != "eof":
            self.pos += 1
        return tok

    def error(self, message, tok=None):
        raise FilterError((tok or self.tok).col, message)

    def expect_punct(self, char, what):
        if self.tok.kind == "punct" and self.tok.value == char:
            return self.advance()
        self.error("expected '%s' %s, found %s" % (char, what, self.tok.describe()))

    def at_punct(self, char):
        return self.tok.kind == "punct" and self.tok.value == char

    # -- grammar -------------------------------------------------------------

    def parse(self):
        if self.tok.kind == "eof":
            self.error("the filter expression is empty")
        tree = self.parse_or()
        if self.tok.kind != "eof":
            self.error("unexpected %s; expected AND, OR or the end of the "
                       "expression" % self.tok.describe())
        return tree

    def parse_or(self):
        left = self.parse_and()
        while self.tok.is_word("or"):
            self.advance()
            left = Or(left, self.parse_and())
        return left

    def parse_and(self):
        left = self.parse_unary()
        while True:
            if self.tok.is_word("and"):
                self.advance()
            elif not self.starts_term():
                return left
            left = And(left, self.parse_unary())

    def starts_term(self):
        """True when the current token can begin a term (juxtaposed AND)."""
        tok = self.tok
        if tok.kind == "punct":
            return tok.value in ("(", "!")
        return tok.kind == "word" and tok.value not in ("or", "and")

    def parse_unary(self):
        if self.at_punct("!") or self.tok.is_word("not"):
            self.advance()
            return Not(self.parse_unary())
        return self.parse_primary()

    def parse_primary(self):
        tok = self.tok
        if self.at_punct("("):
            self.advance()
            inner = self.parse_or()
            self.expect_punct(")", "to close the '(' at column %d" % tok.col)
            return inner
        if tok.kind != "word":
            self.error("expected a keyword, '(' or '!', found %s" % tok.describe())
        word = tok.value
        if word in ("service", "edge"):
            return self.parse_node_term(word)
        if word == "annotation" or word.startswith("annotation."):
            return self.parse_annotation()
        if word in ("group.name", "group.arn"):
            return self.parse_group()
        if word == "id":
            self.error("id(...) is only allowed inside service(...) or edge(...)")
        if word.startswith("rootcause") or word in ROOTCAUSE_ONLY:
            self.error("'%s' (root-cause filters) is not supported by the "
                       "emulator" % tok.text)
        if word in NODE_ONLY and self.scope != "node":
            self.error("'%s' is only valid inside service(...) { } or "
                       "edge(...) { }" % tok.text)
        if word in BOOL_KEYWORDS:
            return self.parse_bool()
        if word in NUM_KEYWORDS:
            return self.parse_num()
        if word in STR_KEYWORDS:
            return self.parse_str()
        if word in ("true", "false"):
            self.error("expected a keyword before '%s'" % tok.text)
        self.error("unknown keyword '%s'" % tok.text)

    def parse_bool(self):
        kw = self.advance()
        if self.tok.kind == "op" or self.tok.is_word(*WORD_OPS):
            op = self.advance()
            if op.value not in ("=", "!="):
                self.error("operator %s cannot be used with the boolean "
                           "keyword '%s'" % (op.describe(), kw.text), op)
            value = self.tok
            if not value.is_word("true", "false"):
                self.error("expected true or false after '%s', found %s"
                           % (op.text, value.describe()))
            self.advance()
            expected = (value.value == "true") == (op.value == "=")
            return BoolTerm(kw.value, expected)
        return BoolTerm(kw.value)

    def parse_num(self):
        kw = self.advance()
        op = self.tok
        if not (op.kind == "op" or op.is_word(*WORD_OPS)):
            self.error("expected a comparison operator (= != < <= > >=) after "
                       "'%s', found %s" % (kw.text, op.describe()))
        if op.value not in NUM_OPS:
            self.error("operator %s cannot be used with the number keyword '%s'"
                       % (op.describe(), kw.text))
        self.advance()
        value = self.tok
        if value.kind != "number":
            self.error("expected a number after '%s', found %s"
                       % (op.text, value.describe()))
        self.advance()
        return NumTerm(kw.value, op.value, value.value)

    def parse_str(self):
        kw = self.advance()
        op = self.tok
        if not (op.kind == "op" or op.is_word(*WORD_OPS)):
            return StrTerm(kw.value)
        if op.value not in STR_OPS:
            self.error("operator %s cannot be used with the string keyword '%s'"
                       % (op.describe(), kw.text))
        self.advance()
        return StrTerm(kw.value, op.value, self.expect_string(op))

    def expect_string(self, op):
        value = self.tok
        if value.kind == "string":
            self.advance()
            return value.value
        hint = ""
        if value.kind in ("word", "number"):
            hint = ' (write "%s")' % value.text
        self.error("expected a quoted string after '%s', found %s%s"
                   % (op.text, value.describe(), hint))

    def parse_annotation(self):
        tok = self.advance()
        if tok.value == "annotation":
            key = self.parse_bracket_key()
        else:
            key = tok.text[len("annotation."):]
            if not _KEY_RE.match(key):
                self.error("invalid annotation key '%s'; use annotation[\"%s\"] "
                           "for keys with other characters" % (key, key), tok)
        op = self.tok
        if not (op.kind == "op" or op.is_word(*WORD_OPS)):
            return AnnotationTerm(key)
        self.advance()
        lit = self.tok
        if lit.kind == "string":
            literal = lit.value
        elif lit.kind == "number":
            literal = lit.value
        elif lit.is_word("true", "false"):
            literal = lit.value == "true"
        else:
            hint = ' (write "%s")' % lit.text if lit.kind == "word" else ""
            self.error("expected a string, number, true or false after '%s', "
                       "found %s%s" % (op.text, lit.describe(), hint))
        self.check_literal_type(op, lit, literal)
        self.advance()
        return AnnotationTerm(key, op.value, literal)

    def check_literal_type(self, op, lit, literal):
        if op.value in WORD_OPS and not isinstance(literal, str):
            self.error("%s needs a quoted string" % op.text.upper(), lit)
        if op.value in ("<", "<=", ">", ">=") and not (
                isinstance(literal, float) and not isinstance(literal, bool)):
            self.error("'%s' needs a number" % op.text, lit)

    def parse_bracket_key(self):
        self.expect_punct("[", "after 'annotation'")
        key_tok = self.tok
        if key_tok.kind == "string":
            key = key_tok.value
        elif key_tok.kind in ("word", "number") and _KEY_RE.match(key_tok.text):
            key = key_tok.text
        else:
            self.error("expected an annotation key inside [ ], found %s"
                       % key_tok.describe())
        if key == "":
            self.error("the annotation key is empty")
        self.advance()
        self.expect_punct("]", "after the annotation key")
        return key

    def parse_node_term(self, word):
        kw = self.advance()
        if self.scope == "node":
            self.error("'%s(...)' cannot be nested inside service(...) or "
                       "edge(...) braces" % kw.text, kw)
        self.expect_punct("(", "after '%s'" % kw.text)
        if word == "service":
            ref = NodeRef() if self.at_punct(")") else self.parse_node_ref()
        else:
            source = self.parse_node_ref()
            self.expect_punct(",", "between the two services of edge(...)")
            dest = self.parse_node_ref()
        self.expect_punct(")", "to close '%s('" % kw.text)
        block = self.parse_block() if self.at_punct("{") else None
        if word == "service":
            return ServiceTerm(ref, block)
        return EdgeTerm(source, dest, block)

    def parse_node_ref(self):
        tok = self.tok
        if tok.kind == "string":
            self.advance()
            return NodeRef(name=tok.value)
        if tok.is_word("id"):
            return self.parse_id()
        self.error("expected a quoted service name or id(...), found %s"
                   % tok.describe())

    def parse_id(self):
        self.advance()
        self.expect_punct("(", "after 'id'")
        fields = {}
        while True:
            field = self.tok
            if not field.is_word("name", "type", "account.id"):
                self.error("expected name:, type: or account.id: in id(...), "
                           "found %s" % field.describe())
            if field.value in fields:
                self.error("'%s' given twice in id(...)" % field.text)
            self.advance()
            self.expect_punct(":", "after '%s'" % field.text)
            value = self.tok
            if value.kind != "string":
                self.error("expected a quoted string after '%s:', found %s"
                           % (field.text, value.describe()))
            self.advance()
            fields[field.value] = value.value
            if not self.at_punct(","):
                break
            self.advance()
        self.expect_punct(")", "to close id(...)")
        return NodeRef(fields.get("name"), fields.get("type"),
                       fields.get("account.id"))

    def parse_block(self):
        brace = self.advance()
        if self.at_punct("}"):
            self.error("empty braces: write a filter inside { }")
        self.scope = "node"
        try:
            inner = self.parse_or()
        finally:
            self.scope = "trace"
        self.expect_punct("}", "to close the '{' at column %d" % brace.col)
        return inner

    def parse_group(self):
        kw = self.advance()
        if self.scope == "node":
            self.error("'%s' cannot be used inside braces" % kw.text, kw)
        op = self.tok
        if op.value not in ("=", "!="):
            self.error("expected '=' or '!=' after '%s', found %s"
                       % (kw.text, op.describe()))
        self.advance()
        name_tok = self.tok
        name = self.expect_string(op)
        if name not in self.groups:
            self.error("group '%s' does not exist" % name, name_tok)
        if self.depth >= MAX_GROUP_DEPTH:
            self.error("group references nest too deeply (a loop?)", name_tok)
        expr = self.groups[name]
        if expr is None or expr.strip() == "":
            tree = BoolTerm("ok")  # a group without expression: every trace
            tree = Or(tree, Not(tree))
        else:
            try:
                tree = Parser(expr, self.groups, self.depth + 1).parse()
            except FilterError as e:
                self.error("expression of group '%s' is invalid: %s" % (name, e),
                           name_tok)
        return tree if op.value == "=" else Not(tree)
