#include "config.h"

#include "source/save.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/jsonw.h"
#include "util/xmalloc.h"

struct save {
	char *path;
	char *tmp; /* NULL for standard output */
	FILE *out;
	size_t count;
	bool failed;
	int error;
};

struct save *
save_open(const char *path, struct xr_err *err)
{
	struct save *s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	if (strcmp(path, "-") == 0) {
		s->out = stdout;
	} else {
		s->tmp = xasprintf("%s.tmp", path);
		int fd = open(s->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (fd < 0 || !(s->out = fdopen(fd, "w"))) {
			xr_err_set(err, XR_EIO, "--save %s: %s", s->tmp, strerror(errno));
			if (fd >= 0)
				close(fd);
			free(s->tmp);
			free(s->path);
			free(s);
			return NULL;
		}
		setvbuf(s->out, NULL, _IOFBF, 1 << 20);
	}
	if (fputs("{\"Traces\": [", s->out) == EOF) {
		s->failed = true;
		s->error = errno;
	}
	return s;
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
	} else {
		fflush(s->out);
	}
	save_release(s);
}

int
save_finish(struct save *s, char *const *unfetched, size_t n, struct xr_err *err)
{
	struct buf b = BUF_INIT;
	struct jsonw w;
	jsonw_init(&w, &b);
	jsonw_array_begin(&w);
	for (size_t i = 0; i < n; i++)
		jsonw_string(&w, unfetched[i]);
	jsonw_array_end(&w);
	if (!s->failed && fprintf(s->out, "%s],\n\"UnprocessedTraceIds\": %s}\n",
	                          s->count ? "\n" : "", b.data) < 0) {
		s->failed = true;
		s->error = errno;
	}
	buf_free(&b);
	if (!s->failed && fflush(s->out) != 0) {
		s->failed = true;
		s->error = errno;
	}
	if (s->tmp) {
		if (!s->failed && fsync(fileno(s->out)) != 0 && errno != EINVAL) {
			s->failed = true;
			s->error = errno;
		}
		if (fclose(s->out) != 0 && !s->failed) {
			s->failed = true;
			s->error = errno;
		}
		if (!s->failed && rename(s->tmp, s->path) != 0) {
			s->failed = true;
			s->error = errno;
		}
		if (s->failed)
			unlink(s->tmp);
	}
	int rc = 0;
	if (s->failed)
		rc = xr_err_set(err, XR_EIO, "--save %s: %s", s->tmp ? s->tmp : "(stdout)",
		                strerror(s->error));
	save_release(s);
	return rc;
}
