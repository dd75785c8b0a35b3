/* replay: runs a libFuzzer target's entry point over every file of a corpus
 * directory without libFuzzer, as a TAP test: the corpus becomes a
 * regression suite in normal and sanitizer builds.  Usage: replay DIR
 * (default $top_srcdir/tests/fuzz/corpus-NAME, NAME from the program). */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util/xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	const char *srcdir = getenv("top_srcdir");
	char *dir = argc > 1
	                ? xstrdup(argv[1])
	                : xasprintf("%s/tests/fuzz/corpus-%s", srcdir ? srcdir : ".", REPLAY_NAME);
	DIR *d = opendir(dir);
	if (!d) {
		perror(dir);
		return 99;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		XGROW(names, cap, n + 1);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, by_name);
	size_t replayed = 0;
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);
		FILE *fp = fopen(path, "rb");
		if (fp) {
			char *buf = NULL;
			size_t len = 0, room = 0, got;
			do {
				XGROW(buf, room, len + 4096);
				got = fread(buf + len, 1, room - len, fp);
				len += got;
			} while (got > 0);
			fclose(fp);
			LLVMFuzzerTestOneInput((const uint8_t *)buf, len); /* aborts on failure */
			free(buf);
			replayed++;
		}
		free(path);
		free(names[i]);
	}
	free(names);
	ok(n > 0 && replayed == n, "%zu corpus inputs from %s replayed", replayed, dir);
	free(dir);
	return tap_done();
}
