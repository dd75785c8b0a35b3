/* fixture.h: reading a file of tests/data/ in the C unit tests. */
#ifndef XRTOP_TESTS_FIXTURE_H
#define XRTOP_TESTS_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "util/xmalloc.h"

/* The whole of $top_srcdir/tests/data/NAME, NUL-terminated; bails out of
 * the test when it cannot be read.  Caller frees. */
static inline char *
read_fixture(const char *name, size_t *len)
{
	const char *dir = getenv("top_srcdir");
	char path[1024];
	snprintf(path, sizeof path, "%s/tests/data/%s", dir ? dir : "..", name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("Bail out! cannot open %s\n", path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *data = xmalloc((size_t)n + 1);
	*len = fread(data, 1, (size_t)n, f);
	data[*len] = '\0';
	fclose(f);
	return data;
}

#endif
