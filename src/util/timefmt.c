#include "config.h"

#include "util/timefmt.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool
timefmt_in_range(double t)
{
	return t >= TIMEFMT_MIN && t <= TIMEFMT_MAX; /* false for NaN */
}

static int
days_in_month(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return month == 2 && leap ? 29 : days[month - 1];
}

static int
parse_digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

/* 0 with *out set, 1 for a number out of range, -1 for no number. */
static int
parse_epoch(const char *s, double *out)
{
	char *end;
	for (const char *q = s; *q; q++)
		if (!isdigit((unsigned char)*q) && *q != '.')
			return -1;
	double v = strtod(s, &end);
	if (end == s || *end)
		return -1;
	if (!timefmt_in_range(v))
		return 1;
	*out = v;
	return 0;
}

int
timefmt_parse_time(const char *s, double *out, struct xr_err *err)
{
	int epoch = parse_epoch(s, out);
	if (epoch == 0)
		return 0;
	if (epoch > 0)
		return xr_err_set(err, XR_EUSAGE, "'%s' is before 1970 or after 9999", s);
	const char *p = s;
	int Y, M, D, h = 0, m = 0, sec = 0;
	double frac = 0;
	long offset = 0;
	if (parse_digits(&p, 4, &Y) < 0 || *p++ != '-' || parse_digits(&p, 2, &M) < 0 ||
	    *p++ != '-' || parse_digits(&p, 2, &D) < 0)
		goto bad;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (parse_digits(&p, 2, &h) < 0 || *p++ != ':' || parse_digits(&p, 2, &m) < 0)
			goto bad;
		if (*p == ':') {
			p++;
			if (parse_digits(&p, 2, &sec) < 0)
				goto bad;
			if (*p == '.' || *p == ',') {
				double scale = 0.1;
				p++;
				if (!isdigit((unsigned char)*p))
					goto bad;
				while (isdigit((unsigned char)*p)) {
					frac += (*p++ - '0') * scale;
					scale /= 10;
				}
			}
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
			if (parse_digits(&p, 2, &oh) < 0)
				goto bad;
			if (*p == ':')
				p++;
			if (*p && parse_digits(&p, 2, &om) < 0)
				goto bad;
			if (oh > 23 || om > 59)
				return xr_err_set(
				    err, XR_EUSAGE,
				    "'%s': the offset from UTC is not a time of day (at most "
				    "23:59)",
				    s);
			offset = sign * (oh * 3600L + om * 60L);
		}
	}
	if (*p || M < 1 || M > 12 || D < 1 || h > 23 || m > 59 || sec > 60)
		goto bad;
	if (D > days_in_month(Y, M))
		return xr_err_set(err, XR_EUSAGE, "'%s': %04d-%02d has %d days", s, Y, M,
		                  days_in_month(Y, M));
	struct tm tm = {0};
	tm.tm_year = Y - 1900;
	tm.tm_mon = M - 1;
	tm.tm_mday = D;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	double t = (double)timegm(&tm) - (double)offset + frac;
	if (!timefmt_in_range(t))
		return xr_err_set(err, XR_EUSAGE, "'%s' is before 1970 or after 9999", s);
	*out = t;
	return 0;
bad:
	return xr_err_set(
	    err, XR_EUSAGE,
	    "'%s' is not a time: use ISO 8601 (2026-11-27T08:00:00Z) or epoch seconds", s);
}

int
timefmt_parse_duration(const char *s, double *out, struct xr_err *err)
{
	const char *p = s;
	double total = 0;
	if (!*p)
		goto bad;
	while (*p) {
		char *end;
		if (!isdigit((unsigned char)*p) && *p != '.')
			goto bad;
		double v = strtod(p, &end);
		if (end == p || !isfinite(v))
			goto bad;
		p = end;
		double unit = 1;
		switch (*p) {
		case 's':
			unit = 1;
			p++;
			break;
		case 'm':
			unit = 60;
			p++;
			break;
		case 'h':
			unit = 3600;
			p++;
			break;
		case 'd':
			unit = 86400;
			p++;
			break;
		case 'w':
			unit = 7 * 86400;
			p++;
			break;
		case '\0': break;
		default: goto bad;
		}
		if (v * unit > TIMEFMT_MAX_DURATION || (total += v * unit) > TIMEFMT_MAX_DURATION)
			return xr_err_set(err, XR_EUSAGE, "'%s' is longer than 100 years", s);
	}
	if (total <= 0)
		goto bad;
	*out = total;
	return 0;
bad:
	return xr_err_set(err, XR_EUSAGE, "'%s' is not a duration: use e.g. 90s, 15m, 2h or 1d", s);
}

void
timefmt_iso(double t, char *out, size_t size)
{
	if (!timefmt_in_range(t)) {
		snprintf(out, size, "-");
		return;
	}
	double whole = floor(t);
	int ms = (int)lround((t - whole) * 1000);
	if (ms >= 1000) {
		whole += 1;
		ms -= 1000;
	}
	time_t tt = (time_t)whole;
	struct tm tm;
	if (!gmtime_r(&tt, &tm)) {
		snprintf(out, size, "-");
		return;
	}
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

void
timefmt_short(double t, char *out, size_t size)
{
	struct tm tm;
	time_t tt = timefmt_in_range(t) ? (time_t)floor(t) : 0;
	if (!timefmt_in_range(t) || !gmtime_r(&tt, &tm)) {
		snprintf(out, size, "-");
		return;
	}
	snprintf(out, size, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

double
timefmt_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double
timefmt_monotonic(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
