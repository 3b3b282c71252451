#include "core/vma.h"

/* Kernel names and SQL columns, in enum order. */
static const struct {
	const char *name;
	const char *column;
} fields[VMA_NFIELDS] = {
	[VMA_SIZE] = { "Size", "size" },
	[VMA_KERNEL_PAGE_SIZE] = { "KernelPageSize", "kernel_page_size" },
	[VMA_MMU_PAGE_SIZE] = { "MMUPageSize", "mmu_page_size" },
	[VMA_RSS] = { "Rss", "rss" },
	[VMA_PSS] = { "Pss", "pss" },
	[VMA_PSS_ANON] = { "Pss_Anon", "pss_anon" },
	[VMA_PSS_FILE] = { "Pss_File", "pss_file" },
	[VMA_PSS_SHMEM] = { "Pss_Shmem", "pss_shmem" },
	[VMA_PSS_DIRTY] = { "Pss_Dirty", "pss_dirty" },
	[VMA_SHARED_CLEAN] = { "Shared_Clean", "shared_clean" },
	[VMA_SHARED_DIRTY] = { "Shared_Dirty", "shared_dirty" },
	[VMA_PRIVATE_CLEAN] = { "Private_Clean", "private_clean" },
	[VMA_PRIVATE_DIRTY] = { "Private_Dirty", "private_dirty" },
	[VMA_REFERENCED] = { "Referenced", "referenced" },
	[VMA_ANONYMOUS] = { "Anonymous", "anonymous" },
	[VMA_KSM] = { "KSM", "ksm" },
	[VMA_LAZYFREE] = { "LazyFree", "lazyfree" },
	[VMA_ANON_HUGE_PAGES] = { "AnonHugePages", "anon_huge_pages" },
	[VMA_SHMEM_PMD_MAPPED] = { "ShmemPmdMapped", "shmem_pmd_mapped" },
	[VMA_FILE_PMD_MAPPED] = { "FilePmdMapped", "file_pmd_mapped" },
	[VMA_SHARED_HUGETLB] = { "Shared_Hugetlb", "shared_hugetlb" },
	[VMA_PRIVATE_HUGETLB] = { "Private_Hugetlb", "private_hugetlb" },
	[VMA_SWAP] = { "Swap", "swap" },
	[VMA_SWAP_PSS] = { "SwapPss", "swap_pss" },
	[VMA_LOCKED] = { "Locked", "locked" },
	[VMA_THP_ELIGIBLE] = { "THPeligible", "thp_eligible" },
	[VMA_PROTECTION_KEY] = { "ProtectionKey", "protection_key" },
};

const char *
vma_field_name(enum vma_field f)
{
	return (unsigned)f < VMA_NFIELDS ? fields[f].name : "?";
}

const char *
vma_field_column(enum vma_field f)
{
	return (unsigned)f < VMA_NFIELDS ? fields[f].column : "?";
}
