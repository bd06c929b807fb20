/// A successful hardware translation: what a TLB entry caches.
public struct Translation: Sendable, Equatable {
    public let virtualAddress: UInt64
    public let physicalAddress: UInt64
    public let pfn: Int
    /// The PTE after the accessed/dirty update.
    public let entry: PageTableEntry
    /// Effective permissions over all levels.
    public let writable: Bool
    public let user: Bool
    public let executable: Bool
    /// `_PAGE_GLOBAL` in the PTE: the TLB keeps it across CR3 writes.
    public let global: Bool
    /// `_PAGE_DIRTY` in the PTE after the access.
    public let dirty: Bool
}
