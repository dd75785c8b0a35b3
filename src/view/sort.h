/* sort: the orders a trace list can be shown in.  Shared by the views, the
 * session and the options, so none of them needs the others' headers. */
#ifndef XRTOP_VIEW_SORT_H
#define XRTOP_VIEW_SORT_H

/* Start time ascending; times and the status worst (largest) first; the
 * text keys (trace id, method, URL, service) from A to Z; ties by start
 * time, then trace id. */
enum sort_key {
	SORT_START,
	SORT_DURATION,
	SORT_RESPONSETIME,
	SORT_STATUS,
	SORT_ID,
	SORT_METHOD,
	SORT_URL,
	SORT_SERVICE,
};

#endif
