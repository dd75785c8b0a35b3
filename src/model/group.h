/* group: the X-Ray groups GetGroups lists (name, ARN, filter expression).
 * The decoder makes the array; the store keeps the last complete list
 * (store_set_groups()), which --group and group.name read. */
#ifndef XRTOP_MODEL_GROUP_H
#define XRTOP_MODEL_GROUP_H

#include <stddef.h>

/* One X-Ray group, as GetGroups returns it. */
struct xr_group {
	char *name;
	char *arn;
	char *filter_expression; /* NULL when the group has none */
};

/* Frees groups[0..n) and the array; group_list_free(NULL, 0) is a no-op. */
void group_list_free(struct xr_group *groups, size_t n);

#endif
