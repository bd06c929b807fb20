/// The CPU's own walk on an access (the page-miss handler), which checks permissions and sets
/// the accessed and dirty bits, or raises a page fault.
extension PageTable {
    /// The CPU's walk on an access (the page-miss handler): checks present, then the permissions
    /// every level grants — writable and user-accessible only if all levels say so, no-execute if
    /// any level says so — and on success sets `_PAGE_ACCESSED` in every entry used and
    /// `_PAGE_DIRTY` in the PTE on a write, as the hardware does (Intel SDM vol. 3 §4.8). PAE's PDPT
    /// entries have no permission or accessed bits and are skipped. A failed access changes no bits
    /// and reports the x86 page-fault error code (`enum x86_pf_error_code`,
    /// arch/x86/include/asm/trap_pf.h). Supervisor accesses to user pages are allowed (no SMAP/SMEP).
    public mutating func touch(
        _ va: UInt64, write: Bool, user: Bool = true, instructionFetch: Bool = false
    ) throws(AddressSpaceError) -> Result<Translation, PageFault> {
        guard !isTornDown else { throw .tornDown }
        try mode.validate(va)
        var code: X86PFErrorCode = []
        if write { code.insert(.write) }
        if user { code.insert(.user) }
        if instructionFetch && mode.supportsNX { code.insert(.instr) }

        var used: [(table: TableRef, index: Int, level: PageTableLevel)] = []
        var table = TableRef.root
        var denyUser: PageTableLevel? = nil
        var denyWrite: PageTableLevel? = nil
        var denyExec: PageTableLevel? = nil
        var leaf = PageTableEntry.none
        for geometry in mode.realLevels {
            let index = geometry.index(of: va)
            let e = PageTableEntry(rawValue: entry(table, index))
            guard e.isPresent else {
                return .failure(PageFault(address: va, level: geometry.level, reason: .notPresent, errorCode: code))
            }
            let isPDPTE = mode.arch == .i386PAE && geometry.level == .pgd
            if !isPDPTE {
                used.append((table, index, geometry.level))
                let f = e.flags(in: mode)
                if !f.contains(.user), denyUser == nil { denyUser = geometry.level }
                if !f.contains(.rw), denyWrite == nil { denyWrite = geometry.level }
                if f.contains(.nx), denyExec == nil { denyExec = geometry.level }
            }
            if geometry.level == .pte {
                leaf = e
                break
            }
            table = .page(e.pfn(in: mode))
        }
        let protection: PageTableLevel? =
            (user ? denyUser : nil) ?? (write ? denyWrite : nil) ?? (instructionFetch ? denyExec : nil)
        if let level = protection {
            return .failure(PageFault(address: va, level: level, reason: .protection, errorCode: code.union(.prot)))
        }
        for (t, index, level) in used {
            var e = PageTableEntry(rawValue: entry(t, index)).setting(.accessed)
            if level == .pte {
                if write { e = e.setting(.dirty) }
                leaf = e
            }
            setEntry(t, index, e.rawValue)
        }
        let pfn = leaf.pfn(in: mode)
        let flags = leaf.flags(in: mode)
        return .success(Translation(
            virtualAddress: va,
            physicalAddress: (UInt64(pfn) << UInt64(PagingMode.pageShift)) | (va & (PagingMode.pageSize - 1)),
            pfn: pfn, entry: leaf, writable: denyWrite == nil, user: denyUser == nil,
            executable: denyExec == nil, global: flags.contains(.global), dirty: flags.contains(.dirty)))
    }
}
