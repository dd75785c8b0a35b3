/* sts: the AWS STS calls the credential providers make: AssumeRole, signed
 * with SigV4 by libcurl (http.h), and AssumeRoleWithWebIdentity, unsigned;
 * both over the Query API (a form-encoded POST of Action, Version
 * 2011-06-15 and the call's parameters) to the regional endpoint
 * https://sts.REGION.amazonaws.com or a configured one.  The XML reply is
 * read with expat: the credentials of <ACTIONResponse>, or the Code and
 * Message of an <ErrorResponse>.  Throttling, IDPCommunicationError, server
 * errors and broken connections are retried (3 attempts, as the SDKs'
 * standard mode).  Secrets from the reply go into secret memory; messages
 * quote only codes and the service's message, never a parameter value. */
#ifndef XRTOP_AWS_STS_H
#define XRTOP_AWS_STS_H

#include <stdatomic.h>
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

/* Runs the call.  On success out holds the credentials (its code and
 * version unset).  On failure err says what failed; *code (when not NULL)
 * gets the service's error code, "" when there was none. */
int sts_run(const struct sts_call *c, struct decoded_creds *out, char *code, size_t code_size,
            const atomic_bool *cancel, struct xr_err *err);
/* Reads a reply body of action: 0 with out filled from a
 * <ACTIONResponse>; -1 with err (and *code from an <ErrorResponse>).
 * Caller frees out with decode_creds_free(). */
int sts_parse(const char *action, const char *xml, size_t len, struct decoded_creds *out,
              char *code, size_t code_size, struct xr_err *err);
/* Runs one request to its end on a private HTTP client, waiting for it
 * (the STS and SSO calls; the loop waits too); stops early when *cancel
 * becomes true.  Free out with http_response_free(). */
void sts_fetch(const struct http_request *req, struct http_response *out,
               const atomic_bool *cancel);
/* Sleeps up to s seconds, waking early when *cancel becomes true. */
void sts_nap(double s, const atomic_bool *cancel);
/* Appends s to out percent-encoded as botocore's query serializer does
 * (unreserved characters A-Z a-z 0-9 - _ . ~ kept). */
void sts_form_encode(struct buf *out, const char *s);

#endif
