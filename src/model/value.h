/* value: the typed scalar X-Ray uses for annotations (string, number,
 * boolean), shared by the trace model, summaries and the filter. */
#ifndef XRTOP_MODEL_VALUE_H
#define XRTOP_MODEL_VALUE_H

#include <stdbool.h>
#include <stdint.h>

enum xr_value_type { XR_VAL_STRING, XR_VAL_NUMBER, XR_VAL_BOOL };

struct xr_value {
	enum xr_value_type type;
	union {
		const char *s;
		double n;
		bool b;
	} u;
};

/* One annotation: key and value. */
struct xr_annotation {
	const char *key;
	struct xr_value value;
};

bool xr_value_equal(const struct xr_value *a, const struct xr_value *b);
/* A hash of v for tables (util/hash.h): equal values hash alike (0 and -0
 * too). */
uint64_t xr_value_hash(const struct xr_value *v);

#endif
