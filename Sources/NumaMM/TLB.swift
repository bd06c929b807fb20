/// One cached translation: a virtual page of one address space and what the walk found for it.
public struct TLBEntry: Sendable, Equatable, Hashable {
    /// The address space (PCID) the entry was filled for; ignored when `global`.
    public let asid: Int
    /// Virtual page number (`va >> PAGE_SHIFT`).
    public let vpn: UInt64
    public let pfn: Int
    /// From `_PAGE_GLOBAL`: the entry matches every address space and survives CR3 writes.
    public let global: Bool
    public let writable: Bool
    public let user: Bool
    public let executable: Bool
    /// Whether the PTE's dirty bit was already set when the entry was filled.
    public let dirty: Bool
}

/// The outcome of `TLB.access`: whether the TLB answered, and the physical address or the fault.
public struct TLBAccess: Sendable, Equatable {
    public let hit: Bool
    public let result: Result<UInt64, PageFault>

    public var physicalAddress: UInt64? { try? result.get() }
}

/// A per-CPU translation lookaside buffer: set-associative, LRU within a set.
///
/// Models what Linux 6.1's TLB code (arch/x86/mm/tlb.c) relies on:
/// * a context switch without PCID writes CR3, which drops every non-global entry
///   (`switch_mm_irqs_off` → `load_new_mm_cr3`); with PCID entries are tagged by address space and
///   survive (Linux recycles `TLB_NR_DYN_ASIDS` = 6 ASIDs per CPU and flushes a reused one — not
///   modelled: every address space keeps its own tag);
/// * `flush(va:)` is `invlpg` (`flush_tlb_one_user`, used by munmap's `flush_tlb_mm_range` for a
///   few pages): the page's entry for the current address space and any global entry for it;
/// * kernel mappings carry `_PAGE_GLOBAL`, so they stay across context switches and only a
///   `__flush_tlb_all` (toggling CR4.PGE) removes them.
///
/// The set of a page is `vpn mod sets` (the low bits of the virtual page number, as real TLBs
/// index). Only 4 KiB leaf translations are cached: no paging-structure caches, no separate
/// instruction/data or second-level TLBs.
public struct TLB: Sendable {
    public struct Statistics: Sendable, Equatable {
        public var hits = 0
        public var misses = 0
        /// Valid entries pushed out of a full set by a fill.
        public var evictions = 0
        /// `flushAll` calls, including the implicit one of a context switch without PCID.
        public var fullFlushes = 0
        /// `flush(va:)` calls.
        public var pageFlushes = 0
        /// `flushAllIncludingGlobal` calls.
        public var globalFlushes = 0

        public init() {}
    }

    public let entryCount: Int
    public let ways: Int
    /// Whether the CPU tags entries with a PCID (`X86_FEATURE_PCID` in use).
    public let pcid: Bool
    /// The address space whose CR3 is loaded.
    public private(set) var currentASID: Int
    public private(set) var statistics = Statistics()
    /// One array per set, most recently used first, at most `ways` long.
    private var storage: [[TLBEntry]]

    public init(entries: Int = 64, ways: Int = 4, pcid: Bool = false, asid: Int = 0) {
        precondition(entries > 0 && ways > 0 && entries % ways == 0, "entries must be a positive multiple of ways")
        entryCount = entries
        self.ways = ways
        self.pcid = pcid
        currentASID = asid
        storage = Array(repeating: [], count: entries / ways)
    }

    public var sets: Int { entryCount / ways }
    public var hits: Int { statistics.hits }
    public var misses: Int { statistics.misses }
    /// Valid entries.
    public var count: Int { storage.reduce(0) { $0 + $1.count } }

    public static func vpn(of va: UInt64) -> UInt64 { va >> UInt64(PagingMode.pageShift) }

    public func setIndex(ofVPN vpn: UInt64) -> Int { Int(vpn % UInt64(sets)) }

    /// The entries of one set, most recently used first.
    public func contents(ofSet set: Int) -> [TLBEntry] { storage[set] }

    private static func matches(_ e: TLBEntry, vpn: UInt64, asid: Int) -> Bool {
        e.vpn == vpn && (e.global || e.asid == asid)
    }

    /// Looks up `(asid, vpn)`: counts a hit or a miss and makes a hit the most recently used.
    public mutating func lookup(vpn: UInt64, asid: Int) -> TLBEntry? {
        let s = setIndex(ofVPN: vpn)
        guard let i = storage[s].firstIndex(where: { TLB.matches($0, vpn: vpn, asid: asid) }) else {
            statistics.misses += 1
            return nil
        }
        statistics.hits += 1
        let e = storage[s].remove(at: i)
        storage[s].insert(e, at: 0)
        return e
    }

    /// Looks up the page of `va` in the current address space.
    public mutating func lookup(_ va: UInt64) -> TLBEntry? { lookup(vpn: TLB.vpn(of: va), asid: currentASID) }

    /// Like `lookup`, without counting or touching the LRU order.
    public func probe(_ va: UInt64) -> TLBEntry? {
        let vpn = TLB.vpn(of: va)
        let asid = currentASID
        return storage[setIndex(ofVPN: vpn)].first { TLB.matches($0, vpn: vpn, asid: asid) }
    }

    /// Caches a translation for the current address space, replacing any entry for the same page and
    /// evicting the least recently used entry of a full set.
    public mutating func fill(_ t: Translation) {
        let vpn = TLB.vpn(of: t.virtualAddress)
        let s = setIndex(ofVPN: vpn)
        let asid = currentASID
        storage[s].removeAll { TLB.matches($0, vpn: vpn, asid: asid) }
        if storage[s].count >= ways {
            storage[s].removeLast()
            statistics.evictions += 1
        }
        storage[s].insert(
            TLBEntry(asid: currentASID, vpn: vpn, pfn: t.pfn, global: t.global, writable: t.writable,
                     user: t.user, executable: t.executable, dirty: t.dirty),
            at: 0)
    }

    /// A context switch to another `mm` (`switch_mm_irqs_off`): loads CR3; without PCID that
    /// flushes every non-global entry.
    public mutating func switchAddressSpace(to asid: Int) {
        currentASID = asid
        if !pcid { flushAll() }
    }

    /// A CR3 write without PCID (`flush_tlb_local`): drops all non-global entries of every address space.
    public mutating func flushAll() {
        statistics.fullFlushes += 1
        for s in storage.indices { storage[s].removeAll { !$0.global } }
    }

    /// `__flush_tlb_all` (toggling CR4.PGE): drops everything, global entries included.
    public mutating func flushAllIncludingGlobal() {
        statistics.globalFlushes += 1
        for s in storage.indices { storage[s].removeAll() }
    }

    /// Removes one entry (no statistics: the caller's flush is what is counted).
    mutating func evict(_ e: TLBEntry) {
        let s = setIndex(ofVPN: e.vpn)
        storage[s].removeAll { $0 == e }
    }

    /// `invlpg va`: drops the page's entry of the current address space and a global entry for it.
    public mutating func flush(va: UInt64) {
        statistics.pageFlushes += 1
        let vpn = TLB.vpn(of: va)
        let s = setIndex(ofVPN: vpn)
        let asid = currentASID
        storage[s].removeAll { TLB.matches($0, vpn: vpn, asid: asid) }
    }

    /// One memory access as the MMU does it: a TLB hit answers at once; otherwise the page table is
    /// walked (`PageTable.touch`, which sets accessed/dirty) and a successful translation is cached.
    /// A cached entry that cannot serve the access — a write through an entry filled before the page
    /// was dirty (x86 walks again to set the dirty bit), or a permission it does not grant — is
    /// dropped and counted as a miss, and the walk decides.
    public mutating func access(
        _ va: UInt64, in pageTable: inout PageTable, write: Bool = false, user: Bool = true,
        instructionFetch: Bool = false
    ) throws(AddressSpaceError) -> TLBAccess {
        try pageTable.mode.validate(va)
        let vpn = TLB.vpn(of: va)
        let s = setIndex(ofVPN: vpn)
        let offset = va & (PagingMode.pageSize - 1)
        let asid = currentASID
        if let i = storage[s].firstIndex(where: { TLB.matches($0, vpn: vpn, asid: asid) }) {
            let e = storage[s][i]
            let allowed = (!user || e.user) && (!write || (e.writable && e.dirty)) && (!instructionFetch || e.executable)
            if allowed {
                statistics.hits += 1
                storage[s].remove(at: i)
                storage[s].insert(e, at: 0)
                return TLBAccess(hit: true, result: .success((UInt64(e.pfn) << UInt64(PagingMode.pageShift)) | offset))
            }
            storage[s].remove(at: i)
        }
        statistics.misses += 1
        let walked = try pageTable.touch(va, write: write, user: user, instructionFetch: instructionFetch)
        switch walked {
        case let .success(t):
            fill(t)
            return TLBAccess(hit: false, result: .success(t.physicalAddress))
        case let .failure(fault):
            return TLBAccess(hit: false, result: .failure(fault))
        }
    }
}
