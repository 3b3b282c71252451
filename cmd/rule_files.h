/*
 * Where the role rules come from. First match wins, in this order:
 *   1. the --rules FILE;
 *   2. every other *.rules file of the rules directory, in byte order of
 *      their names (rules of the site: a service's own mappings);
 *   3. the rules directory's default.rules, or when it has none, the copy
 *      of fixtures/rules/default.rules compiled into the binary.
 * The rules directory is share/rssgap beside the bin directory that holds
 * the running binary (PREFIX/share/rssgap after make install PREFIX=...,
 * wherever the tree is moved or staged). A binary that is not in a
 * directory named bin (./rssgap in the build tree) has no rules directory:
 * it uses the compiled-in defaults, never what an install left behind.
 *
 * The files are read once; each text is kept so that every worker of a
 * parallel ingest compiles the same rules without reading the files again.
 * A struct rule_files is embedded (zeroed is empty) and owns its texts.
 */
#ifndef RSSGAP_RULE_FILES_H
#define RSSGAP_RULE_FILES_H

#include <stddef.h>

#include "core/diag.h"
#include "core/limits.h"

struct rules;

struct rule_file {
	char *origin;		/* the path, or "default.rules" for the compiled-in copy */
	char *text;		/* NULL for the compiled-in copy */
	size_t len;
};

struct rule_files {
	struct rule_file *v;
	size_t n;
};

/*
 * Read the rules of user_path (NULL: none) and of the rules directory into f,
 * in the order they are tried; 0, or -1 with d naming the file.
 */
int rule_files_load(struct rule_files *f, const char *user_path, const struct limits *lim,
		    struct diag *d);
/* Compile every rule of f into a new struct rules; NULL with d filled (file and line). */
struct rules *rule_files_compile(const struct rule_files *f, const struct limits *lim,
				 struct diag *d);
/* Free the texts of f and leave it empty. */
void rule_files_release(struct rule_files *f);
/* The rules directory of the running binary (see above), or NULL; lent, static. */
const char *rule_files_dir(void);

#endif
