/* sort: the orders a trace list can be shown in.  Shared by the views, the
 * session and the options, so none of them needs the others' headers. */
#ifndef XRTOP_VIEW_SORT_H
#define XRTOP_VIEW_SORT_H

/* Start time ascending; the others worst (largest) first, ties by start. */
enum sort_key { SORT_START, SORT_DURATION, SORT_RESPONSETIME, SORT_STATUS };

#endif
