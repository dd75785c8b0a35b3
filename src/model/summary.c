#include "config.h"

#include "model/summary.h"

#include <math.h>
#include <string.h>

#include "util/hex.h"

void
summary_init(struct xr_summary *s)
{
	memset(s, 0, sizeof *s);
	s->start_time = NAN;
	s->duration = NAN;
	s->response_time = NAN;
	s->revision = -1;
	s->matched_event_time = NAN;
}

double
summary_time_from_trace_id(const char *id)
{
	/* 1-58406520-a006649127e371903a2de979: version, 8 hex digits of epoch seconds. */
	if (!id || id[0] != '1' || id[1] != '-' || strlen(id) < 11 || id[10] != '-')
		return NAN;
	unsigned long v = 0;
	for (int i = 2; i < 10; i++) {
		int h = hex_digit(id[i]);
		if (h < 0)
			return NAN;
		v = v * 16 + (unsigned long)h;
	}
	return (double)v;
}

const struct xr_summary_annotation *
summary_annotation(const struct xr_summary *s, const char *key)
{
	for (unsigned i = 0; i < s->n_annotations; i++)
		if (strcmp(s->annotations[i].key, key) == 0)
			return &s->annotations[i];
	return NULL;
}
