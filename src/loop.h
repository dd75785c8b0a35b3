/* loop: the one event loop, single-threaded.  Each turn runs the tick
 * functions (the fetch engine, credential refresh, live refresh, progress
 * display), each of which says when it next wants to run; then waits in
 * http_poll() on curl's sockets, the registered file descriptors (the
 * terminal, a UDP socket, the signal pipe) and the earliest tick, and runs
 * what is ready.  SIGINT and SIGTERM, once caught, stop the loop. */
#ifndef XRTOP_LOOP_H
#define XRTOP_LOOP_H

#include <stdbool.h>

#include "aws/http.h"
#include "util/err.h"

/* Returns the seconds until it wants to run again; INFINITY: only after
 * some event. */
typedef double (*loop_tick_fn)(void *ctx);
typedef void (*loop_fd_fn)(void *ctx, int fd, short revents);

struct loop;

/* A loop over h's requests, or over descriptors and ticks only (h NULL). */
struct loop *loop_new(struct http *h);
void loop_free(struct loop *l);
void loop_add_tick(struct loop *l, loop_tick_fn fn, void *ctx);
void loop_remove_tick(struct loop *l, loop_tick_fn fn, void *ctx);
/* Waits for events (POLLIN, ...) on fd. */
void loop_add_fd(struct loop *l, int fd, short events, loop_fd_fn fn, void *ctx);
void loop_remove_fd(struct loop *l, int fd);
/* Catches SIGINT and SIGTERM: they stop the loop (see loop_interrupted()). */
void loop_catch_signals(struct loop *l);
/* One turn, waiting at most max_wait seconds. */
int loop_once(struct loop *l, double max_wait, struct xr_err *err);
/* Turns until done(ctx) is true, loop_stop() or a caught signal. */
int loop_run(struct loop *l, bool (*done)(void *ctx), void *ctx, struct xr_err *err);
void loop_stop(struct loop *l);
/* The signal that stopped the loop, or 0. */
int loop_interrupted(const struct loop *l);

#endif
