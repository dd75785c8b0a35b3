#include "config.h"

#include "util/strdist.h"

#include <string.h>

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

size_t
strdist(const char *a, size_t n, const char *b)
{
	enum { MAX = 40 };
	size_t m = strlen(b);
	if (n > MAX || m > MAX)
		return (size_t)-1;
	size_t d[MAX + 1][MAX + 1];
	for (size_t i = 0; i <= n; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= n; i++) {
		for (size_t j = 1; j <= m; j++) {
			size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
			size_t v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
			    lower(a[i - 2]) == lower(b[j - 1]) && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[n][m];
}

/* How many edits still count as a typo of a word of n characters. */
static size_t
tolerance(size_t n)
{
	return n <= 3 ? 1 : n <= 8 ? 2 : 3;
}

const char *
strdist_nearest(const char *w, size_t n, const char *const *candidates)
{
	const char *best = NULL;
	size_t best_d = tolerance(n) + 1;
	for (size_t i = 0; candidates[i]; i++) {
		size_t d = strdist(w, n, candidates[i]);
		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	return best;
}
