/* loop_test: the event loop on its own (no HTTP client): descriptor
 * readiness, many descriptors, timers and their order, ticks, signals
 * through the self-pipe. */
#include "config.h"

#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "tap.h"
#include "util/timefmt.h"

struct rec {
	char log[256];
	size_t n;
	struct loop *l;
	uint64_t cancel; /* timer to cancel from a callback */
};

static void
rec_add(struct rec *r, char c)
{
	if (r->n + 1 < sizeof r->log) {
		r->log[r->n++] = c;
		r->log[r->n] = '\0';
	}
}

struct fdctx {
	struct rec *rec;
	char tag;
	int count;
};

static void
on_fd(void *ctx, int fd, short revents)
{
	struct fdctx *c = ctx;
	char buf[16];
	if (revents & POLLIN)
		(void)!read(fd, buf, sizeof buf);
	c->count++;
	rec_add(c->rec, c->tag);
}

static void
test_fd_readiness(void)
{
	struct loop *l = loop_new(NULL);
	struct rec r = {0};
	int p[2];
	ok(pipe(p) == 0, "pipe");
	struct fdctx c = {&r, 'a', 0};
	loop_add_fd(l, p[0], POLLIN, on_fd, &c);
	struct xr_err err = {0};
	double t0 = timefmt_monotonic();
	is_int(loop_once(l, 0.05, &err), 0, "a turn with nothing ready");
	ok(timefmt_monotonic() - t0 >= 0.04, "it waited for max_wait");
	is_int(c.count, 0, "no callback while the pipe is empty");
	(void)!write(p[1], "x", 1);
	is_int(loop_once(l, 1, &err), 0, "a turn with the pipe readable");
	is_int(c.count, 1, "the callback ran once");
	loop_remove_fd(l, p[0]);
	(void)!write(p[1], "x", 1);
	loop_once(l, 0.01, &err);
	is_int(c.count, 1, "a removed descriptor is not watched");
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

static void
test_many_fds(void)
{
	enum { N = 40 };
	struct loop *l = loop_new(NULL);
	struct rec r = {0};
	int pipes[N][2];
	struct fdctx c[N];
	for (int i = 0; i < N; i++) {
		if (pipe(pipes[i]) != 0)
			abort();
		c[i] = (struct fdctx){&r, (char)('A' + i % 26), 0};
		loop_add_fd(l, pipes[i][0], POLLIN, on_fd, &c[i]);
	}
	(void)!write(pipes[N - 1][1], "x", 1);
	(void)!write(pipes[9][1], "x", 1);
	struct xr_err err = {0};
	loop_once(l, 1, &err);
	is_int(c[N - 1].count, 1, "the 40th descriptor is watched (no limit of 8)");
	is_int(c[9].count, 1, "the 10th descriptor is watched");
	int others = 0;
	for (int i = 0; i < N; i++)
		if (i != 9 && i != N - 1)
			others += c[i].count;
	is_int(others, 0, "no other callback ran");
	for (int i = 0; i < N; i++) {
		close(pipes[i][0]);
		close(pipes[i][1]);
	}
	loop_free(l);
}

static void
timer_a(void *ctx)
{
	rec_add(ctx, 'a');
}
static void
timer_b(void *ctx)
{
	rec_add(ctx, 'b');
}
static void
timer_c(void *ctx)
{
	rec_add(ctx, 'c');
}
static void
timer_p(void *ctx)
{
	struct rec *r = ctx;
	rec_add(r, 'p');
	if (r->n >= 6)
		loop_stop(r->l);
}
static void
timer_cancel_other(void *ctx)
{
	struct rec *r = ctx;
	rec_add(r, 'x');
	loop_cancel_timer(r->l, r->cancel);
}

static bool
never(void *ctx)
{
	(void)ctx;
	return false;
}

static bool
log_has(void *ctx)
{
	const struct rec *r = ctx;
	return r->n >= 3;
}

static void
test_timers(void)
{
	struct loop *l = loop_new(NULL);
	struct rec r = {.l = l};
	double now = timefmt_monotonic();
	uint64_t c = loop_add_timer(l, now + 0.06, 0, timer_c, &r);
	uint64_t b = loop_add_timer(l, now + 0.03, 0, timer_b, &r);
	uint64_t a = loop_add_timer(l, now + 0.03, 0, timer_a, &r);
	ok(a && b && c && a != b && b != c, "timer ids are distinct and not 0");
	struct xr_err err = {0};
	double t0 = timefmt_monotonic();
	is_int(loop_run(l, log_has, &r, &err), 0, "loop_run until three timers ran");
	is_str(r.log, "bac", "timers run by time, then by creation");
	ok(timefmt_monotonic() - t0 >= 0.055, "the last timer waited for its time");

	/* one-shot timers run once; a cancelled one never */
	r.n = 0;
	r.log[0] = '\0';
	now = timefmt_monotonic();
	loop_add_timer(l, now, 0, timer_a, &r);
	uint64_t gone = loop_add_timer(l, now + 0.01, 0, timer_b, &r);
	loop_cancel_timer(l, gone);
	loop_cancel_timer(l, 12345); /* unknown: ignored */
	loop_once(l, 0.03, &err);
	loop_once(l, 0.03, &err);
	is_str(r.log, "a", "a one-shot timer runs once, a cancelled one not at all");

	/* a timer cancels another due in the same turn */
	r.n = 0;
	r.log[0] = '\0';
	now = timefmt_monotonic();
	loop_add_timer(l, now - 1, 0, timer_cancel_other, &r);
	r.cancel = loop_add_timer(l, now - 0.5, 0, timer_c, &r);
	loop_once(l, 0, &err);
	loop_once(l, 0, &err);
	is_str(r.log, "x", "a timer cancelled by an earlier one in the same turn does not run");

	/* periodic */
	r.n = 0;
	r.log[0] = '\0';
	t0 = timefmt_monotonic();
	uint64_t p = loop_add_timer(l, t0 + 0.01, 0.01, timer_p, &r);
	loop_run(l, never, NULL, &err);
	is_str(r.log, "pppppp", "a periodic timer runs until stopped");
	double took = timefmt_monotonic() - t0;
	ok(took >= 0.055 && took < 2, "six periods took about 60 ms (%.3f s)", took);
	loop_cancel_timer(l, p);
	loop_resume(l);
	r.n = 0;
	r.log[0] = '\0';
	loop_once(l, 0.03, &err);
	is_str(r.log, "", "a cancelled periodic timer stops");
	loop_free(l);
}

static int tick_calls;

static double
tick_fn(void *ctx)
{
	(void)ctx;
	tick_calls++;
	return tick_calls >= 3 ? INFINITY : 0.01;
}

static bool
ticks_done(void *ctx)
{
	(void)ctx;
	return tick_calls >= 3;
}

static void
test_ticks(void)
{
	struct loop *l = loop_new(NULL);
	loop_add_tick(l, tick_fn, NULL);
	struct xr_err err = {0};
	double t0 = timefmt_monotonic();
	is_int(loop_run(l, ticks_done, NULL, &err), 0, "loop_run with a tick");
	is_int(tick_calls, 3, "the tick ran until done");
	ok(timefmt_monotonic() - t0 < 1, "the loop waited what the tick asked, not forever");
	loop_remove_tick(l, tick_fn, NULL);
	loop_once(l, 0, &err);
	is_int(tick_calls, 3, "a removed tick does not run");
	loop_free(l);
}

struct sigs {
	int got[8];
	int n;
};

static void
on_sig(void *ctx, int sig)
{
	struct sigs *s = ctx;
	if (s->n < 8)
		s->got[s->n++] = sig;
}

static void
test_signals(void)
{
	struct loop *l = loop_new(NULL);
	struct xr_err err = {0};
	struct sigs s = {0};
	is_int(loop_catch_signals(l, &err), 0, "catch signals");
	loop_on_signal(l, on_sig, &s);
	struct loop *other = loop_new(NULL);
	struct xr_err err2 = {0};
	is_int(loop_catch_signals(other, &err2), -1, "a second loop cannot catch signals too");
	ok(strstr(err2.msg, "already") != NULL, "and says why: %s", err2.msg);
	loop_free(other);

	raise(SIGWINCH);
	loop_once(l, 0.5, &err);
	is_int(s.n, 1, "SIGWINCH reached the callback");
	is_int(s.got[0], SIGWINCH, "as SIGWINCH");
	is_int(loop_interrupted(l), 0, "SIGWINCH does not stop the loop");

	raise(SIGTERM);
	is_int(loop_run(l, never, NULL, &err), 0, "SIGTERM stops loop_run");
	is_int(loop_interrupted(l), SIGTERM, "loop_interrupted() names SIGTERM");
	is_int(s.got[s.n - 1], SIGTERM, "the callback saw SIGTERM");
	loop_resume(l);
	is_int(loop_run(l, never, NULL, &err), 0, "an interrupted loop stays stopped");
	loop_free(l);

	/* after loop_free the handlers are restored and another loop may catch */
	struct loop *again = loop_new(NULL);
	is_int(loop_catch_signals(again, &err), 0, "a new loop catches once the old one is freed");
	raise(SIGINT);
	loop_run(again, never, NULL, &err);
	is_int(loop_interrupted(again), SIGINT, "SIGINT stops it");
	loop_free(again);
}

int
main(void)
{
	test_fd_readiness();
	test_many_fds();
	test_timers();
	test_ticks();
	test_signals();
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
