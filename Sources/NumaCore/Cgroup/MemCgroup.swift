import Synchronization

/// `struct mem_cgroup` (mm/memcontrol.c, Linux 6.1) of one cgroup: the `memory` page counter
/// (`memory.current`, its `watermark` as `memory.peak`, and the limits `max`, `high`, `low`,
/// `min`), `memory.events`, and the per-node anon/file pages `memory.numa_stat` prints.
///
/// Counters are atomics: tasks on several host threads charge at once.
public final class MemCgroup: @unchecked Sendable {
    public let name: String
    /// Index in `PageAllocator.memcgs` (the tag its pages carry); 0 is the root.
    public private(set) var index = 0
    /// `memory.numa_stat` by node index: `[node × 4 + MemcgTag.Kind]` pages (anon, file,
    /// pagetables; kernel without a line). Under `statLock`.
    private let statLock = SpinLock()
    @exclusivity(unchecked) private var numaStat: [Int] = []
    /// `memory.current` in pages (`page_counter_read(&memcg->memory)`).
    let usage = Atomic<Int>(0)
    /// `memory.peak` (`memcg->memory.watermark`).
    let watermark = Atomic<Int>(0)
    /// Limits in pages; Int.max is `max`.
    public private(set) var max = Int.max
    public private(set) var high = Int.max
    public private(set) var low = 0
    public private(set) var min = 0

    /// `enum memcg_memory_event`: MEMCG_LOW, MEMCG_HIGH, MEMCG_MAX, MEMCG_OOM, MEMCG_OOM_KILL,
    /// MEMCG_OOM_GROUP_KILL, MEMCG_SWAP_*: the ones `memory.events` prints, in its order.
    public enum Event: Int, CaseIterable, Sendable {
        case low, high, max, oom, oomKill, oomGroupKill
        /// The key `memory.events` prints.
        public var key: String { ["low", "high", "max", "oom", "oom_kill", "oom_group_kill"][rawValue] }
    }
    /// Under `eventLock` (events are rare: a limit hit, an OOM).
    private let eventLock = SpinLock()
    @exclusivity(unchecked) private var eventCounts = [Int](repeating: 0, count: Event.allCases.count)

    init(name: String) { self.name = name }

    /// Numbered and sized for the machine (`PageAllocator.enableMemcg`).
    func attach(index i: Int, nodes: Int) {
        index = i
        statLock.withLock { numaStat = [Int](repeating: 0, count: nodes * 4) }
    }

    /// A charged page of `kind` on node index `n` came (`pages` > 0) or went.
    func account(node n: Int, _ kind: MemcgTag.Kind, _ pages: Int) {
        statLock.withLock { numaStat[n << 2 | Int(kind.rawValue)] += pages }
    }

    /// `memory.numa_stat`'s `anon`, `file` and `pagetables` on node index `n`, in pages.
    public func numaStat(nodeIndex n: Int) -> (anon: Int, file: Int, pagetables: Int) {
        statLock.withLock {
            guard numaStat.count > n << 2 | 3 else { return (0, 0, 0) }
            return (numaStat[n << 2 | 1], numaStat[n << 2 | 2], numaStat[n << 2 | 3])
        }
    }

    func apply(_ s: CgroupSettings) {
        max = s.memoryMax ?? Int.max
        high = s.memoryHigh ?? Int.max
        low = s.memoryLow
        min = s.memoryMin
    }

    public var current: Int { usage.load(ordering: .relaxed) }
    public var peak: Int { watermark.load(ordering: .relaxed) }

    /// `memcg_memory_event(memcg, event)`.
    public func count(_ e: Event, _ n: Int = 1) { eventLock.withLock { eventCounts[e.rawValue] += n } }
    public func events(_ e: Event) -> Int { eventLock.withLock { eventCounts[e.rawValue] } }

    /// Jiffies its tasks slept for `memory.high` (`mem_cgroup_handle_over_high`'s penalties), and how often.
    @exclusivity(unchecked) private var throttle = (jiffies: 0, count: 0)
    func addHighThrottle(jiffies: Int) { eventLock.withLock { throttle.jiffies += jiffies; throttle.count += 1 } }
    public var highThrottle: (jiffies: Int, count: Int) { eventLock.withLock { throttle } }

    /// `page_counter_try_charge`: charges `pages` unless that would take `memory.current` above
    /// `memory.max`; the watermark follows the usage.
    func tryCharge(_ pages: Int) -> Bool {
        var old = usage.load(ordering: .relaxed)
        while true {
            let new = old + pages
            if new > max { return false }
            let (done, seen) = usage.weakCompareExchange(expected: old, desired: new, ordering: .relaxed)
            if done {
                raiseWatermark(new)
                return true
            }
            old = seen
        }
    }

    /// `page_counter_charge`: charges without looking at the limit (`__GFP_NOFAIL`, `force:`).
    func forceCharge(_ pages: Int) {
        raiseWatermark(usage.wrappingAdd(pages, ordering: .relaxed).newValue)
    }

    /// `page_counter_uncharge`.
    func uncharge(_ pages: Int) { usage.wrappingSubtract(pages, ordering: .relaxed) }

    private func raiseWatermark(_ v: Int) {
        var w = watermark.load(ordering: .relaxed)
        while v > w {
            let (done, seen) = watermark.weakCompareExchange(expected: w, desired: v, ordering: .relaxed)
            if done { return }
            w = seen
        }
    }

    /// `mem_cgroup_margin`: pages that may still be charged below `memory.max`.
    public var margin: Int { max == Int.max ? Int.max : Swift.max(0, max - current) }
}
