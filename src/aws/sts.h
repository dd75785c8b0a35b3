/* sts: the AWS STS calls the credential providers make: AssumeRole, signed
 * with SigV4 by libcurl (http.h), and AssumeRoleWithWebIdentity, unsigned;
 * both over the Query API (a form-encoded POST of Action, Version
 * 2011-06-15 and the call's parameters) to the regional endpoint
 * https://sts.REGION.amazonaws.com or a configured one.  The XML reply is
 * read with expat: the credentials of <ACTIONResponse>, or the Code and
 * Message of an <ErrorResponse>.  Throttling, IDPCommunicationError, server
 * errors and broken connections are worth retrying (3 attempts, as the
 * SDKs' standard mode); the caller sends and waits without blocking.
 * Secrets from the reply go into secret memory; messages quote only codes
 * and the service's message, never a parameter value. */
#ifndef XRTOP_AWS_STS_H
#define XRTOP_AWS_STS_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/decode_creds.h"
#include "aws/http.h"
#include "util/err.h"

#define STS_API_VERSION "2011-06-15"
#define STS_MAX_ATTEMPTS 3
#define STS_MAX_REPLY (256u << 10)

struct sts_call {
	const char *endpoint; /* checked URL, no trailing '/' */
	bool loopback;        /* the endpoint is this machine: no proxy */
	const char *action;   /* "AssumeRole" or "AssumeRoleWithWebIdentity" */
	/* The form besides Action and Version: name, value, ..., NULL.  A NULL
	 * value leaves its name out. */
	const char *const *params;
	size_t n_params;                /* entries in params (names and values) */
	const struct http_sigv4 *sigv4; /* NULL: unsigned */
	const char *ca_file;            /* NULL: the system's */
};

/* Reads a reply body of action: 0 with out filled from a
 * <ACTIONResponse>; -1 with err (and *code from an <ErrorResponse>).
 * Caller frees out with decode_creds_free(). */
int sts_parse(const char *action, const char *xml, size_t len, struct decoded_creds *out,
              char *code, size_t code_size, struct xr_err *err);
/* A call's request and the memory it points to. */
struct sts_request {
	struct http_request req;
	struct buf body; /* wiped when freed: it may hold a token or an MFA code */
	char *url;
};

/* Builds the request of c (c->sigv4 must stay valid until it is
 * submitted).  Free with sts_request_free(). */
void sts_request_init(struct sts_request *rq, const struct sts_call *c);
void sts_request_free(struct sts_request *rq);
/* Reads the reply r of call c and wipes its body: 0 with out filled; -1
 * with err, *code the service's error code ("" when none) and *retry true
 * when the call is worth another attempt (throttling,
 * IDPCommunicationError, a server error, a broken connection). */
int sts_reply(const struct sts_call *c, struct http_response *r, struct decoded_creds *out,
              char *code, size_t code_size, bool *retry, struct xr_err *err);
/* Appends s to out percent-encoded as botocore's query serializer does
 * (unreserved characters A-Z a-z 0-9 - _ . ~ kept). */
void sts_form_encode(struct buf *out, const char *s);

#endif
