/* summary: the TraceSummary of the X-Ray API, field for field.  It is either
 * decoded from a GetTraceSummaries response or computed from a full trace
 * (summarize.c).  Absent numbers are NAN, absent strings NULL; every
 * pointer is owned by the arena the summary was built in. */
#ifndef XRTOP_MODEL_SUMMARY_H
#define XRTOP_MODEL_SUMMARY_H

#include <stdbool.h>

#include "model/value.h"

struct xr_service_id {
	const char *name;
	const char **names;
	unsigned n_names;
	const char *account_id;
	const char *type;
};

/* One value of an annotation key and the services that recorded it. */
struct xr_ann_value {
	struct xr_value value;
	struct xr_service_id *services;
	unsigned n_services;
};

struct xr_summary_annotation {
	const char *key;
	struct xr_ann_value *values;
	unsigned n_values;
};

struct xr_user {
	const char *name;
	struct xr_service_id *services;
	unsigned n_services;
};

struct xr_rc_exception {
	const char *name;
	const char *message;
};

/* A root-cause entity; coverage is used by response-time causes only. */
struct xr_rc_entity {
	const char *name;
	struct xr_rc_exception *exceptions;
	unsigned n_exceptions;
	bool remote;
	bool has_remote;
	double coverage; /* NAN when absent */
};

struct xr_rc_service {
	struct xr_service_id id;
	struct xr_rc_entity *path;
	unsigned n_path;
	bool inferred;
};

struct xr_root_cause {
	struct xr_rc_service *services;
	unsigned n_services;
	bool client_impacting;
};

enum xr_rc_kind { XR_RC_FAULT, XR_RC_ERROR, XR_RC_RESPONSETIME, XR_RC_KINDS };

struct xr_summary_http {
	const char *url;
	const char *method;
	const char *user_agent;
	const char *client_ip;
	int status; /* 0 when absent */
};

struct xr_summary {
	const char *id;
	double start_time; /* NAN when unknown */
	double duration;
	double response_time;
	bool has_error;
	bool has_fault;
	bool has_throttle;
	bool is_partial;
	struct xr_summary_http http;
	struct xr_summary_annotation *annotations;
	unsigned n_annotations;
	struct xr_user *users;
	unsigned n_users;
	struct xr_service_id *service_ids;
	unsigned n_service_ids;
	const char **resource_arns;
	unsigned n_resource_arns;
	const char **instance_ids;
	unsigned n_instance_ids;
	const char **availability_zones;
	unsigned n_availability_zones;
	struct xr_service_id *entry_point; /* NULL when absent */
	struct xr_root_cause *root_causes[XR_RC_KINDS];
	unsigned n_root_causes[XR_RC_KINDS];
	int revision;              /* -1 when absent */
	double matched_event_time; /* NAN when absent */
};

/* Sets every field to "absent". */
void summary_init(struct xr_summary *s);
/* Start time encoded in a trace id (1-58406520-...), or NAN. */
double summary_time_from_trace_id(const char *id);
/* The annotation key in s, or NULL. */
const struct xr_summary_annotation *summary_annotation(const struct xr_summary *s, const char *key);

#endif
