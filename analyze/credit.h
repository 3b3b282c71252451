/*
 * Where the Go runtime's memory lives, role by role (docs/attribution.md).
 *
 * The runtime reports memory classes; smaps reports roles. Each class is
 * credited to the roles whose mappings can hold its pages:
 *   heap      HeapSys - HeapReleased + StackInuse (goroutine stacks are
 *             heap spans): go-heap
 *   metadata  MSpanSys + MCacheSys + GCSys + BuckHashSys + OtherSys +
 *             (StackSys - StackInuse): go-runtime when every snapshot of the
 *             comparison shows mappings the Go runtime named ("[anon: Go:
 *             ...]", Go >= 1.25 on a kernel with anonymous VMA names);
 *             otherwise the unnamed anonymous mappings where sysAlloc puts
 *             it, anon, together with go-runtime (the rules may give that
 *             name to the heap's unlabelled ---p reservation).
 * Evidence decides, never the role: a snapshot that has a class but whose
 * roles for it hold no resident page (the rules did not recognise them)
 * credits that class to anon as well, and the heap to every role the rules
 * give unnamed memory by shape or address (race-shadow, malloc-arena). Classes that end up sharing a role
 * are one credit: a set of roles whose Rss change is compared, as a whole,
 * with the change of the classes credited to it. Where one credit has
 * several roles, the split between them cannot be known and is not guessed.
 * A role in no credit holds none of the runtime's memory (0).
 *
 * A plan is built from every snapshot of one comparison (a diff's two, a
 * fleet's compared cohorts), so that both sides are read the same way.
 */
#ifndef RSSGAP_CREDIT_H
#define RSSGAP_CREDIT_H

#include <stdint.h>

#include "analyze/snapshot.h"

enum credit_class {
	CREDIT_HEAP,	/* HeapSys - HeapReleased + StackInuse */
	CREDIT_META,	/* the runtime's metadata and OS thread stacks */
	CREDIT_NCLASSES
};

#define CREDIT_MAX_ROLES 5
#define CREDIT_NAME_MAX 64

struct credit {
	const char *roles[CREDIT_MAX_ROLES];	/* static role names */
	int nroles;
	unsigned classes;			/* 1 << enum credit_class */
	char name[CREDIT_NAME_MAX];		/* the roles joined by '+': "anon+go-runtime" */
};

struct credit_plan {
	int snapshots;		/* snapshots added */
	int named;		/* how many of them show Go-named mappings */
	unsigned unhoused;	/* classes whose roles held no Rss in some snapshot */
	unsigned present;	/* which of the roles a credit can hold appear anywhere */
	int runtime;		/* how many snapshots have the runtime's numbers */
	struct credit credits[CREDIT_NCLASSES];
	int ncredits;
};

/* An empty plan. */
void credit_plan_init(struct credit_plan *p);
/* Take one snapshot's evidence into the plan. */
void credit_plan_add(struct credit_plan *p, const struct snapshot_info *s);
/* Build the credits once every snapshot is in. */
void credit_plan_finish(struct credit_plan *p);
/* The credit that holds role, or -1 (the runtime holds nothing there). */
int credit_find(const struct credit_plan *p, const char *role);
/* 1 when every snapshot added named its Go mappings. */
int credit_plan_labelled(const struct credit_plan *p);
/* What the runtime says credit k holds in s; 0 when s lacks the numbers (unknown). */
int credit_view(const struct credit_plan *p, int k, const struct snapshot_info *s, int64_t *bytes);
/* What the runtime says class c holds in s; 0 when s lacks the numbers. */
int credit_class_view(const struct snapshot_info *s, enum credit_class c, int64_t *bytes);
/* Which classes credit k holds, in words ("the heap's committed pages and goroutine stacks"). */
const char *credit_classes_words(const struct credit_plan *p, int k);
/* Why credit k holds its classes where it does, in one clause; NULL for the plain case. */
const char *credit_why(const struct credit_plan *p, int k);

#endif
