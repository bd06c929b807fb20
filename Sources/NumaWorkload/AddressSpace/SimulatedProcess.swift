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
    public internal(set) var killed = false
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
    /// The CPU and policy of the main thread (process creation and exit run there).
    let mainCPU: Int
    let mainPolicy: MemPolicy
    var exitInterleave: InterleaveState
    /// The shared zero page (`empty_zero_page`, in the kernel image: no allocation).
    let zeroPfn: Int

    /// `mm_alloc` + `pgd_alloc` on the main thread's CPU.
    init(name: String, asid: Int, mode: PagingMode, allocator: PageAllocator, cpu: Int, policy: MemPolicy,
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

    /// Pages the process maps (RSS: anon + file, the zero page not counted).
    public var residentPages: Int { pages.count }

    /// Page-table pages it holds (pgd included).
    public var tablePages: Int { pageTable.totalTablePages }

    func recordFailure(_ what: String, _ f: AllocFailure) {
        let reason: String
        if case .noMemory(_, _, let r) = f { reason = r.description } else { reason = f.description }
        stats.failures["\(what): \(reason)", default: 0] += 1
    }

    /// mmap(2); `policy` is an mbind right after it.
    @discardableResult
    func mmap(_ spec: Workload.MmapSpec) throws -> UInt64 {
        let start: UInt64
        do {
            start = try mm.mmap(at: spec.address, length: spec.length, flags: spec.flags, kind: spec.kind,
                                pgoff: spec.fileOffset >> 12, policy: spec.policy, name: spec.name)
        } catch {
            throw ProcessError.syscall(process: name, call: "mmap '\(spec.name)'", error.description)
        }
        named[spec.name] = (start, (spec.length + 0xfff) & ~0xfff)
        return start
    }

    /// The byte range a step names.
    func resolve(_ ref: Workload.RangeRef, step: String) throws -> (start: UInt64, end: UInt64) {
        guard let m = named[ref.vma] else {
            throw ProcessError.syscall(process: name, call: step, "mapping '\(ref.vma)' has not been mapped yet (an mmap step of another thread that has not run?)")
        }
        let length = ref.length ?? (m.length > ref.offset ? m.length - ref.offset : 0)
        guard ref.offset < m.length, length > 0, ref.offset + length <= m.length else {
            throw ProcessError.syscall(process: name, call: step,
                                       "offset \(ref.offset) + length \(length) is outside mapping '\(ref.vma)' (\(m.length) bytes)")
        }
        return (m.start + ref.offset, m.start + ref.offset + length)
    }

    /// Frees one user page (munmap, exit): a page reclaim already took is gone; an anon one left a
    /// swap slot behind, which is freed now (`free_swap_and_cache`).
    func releasePage(vpn: UInt64, cpu: Int) {
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

    /// `exit_mmap` + `pgd_free`: every page and every table goes back. TLB entries of the mm are
    /// dropped by the caller (`MMUs.exit`).
    func exit(cpu: Int) {
        guard !exited else { return }
        for vpn in Array(pages.keys) { releasePage(vpn: vpn, cpu: cpu) }
        for _ in swappedOut { allocator.releaseSwapSlot() }
        swappedOut.removeAll()
        evictedFile.removeAll()
        fileBacked.removeAll()
        var source = PageTablePages(self, thread: nil)
        pageTable.tearDown(cpu: cpu, source: &source)
        exited = true
    }
}

/// A thread of a simulated process: bound to one CPU, with its task policy and its steps.
public final class ProcessThread: @unchecked Sendable {
    public let name: String
    public let cpu: Int
    public internal(set) var policy: MemPolicy
    var interleave: InterleaveState
    let steps: [Workload.ProcessStep]
    /// The step being run and how far its accesses got.
    var stepIndex = 0
    var touchDone = 0
    var touchPlan: TouchPlan?
    var rng: SplitMix64
    unowned let process: SimulatedProcess

    init(name: String, spec: Workload.ProcessThreadSpec, process: SimulatedProcess, seed: UInt64, maxNumNodes: Int) {
        self.name = name
        cpu = spec.cpu
        policy = spec.policy
        interleave = InterleaveState(maxNumNodes: maxNumNodes)
        steps = spec.steps
        rng = SplitMix64(seed: seed)
        self.process = process
    }

    public var isDone: Bool { stepIndex >= steps.count || process.killed || process.exited }
}

/// The addresses of one touch step: `count` accesses from `start` every `stride` bytes, ascending
/// or in a seeded permutation (an affine map `i → (a·i + c) mod count` with `a` coprime to
/// `count`: every address once per pass, no table of them kept).
struct TouchPlan {
    let start: UInt64
    let stride: UInt64
    let count: Int
    let passes: Int
    let write: Bool
    let multiplier: Int
    let increment: Int

    init(start: UInt64, end: UInt64, spec: Workload.TouchSpec, rng: inout SplitMix64) {
        self.start = start
        stride = spec.stride
        count = Int((end - start + spec.stride - 1) / spec.stride)
        passes = spec.passes
        write = spec.write
        if spec.random && count > 1 {
            var a = Int(rng.next() % UInt64(count - 1)) + 1
            while gcd(a, count) != 1 { a = a % (count - 1) + 1 }
            multiplier = a
            increment = Int(rng.next() % UInt64(count))
        } else {
            multiplier = 1
            increment = 0
        }
    }

    var total: Int { count * passes }

    func address(_ k: Int) -> UInt64 {
        let i = UInt64(k % count)
        let n = UInt64(count)
        // (a·i + c) mod n without overflow: a, i < n so the product's high word is below n.
        let product = n.dividingFullWidth(UInt64(multiplier).multipliedFullWidth(by: i)).remainder
        let j = product >= n - UInt64(increment) ? product - (n - UInt64(increment)) : product + UInt64(increment)
        return start + j * stride
    }
}

private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

/// What a process did, for reports and tests.
public struct ProcessStats: Sendable, Equatable {
    /// `pgfault`: every fault the handler resolved (minor and major).
    public var faults = 0
    /// `pgmajfault`: faults that had to read the page (swap-in, page-cache miss).
    public var majorFaults = 0
    /// Read faults of anonymous memory answered with the shared zero page.
    public var zeroPageFaults = 0
    /// Write faults on a zero-page PTE (`do_wp_page` copying the zero page).
    public var wpFaults = 0
    public var pagesAllocated = 0
    public var pagesFreed = 0
    public var tablePagesAllocated = 0
    public var tablePagesFreed = 0
    public var accesses = 0
    public var migrated = 0
    public var migrateFailed = 0
    /// Reclaimed pages noticed at their next access (the process's share of refaults).
    public var refaults = 0
    /// Failed allocations by "GFP order N: reason".
    public var failures: [String: Int] = [:]
}

/// Why a process step could not run: a workload mistake (a touch outside every mapping is a
/// SIGSEGV) or a refused system call. Reported with the process and step.
public enum ProcessError: Error, CustomStringConvertible, Equatable {
    case segv(process: String, thread: String, address: UInt64, reason: String)
    case syscall(process: String, call: String, String)
    case outOfMemory(process: String, what: String)

    public var description: String {
        switch self {
        case let .segv(p, t, a, reason):
            return "process '\(p)' \(t): SIGSEGV at \(hex64(a)): \(reason)"
        case let .syscall(p, call, msg):
            return "process '\(p)': \(call): \(msg)"
        case let .outOfMemory(p, what):
            return "process '\(p)': out of memory for \(what)"
        }
    }
}
