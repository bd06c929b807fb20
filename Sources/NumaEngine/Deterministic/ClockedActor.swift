import NumaCore
import NumaWorkload

/// What the discrete-event scheduler steps (docs/time.md): a simulated thread with its own
/// clock, one operation at a time, each on one CPU — a run phase's `SimulatedTask` or a
/// `processes:` phase's `ThreadProgram`.
protocol ClockedActor: AnyObject {
    /// The end of its last operation, in simulated ns.
    var clockNs: Int { get set }
    var isDone: Bool { get }
    /// The CPU its next operation runs on.
    var nextCPU: Int { get }
    /// One operation, advancing `clockNs` by what it cost.
    func advance(_ a: PageAllocator)
}

extension SimulatedTask: ClockedActor {
    @inline(__always) func advance(_ a: PageAllocator) { step(a) }
}
