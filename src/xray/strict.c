#include "config.h"

#include "xray/strict.h"

#include <math.h>

#define FIELD(obj, name) cJSON_GetObjectItemCaseSensitive((obj), (name))

void
strict_fail(struct strict *s, const char *field, const char *what)
{
	if (s->failed)
		return;
	s->failed = true;
	xr_err_set(s->err, XR_EINPUT, "%s.%s%s%s: %s", s->where, s->sub ? s->sub : "",
	           s->sub ? "." : "", field, what);
}

const char *
strict_str(struct strict *s, const cJSON *obj, const char *field)
{
	const cJSON *item = FIELD(obj, field);
	if (!item || cJSON_IsNull(item))
		return NULL;
	if (!cJSON_IsString(item)) {
		strict_fail(s, field, "expected a string");
		return NULL;
	}
	return arena_strdup(s->a, item->valuestring);
}

double
strict_num(struct strict *s, const cJSON *obj, const char *field)
{
	const cJSON *item = FIELD(obj, field);
	if (!item || cJSON_IsNull(item))
		return NAN;
	if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble)) {
		strict_fail(s, field, "expected a number");
		return NAN;
	}
	return item->valuedouble;
}

bool
strict_bool(struct strict *s, const cJSON *obj, const char *field)
{
	const cJSON *item = FIELD(obj, field);
	if (!item || cJSON_IsNull(item))
		return false;
	if (!cJSON_IsBool(item)) {
		strict_fail(s, field, "expected a boolean");
		return false;
	}
	return cJSON_IsTrue(item);
}

const cJSON *
strict_kind(struct strict *s, const cJSON *obj, const char *field, cJSON_bool (*is)(const cJSON *),
            const char *what)
{
	const cJSON *item = FIELD(obj, field);
	if (!item || cJSON_IsNull(item))
		return NULL;
	if (!is(item)) {
		strict_fail(s, field, what);
		return NULL;
	}
	return item;
}

const cJSON *
strict_array(struct strict *s, const cJSON *obj, const char *field)
{
	return strict_kind(s, obj, field, cJSON_IsArray, "expected a list");
}

const cJSON *
strict_object(struct strict *s, const cJSON *obj, const char *field)
{
	return strict_kind(s, obj, field, cJSON_IsObject, "expected an object");
}

void *
strict_objects(struct strict *s, const cJSON *list, const char *field, size_t elem, unsigned *n)
{
	*n = 0;
	if (!list)
		return NULL;
	const cJSON *item;
	cJSON_ArrayForEach(item, list)
	{
		if (!cJSON_IsObject(item)) {
			strict_fail(s, field, "expected a list of objects");
			return NULL;
		}
	}
	unsigned count = (unsigned)cJSON_GetArraySize(list);
	*n = count;
	return count ? arena_zalloc(s->a, elem * count) : NULL;
}

const char **
strict_strings(struct strict *s, const cJSON *obj, const char *field, unsigned *n)
{
	*n = 0;
	const cJSON *list = strict_array(s, obj, field);
	if (!list)
		return NULL;
	unsigned count = (unsigned)cJSON_GetArraySize(list);
	const char **out = ARENA_ARRAY(s->a, const char *, count + 1);
	const cJSON *item;
	cJSON_ArrayForEach(item, list)
	{
		if (!cJSON_IsString(item)) {
			strict_fail(s, field, "expected a list of strings");
			return NULL;
		}
		out[(*n)++] = arena_strdup(s->a, item->valuestring);
	}
	return out;
}
