#include "config.h"

#include "aws/sts.h"

#include <expat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/secret.h"
#include "util/timefmt.h"
#include "util/xmalloc.h"
#include "util/i18n.h"

#define FIELD_MAX (16u << 10)
#define DEPTH_MAX 8

enum sts_field { F_NONE, F_AKID, F_SECRET, F_TOKEN, F_EXPIRATION, F_CODE, F_MESSAGE, F_COUNT };

struct parse {
	XML_Parser p;
	const char *action;
	char path[DEPTH_MAX][64];
	int depth;  /* elements open */
	int skip;   /* depth beyond DEPTH_MAX or unknown names */
	bool error; /* the root is <ErrorResponse> */
	enum sts_field field;
	char *text[F_COUNT]; /* secret memory */
	size_t len[F_COUNT];
	const char *problem;
};

static void
stop(struct parse *ps, const char *why)
{
	if (!ps->problem)
		ps->problem = why;
	XML_StopParser(ps->p, XML_FALSE);
}

static enum sts_field
field_of(const struct parse *ps, const char *name)
{
	char result[96];
	snprintf(result, sizeof result, "%sResult", ps->action);
	if (!ps->error && ps->depth == 3 && strcmp(ps->path[1], result) == 0 &&
	    strcmp(ps->path[2], "Credentials") == 0) {
		if (strcmp(name, "AccessKeyId") == 0)
			return F_AKID;
		if (strcmp(name, "SecretAccessKey") == 0)
			return F_SECRET;
		if (strcmp(name, "SessionToken") == 0)
			return F_TOKEN;
		if (strcmp(name, "Expiration") == 0)
			return F_EXPIRATION;
	}
	if (ps->error && ps->depth == 2 && strcmp(ps->path[1], "Error") == 0) {
		if (strcmp(name, "Code") == 0)
			return F_CODE;
		if (strcmp(name, "Message") == 0)
			return F_MESSAGE;
	}
	return F_NONE;
}

static void XMLCALL
on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct parse *ps = ud;
	if (ps->field != F_NONE)
		return stop(ps, N_("an element inside a credentials value"));
	if (ps->depth == 0) {
		char root[96];
		snprintf(root, sizeof root, "%sResponse", ps->action);
		if (strcmp(name, "ErrorResponse") == 0)
			ps->error = true;
		else if (strcmp(name, root) != 0)
			return stop(ps, N_("its root element is neither the action's Response nor "
			                   "ErrorResponse"));
	}
	if (ps->skip || ps->depth >= DEPTH_MAX || strlen(name) >= sizeof ps->path[0]) {
		ps->skip++;
		return;
	}
	enum sts_field f = field_of(ps, name);
	if (f != F_NONE) {
		if (ps->text[f])
			return stop(ps, N_("a credentials value appears twice"));
		ps->text[f] = secret_alloc(FIELD_MAX + 1);
		ps->len[f] = 0;
		ps->field = f;
	}
	snprintf(ps->path[ps->depth], sizeof ps->path[0], "%s", name);
	ps->depth++;
}

static void XMLCALL
on_end(void *ud, const XML_Char *name)
{
	struct parse *ps = ud;
	if (ps->skip) {
		ps->skip--;
		return;
	}
	ps->depth--;
	ps->field = F_NONE;
}

static void XMLCALL
on_text(void *ud, const XML_Char *s, int len)
{
	struct parse *ps = ud;
	if (ps->field == F_NONE)
		return;
	size_t *n = &ps->len[ps->field];
	if (*n + (size_t)len > FIELD_MAX)
		return stop(ps, N_("a value is too long"));
	memcpy(ps->text[ps->field] + *n, s, (size_t)len);
	*n += (size_t)len;
	ps->text[ps->field][*n] = '\0';
}

static void XMLCALL
on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
           int has_internal_subset)
{
	stop(ud, N_("it has a document type declaration (STS replies have none)"));
}

/* Service text for a message: control characters become spaces, cut short. */
static void
printable(char *out, size_t size, const char *s)
{
	size_t n = 0;
	for (; s && *s && n + 1 < size; s++)
		out[n++] = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;
	out[n] = '\0';
	if (s && *s && size > 4)
		strcpy(out + size - 4, "...");
}

static void
trim_value(char *s, size_t *len)
{
	size_t a = 0, n = *len;
	while (a < n && (s[a] == ' ' || s[a] == '\n' || s[a] == '\r' || s[a] == '\t'))
		a++;
	while (n > a &&
	       (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == '\t'))
		n--;
	memmove(s, s + a, n - a);
	s[n - a] = '\0';
	*len = n - a;
}

int
sts_parse(const char *action, const char *xml, size_t len, struct decoded_creds *out, char *code,
          size_t code_size, struct xr_err *err)
{
	memset(out, 0, sizeof *out);
	out->expiration = NAN;
	out->version = -1;
	if (code && code_size)
		code[0] = '\0';
	struct parse ps = {.action = action};
	ps.p = XML_ParserCreate("UTF-8");
	if (!ps.p)
		return xr_err_set(err, XR_EIO, _("cannot create an XML parser"));
	XML_SetUserData(ps.p, &ps);
	XML_SetElementHandler(ps.p, on_start, on_end);
	XML_SetCharacterDataHandler(ps.p, on_text);
	XML_SetStartDoctypeDeclHandler(ps.p, on_doctype);
	int rc = -1;
	if (len > (size_t)1 << 30 ||
	    XML_Parse(ps.p, xml ? xml : "", (int)len, XML_TRUE) != XML_STATUS_OK) {
		if (ps.problem)
			xr_err_set(err, XR_EINPUT, _("the STS reply is not usable: %s"),
			           _(ps.problem));
		else
			xr_err_set(err, XR_EINPUT, _("the STS reply is not XML: %s at line %lu"),
			           XML_ErrorString(XML_GetErrorCode(ps.p)),
			           (unsigned long)XML_GetCurrentLineNumber(ps.p));
		goto out;
	}
	for (int f = F_AKID; f < F_COUNT; f++)
		if (ps.text[f])
			trim_value(ps.text[f], &ps.len[f]);
	if (ps.error) {
		/* A SignatureDoesNotMatch message goes on with the canonical
		 * request, which holds the session token: never show that part. */
		for (char *t = ps.text[F_MESSAGE]; t && *t; t++)
			if (strncmp(t, "The Canonical String", 20) == 0 ||
			    strncmp(t, "The String-to-Sign", 18) == 0) {
				*t = '\0';
				ps.len[F_MESSAGE] = strlen(ps.text[F_MESSAGE]);
				trim_value(ps.text[F_MESSAGE], &ps.len[F_MESSAGE]);
				break;
			}
		char c[128], m[400];
		printable(c, sizeof c, ps.text[F_CODE] ? ps.text[F_CODE] : "");
		printable(m, sizeof m, ps.text[F_MESSAGE] ? ps.text[F_MESSAGE] : "");
		if (code && code_size)
			snprintf(code, code_size, "%s", c);
		xr_err_set(err, XR_EAUTH, "%s%s%s", c[0] ? c : _("an error without a code"),
		           m[0] ? ": " : "", m);
		goto out;
	}
	const char *missing = !ps.text[F_AKID] || !ps.len[F_AKID]               ? "AccessKeyId"
	                      : !ps.text[F_SECRET] || !ps.len[F_SECRET]         ? "SecretAccessKey"
	                      : !ps.text[F_TOKEN] || !ps.len[F_TOKEN]           ? "SessionToken"
	                      : !ps.text[F_EXPIRATION] || !ps.len[F_EXPIRATION] ? "Expiration"
	                                                                        : NULL;
	if (missing) {
		xr_err_set(err, XR_EINPUT, _("the STS reply has no Credentials/%s"), missing);
		goto out;
	}
	if (timefmt_parse_time(ps.text[F_EXPIRATION], &out->expiration, err) < 0) {
		xr_err_prefix(err, _("the STS reply's Expiration"));
		goto out;
	}
	out->access_key_id = xstrdup(ps.text[F_AKID]);
	out->secret_access_key = secret_strdup(ps.text[F_SECRET]);
	out->session_token = secret_strdup(ps.text[F_TOKEN]);
	rc = 0;
out:
	for (int f = 0; f < F_COUNT; f++)
		secret_free(ps.text[f]);
	XML_ParserFree(ps.p);
	if (rc < 0)
		decode_creds_free(out);
	return rc;
}

void
sts_form_encode(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			buf_putc(out, (char)c);
		} else {
			buf_putc(out, '%');
			buf_putc(out, hex[c >> 4]);
			buf_putc(out, hex[c & 15]);
		}
	}
}

static bool
sts_retryable(const struct http_response *r, const char *code)
{
	if (r->failure == HTTP_FAIL_CONNECT || r->failure == HTTP_FAIL_TIMEOUT ||
	    r->failure == HTTP_FAIL_RESET || r->failure == HTTP_FAIL_TRUNCATED)
		return true;
	if (r->failure != HTTP_FAIL_NONE)
		return false;
	static const char *const codes[] = {"Throttling",
	                                    "ThrottlingException",
	                                    "ThrottledException",
	                                    "RequestThrottledException",
	                                    "TooManyRequestsException",
	                                    "RequestLimitExceeded",
	                                    "IDPCommunicationError",
	                                    NULL};
	for (const char *const *c = codes; code && *c; c++)
		if (strcmp(code, *c) == 0)
			return true;
	return r->status == 500 || r->status == 502 || r->status == 503 || r->status == 504;
}

void
sts_request_init(struct sts_request *rq, const struct sts_call *c)
{
	static const char *const headers[] = {
	    "Content-Type: application/x-www-form-urlencoded; charset=utf-8"};
	memset(rq, 0, sizeof *rq);
	buf_puts(&rq->body, "Action=");
	sts_form_encode(&rq->body, c->action);
	buf_puts(&rq->body, "&Version=" STS_API_VERSION);
	for (size_t i = 0; i + 1 < c->n_params; i += 2) {
		if (!c->params[i + 1])
			continue;
		buf_putc(&rq->body, '&');
		sts_form_encode(&rq->body, c->params[i]);
		buf_putc(&rq->body, '=');
		sts_form_encode(&rq->body, c->params[i + 1]);
	}
	rq->url = xasprintf("%s/", c->endpoint);
	rq->req = (struct http_request){
	    .method = "POST",
	    .url = rq->url,
	    .body = rq->body.data,
	    .body_len = rq->body.len,
	    .headers = headers,
	    .n_headers = 1,
	    .sigv4 = c->sigv4,
	    .timeout = 30,
	    .max_body = STS_MAX_REPLY,
	    .direct = c->loopback,
	    .ca_file = c->ca_file,
	};
}

void
sts_request_free(struct sts_request *rq)
{
	if (rq->body.data)
		secret_wipe(rq->body.data, rq->body.cap);
	buf_free(&rq->body);
	free(rq->url);
	memset(rq, 0, sizeof *rq);
}

int
sts_reply(const struct sts_call *c, struct http_response *r, struct decoded_creds *out, char *code,
          size_t code_size, bool *retry, struct xr_err *err)
{
	char got[128] = "";
	int rc = -1;
	if (r->failure == HTTP_FAIL_NONE) {
		rc = sts_parse(c->action, r->body.data, r->body.len, out, got, sizeof got, err);
		if (rc == 0 && r->status != 200) {
			decode_creds_free(out);
			rc = xr_err_set(err, XR_EAUTH, _("HTTP %ld with credentials"), r->status);
		} else if (rc < 0 && !got[0] && r->status != 200) {
			xr_err_set(err, XR_EAUTH, _("HTTP %ld from %s"), r->status, c->endpoint);
		}
	} else {
		xr_err_set(err, XR_EAUTH, "%s: %s", c->endpoint, r->error);
	}
	if (r->body.data)
		secret_wipe(r->body.data, r->body.cap);
	*retry = rc < 0 && sts_retryable(r, got);
	if (code && code_size)
		snprintf(code, code_size, "%s", got);
	return rc;
}
