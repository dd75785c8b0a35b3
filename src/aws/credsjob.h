/* credsjob: what the credential chain (aws/creds.c) and its providers
 * (aws/roles.c, aws/sso.c, aws/imds.c) share -- the credential value, the
 * providers' names and statuses, and the resolution job that walks the
 * providers without blocking.  aws/creds.h re-exports the value types to
 * the rest of the program.
 *
 * A job asks providers in order (the whole chain, one provider, or the
 * list a source profile uses).  Each provider is a step function that the
 * job calls when it starts the provider and again after each thing it
 * waited for: an HTTP reply through the job's client (the client the event
 * loop polls), a credential_process watched by creds_job_tick(), a pause
 * before a retry (a deadline creds_job_tick() reports, never a sleep), or a
 * child job (the source credentials of an assumed role).  A step returns
 * CREDS_PENDING while it waits.  Its state lives in the job's step,
 * attempt and provider fields, or in `state`, freed with state_free when
 * the provider ends.
 *
 * The chain runs the jobs; a provider reaches it only through the job's
 * ops (struct creds_job_ops, set by the chain), so the providers include
 * this header and never aws/creds.h: the dependency goes one way, from the
 * chain to its providers. */
#ifndef XRTOP_AWS_CREDSJOB_H
#define XRTOP_AWS_CREDSJOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "aws/awsconfig.h"
#include "aws/http.h"
#include "util/buf.h"
#include "util/err.h"

enum creds_provider {
	CREDS_ENV,
	CREDS_ASSUME_ROLE,
	CREDS_WEB_IDENTITY,
	CREDS_SSO,
	CREDS_SHARED_FILE,
	CREDS_PROCESS,
	CREDS_CONFIG_FILE,
	CREDS_CONTAINER,
	CREDS_IMDS,
	CREDS_PROVIDERS
};

struct aws_creds {
	char *access_key_id;
	char *secret_access_key; /* secret memory */
	char *session_token;     /* secret memory; NULL for long-term keys */
	double expiration;       /* epoch seconds; NAN when they do not expire */
	enum creds_provider provider;
	bool interactive; /* needed a prompt (an MFA code): not refreshed unattended */
	char source[400]; /* "profile 'dev' in /home/u/.aws/credentials", ... */
};

enum creds_status { CREDS_FOUND, CREDS_ABSENT, CREDS_FAILED };

#define CREDS_PENDING ((enum creds_status) - 1)

enum creds_job_wait {
	CREDS_JOB_RUN,
	CREDS_JOB_HTTP,
	CREDS_JOB_PROCESS,
	CREDS_JOB_SLEEP,
	CREDS_JOB_CHILD,
	CREDS_JOB_DONE
};

enum creds_job_mode {
	CREDS_JOB_CHAIN, /* the whole chain: the first failure ends it, err says why */
	CREDS_JOB_LIST,  /* the providers in `order`: st is FOUND, FAILED or ABSENT */
};

struct creds_job;

/* What the chain does for a provider's step (see the functions below). */
struct creds_job_ops {
	enum creds_status (*submit)(struct creds_job *j, const struct http_request *req);
	enum creds_status (*child)(struct creds_job *j, const struct awsconfig *cfg,
	                           const enum creds_provider *order, size_t n);
	void (*end_child)(struct creds_job *j);
};

struct creds_job {
	const struct creds_job_ops *ops; /* the chain's */
	const struct awsconfig *cfg;
	struct http *http;
	enum creds_job_mode mode;
	enum creds_provider order[CREDS_PROVIDERS];
	size_t n_order, at; /* the provider asked is order[at] */
	bool unattended;    /* a refresh: nobody to ask for an MFA code */
	struct creds_job *parent, *child;
	enum creds_job_wait wait;
	double wake_at; /* monotonic, while CREDS_JOB_SLEEP */
	uint64_t http_id;
	struct http_response resp;
	struct buf tried;
	/* the current provider's state */
	int step, attempt, attempts;
	void *state;
	void (*state_free)(void *state);
	char *url, *auth, *token_header;
	const char *var;
	size_t eplen;
	const char *ep;
	double timeout;
	bool v1_allowed;
	char role[256];
	char **argv;
	pid_t pid;
	int po, pe;
	char *text;
	size_t len, elen;
	bool overflow, eoverflow, out_open, err_open;
	double deadline;
	char errtext[1024];
	/* results */
	struct aws_creds out;
	struct xr_err why;
	enum creds_status st;     /* LIST mode */
	enum creds_provider last; /* LIST mode: the provider that answered st */
	int rc;                   /* CHAIN mode: 0 or -1 with err */
	struct xr_err err;
};

/* Fills why (XR_EAUTH, printf-style) and returns st, for the providers'
 * `return creds_say(why, CREDS_ABSENT, ...)`. */
enum creds_status creds_say(struct xr_err *why, enum creds_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Frees c's keys and empties it. */
void creds_clear(struct aws_creds *c);
/* Fills out (cleared first) with copies of the keys. */
void creds_set(struct aws_creds *out, enum creds_provider p, const char *akid, const char *secret,
               const char *token, double expiration);
/* The offset of the first byte of s outside printable ASCII (space allowed
 * when space_ok), or -1 when there is none (or s is NULL). */
long creds_unprintable(const char *s, bool space_ok);
/* The provider's name in messages. */
const char *creds_provider_name(enum creds_provider p);

/* Sends req through the job's client; the step runs again with the reply
 * in j->resp.  Returns CREDS_PENDING. */
enum creds_status creds_job_submit(struct creds_job *j, const struct http_request *req);
/* Pauses the job for `seconds` (the loop keeps running); the step runs
 * again afterwards.  Returns CREDS_PENDING. */
enum creds_status creds_job_sleep(struct creds_job *j, double seconds);
/* Starts a child job asking the n providers of order in turn (LIST mode)
 * with cfg (which must outlive it).  Returns CREDS_PENDING while it runs
 * (the step runs again when it ends), or its status at once when it ended
 * without waiting; either way read j->child, free it with
 * creds_job_end_child(). */
enum creds_status creds_job_child(struct creds_job *j, const struct awsconfig *cfg,
                                  const enum creds_provider *order, size_t n);
/* Frees the child job. */
void creds_job_end_child(struct creds_job *j);
/* The status of an ended LIST job (its credentials in out, else why). */
enum creds_status creds_job_status(const struct creds_job *j);
/* A retry delay for attempt (1 = the first retry), with jitter. */
double creds_job_backoff(int attempt);

#endif
