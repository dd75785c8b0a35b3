#include "config.h"

#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
xr_err_set(struct xr_err *err, enum xr_status status, const char *fmt, ...)
{
	if (!err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	err->status = status;
	err->has_offset = false;
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return -1;
}

void
xr_err_prefix(struct xr_err *err, const char *fmt, ...)
{
	if (!err)
		return;
	char prefix[512], old[sizeof err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	size_t n = strlen(prefix);
	if (n > sizeof err->msg - 3)
		n = sizeof err->msg - 3;
	memcpy(err->msg, prefix, n);
	memcpy(err->msg + n, ": ", 2);
	size_t rest = sizeof err->msg - n - 3;
	size_t oldlen = strnlen(old, rest);
	memcpy(err->msg + n + 2, old, oldlen);
	err->msg[n + 2 + oldlen] = '\0';
}

void
xr_err_clear(struct xr_err *err)
{
	if (!err)
		return;
	err->status = XR_OK;
	err->msg[0] = '\0';
	err->has_offset = false;
}
