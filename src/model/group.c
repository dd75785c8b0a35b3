#include "config.h"

#include "model/group.h"

#include <stdlib.h>

void
group_list_free(struct xr_group *groups, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(groups[i].name);
		free(groups[i].arn);
		free(groups[i].filter_expression);
	}
	free(groups);
}
