#include "analyze/words.h"

#include <stdlib.h>
#include <string.h>

#include "analyze/credit.h"
#include "core/buf.h"
#include "core/num.h"

#define MiB (1024 * 1024)

const char *
words_role(const char *role)
{
	static const struct {
		const char *role, *words;
	} known[] = {
		{ "go-heap", "Go heap" },
		{ "go-runtime", "Go runtime metadata" },
		{ "anon", "anonymous memory outside the Go heap" },
		{ "malloc-heap", "C malloc heap ([heap])" },
		{ "malloc-arena", "glibc malloc arenas" },
		{ "race-shadow", "race detector shadow memory" },
		{ "stack", "thread stacks" },
		{ "exe", "the executable" },
		{ "lib", "shared libraries" },
		{ "file", "file mappings" },
		{ "shmem", "shared memory" },
		{ "kernel", "kernel mappings" },
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i].role, role) == 0)
			return known[i].words;
	return role;
}

const char *
words_missing_side(const struct snapshot_info *before, const struct snapshot_info *after)
{
	int b = snapshot_has_runtime(before), a = snapshot_has_runtime(after);

	if (b && a)
		return NULL;
	return !b && !a ? "both" : !b ? "before" : "after";
}

static int
is_file_backed(const char *role)
{
	return strcmp(role, "file") == 0 || strcmp(role, "exe") == 0 || strcmp(role, "lib") == 0;
}

/* What the role's growth is, when nothing more specific is known, in one clause. */
static const char *
role_reading(const struct role_delta *c, const char *role, unsigned ev)
{
	if (strcmp(role, "go-heap") == 0 && !c->runtime_known)
		return (ev & EV_SIZE_GREW) ? "the heap mapping grew and its new pages are resident"
					   : "more of the heap's pages became resident";
	if (strcmp(role, "go-heap") == 0)
		return (ev & EV_SIZE_GREW) ? "the heap mapping grew and its new pages are resident"
					   : "pages became resident without new allocation";
	if (strcmp(role, "race-shadow") == 0)
		return "a -race build: the race detector's shadow memory, invisible to the runtime";
	if (strcmp(role, "anon") == 0 || strcmp(role, "malloc-heap") == 0 ||
	    strcmp(role, "malloc-arena") == 0)
		return c->runtime_known
			       ? "memory the Go runtime does not manage (cgo/C malloc, mmap, or a -race "
				 "build)"
			       : "memory allocated outside any Go heap (malloc, mmap)";
	if (strcmp(role, "go-runtime") == 0)
		return "runtime metadata grew beyond what MemStats accounts for";
	if (strcmp(role, "shmem") == 0)
		return "shared memory (tmpfs, memfd, System V): it stays resident until removed or "
		       "swapped, whoever maps it";
	if (strcmp(role, "stack") == 0)
		return "thread stacks: more threads, or deeper C stacks";
	if (is_file_backed(role))
		return "pages of mapped files";
	return "memory the Go runtime does not account for";
}

/* "; no Go runtime numbers in the after bundle (why), so nothing explains it" */
static void
missing_clause(struct buf *b, const struct diff_result *r)
{
	const char *side = words_missing_side(r->before, r->after);
	const char *why = NULL;

	if (side == NULL)
		side = "either";	/* a class the sources left out */
	if (!snapshot_has_runtime(r->after))
		why = r->after->runtime_missing;
	if (why == NULL && !snapshot_has_runtime(r->before))
		why = r->before->runtime_missing;
	buf_puts(b, "; the runtime side is missing: ");
	if (strcmp(side, "both") == 0)
		buf_puts(b, "neither bundle has Go runtime numbers");
	else
		buf_printf(b, "the %s bundle has no Go runtime numbers", side);
	if (why != NULL) {
		buf_puts(b, " (capture: ");
		buf_puts(b, why);
		buf_putc(b, ')');
	}
	buf_puts(b, ", so nothing explains this change (not a Go process, or its endpoints "
		    "could not be fetched)");
}

/* How the runtime saw credit c, as a clause after the Rss figures. */
static void
runtime_clause(struct buf *b, const struct diff_result *r, const struct role_delta *c,
	       const char *role)
{
	if (!c->runtime_known)
		return;	/* said last, after the readings */
	if (c->classes == 0) {
		buf_puts(b, ", none of which the Go runtime holds (it counts nothing there)");
		return;
	}
	if (c->nmembers > 1) {
		buf_puts(b, " while what the runtime reports for ");
		buf_puts(b, c->role);
		buf_puts(b, " together moved ");
		num_bytes_delta(b, c->runtime_delta);
		return;
	}
	if (strcmp(role, "go-heap") == 0 && r->before->rt[RT_HEAP_INUSE].known &&
	    r->after->rt[RT_HEAP_INUSE].known) {
		buf_puts(b, " while HeapInuse moved ");
		num_bytes_delta(b, r->after->rt[RT_HEAP_INUSE].v - r->before->rt[RT_HEAP_INUSE].v);
		return;
	}
	buf_puts(b, " while the runtime's view of it moved ");
	num_bytes_delta(b, c->runtime_delta);
}

static int64_t
pos(int64_t v)
{
	return v > 0 ? v : 0;
}

/*
 * What file-backed growth is made of: page cache (Rss - Anonymous), clean
 * or dirty (the dirty pages beyond the anonymous ones: page cache not yet
 * written back, written through a shared mapping or by whoever wrote the
 * file), and anonymous pages inside file mappings (private copies of
 * written pages, a program's data and bss).
 */
static void
file_backed(struct buf *b, const struct role_delta *c, const char *sep)
{
	int64_t anon = c->anonymous_after - c->anonymous_before, file = c->rss_delta - anon;
	int64_t dirty = pos(c->dirty_after - c->anonymous_after) -
			pos(c->dirty_before - c->anonymous_before);

	buf_printf(b, "%sfile-backed: ", sep);
	num_bytes_delta(b, file);
	buf_puts(b, " of page cache (the mapped files' own pages), ");
	num_bytes_delta(b, file - dirty);
	buf_puts(b, " clean and ");
	num_bytes_delta(b, dirty);
	buf_puts(b, " dirty; clean page cache is reclaimable (the kernel drops it under memory "
		    "pressure and reads it again from the file), dirty pages only once written back");
	if (llabs(anon) >= 1 * MiB && llabs(anon) >= llabs(c->rss_delta) / 10) {
		buf_puts(b, "; ");
		num_bytes_delta(b, anon);
		buf_puts(b, " anonymous inside these mappings (Private_Dirty: private copies of "
			    "written pages, a program's data and bss), which only swap can reclaim");
	}
}

/* The readings of the evidence, each a clause after ": ", then the role's own. */
static void
readings(struct buf *b, const struct role_delta *c, const char *role, unsigned ev)
{
	const char *sep = ": ";

	if (ev & EV_LAZYFREE) {
		buf_printf(b, "%spages the runtime released with MADV_FREE are still resident "
			      "(LazyFree) until the kernel reclaims them; GODEBUG=madvdontneed=1 "
			      "returns them at once", sep);
		sep = "; ";
	}
	if (ev & EV_THP) {
		buf_printf(b, "%stransparent huge pages: AnonHugePages ", sep);
		num_bytes(b, c->anon_huge_before);
		buf_puts(b, " \xe2\x86\x92 ");
		num_bytes(b, c->anon_huge_after);
		buf_puts(b, ", the kernel backs this memory with 2 MiB pages, so one write makes a "
			    "whole 2 MiB resident (MADV_HUGEPAGE, or THP \"always\")");
		sep = "; ";
	}
	if (is_file_backed(role)) {
		file_backed(b, c, sep);
		return;
	}
	if (ev & EV_SWAP) {
		buf_printf(b, "%sSwap ", sep);
		num_bytes(b, c->swap_before);
		buf_puts(b, " \xe2\x86\x92 ");
		num_bytes(b, c->swap_after);
		buf_puts(b, ": swapped-out pages are not in Rss");
		sep = "; ";
	}
	if (!(ev & EV_LAZYFREE))
		buf_printf(b, "%s%s", sep, role_reading(c, role, ev));
}

char *
words_finding(const struct diff_result *r, const struct role_delta *c, const char *role,
	      const struct region_delta *top, unsigned ev)
{
	struct buf b = BUF_INIT;
	const char *words = words_role(role);

	buf_printf(&b, "%c%s", words[0] >= 'a' && words[0] <= 'z' ? words[0] - 32 : words[0],
		   words + 1);
	if (top != NULL) {
		int64_t grew = top->rss_after - top->rss_before;

		buf_printf(&b, " %s", top->after[0] != '\0' ? top->after : top->before);
		if (top->path[0] != '\0' && is_file_backed(role))
			buf_printf(&b, " (%s)", top->path);
		buf_puts(&b, ": Rss ");
		num_bytes(&b, top->rss_before);
		buf_puts(&b, " \xe2\x86\x92 ");
		num_bytes(&b, top->rss_after);
		if (top->before[0] == '\0') {
			buf_puts(&b, " in a region that appeared (Size ");
			num_bytes(&b, top->size_after);
			buf_putc(&b, ')');
		} else if (top->size_after == top->size_before) {
			buf_puts(&b, " with Size unchanged (");
			num_bytes(&b, top->size_after);
			buf_putc(&b, ')');
		} else if (llabs(top->size_after - top->size_before) <= top->size_before / 50) {
			/* within 2%: the Rss change is not a change of the mapping's size */
			buf_puts(&b, " with Size nearly unchanged (");
			num_bytes(&b, top->size_before);
			buf_puts(&b, " \xe2\x86\x92 ");
			num_bytes(&b, top->size_after);
			buf_putc(&b, ')');
		} else {
			buf_puts(&b, " with Size ");
			num_bytes(&b, top->size_before);
			buf_puts(&b, " \xe2\x86\x92 ");
			num_bytes(&b, top->size_after);
		}
		/* the credit's total when this region is not nearly all of it */
		if (llabs(c->rss_delta - grew) > llabs(grew) / 50) {
			buf_puts(&b, c->nmembers > 1 ? " (" : " (role total ");
			if (c->nmembers > 1)
				buf_printf(&b, "%s total ", c->role);
			num_bytes_delta(&b, c->rss_delta);
			buf_putc(&b, ')');
		}
	} else {
		buf_puts(&b, ": Rss ");
		num_bytes_delta(&b, c->rss_delta);
	}
	runtime_clause(&b, r, c, role);
	if (ev & EV_LAZYFREE) {
		buf_puts(&b, "; LazyFree ");
		num_bytes(&b, c->lazyfree_after);
	}
	readings(&b, c, role, ev);
	if (!c->runtime_known)
		missing_clause(&b, r);
	return buf_detach(&b, NULL);
}

const char *
words_negative_non_go(int64_t non_go)
{
	if (non_go >= 0)
		return NULL;
	return "non-Go is negative: the runtime counts more than is resident. Sys - HeapReleased "
	       "counts every page the runtime has mapped for use, touched or not (spans and large "
	       "allocations never written, free spans not yet released, metadata mapped ahead) and "
	       "pages swapped out; the kernel makes a page resident only when it is first touched. "
	       "So this is not memory missing from Rss, only how far the runtime's count runs ahead "
	       "of the pages in RAM; its growth, not its sign, is what points outside Go";
}

const char *
words_positive_non_go(void)
{
	return "non-Go is resident memory the runtime does not count: C/cgo malloc, mmap, the race "
	       "detector, the executable and libraries, thread stacks, or heap pages the runtime "
	       "released that the kernel has not taken back yet (LazyFree)";
}
