/* timefmt: parsing and printing of times and durations (UTC, epoch seconds
 * as doubles, the unit X-Ray uses everywhere). */
#ifndef XRTOP_UTIL_TIMEFMT_H
#define XRTOP_UTIL_TIMEFMT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* The times xrtop accepts and prints: 1970-01-01 to 9999-12-31T23:59:59Z. */
#define TIMEFMT_MIN 0.0
#define TIMEFMT_MAX 253402300799.0
/* The longest duration: 100 years. */
#define TIMEFMT_MAX_DURATION (100 * 365.25 * 86400)

/* True when t is a finite time within [TIMEFMT_MIN, TIMEFMT_MAX]. */
bool timefmt_in_range(double t);
/* Parses ISO 8601 (2026-11-27T08:00:00Z, fractions, +09:00 offsets, a bare
 * date, a space instead of T) or epoch seconds ("1499473240.25").  Dates
 * that do not exist (2026-02-31), offsets beyond 23:59 and times outside
 * timefmt_in_range() are refused. */
int timefmt_parse_time(const char *s, double *out, struct xr_err *err);
/* Parses a duration: "90", "90s", "15m", "2h", "1d", "1h30m"; at most
 * TIMEFMT_MAX_DURATION. */
int timefmt_parse_duration(const char *s, double *out, struct xr_err *err);
/* Writes "2026-11-27T08:00:00.123Z" (milliseconds) into out; "-" for a
 * time out of range. */
void timefmt_iso(double t, char *out, size_t size);
/* Writes "2026-11-27 08:00:00" (UTC, seconds) into out; "-" for a time out
 * of range. */
void timefmt_short(double t, char *out, size_t size);
/* Current time as epoch seconds with sub-second precision. */
double timefmt_now(void);
/* Monotonic clock in seconds, for timeouts and rates. */
double timefmt_monotonic(void);

#endif
