#include "ingest/runtime_ingest.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

struct runtime_ingest {
	const struct limits *lim;
};

struct runtime_ingest *
runtime_ingest_new(const struct limits *lim)
{
	struct runtime_ingest *rt = xcalloc(1, sizeof(*rt));

	rt->lim = lim;
	return rt;
}

void
runtime_ingest_free(struct runtime_ingest *rt)
{
	free(rt);
}

int
runtime_ingest_member(struct runtime_ingest *rt, const char *rel, const char *data, size_t len,
		      struct diag *d)
{
	(void)rt; (void)rel; (void)data; (void)len; (void)d;
	return 0;
}

int
runtime_ingest_store(struct runtime_ingest *rt, struct db *db, int64_t id, struct diag *d)
{
	(void)rt; (void)db; (void)id; (void)d;
	return 0;
}
