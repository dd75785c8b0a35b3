/* xmalloc: allocation that cannot fail.  Out of memory is not a recoverable
 * condition for a viewer, so these functions print one line and abort. */
#ifndef XRTOP_UTIL_XMALLOC_H
#define XRTOP_UTIL_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Resizes an array of nmemb elements, checking the multiplication. */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
/* Caller frees. */
char *xstrdup(const char *s);
/* Copies at most n bytes and terminates.  Caller frees. */
char *xstrndup(const char *s, size_t n);
/* printf into a new string.  Caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grows *arr (of *cap elements of size elem) so that it holds at least need. */
void xgrow(void **arr, size_t *cap, size_t need, size_t elem);
#define XGROW(arr, cap, need) xgrow((void **)&(arr), &(cap), (need), sizeof *(arr))

#endif
