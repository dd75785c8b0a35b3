#include "config.h"

#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/timefmt.h"
#include "util/xmalloc.h"
#include "util/i18n.h"

struct loop_tick {
	loop_tick_fn fn;
	void *ctx;
};

struct loop_fd {
	int fd;
	short events;
	loop_fd_fn fn;
	void *ctx;
};

struct loop_timer {
	uint64_t id;
	uint64_t seq; /* order among timers due at the same time */
	double at;
	double period;
	loop_timer_fn fn;
	void *ctx;
};

struct loop_sigcb {
	loop_signal_fn fn;
	void *ctx;
};

struct loop {
	struct http *http;
	struct loop_tick *ticks;
	size_t n_ticks, cap_ticks;
	struct loop_fd *fds;
	size_t n_fds, cap_fds;
	struct loop_timer *timers;
	size_t n_timers, cap_timers;
	uint64_t next_timer, next_seq;
	struct loop_sigcb *sigcbs;
	size_t n_sigcbs, cap_sigcbs;
	struct http_pollfd *pfd; /* scratch for one wait */
	size_t cap_pfd;
	bool stop;
	int interrupted;
	int signal_pipe[2];
	struct sigaction old_int, old_term, old_winch;
};

/* The write end of the pipe of the loop catching signals, or -1: all the
 * handler needs. */
static volatile sig_atomic_t signal_write_fd = -1;

static void
on_signal(int sig)
{
	int saved = errno;
	int fd = signal_write_fd;
	if (fd >= 0) {
		unsigned char c = (unsigned char)sig;
		(void)!write(fd, &c, 1);
	}
	errno = saved;
}

struct loop *
loop_new(struct http *h)
{
	struct loop *l = xcalloc(1, sizeof *l);
	l->http = h;
	l->signal_pipe[0] = l->signal_pipe[1] = -1;
	return l;
}

void
loop_free(struct loop *l)
{
	if (!l)
		return;
	if (l->signal_pipe[0] >= 0) {
		sigaction(SIGINT, &l->old_int, NULL);
		sigaction(SIGTERM, &l->old_term, NULL);
		sigaction(SIGWINCH, &l->old_winch, NULL);
		signal_write_fd = -1;
		close(l->signal_pipe[0]);
		close(l->signal_pipe[1]);
	}
	free(l->ticks);
	free(l->fds);
	free(l->timers);
	free(l->sigcbs);
	free(l->pfd);
	free(l);
}

struct http *
loop_http(const struct loop *l)
{
	return l->http;
}

void
loop_add_tick(struct loop *l, loop_tick_fn fn, void *ctx)
{
	XGROW(l->ticks, l->cap_ticks, l->n_ticks + 1);
	l->ticks[l->n_ticks++] = (struct loop_tick){fn, ctx};
}

void
loop_remove_tick(struct loop *l, loop_tick_fn fn, void *ctx)
{
	for (size_t i = 0; i < l->n_ticks; i++) {
		if (l->ticks[i].fn == fn && l->ticks[i].ctx == ctx) {
			memmove(&l->ticks[i], &l->ticks[i + 1],
			        (l->n_ticks - i - 1) * sizeof *l->ticks);
			l->n_ticks--;
			return;
		}
	}
}

void
loop_add_fd(struct loop *l, int fd, short events, loop_fd_fn fn, void *ctx)
{
	for (size_t i = 0; i < l->n_fds; i++) {
		if (l->fds[i].fd == fd) {
			l->fds[i] = (struct loop_fd){fd, events, fn, ctx};
			return;
		}
	}
	XGROW(l->fds, l->cap_fds, l->n_fds + 1);
	l->fds[l->n_fds++] = (struct loop_fd){fd, events, fn, ctx};
}

void
loop_remove_fd(struct loop *l, int fd)
{
	for (size_t i = 0; i < l->n_fds; i++) {
		if (l->fds[i].fd == fd) {
			memmove(&l->fds[i], &l->fds[i + 1], (l->n_fds - i - 1) * sizeof *l->fds);
			l->n_fds--;
			return;
		}
	}
}

uint64_t
loop_add_timer(struct loop *l, double at, double period, loop_timer_fn fn, void *ctx)
{
	XGROW(l->timers, l->cap_timers, l->n_timers + 1);
	uint64_t id = ++l->next_timer;
	l->timers[l->n_timers++] =
	    (struct loop_timer){id, ++l->next_seq, at, period > 0 ? period : 0, fn, ctx};
	return id;
}

void
loop_cancel_timer(struct loop *l, uint64_t id)
{
	for (size_t i = 0; i < l->n_timers; i++) {
		if (l->timers[i].id == id) {
			memmove(&l->timers[i], &l->timers[i + 1],
			        (l->n_timers - i - 1) * sizeof *l->timers);
			l->n_timers--;
			return;
		}
	}
}

void
loop_on_signal(struct loop *l, loop_signal_fn fn, void *ctx)
{
	XGROW(l->sigcbs, l->cap_sigcbs, l->n_sigcbs + 1);
	l->sigcbs[l->n_sigcbs++] = (struct loop_sigcb){fn, ctx};
}

static void
on_signal_pipe(void *ctx, int fd, short revents)
{
	struct loop *l = ctx;
	unsigned char buf[64];
	ssize_t n;
	(void)revents;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			int sig = buf[i];
			if (sig == SIGINT || sig == SIGTERM) {
				if (!l->interrupted)
					l->interrupted = sig;
				l->stop = true;
			}
			for (size_t k = 0; k < l->n_sigcbs; k++)
				l->sigcbs[k].fn(l->sigcbs[k].ctx, sig);
		}
	}
}

int
loop_catch_signals(struct loop *l, struct xr_err *err)
{
	if (l->signal_pipe[0] >= 0)
		return 0;
	if (signal_write_fd >= 0)
		return xr_err_set(err, XR_EIO, _("another event loop already catches signals"));
	if (pipe2(l->signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return xr_err_set(err, XR_EIO, _("cannot make the signal pipe: %s"),
		                  strerror(errno));
	signal_write_fd = l->signal_pipe[1];
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, &l->old_int);
	sigaction(SIGTERM, &sa, &l->old_term);
	sigaction(SIGWINCH, &sa, &l->old_winch);
	loop_add_fd(l, l->signal_pipe[0], POLLIN, on_signal_pipe, l);
	return 0;
}

/* Runs every tick; returns how long the loop may wait. */
static double
run_ticks(struct loop *l, double max_wait)
{
	double wait = max_wait;
	for (size_t i = 0; i < l->n_ticks && !l->stop; i++) {
		double t = l->ticks[i].fn(l->ticks[i].ctx);
		if (t < wait)
			wait = t;
	}
	return wait;
}

/* The index of the earliest timer (re)scheduled before `limit` that is due at
 * `now`, or -1. */
static long
due_timer(const struct loop *l, double now, uint64_t limit)
{
	long best = -1;
	for (size_t i = 0; i < l->n_timers; i++) {
		const struct loop_timer *t = &l->timers[i];
		if (t->at > now || t->seq > limit)
			continue;
		if (best < 0 || t->at < l->timers[best].at ||
		    (t->at == l->timers[best].at && t->seq < l->timers[best].seq))
			best = (long)i;
	}
	return best;
}

/* Runs the due timers in order. */
static void
run_timers(struct loop *l)
{
	double now = timefmt_monotonic();
	uint64_t limit = l->next_seq; /* timers made by callbacks wait a turn */
	long i;
	while (!l->stop && (i = due_timer(l, now, limit)) >= 0) {
		struct loop_timer t = l->timers[i];
		if (t.period > 0) {
			l->timers[i].at = t.at + t.period > now ? t.at + t.period : now + t.period;
			l->timers[i].seq = ++l->next_seq; /* runs once per turn */
		} else {
			loop_cancel_timer(l, t.id);
		}
		t.fn(t.ctx);
	}
}

/* Waits up to `wait` seconds for curl, the descriptors or a wakeup, and
 * runs what became ready. */
static int
wait_and_dispatch(struct loop *l, double wait, struct xr_err *err)
{
	if (!(wait > 0))
		wait = 0;
	int ms = isinf(wait) || wait > 3600 ? 3600 * 1000 : (int)ceil(wait * 1000);
	size_t n = l->n_fds;
	XGROW(l->pfd, l->cap_pfd, n + 1);
	for (size_t i = 0; i < n; i++)
		l->pfd[i] = (struct http_pollfd){l->fds[i].fd, l->fds[i].events, 0};
	if (l->http) {
		if (http_poll(l->http, l->pfd, (unsigned)n, ms, err) < 0)
			return -1;
	} else {
		struct pollfd *p = xcalloc(n + 1, sizeof *p);
		for (size_t i = 0; i < n; i++)
			p[i] = (struct pollfd){l->pfd[i].fd, l->pfd[i].events, 0};
		int rc = poll(p, n, ms);
		if (rc < 0 && errno != EINTR) {
			free(p);
			return xr_err_set(err, XR_EIO, _("poll: %s"), strerror(errno));
		}
		for (size_t i = 0; i < n; i++)
			l->pfd[i].revents = rc > 0 ? p[i].revents : 0;
		free(p);
	}
	/* Callbacks may add or remove descriptors: copy what fired first. */
	size_t fired = 0;
	for (size_t i = 0; i < n; i++)
		if (l->pfd[i].revents)
			l->pfd[fired++] = l->pfd[i];
	for (size_t i = 0; i < fired && !l->stop; i++) {
		for (size_t k = 0; k < l->n_fds; k++) {
			if (l->fds[k].fd == l->pfd[i].fd) {
				l->fds[k].fn(l->fds[k].ctx, l->pfd[i].fd, l->pfd[i].revents);
				break;
			}
		}
	}
	return 0;
}

/* Timers, then ticks (which see what the timers queued), then the wait:
 * one turn. */
static int
turn(struct loop *l, double max_wait, bool (*done)(void *ctx), void *ctx, struct xr_err *err)
{
	run_timers(l);
	if (l->stop)
		return 0;
	double wait = run_ticks(l, max_wait);
	double now = timefmt_monotonic();
	for (size_t k = 0; k < l->n_timers; k++)
		if (l->timers[k].at - now < wait)
			wait = l->timers[k].at - now;
	/* A timer or tick may have finished the work: do not wait for nothing. */
	if (l->stop || (done && done(ctx)))
		return 0;
	return wait_and_dispatch(l, wait, err);
}

int
loop_once(struct loop *l, double max_wait, struct xr_err *err)
{
	return l->stop ? 0 : turn(l, max_wait, NULL, NULL, err);
}

int
loop_run(struct loop *l, bool (*done)(void *ctx), void *ctx, struct xr_err *err)
{
	while (!l->stop && !(done && done(ctx)))
		if (turn(l, INFINITY, done, ctx, err) < 0)
			return -1;
	return 0;
}

void
loop_stop(struct loop *l)
{
	l->stop = true;
}

void
loop_resume(struct loop *l)
{
	if (!l->interrupted)
		l->stop = false;
}

int
loop_interrupted(const struct loop *l)
{
	return l->interrupted;
}
