/* sha1: SHA-1 (FIPS 180-4), only to name files as other tools name them
 * (the AWS CLI's SSO token cache); never for security. */
#ifndef XRTOP_UTIL_SHA1_H
#define XRTOP_UTIL_SHA1_H

#include <stddef.h>

/* Writes the 40 lower-case hex digits of SHA-1(data) and a NUL to hex. */
void sha1_hex(const void *data, size_t len, char hex[41]);

#endif
