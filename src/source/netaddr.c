#include "config.h"

#include "source/netaddr.h"
#include "util/i18n.h"

#include <ctype.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The part of a daemon-form spec for proto ("udp:..." / "tcp:..."), or the
 * whole spec when it has no such prefixes.  Writes into part. */
static int
pick_part(const char *what, const char *spec, const char *proto, char *part, size_t cap,
          struct xr_err *err)
{
	bool prefixed = strncmp(spec, "tcp:", 4) == 0 || strncmp(spec, "udp:", 4) == 0;
	if (!prefixed) {
		if (strchr(spec, ' '))
			return xr_err_set(
			    err, XR_EUSAGE,
			    _("%s: '%s': spaces only separate \"tcp:HOST:PORT udp:HOST:PORT\""),
			    what, spec);
		snprintf(part, cap, "%s", spec);
		return 0;
	}
	const char *found = NULL;
	size_t found_len = 0;
	for (const char *p = spec; *p;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		size_t n = strcspn(p, " ");
		if (n < 5 || (strncmp(p, "tcp:", 4) != 0 && strncmp(p, "udp:", 4) != 0))
			return xr_err_set(err, XR_EUSAGE,
			                  _("%s: '%s': expected \"tcp:HOST:PORT udp:HOST:PORT\" "
			                    "(the AWS_XRAY_DAEMON_ADDRESS form)"),
			                  what, spec);
		if (strncmp(p, proto, 3) == 0) {
			found = p + 4;
			found_len = n - 4;
		}
		p += n;
	}
	if (!found)
		return xr_err_set(err, XR_EUSAGE, _("%s: '%s' has no %s: address"), what, spec,
		                  proto);
	if (found_len >= cap)
		return xr_err_set(err, XR_EUSAGE, _("%s: address too long"), what);
	memcpy(part, found, found_len);
	part[found_len] = '\0';
	return 0;
}

static bool
all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int
netaddr_parse(const char *what, const char *spec, const char *proto, const char *default_host,
              int default_port, struct netaddr *out, struct xr_err *err)
{
	char part[240];
	memset(out, 0, sizeof *out);
	if (!spec || !*spec)
		snprintf(part, sizeof part, "%s:%d", default_host, default_port);
	else if (pick_part(what, spec, proto, part, sizeof part, err) < 0)
		return -1;
	const char *port_text;
	if (part[0] == '[') {
		char *close = strchr(part, ']');
		if (!close || (close[1] && close[1] != ':'))
			return xr_err_set(err, XR_EUSAGE, _("%s: '%s': expected [IPV6]:PORT"), what,
			                  part);
		*close = '\0';
		snprintf(out->host, sizeof out->host, "%s", part + 1);
		port_text = close[1] ? close + 2 : "";
	} else {
		char *colon = strrchr(part, ':');
		if (colon && strchr(part, ':') != colon)
			return xr_err_set(
			    err, XR_EUSAGE,
			    _("%s: '%s': put an IPv6 address in brackets: [::1]:PORT"), what, part);
		if (colon) {
			*colon = '\0';
			snprintf(out->host, sizeof out->host, "%s", part);
			port_text = colon + 1;
		} else if (all_digits(part)) {
			snprintf(out->host, sizeof out->host, "%s", default_host);
			port_text = part;
		} else {
			snprintf(out->host, sizeof out->host, "%s", part);
			port_text = "";
		}
	}
	if (!*out->host)
		snprintf(out->host, sizeof out->host, "%s", default_host);
	if (!*port_text) {
		out->port = default_port;
	} else {
		long v = all_digits(port_text) ? strtol(port_text, NULL, 10) : -1;
		if (v < 1 || v > 65535)
			return xr_err_set(err, XR_EUSAGE, _("%s: '%s' is not a port (1-65535)"),
			                  what, port_text);
		out->port = (int)v;
	}
	char port[16];
	snprintf(port, sizeof port, "%d", out->port);
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
	                         .ai_socktype =
	                             strcmp(proto, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM,
	                         .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(out->host, port, &hints, &res);
	if (rc != 0)
		return xr_err_set(err, XR_EUSAGE, "%s: %s: %s", what, out->host, gai_strerror(rc));
	memcpy(&out->sa, res->ai_addr, res->ai_addrlen);
	out->sa_len = res->ai_addrlen;
	freeaddrinfo(res);
	snprintf(out->text, sizeof out->text, strchr(out->host, ':') ? "[%s]:%d" : "%s:%d",
	         out->host, out->port);
	return 0;
}

bool
netaddr_plausible(const char *text)
{
	if (!text || !*text || *text == '-')
		return false;
	if (strncmp(text, "tcp:", 4) == 0 || strncmp(text, "udp:", 4) == 0)
		return true;
	const char *colon = strrchr(text, ':');
	return all_digits(colon ? colon + 1 : text);
}
