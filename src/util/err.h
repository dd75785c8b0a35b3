/* err: the recoverable-error record passed down by callers.  A function that
 * can fail takes a struct xr_err *, fills it and returns -1 or NULL; the
 * front end decides how to show it.  Only the front ends and app.c print. */
#ifndef XRTOP_UTIL_ERR_H
#define XRTOP_UTIL_ERR_H

#include <stdbool.h>
#include <stddef.h>

enum xr_status {
	XR_OK = 0,
	XR_EUSAGE, /* bad option or argument */
	XR_EINPUT, /* malformed file or document */
	XR_EIO,    /* read/write/network failure */
	XR_EAUTH,  /* credentials or signature */
	XR_EAPI,   /* the service said no */
	XR_ELIMIT, /* a size or count cap was hit */
};

struct xr_err {
	enum xr_status status;
	char msg[1024];
	bool has_offset; /* the problem is at byte `offset` of the input */
	size_t offset;
};

/* Sets status and message (printf-style); returns -1 for `return xr_err_set(..)`. */
int xr_err_set(struct xr_err *err, enum xr_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prepends "prefix: " to the message already in err. */
void xr_err_prefix(struct xr_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void xr_err_clear(struct xr_err *err);

#endif
