#include "config.h"

#include "aws/awsconfig.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/xmalloc.h"
#include "util/i18n.h"

static const char *
process_getenv(const char *name)
{
	return getenv(name);
}

const char *
awsconfig_env(const struct awsconfig *c, const char *name)
{
	const char *v = (c->getenv ? c->getenv : process_getenv)(name);
	return v && *v ? v : NULL;
}

const char *
awsconfig_setting(const struct awsconfig *c, const char *env, const char *key)
{
	const char *v = awsconfig_env(c, env);
	return v ? v : awsconfig_get(c, key);
}

/* "~/x" -> "$HOME/x".  Caller frees. */
static char *
expand_home(const struct awsconfig *c, const char *path)
{
	const char *home = awsconfig_env(c, "HOME");
	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0') && home)
		return xasprintf("%s%s", home, path + 1);
	return xstrdup(path);
}

static char *
file_path(const struct awsconfig *c, const char *env, const char *dflt)
{
	const char *v = awsconfig_env(c, env);
	return expand_home(c, v ? v : dflt);
}

static void
list_profiles(const struct awsconfig *c, struct buf *out)
{
	size_t n = 0;
	for (size_t i = 0; i < ini_section_count(c->config); i++) {
		const char *s = ini_section_name(c->config, i);
		const char *name = strncmp(s, "profile ", 8) == 0 ? s + 8
		                   : strcmp(s, "default") == 0    ? s
		                                                  : NULL;
		if (name)
			buf_printf(out, "%s%s", n++ ? ", " : "", name);
	}
	for (size_t i = 0; i < ini_section_count(c->credentials); i++) {
		const char *s = ini_section_name(c->credentials, i);
		char section[600];
		snprintf(section, sizeof section, "profile %s", s);
		if (!ini_has_section(c->config, section) &&
		    !(strcmp(s, "default") == 0 && ini_has_section(c->config, "default")))
			buf_printf(out, "%s%s", n++ ? ", " : "", s);
	}
	if (!n)
		buf_puts(out, "none");
}

static const char *
profile_section(const struct awsconfig *c, char *out, size_t size)
{
	snprintf(out, size, "profile %s", c->profile);
	if (strcmp(c->profile, "default") == 0 && !ini_has_section(c->config, out))
		return "default";
	return out;
}

int
awsconfig_load(struct awsconfig *c, const char *profile_opt, awsconfig_getenv_fn env,
               struct xr_err *err)
{
	memset(c, 0, sizeof *c);
	c->getenv = env;
	const char *profile = profile_opt && *profile_opt ? profile_opt : NULL;
	c->profile_explicit = profile != NULL;
	if (!profile)
		profile = awsconfig_env(c, "AWS_PROFILE");
	if (!profile)
		profile = awsconfig_env(c, "AWS_DEFAULT_PROFILE");
	c->profile_named = profile != NULL;
	c->profile = xstrdup(profile ? profile : "default");
	c->config_path = file_path(c, "AWS_CONFIG_FILE", "~/.aws/config");
	c->credentials_path = file_path(c, "AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials");
	bool missing;
	c->config = ini_load(c->config_path, &missing, err);
	if (!c->config && !missing)
		return -1;
	c->credentials = ini_load(c->credentials_path, &missing, err);
	if (!c->credentials && !missing)
		return -1;
	char section[600];
	if (c->profile_named &&
	    !ini_has_section(c->config, profile_section(c, section, sizeof section)) &&
	    !ini_has_section(c->credentials, c->profile)) {
		struct buf names = BUF_INIT;
		list_profiles(c, &names);
		xr_err_set(err, XR_EUSAGE,
		           _("profile '%s' (from %s) is in neither %s nor %s (profiles there: %s)"),
		           c->profile, c->profile_explicit ? "--profile" : "AWS_PROFILE",
		           c->config_path, c->credentials_path, names.data);
		buf_free(&names);
		return -1;
	}
	return 0;
}

void
awsconfig_free(struct awsconfig *c)
{
	free(c->profile);
	free(c->config_path);
	free(c->credentials_path);
	ini_free(c->config);
	ini_free(c->credentials);
	memset(c, 0, sizeof *c);
}

const char *
awsconfig_config_get(const struct awsconfig *c, const char *key)
{
	char section[600];
	const char *v = ini_get(c->config, profile_section(c, section, sizeof section), key);
	return v && *v ? v : NULL;
}

const char *
awsconfig_credentials_get(const struct awsconfig *c, const char *key)
{
	const char *v = ini_get(c->credentials, c->profile, key);
	return v && *v ? v : NULL;
}

const char *
awsconfig_get(const struct awsconfig *c, const char *key)
{
	const char *v = awsconfig_credentials_get(c, key);
	return v ? v : awsconfig_config_get(c, key);
}

void
awsconfig_with_profile(const struct awsconfig *c, const char *profile, struct awsconfig *out)
{
	*out = *c;
	out->endpoint_profile = c->endpoint_profile ? c->endpoint_profile : c->profile;
	out->profile = (char *)profile;
	out->profile_explicit = true;
	out->profile_named = true;
}

bool
awsconfig_has_profile(const struct awsconfig *c, const char *profile)
{
	char section[600];
	snprintf(section, sizeof section, "profile %s", profile);
	return ini_has_section(c->config, section) || ini_has_section(c->credentials, profile) ||
	       (strcmp(profile, "default") == 0 && ini_has_section(c->config, "default"));
}

const char *
awsconfig_section_get(const struct awsconfig *c, const char *type, const char *name,
                      const char *key)
{
	char section[600];
	snprintf(section, sizeof section, "%s %s", type, name);
	const char *v = ini_get(c->config, section, key);
	return v && *v ? v : NULL;
}

bool
awsconfig_has_section(const struct awsconfig *c, const char *type, const char *name)
{
	char section[600];
	snprintf(section, sizeof section, "%s %s", type, name);
	return ini_has_section(c->config, section);
}

bool
awsconfig_true(const char *v)
{
	return v && strcasecmp(v, "true") == 0;
}

bool
awsconfig_region_name_ok(const char *r)
{
	size_t n = strlen(r);
	if (n == 0 || n > 40)
		return false;
	for (const char *p = r; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-'))
			return false;
	return r[0] != '-' && r[n - 1] != '-';
}

char *
awsconfig_region(const struct awsconfig *c, const char *opt, const char **source,
                 struct xr_err *err)
{
	const char *r = NULL;
	*source = NULL;
	if (opt && *opt) {
		r = opt;
		*source = "--region";
	} else if ((r = awsconfig_env(c, "AWS_REGION"))) {
		*source = "AWS_REGION";
	} else if ((r = awsconfig_env(c, "AWS_DEFAULT_REGION"))) {
		*source = "AWS_DEFAULT_REGION";
	} else if ((r = awsconfig_get(c, "region"))) {
		*source = _("the profile's 'region'");
	}
	if (!r) {
		xr_err_set(err, XR_EUSAGE,
		           _("no AWS region: use --region REGION, set AWS_REGION, or add "
		             "'region = REGION' to profile '%s' in %s"),
		           c->profile, c->config_path);
		return NULL;
	}
	if (!awsconfig_region_name_ok(r)) {
		xr_err_set(err, XR_EUSAGE,
		           _("region '%s' (from %s) is not a region name such as us-east-1"), r,
		           *source);
		return NULL;
	}
	return xstrdup(r);
}

bool
awsconfig_is_loopback(const char *host)
{
	if (strcasecmp(host, "localhost") == 0)
		return true;
	struct in_addr a4;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	struct in6_addr a6;
	if (inet_pton(AF_INET6, host, &a6) == 1) {
		if (IN6_IS_ADDR_LOOPBACK(&a6))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
	}
	return false;
}

int
awsconfig_url_split(const char *url, bool *https, char **host, int *port, char **path,
                    struct xr_err *err)
{
	*host = *path = NULL;
	const char *p;
	if (strncasecmp(url, "https://", 8) == 0) {
		*https = true;
		p = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		*https = false;
		p = url + 7;
	} else {
		return xr_err_set(err, XR_EUSAGE, _("'%s' is not an http:// or https:// URL"), url);
	}
	size_t auth_len = strcspn(p, "/?#");
	const char *auth_end = p + auth_len;
	if (memchr(p, '@', auth_len))
		return xr_err_set(err, XR_EUSAGE, _("'%s': credentials in a URL are not accepted"),
		                  url);
	if (strpbrk(auth_end, "?#"))
		return xr_err_set(err, XR_EUSAGE, _("'%s': a query or fragment is not accepted"),
		                  url);
	for (const char *q = url; *q; q++)
		if ((unsigned char)*q <= ' ' || *q == 0x7f)
			return xr_err_set(err, XR_EUSAGE,
			                  _("'%s': spaces or control characters in the URL"), url);
	const char *h = p, *h_end, *port_s = NULL;
	if (*p == '[') {
		const char *close = memchr(p, ']', auth_len);
		if (!close)
			return xr_err_set(err, XR_EUSAGE, _("'%s': unclosed '[' in the host"), url);
		h = p + 1;
		h_end = close;
		if (close + 1 < auth_end) {
			if (close[1] != ':')
				return xr_err_set(err, XR_EUSAGE,
				                  _("'%s': unexpected text after ']'"), url);
			port_s = close + 2;
		}
	} else {
		const char *colon = memchr(p, ':', auth_len);
		h_end = colon ? colon : auth_end;
		if (colon)
			port_s = colon + 1;
	}
	if (h_end == h)
		return xr_err_set(err, XR_EUSAGE, _("'%s' has no host"), url);
	*port = *https ? 443 : 80;
	if (port_s) {
		char *end;
		long v = strtol(port_s, &end, 10);
		if (end == port_s || end != auth_end || v < 1 || v > 65535)
			return xr_err_set(err, XR_EUSAGE, _("'%s': bad port"), url);
		*port = (int)v;
	}
	*host = xstrndup(h, (size_t)(h_end - h));
	*path = xstrdup(auth_end);
	return 0;
}

int
awsconfig_service_url(const char *prefix, const char *region, const char *endpoint_url,
                      const char *what, bool fips, struct aws_endpoint *out, struct xr_err *err)
{
	memset(out, 0, sizeof *out);
	if (!endpoint_url) {
		bool china = strncmp(region, "cn-", 3) == 0;
		out->host = xasprintf("%s%s.%s.amazonaws.com%s", prefix, fips ? "-fips" : "",
		                      region, china ? ".cn" : "");
		out->url = xasprintf("https://%s", out->host);
		out->https = true;
		return 0;
	}
	char *host, *path;
	int port;
	if (awsconfig_url_split(endpoint_url, &out->https, &host, &port, &path, err) < 0) {
		xr_err_prefix(err, "%s", what);
		return -1;
	}
	out->host = host;
	out->loopback = awsconfig_is_loopback(host);
	if (!out->https && !out->loopback) {
		xr_err_set(err, XR_EUSAGE,
		           _("%s %s: plain http:// is only allowed to this machine "
		             "(127.0.0.1, ::1, localhost); use https://"),
		           what, endpoint_url);
		free(path);
		awsconfig_endpoint_free(out);
		return -1;
	}
	size_t len = strlen(endpoint_url);
	while (len > 0 && endpoint_url[len - 1] == '/')
		len--;
	out->url = xstrndup(endpoint_url, len);
	free(path);
	return 0;
}

int
awsconfig_endpoint(const char *region, const char *endpoint_url, bool fips,
                   struct aws_endpoint *out, struct xr_err *err)
{
	return awsconfig_service_url("xray", region, endpoint_url, "--endpoint-url", fips, out,
	                             err);
}

/* The value of `key = value` among the lines of a nested setting. */
static char *
nested_get(const char *text, const char *key)
{
	size_t klen = strlen(key);
	for (const char *p = text; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		const char *q = p, *end = p + n;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if ((size_t)(end - q) > klen && strncasecmp(q, key, klen) == 0) {
			const char *v = q + klen;
			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			if (v < end && (*v == '=' || *v == ':')) {
				v++;
				while (v < end && (*v == ' ' || *v == '\t'))
					v++;
				while (end > v &&
				       (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
					end--;
				if (end > v)
					return xstrndup(v, (size_t)(end - v));
			}
		}
		p = eol ? eol + 1 : NULL;
	}
	return NULL;
}

int
awsconfig_service_endpoint(const struct awsconfig *view, const char *service, char **url,
                           char *source, size_t source_size, struct xr_err *err)
{
	struct awsconfig top = *view, *c = &top;
	if (view->endpoint_profile)
		top.profile = (char *)view->endpoint_profile;
	*url = NULL;
	if (awsconfig_true(awsconfig_setting(c, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
	                                     "ignore_configured_endpoint_urls")))
		return 0;
	char env[80] = "AWS_ENDPOINT_URL_";
	size_t n = strlen(env);
	for (const char *p = service; *p && n + 1 < sizeof env; p++)
		env[n++] = (char)toupper((unsigned char)*p);
	env[n] = '\0';
	const char *v;
	if ((v = awsconfig_env(c, env))) {
		snprintf(source, source_size, "%s", env);
		*url = xstrdup(v);
		return 0;
	}
	if ((v = awsconfig_env(c, "AWS_ENDPOINT_URL"))) {
		snprintf(source, source_size, "AWS_ENDPOINT_URL");
		*url = xstrdup(v);
		return 0;
	}
	const char *services = awsconfig_get(c, "services");
	if (services) {
		if (!awsconfig_has_section(c, "services", services))
			return xr_err_set(err, XR_EUSAGE,
			                  _("profile '%s' names services '%s', but %s has no "
			                    "[services %s] section"),
			                  c->profile, services, c->config_path, services);
		const char *nested = awsconfig_section_get(c, "services", services, service);
		if (nested && (*url = nested_get(nested, "endpoint_url"))) {
			snprintf(source, source_size, _("%s in [services %s] of %s"), service,
			         services, c->config_path);
			return 0;
		}
	}
	if ((v = awsconfig_get(c, "endpoint_url"))) {
		snprintf(source, source_size, _("endpoint_url of profile '%s'"), c->profile);
		*url = xstrdup(v);
	}
	return 0;
}

void
awsconfig_endpoint_free(struct aws_endpoint *e)
{
	free(e->url);
	free(e->host);
	memset(e, 0, sizeof *e);
}
