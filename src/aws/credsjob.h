/* credsjob: the resolution job that walks the credential providers
 * without blocking, shared by the providers in aws/ (creds.c, roles.c,
 * sso.c) and by nothing else.
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
 * the provider ends. */
#ifndef XRTOP_AWS_CREDSJOB_H
#define XRTOP_AWS_CREDSJOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "aws/awsconfig.h"
#include "aws/creds.h"
#include "aws/http.h"
#include "util/buf.h"
#include "util/err.h"

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

struct creds_job {
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
