/* tap.h: a minimal Test Anything Protocol producer for the C unit tests. */
#ifndef XRTOP_TESTS_TAP_H
#define XRTOP_TESTS_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...)                                                                     \
	tap_is_int((long long)(got), (long long)(want), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define is_num(got, want, ...) tap_is_num((got), (want), __FILE__, __LINE__, __VA_ARGS__)

static inline int tap_ok(int pass, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static inline int
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	tap_n++;
	printf("%s %d - ", pass ? "ok" : "not ok", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	return pass;
}

#define TAP_MSG(buf, fmt)                                                                          \
	char buf[512];                                                                             \
	do {                                                                                       \
		va_list ap_;                                                                       \
		va_start(ap_, fmt);                                                                \
		vsnprintf(buf, sizeof buf, fmt, ap_);                                              \
		va_end(ap_);                                                                       \
	} while (0)

static inline int tap_is_int(long long got, long long want, const char *file, int line,
                             const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static inline int
tap_is_int(long long got, long long want, const char *file, int line, const char *fmt, ...)
{
	TAP_MSG(msg, fmt);
	int pass = tap_ok(got == want, file, line, "%s", msg);
	if (!pass)
		printf("#   got %lld, want %lld\n", got, want);
	return pass;
}

static inline int tap_is_str(const char *got, const char *want, const char *file, int line,
                             const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static inline int
tap_is_str(const char *got, const char *want, const char *file, int line, const char *fmt, ...)
{
	TAP_MSG(msg, fmt);
	int pass = (got == NULL && want == NULL) || (got && want && strcmp(got, want) == 0);
	tap_ok(pass, file, line, "%s", msg);
	if (!pass)
		printf("#   got  [%s]\n#   want [%s]\n", got ? got : "(null)",
		       want ? want : "(null)");
	return pass;
}

static inline int tap_is_num(double got, double want, const char *file, int line, const char *fmt,
                             ...) __attribute__((format(printf, 5, 6)));
static inline int
tap_is_num(double got, double want, const char *file, int line, const char *fmt, ...)
{
	TAP_MSG(msg, fmt);
	int pass = (isnan(got) && isnan(want)) || fabs(got - want) < 1e-9;
	tap_ok(pass, file, line, "%s", msg);
	if (!pass)
		printf("#   got %.17g, want %.17g\n", got, want);
	return pass;
}

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
