/* ini: the AWS shared config and credentials file format, as botocore
 * reads it (Python's RawConfigParser): [section] headers, "key = value" or
 * "key: value" lines (keys lower-cased, values trimmed), full-line '#' and
 * ';' comments, and indented continuation lines joined with '\n' (the
 * nested "s3 =" style).  Inline comments are part of the value, as in
 * botocore.  The parsed text may hold secret keys, so it lives in secret
 * memory (util/secret.h) and is wiped by ini_free(). */
#ifndef XRTOP_AWS_INI_H
#define XRTOP_AWS_INI_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* Largest config or credentials file read. */
#define INI_MAX_BYTES (1u << 20)

struct ini;

/* Parses text; name is used in messages ("FILE:LINE: ...").  A section
 * header "[profile   x]" is normalised to "profile x".  Caller frees. */
struct ini *ini_parse(const char *name, const char *text, size_t len, struct xr_err *err);
/* Reads and parses path.  A file that does not exist is not an error:
 * returns NULL with *missing set and err untouched. */
struct ini *ini_load(const char *path, bool *missing, struct xr_err *err);
void ini_free(struct ini *ini);
/* The value of key in section, or NULL (the last one wins on repeats). */
const char *ini_get(const struct ini *ini, const char *section, const char *key);
bool ini_has_section(const struct ini *ini, const char *section);
size_t ini_section_count(const struct ini *ini);
/* The i-th distinct section name, in file order. */
const char *ini_section_name(const struct ini *ini, size_t i);

#endif
