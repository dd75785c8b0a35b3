/* timefmt: parsing and printing of times and durations (UTC, epoch seconds
 * as doubles, the unit X-Ray uses everywhere). */
#ifndef XRTOP_UTIL_TIMEFMT_H
#define XRTOP_UTIL_TIMEFMT_H

#include <stddef.h>

#include "util/err.h"

/* Parses ISO 8601 (2026-11-27T08:00:00Z, fractions, +09:00 offsets, a bare
 * date, a space instead of T) or epoch seconds ("1499473240.25"). */
int timefmt_parse_time(const char *s, double *out, struct xr_err *err);
/* Parses a duration: "90", "90s", "15m", "2h", "1d", "1h30m". */
int timefmt_parse_duration(const char *s, double *out, struct xr_err *err);
/* Writes "2026-11-27T08:00:00.123Z" (milliseconds) into out. */
void timefmt_iso(double t, char *out, size_t size);
/* Writes "2026-11-27 08:00:00" (UTC, seconds) into out. */
void timefmt_short(double t, char *out, size_t size);
/* Current time as epoch seconds with sub-second precision. */
double timefmt_now(void);
/* Monotonic clock in seconds, for timeouts and rates. */
double timefmt_monotonic(void);

#endif
