/* fakeenv.h: what the C tests of the credential providers share: a fake
 * environment (handed to awsconfig_load() as its getenv) and files written
 * into a temporary directory the test makes (tmpdir). */
#ifndef XRTOP_TESTS_FAKEENV_H
#define XRTOP_TESTS_FAKEENV_H

#include <stdio.h>
#include <string.h>

static const char *fake_env[64][2];

static void
env_set(const char *name, const char *value)
{
	size_t i = 0;
	for (; fake_env[i][0]; i++)
		if (strcmp(fake_env[i][0], name) == 0)
			break;
	fake_env[i][0] = name;
	fake_env[i][1] = value;
}

static void
env_clear(void)
{
	memset(fake_env, 0, sizeof fake_env);
}

static const char *
env_get(const char *name)
{
	for (size_t i = 0; fake_env[i][0]; i++)
		if (strcmp(fake_env[i][0], name) == 0)
			return fake_env[i][1];
	return NULL;
}

static char tmpdir[256];

/* Writes text to tmpdir/name; the path stays valid for the next 3 calls. */
static const char *
write_file(const char *name, const char *text)
{
	static char path[4][512];
	static int which;
	char *p = path[which = (which + 1) % 4];
	snprintf(p, 512, "%s/%s", tmpdir, name);
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
	return p;
}

#endif
