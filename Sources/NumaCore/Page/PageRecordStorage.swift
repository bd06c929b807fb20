/// The host memory behind a zone's page records: one anonymous private mapping, reserved but
/// not committed (`ReservedAddressSpace`), carved into the `MemMap` arrays. The host kernel
/// supplies zero-filled pages on first write, so resident memory follows the records numasim writes —
/// the role `sparse_init` / `section_mem_map` play for the kernel, where the mem_map of a
/// section exists only where memory does. Freed by `release` (the owning zone's deinit).
///
/// Layout: eight arrays of `pages` elements (flags, order, stored migratetype, LRU state: 1 byte
/// each; generation, next, prev, LRU sequence: 4 bytes each), each starting on a host page boundary.
struct PageRecordStorage: @unchecked Sendable {
    static let elementBytes = [1, 1, 1, 1, 4, 4, 4, 4]
    /// Trivial fields only: `MemMap` holds this inline and is copied on hot paths.
    let base: UnsafeMutableRawPointer
    let pages: Int
    let hostPage: Int
    let byteCount: Int

    init(pages: Int) {
        hostPage = ReservedAddressSpace.hostPage
        self.pages = pages
        let total = PageRecordStorage.offset(PageRecordStorage.elementBytes.count, pages: pages, hostPage: hostPage)
        base = ReservedAddressSpace.reserve(total, for: "the page records of \(pages) pages")
        byteCount = total
    }

    /// Where array `i` starts: the arrays before it, each rounded up to whole host pages.
    static func offset(_ i: Int, pages: Int, hostPage: Int) -> Int {
        var total = 0
        for bytes in elementBytes.prefix(i) { total += (pages * bytes + hostPage - 1) / hostPage * hostPage }
        return total
    }

    func array<T: ~Copyable>(_ i: Int, of: T.Type) -> UnsafeMutablePointer<T> {
        precondition(MemoryLayout<T>.stride == PageRecordStorage.elementBytes[i])
        return (base + PageRecordStorage.offset(i, pages: pages, hostPage: hostPage)).bindMemory(to: T.self, capacity: pages)
    }

    func release() { ReservedAddressSpace.release(base, byteCount) }
}
