import NumaCore
import NumaTopology

/// A kernel page-allocation trace: the `kmem:mm_page_alloc` and `kmem:mm_page_free` events of
/// Linux 6.1 (include/trace/events/kmem.h) as `perf script` prints them, or as ftrace's `trace`
/// and `trace_pipe` files do, in the order they were recorded. What `numasim stress --trace`
/// replays (`Workload(trace:topology:)`, `TraceReplay`). Reading: `KernelTrace+Parse.swift`.
///
/// The tracepoints' `TP_printk` formats in 6.1:
///
/// ```
/// mm_page_alloc: page=%p pfn=0x%lx order=%d migratetype=%d gfp_flags=%s
/// mm_page_free:  page=%p pfn=0x%lx order=%d
/// ```
///
/// `gfp_flags` is `show_gfp_flags` (include/trace/events/mmflags.h): names joined by `|`,
/// leftover bits in hex, `none` for no bits. A failed allocation prints `pfn=0x0` (its page is
/// NULL: 6.1 records pfn -1UL and prints 0).
public struct KernelTrace: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case alloc, free }

    public struct Event: Sendable, Equatable {
        /// The line of the trace file it was read from (1-based).
        public var line: Int
        public var kind: Kind
        /// The CPU that recorded it (`[001]`).
        public var cpu: Int
        /// The first page frame of the block; 0 for an allocation that failed.
        public var pfn: Int
        public var order: Int
        /// `mm_page_alloc` only: the GFP mask as numasim models it, and the event's migratetype.
        public var gfp: GFP
        public var migratetype: Int

        public init(line: Int, kind: Kind, cpu: Int, pfn: Int, order: Int, gfp: GFP = [], migratetype: Int = 0) {
            self.line = line; self.kind = kind; self.cpu = cpu; self.pfn = pfn; self.order = order
            self.gfp = gfp; self.migratetype = migratetype
        }

        /// The kernel's allocation failed (`page` NULL: `pfn=0x0`).
        public var kernelFailed: Bool { kind == .alloc && pfn == 0 }
    }

    /// The file as errors and reports name it (`-`: standard input).
    public var file: String
    public var events: [Event]
    /// Lines of other tracepoints in the file (`kmem:kmalloc`, …), by name: counted as events
    /// and skipped.
    public var otherTracepoints: [String: Int] = [:]
    /// `gfp_flags` names (or hex leftovers) numasim accepts without modelling their bits, with
    /// how often they were seen: KASAN's tag bits, names of later kernels.
    public var gfpNotModelled: [String: Int] = [:]

    public init(file: String, events: [Event], otherTracepoints: [String: Int] = [:], gfpNotModelled: [String: Int] = [:]) {
        self.file = file; self.events = events; self.otherTracepoints = otherTracepoints; self.gfpNotModelled = gfpNotModelled
    }

    /// Every event line read, of the two tracepoints and of others.
    public var eventCount: Int { events.count + otherTracepoints.values.reduce(0, +) }

    /// Names later kernels print that 6.1 does not (include/trace/events/mmflags.h after 6.1):
    /// accepted, recorded, not modelled. `__GFP_NO_OBJ_EXT` (6.10), `__GFP_NOLOCKDEP`.
    public static let laterKernelGFPNames: Set<String> = ["__GFP_NO_OBJ_EXT", "__GFP_NOLOCKDEP"]

    /// MAX_ORDER - 1 of 6.1 (x86): the largest order the buddy allocator hands out.
    public static let maxOrder = 10
}
