#include "config.h"

#include "model/value.h"

#include <string.h>

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
