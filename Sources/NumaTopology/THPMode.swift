/// `/sys/kernel/mm/transparent_hugepage/enabled`; Debian's kernel defaults to `always`.
public enum THPMode: String, Sendable, CaseIterable, Codable {
    case always, madvise, never
    public var enabled: Bool { self != .never }
}

/// `/sys/kernel/mm/transparent_hugepage/defrag` (mm/huge_memory.c `defrag_store`): how hard a
/// THP fault tries for its huge page — the TRANSPARENT_HUGEPAGE_DEFRAG_* flag it sets, read by
/// `vma_thp_gfp_mask`. Debian's kernel (and 6.1's default) is `madvise`.
public enum THPDefrag: String, Sendable, CaseIterable, Codable {
    /// DEFRAG_DIRECT_FLAG: direct reclaim and compaction for every THP fault.
    case always
    /// DEFRAG_KSWAPD_FLAG: wake kswapd/kcompactd and fail at once.
    case `defer`
    /// DEFRAG_KSWAPD_OR_MADV_FLAG: direct for MADV_HUGEPAGE areas, kswapd for the rest.
    case deferMadvise = "defer+madvise"
    /// DEFRAG_REQ_MADV_FLAG: direct for MADV_HUGEPAGE areas, nothing for the rest.
    case madvise
    /// No flag: never reclaim or compact for a THP.
    case never
}
