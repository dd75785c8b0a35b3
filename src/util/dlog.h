/* dlog: the --debug-log file.  One line per event (requests, retries,
 * credential refreshes), each stamped with the time.  Every line passes
 * through dlog_redact() first: the secrets registered with dlog_secret()
 * and anything shaped like a signature, session token or secret key are
 * replaced by "<redacted>", so credentials never reach the file.  Safe to
 * call from several threads; does nothing until dlog_open(). */
#ifndef XRTOP_UTIL_DLOG_H
#define XRTOP_UTIL_DLOG_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

/* Opens (appends to) path, created with mode 0600. */
int dlog_open(const char *path, struct xr_err *err);
void dlog_close(void);
bool dlog_enabled(void);
/* Writes one redacted line. */
void dlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Registers a secret to be redacted wherever it appears (a copy is kept in
 * secret memory; the oldest are dropped beyond a few dozen). */
void dlog_secret(const char *s);
/* Drops every registered secret. */
void dlog_forget_secrets(void);
/* Appends text with secrets replaced and control characters escaped. */
void dlog_redact(struct buf *out, const char *text, size_t n);

#endif
