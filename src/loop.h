/* loop: the one event loop, single-threaded.  It owns a growable set of
 * file descriptors (the terminal, UDP sockets, its own signal pipe), timers
 * (one-shot or periodic callbacks at a monotonic time), ticks (functions
 * run every turn that say when they next want to run) and, when given one,
 * the HTTP client whose transfers it drives: each turn runs the ticks and
 * the due timers, then waits in http_poll() (or poll() without a client) on
 * curl's sockets, the descriptors and the earliest deadline, and calls what
 * became ready.  loop_catch_signals() routes SIGINT, SIGTERM and SIGWINCH
 * through a self-pipe owned by the loop: SIGINT and SIGTERM stop it,
 * every caught signal is passed to the loop_on_signal() callbacks.  Only one
 * loop catches signals at a time; the handler's only state is that loop's
 * pipe descriptor. */
#ifndef XRTOP_LOOP_H
#define XRTOP_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "aws/http.h"
#include "util/err.h"

/* Returns the seconds until it wants to run again; INFINITY: only after
 * some event. */
typedef double (*loop_tick_fn)(void *ctx);
typedef void (*loop_fd_fn)(void *ctx, int fd, short revents);
typedef void (*loop_timer_fn)(void *ctx);
typedef void (*loop_signal_fn)(void *ctx, int sig);

struct loop;

/* A loop driving h's transfers (h may be NULL: then it waits with poll()).
 * Caller frees. */
struct loop *loop_new(struct http *h);
void loop_free(struct loop *l);
/* The HTTP client the loop drives, or NULL. */
struct http *loop_http(const struct loop *l);
void loop_add_tick(struct loop *l, loop_tick_fn fn, void *ctx);
void loop_remove_tick(struct loop *l, loop_tick_fn fn, void *ctx);
/* Waits for events (POLLIN, ...) on fd; a descriptor added again replaces
 * its earlier registration.  There is no limit but memory. */
void loop_add_fd(struct loop *l, int fd, short events, loop_fd_fn fn, void *ctx);
void loop_remove_fd(struct loop *l, int fd);
/* Calls fn at monotonic time `at` (timefmt_monotonic()), then every
 * `period` seconds when period > 0.  Timers due in the same turn run in the
 * order of their times, then of their creation.  Returns an id for
 * loop_cancel_timer() (never 0). */
uint64_t loop_add_timer(struct loop *l, double at, double period, loop_timer_fn fn, void *ctx);
/* Cancels a timer (also from its own callback); unknown ids are ignored. */
void loop_cancel_timer(struct loop *l, uint64_t id);
/* Catches SIGINT, SIGTERM and SIGWINCH.  Fails when another loop already
 * catches them or the pipe cannot be made. */
int loop_catch_signals(struct loop *l, struct xr_err *err);
/* Calls fn with every signal caught (after SIGINT/SIGTERM stopped the loop). */
void loop_on_signal(struct loop *l, loop_signal_fn fn, void *ctx);
/* One turn, waiting at most max_wait seconds. */
int loop_once(struct loop *l, double max_wait, struct xr_err *err);
/* Turns until done(ctx) is true, loop_stop() or SIGINT/SIGTERM. */
int loop_run(struct loop *l, bool (*done)(void *ctx), void *ctx, struct xr_err *err);
/* Makes loop_run() return after the current callback. */
void loop_stop(struct loop *l);
/* Lets loop_run() run again after loop_stop() (not after a signal). */
void loop_resume(struct loop *l);
/* SIGINT or SIGTERM when one stopped the loop, else 0. */
int loop_interrupted(const struct loop *l);

#endif
