/// Where the top-level table of an address space lives.
public enum PGDStorage: Sendable, Equatable, Hashable {
    /// A page from the page source (`__pgd_alloc`, x86-64 and 2-level i386).
    case page(pfn: Int)
    /// A 32-byte object from the `pgd_cache` slab (PAE without PTI): no page of its own.
    case slab(bytes: Int)
    /// `swapper_pg_dir` / `init_top_pgt`: part of the kernel image, never allocated or freed.
    case kernelImage
}
