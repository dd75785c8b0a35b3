/* imds: the EC2 instance metadata service (IMDS) as botocore and the AWS
 * CLI v2 reach it: its settings (AWS_EC2_METADATA_DISABLED; the endpoint
 * from AWS_EC2_METADATA_SERVICE_ENDPOINT or the profile's
 * ec2_metadata_service_endpoint, else by AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE
 * or ec2_metadata_service_endpoint_mode http://169.254.169.254 for IPv4 or
 * http://[fd00:ec2::254] for IPv6; AWS_METADATA_SERVICE_TIMEOUT and
 * _NUM_ATTEMPTS or metadata_service_timeout and _num_attempts, 1 s and 1
 * attempt by default; AWS_EC2_METADATA_V1_DISABLED or
 * ec2_metadata_v1_disabled), used by the IMDS credential provider
 * (aws/creds.c), and the instance's region, which the CLI v2 uses when
 * nothing else names one: an IMDSv2 session token (PUT /latest/api/token),
 * then GET /latest/meta-data/placement/region. */
#ifndef XRTOP_AWS_IMDS_H
#define XRTOP_AWS_IMDS_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/awsconfig.h"
#include "util/err.h"

#define IMDS_DEFAULT_ENDPOINT "http://169.254.169.254"
#define IMDS_IPV6_ENDPOINT "http://[fd00:ec2::254]"

struct imds_settings {
	bool disabled;       /* AWS_EC2_METADATA_DISABLED=true */
	const char *ep;      /* the endpoint, in cfg or static; its length is eplen */
	size_t eplen;        /* without trailing '/' */
	const char *ep_from; /* the setting that named it, or NULL for the default */
	double timeout;      /* seconds per request */
	int attempts;
	bool v1_allowed; /* a missing token may be done without (IMDSv1) */
};

/* Reads the settings of cfg.  -1 with a usage error naming the setting
 * when the mode is neither IPv4 nor IPv6 or the endpoint is not an http(s)
 * URL. */
int imds_settings(const struct awsconfig *cfg, struct imds_settings *s, struct xr_err *err);
/* Asks the instance metadata service for the instance's region, waiting
 * for it (before any screen; a second at most by default).  Returns the
 * region (caller frees) with *where naming the endpoint (static storage
 * until the next call), or NULL with err saying why there is none. */
char *imds_region(const struct awsconfig *cfg, const char **where, struct xr_err *err);

#endif
