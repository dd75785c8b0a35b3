/* awsconfig: the shared AWS configuration as the AWS CLI reads it: which
 * profile (--profile, else AWS_PROFILE, else "default"), the config file
 * (AWS_CONFIG_FILE, else ~/.aws/config, sections [profile NAME] and
 * [default]) and the credentials file (AWS_SHARED_CREDENTIALS_FILE, else
 * ~/.aws/credentials, sections [NAME]); the region; and the X-Ray endpoint
 * with its security rules (HTTPS, or plain HTTP to loopback only); the
 * endpoints configured for a service as the SDKs read them
 * (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, a [services NAME] section,
 * the profile's endpoint_url, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS); other
 * profiles and [sso-session NAME] sections, for credential chains.
 * The environment is read through a function so tests can supply one. */
#ifndef XRTOP_AWS_AWSCONFIG_H
#define XRTOP_AWS_AWSCONFIG_H

#include <stdbool.h>

#include "aws/ini.h"
#include "util/err.h"

typedef const char *(*awsconfig_getenv_fn)(const char *name);

struct awsconfig {
	awsconfig_getenv_fn getenv;
	char *profile;         /* the profile in use */
	bool profile_explicit; /* from --profile: environment keys are skipped */
	bool profile_named;    /* from --profile or AWS_PROFILE */
	char *config_path;
	char *credentials_path;
	struct ini *config;      /* NULL when the file does not exist */
	struct ini *credentials; /* NULL when the file does not exist */
	const char *region;      /* the region in use, set by the caller; NULL: none */
	/* The profile whose endpoint settings apply: the one in use, also in
	 * the views of its source profiles; NULL: profile. */
	const char *endpoint_profile;
};

/* Chooses the profile and reads both files.  A named profile that is in
 * neither file is an error (listing the profiles that exist). */
int awsconfig_load(struct awsconfig *c, const char *profile_opt, awsconfig_getenv_fn getenv,
                   struct xr_err *err);
void awsconfig_free(struct awsconfig *c);
/* A key of the profile, the credentials file's winning over the config
 * file's (botocore merges the two this way), or NULL. */
const char *awsconfig_get(const struct awsconfig *c, const char *key);
/* A key of the profile in the config file only, or NULL. */
const char *awsconfig_config_get(const struct awsconfig *c, const char *key);
/* A key of the profile in the credentials file only, or NULL. */
const char *awsconfig_credentials_get(const struct awsconfig *c, const char *key);
/* A view of c for another profile that shares c's files and region (do
 * not awsconfig_free() it); environment keys are skipped in it, as the
 * CLI skips them for a source_profile. */
void awsconfig_with_profile(const struct awsconfig *c, const char *profile, struct awsconfig *out);
/* True when profile is a section of either file. */
bool awsconfig_has_profile(const struct awsconfig *c, const char *profile);
/* A key of the config file's section "[TYPE NAME]" (TYPE "sso-session"
 * or "services"), or NULL. */
const char *awsconfig_section_get(const struct awsconfig *c, const char *type, const char *name,
                                  const char *key);
/* True when the section "[TYPE NAME]" exists in the config file. */
bool awsconfig_has_section(const struct awsconfig *c, const char *type, const char *name);
/* True for "true" in any case, as botocore's ensure_boolean. */
bool awsconfig_true(const char *v);
/* Environment variable through c->getenv; "" counts as unset. */
const char *awsconfig_env(const struct awsconfig *c, const char *name);
/* A setting from the environment variable env, else the profile's key. */
const char *awsconfig_setting(const struct awsconfig *c, const char *env, const char *key);

/* The region from --region, AWS_REGION, AWS_DEFAULT_REGION or the
 * profile; *source says which.  NULL with a usage error when there is
 * none (*source NULL: the caller may ask the instance metadata service,
 * aws/imds.h) or it is not a region name.  Caller frees. */
char *awsconfig_region(const struct awsconfig *c, const char *opt, const char **source,
                       struct xr_err *err);

/* Where requests go. */
struct aws_endpoint {
	char *url;  /* scheme://host[:port][/path], no trailing '/' */
	char *host; /* without brackets or port */
	bool https;
	bool loopback;
};

/* The endpoint URL configured for a service, in the SDKs' order:
 * AWS_ENDPOINT_URL_<ENV>, AWS_ENDPOINT_URL, the service's endpoint_url in
 * the profile's [services NAME] section, the profile's endpoint_url; none
 * when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (or the profile's
 * ignore_configured_endpoint_urls) is true.  service is the snake-case
 * service id ("xray", "sts", "sso", "sso_oidc").  Returns 0 with *url NULL
 * when none is configured; *source (static text or in c) says where it
 * came from.  A profile naming a missing services section is an error. */
int awsconfig_service_endpoint(const struct awsconfig *c, const char *service, char **url,
                               char *source, size_t source_size, struct xr_err *err);

/* The default endpoint https://PREFIX.REGION.amazonaws.com (.com.cn in
 * China; PREFIX-fips with fips), or endpoint_url checked: https anywhere,
 * http to loopback only, no credentials, query or fragment in it.  what
 * names the setting in messages ("--endpoint-url").  Usage error otherwise. */
int awsconfig_service_url(const char *prefix, const char *region, const char *endpoint_url,
                          const char *what, bool fips, struct aws_endpoint *out,
                          struct xr_err *err);
/* awsconfig_service_url() for X-Ray, endpoint_url from --endpoint-url. */
int awsconfig_endpoint(const char *region, const char *endpoint_url, bool fips,
                       struct aws_endpoint *out, struct xr_err *err);
void awsconfig_endpoint_free(struct aws_endpoint *e);

/* Splits an http(s) URL.  Host is returned without brackets.  Caller frees
 * *host and *path (path "" when absent). */
int awsconfig_url_split(const char *url, bool *https, char **host, int *port, char **path,
                        struct xr_err *err);
/* True for localhost, 127.0.0.0/8, ::1 and ::ffff:127.x.x.x.  No other
 * name counts, not even "localhost.": libcurl resolves only "localhost"
 * itself without asking DNS, so any other name could lead elsewhere. */
bool awsconfig_is_loopback(const char *host);

/* True for a region name: lower-case letters, digits and inner '-'. */
bool awsconfig_region_name_ok(const char *r);

#endif
