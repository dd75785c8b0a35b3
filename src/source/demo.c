#include "config.h"

#include "source/demo.h"
#include "util/i18n.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define DEMO_FILE "demo.json"

int
demo_path(char *out, size_t size, struct xr_err *err)
{
	const char *dirs[] = {getenv("XRTOP_DATADIR"), XRTOP_PKGDATADIR, XRTOP_SRCDATADIR};
	char tried[768] = "";
	size_t used = 0;
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		snprintf(out, size, "%s/%s", dirs[i], DEMO_FILE);
		if (access(out, R_OK) == 0)
			return 0;
		int n = snprintf(tried + used, sizeof tried - used, "%s%s", used ? ", " : "", out);
		if (n > 0 && (size_t)n < sizeof tried - used)
			used += (size_t)n;
	}
	return xr_err_set(err, XR_EIO, _("the demo data is not installed (looked for %s)"), tried);
}
