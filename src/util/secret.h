/* secret: memory for credentials.  Secret strings live in their own pages,
 * excluded from core dumps (MADV_DONTDUMP), locked in RAM when the system
 * allows it, and zeroed before they are released.  Once the first one is
 * allocated the process writes no core file (RLIMIT_CORE 0). */
#ifndef XRTOP_UTIL_SECRET_H
#define XRTOP_UTIL_SECRET_H

#include <stddef.h>

/* Copies n bytes of s into secret memory and terminates it; NULL stays
 * NULL.  Caller frees with secret_free(). */
char *secret_strndup(const char *s, size_t n);
char *secret_strdup(const char *s);
/* n zeroed bytes of secret memory.  Caller frees with secret_free(). */
char *secret_alloc(size_t n);
/* Zeroes and releases a string from secret_strdup(); NULL does nothing. */
void secret_free(char *s);
/* Zeroes n bytes in a way the compiler cannot drop. */
void secret_wipe(void *p, size_t n);
/* Zeroes a NUL-terminated string in place (NULL does nothing). */
void secret_wipe_str(char *s);

#endif
