/* hex: the value of one hexadecimal digit, for the readers of trace ids,
 * \u escapes, %XX sequences and chunk sizes. */
#ifndef XRTOP_UTIL_HEX_H
#define XRTOP_UTIL_HEX_H

/* 0 to 15, or -1 when c is not a hexadecimal digit. */
static inline int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
