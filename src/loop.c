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

#include "util/xmalloc.h"

#define LOOP_MAX_FDS 8

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

struct loop {
	struct http *http;
	struct loop_tick *ticks;
	size_t n_ticks, cap_ticks;
	struct loop_fd fds[LOOP_MAX_FDS];
	size_t n_fds;
	bool stop;
	int signal_pipe[2];
};

static volatile sig_atomic_t caught_signal;
static int signal_write_fd = -1;

static void
on_signal(int sig)
{
	int saved = errno;
	caught_signal = sig;
	if (signal_write_fd >= 0) {
		char c = (char)sig;
		(void)!write(signal_write_fd, &c, 1);
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
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal_write_fd = -1;
		close(l->signal_pipe[0]);
		close(l->signal_pipe[1]);
	}
	free(l->ticks);
	free(l);
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
	if (l->n_fds < LOOP_MAX_FDS)
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

static void
on_signal_pipe(void *ctx, int fd, short revents)
{
	struct loop *l = ctx;
	char buf[16];
	while (read(fd, buf, sizeof buf) > 0)
		;
	l->stop = true;
}

void
loop_catch_signals(struct loop *l)
{
	if (l->signal_pipe[0] >= 0 || pipe2(l->signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return;
	signal_write_fd = l->signal_pipe[1];
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	loop_add_fd(l, l->signal_pipe[0], POLLIN, on_signal_pipe, l);
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

/* Waits up to `wait` seconds for curl, the descriptors or a wakeup, and
 * runs what became ready. */
static int
wait_and_dispatch(struct loop *l, double wait, struct xr_err *err)
{
	if (!(wait > 0))
		wait = 0;
	int ms = isinf(wait) || wait > 3600 ? 3600 * 1000 : (int)ceil(wait * 1000);
	struct http_pollfd pfd[LOOP_MAX_FDS];
	size_t n = l->n_fds;
	for (size_t i = 0; i < n; i++)
		pfd[i] = (struct http_pollfd){l->fds[i].fd, l->fds[i].events, 0};
	if (l->http) {
		if (http_poll(l->http, pfd, (unsigned)n, ms, err) < 0)
			return -1;
	} else {
		struct pollfd p[LOOP_MAX_FDS];
		for (size_t i = 0; i < n; i++)
			p[i] = (struct pollfd){pfd[i].fd, pfd[i].events, 0};
		if (poll(p, n, ms) < 0 && errno != EINTR)
			return xr_err_set(err, XR_EIO, "poll: %s", strerror(errno));
		for (size_t i = 0; i < n; i++)
			pfd[i].revents = p[i].revents;
	}
	for (size_t i = 0; i < n; i++) {
		if (pfd[i].revents) {
			/* the callback may remove fds: find it again by number */
			for (size_t k = 0; k < l->n_fds; k++) {
				if (l->fds[k].fd == pfd[i].fd) {
					l->fds[k].fn(l->fds[k].ctx, pfd[i].fd, pfd[i].revents);
					break;
				}
			}
		}
	}
	return 0;
}

int
loop_once(struct loop *l, double max_wait, struct xr_err *err)
{
	double wait = run_ticks(l, max_wait);
	return l->stop ? 0 : wait_and_dispatch(l, wait, err);
}

int
loop_run(struct loop *l, bool (*done)(void *ctx), void *ctx, struct xr_err *err)
{
	while (!l->stop && !(done && done(ctx))) {
		double wait = run_ticks(l, INFINITY);
		/* A tick may have finished the work: do not wait for nothing. */
		if (l->stop || (done && done(ctx)))
			break;
		if (wait_and_dispatch(l, wait, err) < 0)
			return -1;
	}
	return 0;
}

void
loop_stop(struct loop *l)
{
	l->stop = true;
}

int
loop_interrupted(const struct loop *l)
{
	return l->signal_pipe[0] >= 0 ? caught_signal : 0;
}
