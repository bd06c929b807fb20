import Synchronization

/// What the engine's OOM killer did for `out_of_memory` (mm/oom_kill.c): the engine knows the
/// tasks, the allocator only asks.
public enum OOMKillResult: Sendable, Equatable {
    /// `oom_kill_process`: a victim was chosen and killed; the allocation retries.
    case killed
    /// The victim is the asking task itself (`task_is_dying()` from now on).
    case killedCurrent
    /// No new victim, but an earlier one (possibly the asker itself) still holds memory it is
    /// about to free (`task_will_free_mem`, a victim in flight: `oom_evaluate_task` aborts the
    /// scan). The allocation fails without a panic, as before the victim exits.
    case victimExiting
    /// `select_bad_process` chose nothing, and no victim is on its way out.
    case nothingKillable
}

/// The kernel stopped: `out_of_memory` found no process to kill for a system-wide allocation
/// (6.1 mm/oom_kill.c, `out_of_memory`: `pr_warn("Out of memory and no killable processes...")`,
/// then, as the allocation is neither a sysrq nor a memcg OOM, `panic("System is deadlocked on
/// memory\n")` — without it the allocator would loop for ever). numasim stops the run there.
public struct OutOfMemoryPanic: Sendable, Equatable, CustomStringConvertible {
    /// The CPU whose allocation invoked the OOM killer, its order and GFP mask.
    public var cpu: Int
    public var order: Int
    public var gfp: GFP

    /// The two kernel lines, and the allocation that led to them.
    public var description: String {
        "Out of memory and no killable processes... Kernel panic - not syncing: System is deadlocked on memory "
            + "(order-\(order) \(gfp) allocation on CPU \(cpu); mm/oom_kill.c out_of_memory)"
    }
}

/// The panic, once it happened: set by whichever CPU's allocation hit it (the first one wins),
/// polled by the engines after every step.
public final class PanicState: Sendable {
    private let happened = Atomic<Bool>(false)
    private let first = Mutex<OutOfMemoryPanic?>(nil)

    public init() {}

    /// Whether the machine panicked (cheap: the engines ask after every operation).
    @inline(__always) public var hasPanicked: Bool { happened.load(ordering: .acquiring) }

    public var panic: OutOfMemoryPanic? { first.withLock { $0 } }

    func record(_ p: OutOfMemoryPanic) {
        first.withLock { if $0 == nil { $0 = p } }
        happened.store(true, ordering: .releasing)
    }
}

extension PageAllocator {
    /// `out_of_memory` for a system-wide allocation (no memcg, not sysrq): asks the engine's
    /// OOM killer (`select_bad_process`, `oom_kill_process`); when it finds nothing to kill and
    /// no victim is exiting, the kernel panics ("System is deadlocked on memory"), recorded in
    /// `panicState`. Returns whether the allocation may retry (something was killed).
    func outOfMemory(_ ac: AllocContext, killer: @Sendable (OOMControl) -> OOMKillResult) -> Bool {
        switch killer(oomControl(ac)) {
        case .killed, .killedCurrent:
            vmEvents.add(.oomKill, row: slot(ofCPU: ac.cpu))
            return true
        case .victimExiting:
            return false
        case .nothingKillable:
            panicState.record(OutOfMemoryPanic(cpu: ac.cpu, order: ac.order, gfp: ac.gfp))
            return false
        }
    }

    /// The machine panicked (`panicState`): every engine stops its run at the next step.
    @inline(__always) public var hasPanicked: Bool { panicState.hasPanicked }
}
