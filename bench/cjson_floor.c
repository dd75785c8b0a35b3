/* The floor for loading: parse a BatchGetTraces file with cJSON alone,
 * the outer document and every Segment.Document string inside it, on one
 * thread, and nothing else.  Prints the number of documents parsed. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: cjson_floor FILE\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *data = malloc((size_t)n);
	if (!data || fread(data, 1, (size_t)n, f) != (size_t)n) {
		perror("read");
		return 1;
	}
	fclose(f);
	cJSON *root = cJSON_ParseWithLength(data, (size_t)n);
	if (!root) {
		fprintf(stderr, "invalid JSON\n");
		return 1;
	}
	long docs = 0;
	const cJSON *trace, *seg;
	cJSON_ArrayForEach(trace, cJSON_GetObjectItem(root, "Traces"))
	{
		cJSON_ArrayForEach(seg, cJSON_GetObjectItem(trace, "Segments"))
		{
			const cJSON *doc = cJSON_GetObjectItem(seg, "Document");
			cJSON *d = cJSON_Parse(cJSON_GetStringValue(doc));
			docs += d != NULL;
			cJSON_Delete(d);
		}
	}
	cJSON_Delete(root);
	free(data);
	printf("%ld documents\n", docs);
	return 0;
}
