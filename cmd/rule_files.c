#include "cmd/rule_files.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/xalloc.h"
#include "ingest/rules.h"

const char *
rule_files_dir(void)
{
	static char dir[PATH_MAX];
	static int done;
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if (done)
		return dir[0] != '\0' ? dir : NULL;
	done = 1;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	slash = strrchr(exe, '/');	/* .../bin/rssgap -> .../bin */
	if (slash == NULL)
		return NULL;
	*slash = '\0';
	slash = strrchr(exe, '/');	/* .../bin -> ... */
	if (slash == NULL || strcmp(slash + 1, "bin") != 0)
		return NULL;
	*slash = '\0';
	if ((size_t)snprintf(dir, sizeof(dir), "%s/share/rssgap", exe) >= sizeof(dir))
		dir[0] = '\0';
	return dir[0] != '\0' ? dir : NULL;
}

static void
add(struct rule_files *f, const char *origin, char *text, size_t len)
{
	f->v = xreallocarray(f->v, f->n + 1, sizeof(*f->v));
	f->v[f->n].origin = xstrdup(origin);
	f->v[f->n].text = text;
	f->v[f->n].len = len;
	f->n++;
}

/* Read the whole rules file at path into f; 0, or -1 with d filled. */
static int
read_one(struct rule_files *f, const char *path, const struct limits *lim, struct diag *d)
{
	FILE *fp = fopen(path, "rb");
	struct buf text = BUF_INIT;
	char chunk[65536];
	size_t n;
	int failed;

	diag_where(d, path, NULL);
	if (fp == NULL)
		return diag_fail(d, DIAG_IO, 0, "cannot open rules: %s", strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (text.len + n > lim->rules * (lim->pattern_bytes + 64)) {
			fclose(fp);
			buf_release(&text);
			return diag_fail(d, DIAG_LIMIT, 0, "rules file too large (limit rules)");
		}
		buf_add(&text, chunk, n);
	}
	failed = ferror(fp);
	fclose(fp);
	if (failed) {
		buf_release(&text);
		return diag_fail(d, DIAG_IO, 0, "cannot read rules");
	}
	n = text.len;
	add(f, path, text.data != NULL ? buf_detach(&text, NULL) : xstrdup(""), n);
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.rules names of dir but default.rules, sorted; their count, -1 with d filled. */
static long
site_names(const char *dir, const struct limits *lim, char ***out, struct diag *d)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	*out = NULL;
	if (dp == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		diag_where(d, dir, NULL);
		return diag_fail(d, DIAG_IO, 0, "cannot read the rules directory: %s",
				 strerror(errno));
	}
	while ((e = readdir(dp)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len <= 6 || e->d_name[0] == '.' || strcmp(e->d_name + len - 6, ".rules") != 0 ||
		    strcmp(e->d_name, "default.rules") == 0)
			continue;
		if (n >= lim->rules) {
			closedir(dp);
			while (n > 0)
				free(names[--n]);
			free(names);
			diag_where(d, dir, NULL);
			return diag_fail(d, DIAG_LIMIT, 0, "more than %llu rules files (limit rules)",
					 (unsigned long long)lim->rules);
		}
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	closedir(dp);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_names);
	*out = names;
	return (long)n;
}

/* dir/name into path[PATH_MAX]; 0, or -1 with d filled when it does not fit. */
static int
join(char *path, const char *dir, const char *name, struct diag *d)
{
	int n = snprintf(path, PATH_MAX, "%s/%s", dir, name);

	if (n < 0 || n >= PATH_MAX) {
		diag_where(d, dir, NULL);
		return diag_fail(d, DIAG_LIMIT, 0, "rules path too long");
	}
	return 0;
}

int
rule_files_load(struct rule_files *f, const char *user_path, const struct limits *lim,
		struct diag *d)
{
	const char *dir = rule_files_dir();
	char **names = NULL, path[PATH_MAX];
	long n = 0, i;
	int rc = 0;

	if (user_path != NULL && read_one(f, user_path, lim, d) != 0)
		return -1;
	if (dir != NULL && (n = site_names(dir, lim, &names, d)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (rc == 0 && (join(path, dir, names[i], d) != 0 || read_one(f, path, lim, d) != 0))
			rc = -1;
		free(names[i]);
	}
	free(names);
	if (rc != 0)
		return -1;
	if (dir != NULL) {
		if (join(path, dir, "default.rules", d) != 0)
			return -1;
		if (access(path, F_OK) == 0)
			return read_one(f, path, lim, d);
	}
	add(f, "default.rules", NULL, 0);
	return 0;
}

struct rules *
rule_files_compile(const struct rule_files *f, const struct limits *lim, struct diag *d)
{
	struct rules *r = rules_new();
	size_t i;

	for (i = 0; i < f->n; i++) {
		const struct rule_file *rf = &f->v[i];
		int rc = rf->text != NULL
				 ? rules_add_text(r, rf->text, rf->len, rf->origin, lim, d)
				 : rules_add_default(r, lim, d);

		if (rc != 0) {
			rules_free(r);
			return NULL;
		}
	}
	return r;
}

void
rule_files_release(struct rule_files *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		free(f->v[i].origin);
		free(f->v[i].text);
	}
	free(f->v);
	f->v = NULL;
	f->n = 0;
}
