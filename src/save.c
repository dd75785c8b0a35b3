#include "config.h"

#include "save.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/jsonw.h"
#include "util/xmalloc.h"
#include "util/i18n.h"

struct save {
	char *path;        /* FILE as the user gave it: every message names it */
	const char *label; /* "--save" or ":save", the start of every message */
	char *target;      /* the file replaced (FILE, or its link's target); NULL in place */
	char *tmp;         /* the temporary file next to target; NULL in place */
	FILE *out;
	size_t count;
	bool failed;
	int error;
};

/* Sets err to "--save FILE: what" and frees s.  Returns NULL. */
static struct save *
save_fail(struct save *s, struct xr_err *err, const char *what)
{
	xr_err_set(err, XR_EIO, "%s %s: %s", s->label, *s->path ? s->path : "''", what);
	if (s->out && s->out != stdout)
		fclose(s->out);
	if (s->tmp)
		unlink(s->tmp);
	free(s->tmp);
	free(s->target);
	free(s->path);
	free(s);
	return NULL;
}

/* The permissions a new file gets: 0666 less the umask. */
static mode_t
save_new_mode(void)
{
	mode_t mask = umask(022);
	umask(mask);
	return 0666 & ~mask;
}

/* Opens a file that is not regular (a FIFO, /dev/null, a terminal) to write
 * it in place. */
static int
save_open_in_place(struct save *s, struct xr_err *err)
{
	int fd = open(s->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		save_fail(s, err, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		close(fd);
		save_fail(s, err, _("changed while it was being opened"));
		return -1;
	}
	s->out = fdopen(fd, "w");
	if (!s->out) {
		close(fd);
		save_fail(s, err, strerror(errno));
		return -1;
	}
	return 0;
}

/* Creates the temporary file next to s->target with the given permissions. */
static int
save_open_temporary(struct save *s, mode_t mode, struct xr_err *err)
{
	const char *slash = strrchr(s->target, '/');
	if (slash)
		s->tmp =
		    xasprintf("%.*s.%s.XXXXXX", (int)(slash + 1 - s->target), s->target, slash + 1);
	else
		s->tmp = xasprintf(".%s.XXXXXX", s->target);
	int fd = mkostemp(s->tmp, O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		free(s->tmp);
		s->tmp = NULL;
		char what[256];
		snprintf(what, sizeof what, _("cannot create a temporary file next to it: %s"),
		         strerror(e));
		save_fail(s, err, what);
		return -1;
	}
	if (fchmod(fd, mode) != 0 || !(s->out = fdopen(fd, "w"))) {
		int e = errno;
		close(fd);
		save_fail(s, err, strerror(e));
		return -1;
	}
	setvbuf(s->out, NULL, _IOFBF, 1 << 20);
	return 0;
}

static struct save *
save_open_file(const char *path, const char *label, struct xr_err *err)
{
	struct save *s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	s->label = label;
	if (strcmp(path, "-") == 0) {
		s->out = stdout;
	} else {
		struct stat st;
		mode_t mode;
		if (!*path)
			return save_fail(s, err, _("an empty file name"));
		if (lstat(path, &st) != 0) {
			if (errno != ENOENT)
				return save_fail(s, err, strerror(errno));
			s->target = xstrdup(path);
			mode = save_new_mode();
		} else {
			if (S_ISLNK(st.st_mode)) {
				if (stat(path, &st) != 0)
					return save_fail(
					    s, err,
					    errno == ENOENT
					        ? _("a symbolic link to nothing: not followed")
					        : strerror(errno));
				if (S_ISREG(st.st_mode) && !(s->target = realpath(path, NULL)))
					return save_fail(s, err, strerror(errno));
			} else if (S_ISREG(st.st_mode)) {
				s->target = xstrdup(path);
			}
			if (S_ISDIR(st.st_mode))
				return save_fail(s, err, _("a directory"));
			if (S_ISSOCK(st.st_mode) || S_ISBLK(st.st_mode))
				return save_fail(
				    s, err,
				    S_ISSOCK(st.st_mode)
				        ? _("a socket, not a file: not written")
				        : _("a block device, not a file: not written"));
			mode = st.st_mode & 0777;
		}
		if (s->target ? save_open_temporary(s, mode, err) < 0
		              : save_open_in_place(s, err) < 0)
			return NULL;
	}
	return s;
}

struct save *
save_open(const char *path, struct xr_err *err)
{
	struct save *s = save_open_file(path, "--save", err);
	if (!s)
		return NULL;
	if (fputs("{\"Traces\": [", s->out) == EOF) {
		s->failed = true;
		s->error = errno;
	}
	return s;
}

struct save *
save_open_document(const char *path, const char *label, struct xr_err *err)
{
	return save_open_file(path, label, err);
}

int
save_write(struct save *s, const char *data, size_t len)
{
	if (s->failed)
		return -1;
	if (fwrite(data, 1, len, s->out) != len) {
		s->failed = true;
		s->error = errno;
		return -1;
	}
	return 0;
}

int
save_trace(struct save *s, const char *json, size_t len)
{
	if (s->failed)
		return -1;
	if ((s->count && fputc(',', s->out) == EOF) || fputc('\n', s->out) == EOF ||
	    fwrite(json, 1, len, s->out) != len) {
		s->failed = true;
		s->error = errno;
		return -1;
	}
	s->count++;
	return 0;
}

size_t
save_count(const struct save *s)
{
	return s->count;
}

static void
save_release(struct save *s)
{
	free(s->tmp);
	free(s->target);
	free(s->path);
	free(s);
}

void
save_abort(struct save *s)
{
	if (!s)
		return;
	if (s->tmp) {
		fclose(s->out);
		unlink(s->tmp);
	} else if (s->out == stdout) {
		fflush(s->out);
	} else {
		fclose(s->out);
	}
	save_release(s);
}

static void
save_error(struct save *s, int error)
{
	if (!s->failed) {
		s->failed = true;
		s->error = error;
	}
}

/* Makes the rename durable; failures only cost durability. */
static void
save_sync_directory(const char *target)
{
	const char *slash = strrchr(target, '/');
	char *dir =
	    slash ? xstrndup(target, slash == target ? 1 : (size_t)(slash - target)) : xstrdup(".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

/* Flushes, syncs and puts the file in place; frees s. */
static int
save_commit(struct save *s, struct xr_err *err)
{
	if (!s->failed && fflush(s->out) != 0)
		save_error(s, errno);
	if (s->out != stdout) {
		if (!s->failed && s->tmp && fsync(fileno(s->out)) != 0 && errno != EINVAL)
			save_error(s, errno);
		if (fclose(s->out) != 0)
			save_error(s, errno);
	}
	if (s->tmp) {
		if (!s->failed && rename(s->tmp, s->target) != 0)
			save_error(s, errno);
		if (s->failed)
			unlink(s->tmp);
		else
			save_sync_directory(s->target);
	}
	int rc = SAVE_WRITTEN;
	if (s->failed)
		rc = xr_err_set(err, XR_EIO, "%s %s: %s%s", s->label,
		                s->out == stdout ? _("(standard output)") : s->path,
		                strerror(s->error), s->tmp ? _(": not written") : "");
	save_release(s);
	return rc;
}

int
save_finish(struct save *s, char *const *unfetched, size_t n, bool incomplete, struct xr_err *err)
{
	if (s->tmp) {
		struct stat st;
		bool exists = lstat(s->target, &st) == 0;
		if (exists && (incomplete || !s->count)) {
			if (incomplete)
				xr_err_set(err, XR_EIO,
				           _("--save %s: the run is incomplete: the file is left "
				             "as it was "
				             "(%zu traces fetched, not saved)"),
				           s->path, s->count);
			else
				xr_err_set(
				    err, XR_EIO,
				    _("--save %s: no traces to save: the file is left as it was"),
				    s->path);
			save_abort(s);
			return SAVE_KEPT;
		}
		if (incomplete && !s->count) {
			xr_err_set(err, XR_EIO, _("--save %s: nothing fetched: not written"),
			           s->path);
			save_abort(s);
			return SAVE_SKIPPED;
		}
	}
	struct buf b = BUF_INIT;
	struct jsonw w;
	jsonw_init(&w, &b);
	jsonw_array_begin(&w);
	for (size_t i = 0; i < n; i++)
		jsonw_string(&w, unfetched[i]);
	jsonw_array_end(&w);
	if (!s->failed && fprintf(s->out, "%s],\n\"UnprocessedTraceIds\": %s}\n",
	                          s->count ? "\n" : "", b.data) < 0)
		save_error(s, errno);
	buf_free(&b);
	return save_commit(s, err);
}

int
save_close(struct save *s, struct xr_err *err)
{
	return save_commit(s, err);
}
