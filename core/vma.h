/*
 * The VMA record every stage shares: one mapping of a process as
 * /proc/PID/smaps (or maps) describes it. The parser fills it, the store
 * writes and reads its fields by this enum, analysis and reports read it.
 *
 * Fields are those of the kernel's Documentation/filesystems/proc.rst,
 * in bytes; THPeligible and ProtectionKey are plain numbers. A field never
 * seen for a VMA is -1 (with maps alone every field is -1: Rss is unknown,
 * not zero) but Size: it comes from the Size line, else from the range
 * (end - start), maps included.
 */
#ifndef RSSGAP_VMA_H
#define RSSGAP_VMA_H

#include <stddef.h>
#include <stdint.h>

/* The numeric fields of a VMA, in the kernel's order (and the vma table's). */
enum vma_field {
	VMA_SIZE,
	VMA_KERNEL_PAGE_SIZE,
	VMA_MMU_PAGE_SIZE,
	VMA_RSS,
	VMA_PSS,
	VMA_PSS_ANON,
	VMA_PSS_FILE,
	VMA_PSS_SHMEM,
	VMA_PSS_DIRTY,
	VMA_SHARED_CLEAN,
	VMA_SHARED_DIRTY,
	VMA_PRIVATE_CLEAN,
	VMA_PRIVATE_DIRTY,
	VMA_REFERENCED,
	VMA_ANONYMOUS,
	VMA_KSM,
	VMA_LAZYFREE,
	VMA_ANON_HUGE_PAGES,
	VMA_SHMEM_PMD_MAPPED,
	VMA_FILE_PMD_MAPPED,
	VMA_SHARED_HUGETLB,
	VMA_PRIVATE_HUGETLB,
	VMA_SWAP,
	VMA_SWAP_PSS,
	VMA_LOCKED,
	VMA_THP_ELIGIBLE,
	VMA_PROTECTION_KEY,
	VMA_NFIELDS
};

/* One VMA; path and vmflags belong to whoever filled it (the parser lends them). */
struct vma {
	uint64_t start;		/* first byte */
	uint64_t end;		/* one past the last byte */
	uint64_t offset;	/* file offset */
	uint64_t inode;
	char perms[5];		/* "rw-p" */
	char dev[16];		/* "fd:01" */
	const char *path;	/* "" when anonymous; "[heap]", "[anon: Go: heap]", a file */
	size_t path_len;
	int64_t field[VMA_NFIELDS];	/* indexed by enum vma_field; -1 unknown */
	const char *vmflags;	/* "rd wr mr mw me ac" or NULL when absent */
	uint32_t unknown_fields;
	uint64_t line;		/* line of the VMA's header in the member */
};

/* The kernel's name of a field ("Rss", "AnonHugePages"); "?" out of range. */
const char *vma_field_name(enum vma_field f);
/* The SQL column name of a field in the vma table ("rss", "anon_huge_pages"); "?" out of range. */
const char *vma_field_column(enum vma_field f);

#endif
