import NumaCore
import NumaMM

/// One simulated process: an `mm_struct` (its VMAs and page-table tree), the pages its PTEs map,
/// and its threads. Created by `fork`+`exec`-like set-up (`mm_alloc` → `pgd_alloc`), torn down by
/// `exit_mmap` + `pgd_free`. Used from one host thread at a time (the deterministic engine).
///
/// The page table holds the real structure (tables are allocator pages, entries hold their
/// pfns); `pages` remembers the `AllocatedBlock` behind each mapped user page so it can be freed
/// and so reclaim can be noticed: reclaim makes a handle stale without knowing the process, and
/// the next access of that page then does what `try_to_unmap` would have done first (see
/// `access`).
public final class SimulatedProcess: @unchecked Sendable {
    public let name: String
    /// The address-space tag the TLBs use (the kernel's `mm->context.ctx_id`).
    public let asid: Int
    public internal(set) var mm: MMStruct<MemPolicy>
    public internal(set) var pageTable: PageTable
    public internal(set) var threads: [ProcessThread] = []
    public internal(set) var stats = ProcessStats()
    /// Start and length of each named mapping as first mapped (what steps refer to).
    public internal(set) var named: [String: (start: UInt64, length: UInt64)] = [:]
    public internal(set) var exited = false
    public var killed = false
    /// Exit at the end of the phase (`exit: true`) or stay until the end of the run.
    public let exitsAtPhaseEnd: Bool

    let allocator: PageAllocator
    /// Data pages by virtual page number.
    var pages: [UInt64: AllocatedBlock] = [:]
    /// Page-table pages by pfn (order 1 for a PTI pgd).
    var tableBlocks: [Int: AllocatedBlock] = [:]
    /// Anon pages reclaim swapped out (their PTE is a swap entry: the next touch is a major fault).
    var swappedOut: Set<UInt64> = []
    /// File pages reclaim dropped from the page cache (the next touch reads them back).
    var evictedFile: Set<UInt64> = []
    /// The `last_cpupid` field of each mapped page that has one set (NUMA balancing); a page
    /// without an entry holds `LastCpupid.unset`, as a fresh page does.
    var lastCpupid: [UInt64: LastCpupid] = [:]
    /// `nr_cpu_ids` and N_CPU, read once (NUMA balancing asks at every hinting fault).
    lazy var machineFacts = (nrCPUIDs: allocator.nrCPUIDs, nodesWithCPUs: allocator.nodesWithCPUs)
    /// Where the pages its faults and page tables allocated came from (the policy's node against
    /// the serving node, the CPU's node against it): the run's fallback matrix and locality.
    public internal(set) var placement: TaskPlacement?
    /// The mm's NUMA-balancing scan state.
    public internal(set) var numaMM = MMNumaState()
    /// The CPU and policy of the main thread (process creation and exit run there).
    public let mainCPU: Int
    let mainPolicy: MemPolicy
    var exitInterleave: InterleaveState
    /// The shared zero page (`empty_zero_page`, in the kernel image: no allocation).
    let zeroPfn: Int
    /// The frame the shared zero page stands for: `empty_zero_page` lives in the kernel image,
    /// which starts at CONFIG_PHYSICAL_START (16 MiB) — frame 0x1000. Symbolic: the model does not
    /// reserve the image, and the page is never allocated or freed.
    public static let zeroPagePfn = 0x1000

    /// `mm_alloc` + `pgd_alloc` on the main thread's CPU.
    public init(name: String, asid: Int, mode: PagingMode, allocator: PageAllocator, cpu: Int, policy: MemPolicy,
         zeroPfn: Int, exitsAtPhaseEnd: Bool = true) throws {
        self.name = name
        self.asid = asid
        self.allocator = allocator
        mm = MMStruct(mode: mode)
        mainCPU = cpu
        mainPolicy = policy
        exitInterleave = InterleaveState(maxNumNodes: allocator.machine.topology.kernel.maxNumNodes)
        self.zeroPfn = zeroPfn
        self.exitsAtPhaseEnd = exitsAtPhaseEnd
        // A placeholder (a kernel table allocates nothing) so `self` is complete before the page
        // source, which refers to it, runs.
        var none = SequentialFrameSource(limit: 0)
        pageTable = try PageTable(mode: mode, isKernel: true, cpu: cpu, source: &none)
        var source = PageTablePages(self, thread: nil)
        do {
            pageTable = try PageTable(mode: mode, cpu: cpu, source: &source)
        } catch {
            throw ProcessError.outOfMemory(process: name, what: "its pgd (pgd_alloc): \(error)")
        }
    }

    /// A new thread sharing the mm (`clone(CLONE_VM)`).
    public func add(_ thread: ProcessThread) { threads.append(thread) }

    /// Pages the process maps (RSS: anon + file, the zero page not counted).
    public var residentPages: Int { pages.count }
    /// Anonymous pages reclaim swapped out (swap entries in its PTEs).
    public var swappedPages: Int { swappedOut.count }
    /// `oom_badness`'s pages: rss, swap entries and page-table pages
    /// (`get_mm_rss + MM_SWAPENTS + mm_pgtables_bytes / PAGE_SIZE`).
    public var oomBadnessPages: Int { pages.count + swappedOut.count + tablePages }
    /// The cpuset `mems_allowed` of the process's cgroup while cpusets are enabled (nil: none).
    public var memsAllowed: Set<Int>?
    /// The memory cgroup its pages are charged to (nil: the root, nothing charged).
    public var memcg: MemCgroup?
    /// The node of the page mapped at `va`, if one is.
    public func node(ofPageAt va: UInt64) -> Int? { pages[va >> 12]?.node }

    /// Resident data pages by node id (`/proc/PID/numa_maps`' N<node>= counts summed over the VMAs).
    public var pagesByNode: [Int: Int] {
        var out: [Int: Int] = [:]
        var splitSeen: [AllocatedBlock: [AllocatedBlock]] = [:]
        for (vpn, b) in pages {
            var node = allocator.isOwned(b) ? b.node : (allocator.followMigration(b, peek: true)?.node ?? -1)
            if node < 0, b.order == TransparentHugepage.order {
                // A THP reclaim split: the page's own handle, as the next access will see it.
                if splitSeen[b] == nil { splitSeen[b] = allocator.followSplit(b, peek: true) ?? [] }
                if let parts = splitSeen[b], !parts.isEmpty {
                    let h = parts[Int(vpn & 511)]
                    node = allocator.isOwned(h) ? h.node : (allocator.followMigration(h, peek: true)?.node ?? -1)
                }
            }
            if node >= 0 { out[node, default: 0] += 1 }
        }
        return out
    }

    /// Page-table pages it holds (pgd included).
    public var tablePages: Int { pageTable.totalTablePages }

    /// An access that found its page on `node`, costing `latency` ns on the clock.
    public func recordMappedAccess(node: Int, latency: Int) {
        stats.mappedAccesses += 1
        stats.accessLatencyNanoseconds += latency
        if allocator.isTopTier(node: node) { stats.topTierAccesses += 1 }
    }

    /// Counts an allocation made for the process on `cpu` that asked for node `asking`.
    func recordPlacement(asking: Int, cpu: Int, _ b: AllocatedBlock) {
        if placement == nil { placement = TaskPlacement(allocator) }
        placement!.record(asking: asking, local: allocator.node(ofCPU: cpu) ?? allocator.nodeIDs[0], serving: b.node, order: b.order)
    }

    func recordFailure(_ what: String, _ f: AllocFailure) {
        let reason: String
        if case .noMemory(_, _, let r) = f { reason = r.description } else { reason = f.description }
        stats.failures["\(what): \(reason)", default: 0] += 1
    }

    /// mmap(2) of a named mapping; `policy` is an mbind right after it. Returns its start.
    @discardableResult
    public func mmap(name mappingName: String, length: UInt64, at address: UInt64? = nil, flags: VMFlags = [.read, .write],
                     kind: VMAKind = .anon, fileOffset: UInt64 = 0, policy: MemPolicy? = nil) throws -> UInt64 {
        let start: UInt64
        do {
            start = try mm.mmap(at: address, length: length, flags: flags, kind: kind,
                                pgoff: fileOffset >> 12, policy: policy, name: mappingName)
        } catch {
            throw ProcessError.syscall(process: name, call: "mmap '\(mappingName)'", error.description)
        }
        named[mappingName] = (start, (length + 0xfff) & ~0xfff)
        return start
    }

    /// The byte range `offset` + `length` (nil: to the end) of the named mapping `vma`, checked
    /// against it; `step` names the system call for errors.
    public func resolve(vma: String, offset: UInt64, length: UInt64?, step: String) throws -> (start: UInt64, end: UInt64) {
        guard let m = named[vma] else {
            throw ProcessError.syscall(process: name, call: step, "mapping '\(vma)' has not been mapped yet (an mmap step of another thread that has not run?)")
        }
        let length = length ?? (m.length > offset ? m.length - offset : 0)
        guard offset < m.length, length > 0, offset + length <= m.length else {
            throw ProcessError.syscall(process: name, call: step,
                                       "offset \(offset) + length \(length) is outside mapping '\(vma)' (\(m.length) bytes)")
        }
        return (m.start + offset, m.start + offset + length)
    }

    /// Frees one user page (munmap, exit): a page reclaim already took is gone; an anon one left a
    /// swap slot behind, which is freed now (`free_swap_and_cache`).
    func releasePage(vpn: UInt64, cpu: Int) {
        // A page of a THP goes alone only once the THP is split (`zapTHPs` frees whole ones).
        if thps[vpn >> 9] != nil { splitTHP(vpn >> 9, cpu: cpu) }
        lastCpupid[vpn] = nil
        if let b = pages.removeValue(forKey: vpn) {
            if !allocator.release(b, cpu: cpu) && isAnon(vpn) { allocator.releaseSwapSlot() }
            stats.pagesFreed += 1
        } else if swappedOut.remove(vpn) != nil {
            allocator.releaseSwapSlot()
        } else {
            evictedFile.remove(vpn)
        }
    }

    /// Whether the page at `vpn` belongs to an anonymous mapping (by the VMA, or — after munmap
    /// removed the VMA — by the kind recorded when it was faulted).
    func isAnon(_ vpn: UInt64) -> Bool { !fileBacked.contains(vpn) }
    /// File-backed pages currently mapped (to tell a stale anon handle from a file one).
    var fileBacked: Set<UInt64> = []
    /// Transparent huge pages mapped whole, by huge page number (`va >> 21`); each of their 512
    /// virtual pages has the THP's handle in `pages` (SimulatedProcess+THP.swift).
    var thps: [UInt64: AllocatedBlock] = [:]
    /// Huge page numbers whose range maps the huge zero page (a read fault of a THP range).
    var hugeZeroMapped: Set<UInt64> = []
    /// MAP_HUGETLB mappings (SimulatedProcess+HugeTLB.swift).
    public internal(set) var hugetlbMappings: [HugeTLBMapping] = []

    /// `exit_mmap` + `pgd_free`: every page and every table goes back. TLB entries of the mm are
    /// dropped by the caller (`MMUs.exit`).
    public func exit(cpu: Int) {
        guard !exited else { return }
        zapTHPs(start: 0, end: UInt64.max, cpu: cpu)
        for vpn in Array(pages.keys) { releasePage(vpn: vpn, cpu: cpu) }
        try? unmapHugeTLB(start: 0, end: UInt64.max, cpu: cpu)
        for _ in swappedOut { allocator.releaseSwapSlot() }
        swappedOut.removeAll()
        evictedFile.removeAll()
        fileBacked.removeAll()
        lastCpupid.removeAll()
        hugeZeroMapped.removeAll()
        var source = PageTablePages(self, thread: nil)
        pageTable.tearDown(cpu: cpu, source: &source)
        exited = true
    }
}
