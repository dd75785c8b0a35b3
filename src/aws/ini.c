#include "config.h"

#include "aws/ini.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/secret.h"
#include "util/xmalloc.h"
#include "util/i18n.h"

struct ini_entry {
	const char *section;
	const char *key;
	const char *value;
};

struct ini {
	char *pool; /* secret memory: every name and value, NUL-terminated */
	size_t pool_len, pool_cap;
	struct ini_entry *entries;
	size_t n, cap;
	const char **sections;
	size_t n_sections, cap_sections;
};

static char *
pool_add(struct ini *ini, const char *s, size_t n)
{
	char *out = ini->pool + ini->pool_len;
	memcpy(out, s, n);
	out[n] = '\0';
	ini->pool_len += n + 1;
	return out;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static void
trim(const char **p, const char **end)
{
	while (*p < *end && is_space(**p))
		(*p)++;
	while (*end > *p && is_space((*end)[-1]))
		(*end)--;
}

/* "profile   x" -> "profile x"; quotes around x are dropped, as shlex does. */
static const char *
add_section(struct ini *ini, const char *p, const char *end)
{
	trim(&p, &end);
	char *name;
	if (end - p > 8 && memcmp(p, "profile", 7) == 0 && is_space(p[7])) {
		const char *q = p + 7;
		while (q < end && is_space(*q))
			q++;
		if (end - q >= 2 && (*q == '"' || *q == '\'') && end[-1] == *q) {
			q++;
			end--;
		}
		name = ini->pool + ini->pool_len;
		memcpy(name, "profile ", 8);
		memcpy(name + 8, q, (size_t)(end - q));
		name[8 + (end - q)] = '\0';
		ini->pool_len += 8 + (size_t)(end - q) + 1;
	} else {
		name = pool_add(ini, p, (size_t)(end - p));
	}
	for (size_t i = 0; i < ini->n_sections; i++)
		if (strcmp(ini->sections[i], name) == 0)
			return ini->sections[i];
	XGROW(ini->sections, ini->cap_sections, ini->n_sections + 1);
	ini->sections[ini->n_sections++] = name;
	return name;
}

static void
add_entry(struct ini *ini, const char *section, const char *key, const char *value)
{
	XGROW(ini->entries, ini->cap, ini->n + 1);
	ini->entries[ini->n++] = (struct ini_entry){section, key, value};
}

struct ini *
ini_parse(const char *name, const char *text, size_t len, struct xr_err *err)
{
	/* A NUL would cut a value short and make a continuation line copy it
	 * again and again (found by fuzz_aws): a text file has none. */
	const char *nul = memchr(text, '\0', len);
	if (nul) {
		unsigned at = 1;
		for (const char *q = text; q < nul; q++)
			at += *q == '\n';
		xr_err_set(err, XR_EINPUT, _("%s:%u: contains a NUL byte: not a text file"), name,
		           at);
		return NULL;
	}
	struct ini *ini = xcalloc(1, sizeof *ini);
	/* Names and values never outgrow the text: one NUL per line at most,
	 * plus "profile " for a header written "[profile\tx]". */
	ini->pool_cap = 2 * len + 64;
	ini->pool = secret_alloc(ini->pool_cap);
	const char *section = NULL;
	struct ini_entry *last = NULL; /* the option continuation lines extend */
	const char *p = text, *end = text + len;
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	for (unsigned line = 1; p < end; line++) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		const char *s = p, *e = eol;
		bool indented = s < e && is_space(*s);
		trim(&s, &e);
		p = eol < end ? eol + 1 : end;
		if (s == e || *s == '#' || *s == ';') {
			if (s == e)
				last = indented ? last : NULL;
			continue;
		}
		if (indented && last) {
			/* Continuation: value += "\n" + line.  Values are always the
			 * newest thing in the pool, so they can grow in place. */
			char *v = (char *)last->value;
			size_t vlen = strlen(v);
			if (v + vlen + 1 != ini->pool + ini->pool_len) {
				char *copy = pool_add(ini, v, vlen);
				v = copy;
				last->value = v;
			}
			v[vlen] = '\n';
			memcpy(v + vlen + 1, s, (size_t)(e - s));
			v[vlen + 1 + (e - s)] = '\0';
			ini->pool_len += (size_t)(e - s) + 1;
			continue;
		}
		if (*s == '[') {
			const char *close = e; /* one past the last ']' */
			while (close > s + 1 && close[-1] != ']')
				close--;
			if (close <= s + 2 || close[-1] != ']') {
				xr_err_set(err, XR_EINPUT,
				           _("%s:%u: section header has no closing ']'"), name,
				           line);
				goto fail;
			}
			section = add_section(ini, s + 1, close - 1);
			last = NULL;
			continue;
		}
		const char *delim = s;
		while (delim < e && *delim != '=' && *delim != ':')
			delim++;
		if (delim == e || delim == s) {
			xr_err_set(err, XR_EINPUT,
			           _("%s:%u: expected [section], key = value or a comment"), name,
			           line);
			goto fail;
		}
		if (!section) {
			xr_err_set(err, XR_EINPUT, _("%s:%u: key before the first [section]"), name,
			           line);
			goto fail;
		}
		const char *ks = s, *ke = delim, *vs = delim + 1, *ve = e;
		trim(&ks, &ke);
		trim(&vs, &ve);
		char *key = pool_add(ini, ks, (size_t)(ke - ks));
		for (char *k = key; *k; k++)
			*k = (char)tolower((unsigned char)*k);
		const char *value = pool_add(ini, vs, (size_t)(ve - vs));
		add_entry(ini, section, key, value);
		last = &ini->entries[ini->n - 1];
	}
	return ini;
fail:
	ini_free(ini);
	return NULL;
}

struct ini *
ini_load(const char *path, bool *missing, struct xr_err *err)
{
	*missing = false;
	/* O_NONBLOCK: a FIFO or a terminal never holds the program up */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			*missing = true;
			return NULL;
		}
		xr_err_set(err, XR_EIO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode) || S_ISFIFO(st.st_mode)) {
		xr_err_set(err, XR_EIO, _("%s: is a %s, not a file"), path,
		           S_ISFIFO(st.st_mode) ? "FIFO" : _("directory"));
		close(fd);
		return NULL;
	}
	char *text = secret_alloc(INI_MAX_BYTES + 1);
	size_t len = 0;
	bool ok = true;
	for (;;) {
		ssize_t r = read(fd, text + len, INI_MAX_BYTES + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ok = false;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				xr_err_set(err, XR_EIO,
				           _("%s: nothing to read without waiting (a terminal?)"),
				           path);
			else
				xr_err_set(err, XR_EIO, "%s: %s", path, strerror(errno));
			break;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > INI_MAX_BYTES) {
			ok = false;
			xr_err_set(err, XR_ELIMIT, _("%s: larger than %u KiB"), path,
			           INI_MAX_BYTES >> 10);
			break;
		}
	}
	close(fd);
	struct ini *ini = ok ? ini_parse(path, text, len, err) : NULL;
	secret_free(text);
	return ini;
}

void
ini_free(struct ini *ini)
{
	if (!ini)
		return;
	secret_free(ini->pool);
	free(ini->entries);
	free(ini->sections);
	free(ini);
}

const char *
ini_get(const struct ini *ini, const char *section, const char *key)
{
	if (!ini)
		return NULL;
	for (size_t i = ini->n; i-- > 0;)
		if (strcmp(ini->entries[i].section, section) == 0 &&
		    strcmp(ini->entries[i].key, key) == 0)
			return ini->entries[i].value;
	return NULL;
}

bool
ini_has_section(const struct ini *ini, const char *section)
{
	for (size_t i = 0; ini && i < ini->n_sections; i++)
		if (strcmp(ini->sections[i], section) == 0)
			return true;
	return false;
}

size_t
ini_section_count(const struct ini *ini)
{
	return ini ? ini->n_sections : 0;
}

const char *
ini_section_name(const struct ini *ini, size_t i)
{
	return ini && i < ini->n_sections ? ini->sections[i] : NULL;
}
