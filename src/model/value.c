#include "config.h"

#include "model/value.h"

#include <string.h>

#include "util/hash.h"

bool
xr_value_equal(const struct xr_value *a, const struct xr_value *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case XR_VAL_STRING: return strcmp(a->u.s, b->u.s) == 0;
	case XR_VAL_NUMBER: return a->u.n == b->u.n;
	case XR_VAL_BOOL: return a->u.b == b->u.b;
	}
	return false;
}

uint64_t
xr_value_hash(const struct xr_value *v)
{
	switch (v->type) {
	case XR_VAL_STRING: return hash_str(v->u.s);
	case XR_VAL_NUMBER: {
		double d = v->u.n == 0 ? 0 : v->u.n; /* -0 and 0 are equal */
		uint64_t bits;
		memcpy(&bits, &d, sizeof bits);
		return hash_byte((bits ^ (bits >> 29)) * 0x9E3779B97F4A7C15ull, 1);
	}
	case XR_VAL_BOOL: return v->u.b ? 2 : 3;
	}
	return 0;
}
