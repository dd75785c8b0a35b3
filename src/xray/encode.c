#include "config.h"

#include "xray/encode.h"

#include <math.h>
#include <string.h>

/* Members with literal keys; absent values are left out, as the API does. */
#define key_string(w, key, value) \
	do { \
		const char *v_ = (value); \
		if (v_) { \
			JSONW_KEY(w, key); \
			jsonw_string(w, v_); \
		} \
	} while (0)
#define key_number(w, key, value) \
	do { \
		double v_ = (value); \
		if (!isnan(v_)) { \
			JSONW_KEY(w, key); \
			jsonw_number(w, v_); \
		} \
	} while (0)
#define key_bool(w, key, value) \
	do { \
		JSONW_KEY(w, key); \
		jsonw_bool(w, value); \
	} while (0)

static void
encode_service_id(struct jsonw *w, const struct xr_service_id *id)
{
	jsonw_object_begin(w);
	key_string(w, "Name", id->name);
	if (id->n_names) {
		JSONW_KEY(w, "Names");
		jsonw_array_begin(w);
		for (unsigned i = 0; i < id->n_names; i++)
			jsonw_string(w, id->names[i]);
		jsonw_array_end(w);
	}
	key_string(w, "AccountId", id->account_id);
	key_string(w, "Type", id->type);
	jsonw_object_end(w);
}

static void
encode_service_ids(struct jsonw *w, const char *key, const struct xr_service_id *ids, unsigned n)
{
	jsonw_key_plain(w, key, strlen(key));
	jsonw_array_begin(w);
	for (unsigned i = 0; i < n; i++)
		encode_service_id(w, &ids[i]);
	jsonw_array_end(w);
}

static void
encode_value(struct jsonw *w, const struct xr_value *v)
{
	jsonw_object_begin(w);
	switch (v->type) {
	case XR_VAL_STRING: key_string(w, "StringValue", v->u.s); break;
	case XR_VAL_NUMBER: key_number(w, "NumberValue", v->u.n); break;
	case XR_VAL_BOOL: key_bool(w, "BooleanValue", v->u.b); break;
	}
	jsonw_object_end(w);
}

static void
encode_details(struct jsonw *w, const char *key, const char *field, const char **items, unsigned n)
{
	jsonw_key_plain(w, key, strlen(key));
	jsonw_array_begin(w);
	for (unsigned i = 0; i < n; i++) {
		jsonw_object_begin(w);
		jsonw_key_plain(w, field, strlen(field));
		jsonw_string(w, items[i]);
		jsonw_object_end(w);
	}
	jsonw_array_end(w);
}

static void
encode_root_causes(struct jsonw *w, const char *key, const struct xr_root_cause *rcs, unsigned n,
                   enum xr_rc_kind kind)
{
	jsonw_key_plain(w, key, strlen(key));
	jsonw_array_begin(w);
	for (unsigned i = 0; i < n; i++) {
		jsonw_object_begin(w);
		JSONW_KEY(w, "Services");
		jsonw_array_begin(w);
		for (unsigned s = 0; s < rcs[i].n_services; s++) {
			const struct xr_rc_service *svc = &rcs[i].services[s];
			jsonw_object_begin(w);
			key_string(w, "Name", svc->id.name);
			if (svc->id.n_names) {
				JSONW_KEY(w, "Names");
				jsonw_array_begin(w);
				for (unsigned k = 0; k < svc->id.n_names; k++)
					jsonw_string(w, svc->id.names[k]);
				jsonw_array_end(w);
			}
			key_string(w, "Type", svc->id.type);
			key_string(w, "AccountId", svc->id.account_id);
			JSONW_KEY(w, "EntityPath");
			jsonw_array_begin(w);
			for (unsigned e = 0; e < svc->n_path; e++) {
				const struct xr_rc_entity *ent = &svc->path[e];
				jsonw_object_begin(w);
				key_string(w, "Name", ent->name);
				if (kind == XR_RC_RESPONSETIME) {
					key_number(w, "Coverage", ent->coverage);
				} else {
					JSONW_KEY(w, "Exceptions");
					jsonw_array_begin(w);
					for (unsigned x = 0; x < ent->n_exceptions; x++) {
						jsonw_object_begin(w);
						key_string(w, "Name", ent->exceptions[x].name);
						key_string(w, "Message", ent->exceptions[x].message);
						jsonw_object_end(w);
					}
					jsonw_array_end(w);
				}
				if (ent->has_remote)
					key_bool(w, "Remote", ent->remote);
				jsonw_object_end(w);
			}
			jsonw_array_end(w);
			key_bool(w, "Inferred", svc->inferred);
			jsonw_object_end(w);
		}
		jsonw_array_end(w);
		key_bool(w, "ClientImpacting", rcs[i].client_impacting);
		jsonw_object_end(w);
	}
	jsonw_array_end(w);
}

void
encode_summary(struct jsonw *w, const struct xr_summary *s)
{
	jsonw_object_begin(w);
	key_string(w, "Id", s->id);
	key_number(w, "StartTime", s->start_time);
	key_number(w, "Duration", s->duration);
	key_number(w, "ResponseTime", s->response_time);
	key_bool(w, "HasFault", s->has_fault);
	key_bool(w, "HasError", s->has_error);
	key_bool(w, "HasThrottle", s->has_throttle);
	key_bool(w, "IsPartial", s->is_partial);
	JSONW_KEY(w, "Http");
	jsonw_object_begin(w);
	key_string(w, "HttpURL", s->http.url);
	if (s->http.status) {
		JSONW_KEY(w, "HttpStatus");
		jsonw_int(w, s->http.status);
	}
	key_string(w, "HttpMethod", s->http.method);
	key_string(w, "UserAgent", s->http.user_agent);
	key_string(w, "ClientIp", s->http.client_ip);
	jsonw_object_end(w);

	JSONW_KEY(w, "Annotations");
	jsonw_object_begin(w);
	for (unsigned a = 0; a < s->n_annotations; a++) {
		const struct xr_summary_annotation *an = &s->annotations[a];
		jsonw_key(w, an->key);
		jsonw_array_begin(w);
		for (unsigned v = 0; v < an->n_values; v++) {
			jsonw_object_begin(w);
			JSONW_KEY(w, "AnnotationValue");
			encode_value(w, &an->values[v].value);
			encode_service_ids(w, "ServiceIds", an->values[v].services, an->values[v].n_services);
			jsonw_object_end(w);
		}
		jsonw_array_end(w);
	}
	jsonw_object_end(w);

	JSONW_KEY(w, "Users");
	jsonw_array_begin(w);
	for (unsigned u = 0; u < s->n_users; u++) {
		jsonw_object_begin(w);
		key_string(w, "UserName", s->users[u].name);
		encode_service_ids(w, "ServiceIds", s->users[u].services, s->users[u].n_services);
		jsonw_object_end(w);
	}
	jsonw_array_end(w);
	encode_service_ids(w, "ServiceIds", s->service_ids, s->n_service_ids);
	encode_details(w, "ResourceARNs", "ARN", s->resource_arns, s->n_resource_arns);
	encode_details(w, "InstanceIds", "Id", s->instance_ids, s->n_instance_ids);
	encode_details(w, "AvailabilityZones", "Name", s->availability_zones, s->n_availability_zones);
	if (s->entry_point) {
		JSONW_KEY(w, "EntryPoint");
		encode_service_id(w, s->entry_point);
	}
	encode_root_causes(w, "FaultRootCauses", s->root_causes[XR_RC_FAULT],
	                   s->n_root_causes[XR_RC_FAULT], XR_RC_FAULT);
	encode_root_causes(w, "ErrorRootCauses", s->root_causes[XR_RC_ERROR],
	                   s->n_root_causes[XR_RC_ERROR], XR_RC_ERROR);
	encode_root_causes(w, "ResponseTimeRootCauses", s->root_causes[XR_RC_RESPONSETIME],
	                   s->n_root_causes[XR_RC_RESPONSETIME], XR_RC_RESPONSETIME);
	if (s->revision >= 0) {
		JSONW_KEY(w, "Revision");
		jsonw_int(w, s->revision);
	}
	key_number(w, "MatchedEventTime", s->matched_event_time);
	jsonw_object_end(w);
}
