/* tracedata: the types a trace is made of -- segments with their HTTP,
 * AWS, SQL and cause parts, the service nodes and edges a trace touched
 * with their tallies, and struct xr_trace itself.  Types only: model/trace.h
 * builds and links them, model/tracegraph.h and model/summarize.h fill the
 * nodes, edges and summary, and need nothing else from trace.c. */
#ifndef XRTOP_MODEL_TRACEDATA_H
#define XRTOP_MODEL_TRACEDATA_H

#include <stdbool.h>
#include <stddef.h>

#include "model/summary.h"
#include "model/value.h"
#include "util/arena.h"

#define XR_TRACE_ID_LEN 35

struct xr_stack_frame {
	const char *path;
	const char *label;
	int line; /* 0 when absent */
};

struct xr_exception {
	const char *id;
	const char *message;
	const char *type;
	const char *cause; /* id of the exception that caused this one */
	bool remote;
	int truncated;
	int skipped;
	struct xr_stack_frame *stack;
	unsigned n_stack;
};

struct xr_cause {
	const char *exception_id; /* cause given as a reference to another exception */
	const char *working_directory;
	const char **paths;
	unsigned n_paths;
	struct xr_exception *exceptions;
	unsigned n_exceptions;
};

struct xr_http {
	const char *method;
	const char *url;
	const char *user_agent;
	const char *client_ip;
	long long content_length; /* -1 when absent */
	int status;               /* 0 when absent */
	bool x_forwarded_for;
	bool traced;
};

/* The `aws` object: the members xrtop reads, and the rest as JSON text. */
struct xr_aws {
	const char *operation;
	const char *table_name;
	const char *function_name;
	const char *region;
	const char *request_id;
	const char *account_id;
	const char *queue_url;
	const char *topic_arn;
	const char *instance_id;       /* aws.ec2.instance_id */
	const char *availability_zone; /* aws.ec2.availability_zone */
	const char *extra;             /* the other members as a JSON object, or NULL */
};

struct xr_sql {
	const char *connection_string;
	const char *url;
	const char *sanitized_query;
	const char *database_type;
	const char *database_version;
	const char *driver_version;
	const char *user;
	const char *preparation;
};

enum xr_segment_flag {
	XR_SEG_ERROR = 1u << 0,
	XR_SEG_FAULT = 1u << 1,
	XR_SEG_THROTTLE = 1u << 2,
	XR_SEG_IN_PROGRESS = 1u << 3,
	XR_SEG_INFERRED = 1u << 4,
	XR_SEG_SUBSEGMENT = 1u << 5, /* a subsegment (nested, or sent with type "subsegment") */
	XR_SEG_DETACHED = 1u << 6,   /* a root only because its parent was not found */
};

/* A segment or a subsegment; the same shape serves both.  (Members are
 * ordered to avoid padding: there are many of these.) */
struct xr_segment {
	const char *id;
	const char *name;
	const char *parent_id;
	const char *trace_id;
	double start_time;     /* NAN when absent */
	double end_time;       /* NAN when absent or in progress */
	const char *origin;    /* AWS::Lambda::Function, ... */
	const char *namespace; /* "aws" or "remote" for subsegments */
	const char *user;
	const char *resource_arn;
	const char *service_version;
	struct xr_http http;
	struct xr_aws *aws;
	struct xr_sql *sql;
	struct xr_cause *cause;
	struct xr_annotation *annotations;
	const char *metadata; /* compact JSON text, or NULL */
	const char *extra;    /* unknown fields as a compact JSON object, or NULL */
	const char **precursor_ids;
	struct xr_segment **subsegments; /* nested subsegments, as decoded */

	/* Links computed by trace_finish(). */
	struct xr_segment *parent;    /* enclosing (sub)segment or caller; NULL for a root */
	struct xr_segment *document;  /* the segment document this belongs to */
	struct xr_segment **children; /* subsegments and called documents, by start time */

	unsigned flags;
	unsigned n_annotations;
	unsigned n_precursor_ids;
	unsigned n_subsegments;
	unsigned n_children;
	unsigned depth; /* 0 for roots */
	unsigned node;  /* index into trace->nodes */
};

/* What the service map counts of a node's or an edge's documents, kept
 * next to them so the map of many traces is computed without visiting
 * their segments: completed documents by outcome, their durations and the
 * time they span (in-progress documents are left out, as X-Ray does). */
struct xr_tally {
	unsigned ok, error, throttle, fault; /* error excludes throttles */
	unsigned n_times;
	double *times;     /* durations in seconds of the timed documents */
	double start, end; /* earliest start, latest end or start; NAN if none */
};

/* A service node the trace touched: segment documents grouped by name,
 * type and account, as the service map and service() filters see them. */
struct xr_node {
	const char *name;
	const char *type; /* origin of its documents, or NULL */
	const char *account_id;
	bool inferred;
	bool root; /* the entry point of the trace */
	struct xr_segment **documents;
	unsigned n_documents;
	unsigned long long key; /* tracegraph_key() of name, type and account */
	struct xr_tally tally;
};

/* A call from one node to another, with the callee documents it produced. */
struct xr_edge {
	unsigned from;
	unsigned to;
	struct xr_segment **documents;
	unsigned n_documents;
	struct xr_tally tally;
};

struct xr_trace {
	char id[XR_TRACE_ID_LEN + 1];
	struct arena *arena;
	struct xr_segment **documents; /* top-level documents, by start time */
	unsigned n_documents;
	struct xr_segment *root;   /* the root segment, or NULL if none */
	struct xr_segment **roots; /* tree roots, by start time */
	unsigned n_roots;
	struct xr_segment **all; /* every segment and subsegment, tree preorder */
	unsigned n_all;
	struct xr_node *nodes;
	unsigned n_nodes;
	struct xr_edge *edges;
	unsigned n_edges;
	double api_duration;       /* Trace.Duration as the API gave it, or NAN */
	bool limit_exceeded;       /* Trace.LimitExceeded */
	struct xr_summary summary; /* computed by trace_finish() */
	const char **problems;     /* what was wrong with the data */
	unsigned n_problems;
	unsigned cap_documents_;    /* private */
	unsigned cap_problems_;     /* private */
	unsigned n_input_problems_; /* private: problems before trace_finish()'s own */
	bool finished_;             /* private */
};

/* Nesting deeper than this is cut (and reported) so recursion stays bounded. */
#define XR_MAX_DEPTH 256

#endif
