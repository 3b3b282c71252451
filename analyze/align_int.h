/*
 * Inside the alignment (analyze/align.c pairs, analyze/align_input.c
 * groups one snapshot's VMAs into regions as they come). Included by those
 * two files only.
 */
#ifndef RSSGAP_ALIGN_INT_H
#define RSSGAP_ALIGN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/align.h"
#include "core/buf.h"

enum key_kind { KIND_ANON, KIND_FILE, KIND_NAME, KIND_EXE };

/* One interned key. */
struct key_entry {
	uint64_t hash;
	size_t off;		/* in text */
	size_t len;
	unsigned char kind;	/* enum key_kind */
	unsigned char ordered;	/* anonymous key of an order_roles role */
};

/* A slot of the open-addressing table: id + 1 (0 empty) and the hash's low bits. */
struct key_slot {
	uint32_t id1;
	uint32_t hash_lo;
};

/* Keys, interned: id -> text, kind. */
struct intern {
	struct buf text;	/* keys, each NUL-terminated */
	struct key_entry *e;
	size_t n, cap;
	struct key_slot *slots;
	size_t nslots;
};

/* The id of key s[0..n) of kind kind (ordered: of an order_roles role), added when new. */
uint32_t intern_key(struct intern *in, const char *s, size_t n, enum key_kind kind, int ordered);
void intern_release(struct intern *in);

/* Small sets of distinct strings (roles, perms): pointers stay valid until the set is freed. */
struct strset {
	char **s;
	size_t n, cap;
	const char *last;	/* the string found or added last */
};

/* Blocks of path text that never move. */
struct arena_block;

/* Why an input's VMAs were refused (the first reason; align_inputs reports it). */
enum input_error { INPUT_OK, INPUT_STRINGS, INPUT_ORDER, INPUT_OVERFLOW };

struct align_input {
	struct intern keys;
	struct align_region *reg;	/* identity unset: the alignment writes it */
	uint32_t *key;			/* region -> key id in keys */
	size_t nreg, cap;
	size_t nvma;
	struct strset roles, perms;
	struct arena_block *paths;
	/* the previous VMA, for runs of one key and the address order */
	struct buf prev_path;
	const char *prev_role;		/* in roles; NULL before the first VMA */
	uint32_t prev_key;
	uint64_t prev_end;
	unsigned char cur_kind;		/* enum key_kind of the current region's first VMA */
	struct buf scratch;
	/* the first refusal */
	enum input_error err;
	size_t err_vma;
	uint64_t err_start, err_end;
	const char *err_field;		/* static: "rss" */
	int aligned;			/* regions moved into an alignment already */
};

#endif
