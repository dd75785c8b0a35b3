/* decode_creds: the JSON documents that carry AWS credentials: the output
 * of a credential_process ({Version: 1, AccessKeyId, SecretAccessKey,
 * SessionToken, Expiration}) and the replies of the container and EC2
 * instance metadata endpoints ({Code, AccessKeyId, SecretAccessKey, Token,
 * Expiration}): small documents, read with cJSON.  Secret values are
 * copied into secret memory and wiped from cJSON's copies; messages never
 * quote them. */
#ifndef XRTOP_AWS_DECODE_CREDS_H
#define XRTOP_AWS_DECODE_CREDS_H

#include <stddef.h>

#include "util/err.h"

struct decoded_creds {
	char *access_key_id;     /* heap */
	char *secret_access_key; /* secret memory */
	char *session_token;     /* secret memory; NULL when absent */
	double expiration;       /* epoch seconds; NAN when absent */
	int version;             /* "Version"; -1 when absent */
	char *code;              /* "Code" of metadata replies; NULL when absent */
	char *message;           /* "Message"/"message" of an error reply; NULL when absent */
};

/* Decodes one credentials document.  Fails (XR_EINPUT) on invalid JSON,
 * wrong types or a missing AccessKeyId/SecretAccessKey. */
int decode_creds(const char *json, size_t len, struct decoded_creds *out, struct xr_err *err);
void decode_creds_free(struct decoded_creds *c);

#endif
