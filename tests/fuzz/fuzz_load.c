/* libFuzzer target for everything --load reads: the file loader's format
 * detection and cutting (jsonscan), the trace and summary decoders, trace
 * linking and summaries, then the table and JSON printers.  Whatever the
 * input, nothing may crash, leak or print a raw control character. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch/batch.h"
#include "model/store.h"
#include "source/file.h"
#include "view/tracelist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Output must not carry an ESC, C1 CSI, or any control but newline. */
static void
check_output(const char *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)out[i];
		if ((c < 0x20 && c != '\n') || c == 0x7f ||
		    (c == 0xc2 && i + 1 < len && (unsigned char)out[i + 1] >= 0x80 &&
		     (unsigned char)out[i + 1] <= 0x9f)) {
			fprintf(stderr, "raw control byte 0x%02x at %zu of the output\n", c, i);
			abort();
		}
	}
}

static void
print_all(const struct tracelist *tl, enum output_format format)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (!out)
		return;
	struct batch_format fmt = {.output = format, .width = format == OUTPUT_TABLE ? 100 : 0};
	batch_print(out, tl, &fmt);
	fclose(out);
	check_output(text, len);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xr_store *store = store_new();
	struct xr_warnings warnings = {0};
	struct load_stats stats = {0};
	struct xr_err err;
	file_load_buffer("fuzz", (const char *)data, size, store, &warnings, &stats, &err);
	struct tracelist tl;
	tracelist_build(&tl, store, NULL, NULL, SORT_DURATION);
	tracelist_choose_annotations(&tl, 2);
	print_all(&tl, OUTPUT_TABLE);
	print_all(&tl, OUTPUT_NDJSON);
	tracelist_free(&tl);
	warn_free(&warnings);
	store_free(store);
	return 0;
}
