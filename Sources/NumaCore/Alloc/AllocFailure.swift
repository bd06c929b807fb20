/// Why the slow path gave up (a trivial enum, so that `Result<AllocatedBlock, AllocFailure>`
/// costs no reference counting on the fast path).
public enum FailureReason: Sendable, Equatable, CustomStringConvertible {
    /// Below min everywhere and the caller may not reclaim (GFP_ATOMIC, GFP_NOWAIT).
    case cannotReclaim
    /// Below min everywhere, and direct reclaim found nothing to reclaim.
    case nothingReclaimable
    /// Direct reclaim freed pages but other CPUs took them before the retry; retries exhausted.
    case retriesExhausted
    /// __GFP_NORETRY: one reclaim attempt, then give up.
    case noRetry
    /// `out_of_memory` found nothing to kill: the kernel panics (PageAllocator+OutOfMemory.swift).
    case outOfMemoryPanic

    public var description: String {
        switch self {
        case .cannotReclaim: return "every eligible zone is below its min watermark and the caller cannot reclaim"
        case .nothingReclaimable: return "every eligible zone is below its min watermark and nothing can be reclaimed"
        case .retriesExhausted: return "reclaim made progress but the retries ran out before a watermark held"
        case .noRetry: return "__GFP_NORETRY: gave up after one reclaim attempt"
        case .outOfMemoryPanic: return "out of memory and no killable processes (kernel panic)"
        }
    }
}

/// Why an allocation failed (reported, never a crash).
public enum AllocFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidOrder(Int)
    case invalidGFP(GFP)
    case noEligibleZone
    case noMemory(order: Int, gfp: GFP, reason: FailureReason)

    public var description: String {
        switch self {
        case .invalidOrder(let o): return "order \(o) is not below MAX_ORDER (11)"
        case .invalidGFP(let g): return "invalid GFP zone combination \(g)"
        case .noEligibleZone: return "no zone of the zonelist is allowed by the GFP zone and nodemask"
        case .noMemory(let order, let gfp, let reason): return "page allocation failure: order:\(order), mode:\(gfp): \(reason)"
        }
    }
}
