import Dispatch

/// A `SerialExecutor` that runs an actor's jobs on one serial `DispatchQueue`.
///
/// Swift 6.3 on Linux has no `DispatchSerialQueue` conforming to `SerialExecutor`, so a node
/// actor that must run "on the node's own serial Dispatch queue" needs this small adapter:
/// every job is enqueued onto the queue, and isolation is checked with `dispatchPrecondition`.
/// A hop onto such an executor and back costs ~18 µs (a thread wake-up), so only coarse work —
/// kswapd coordination, statistics snapshots, sysctl and hotplug steps — runs here, never
/// per-page work (docs/concurrency.md).
public final class DispatchQueueExecutor: SerialExecutor, @unchecked Sendable {
    public let queue: DispatchQueue

    public init(label: String) {
        queue = DispatchQueue(label: label)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { unowned.runSynchronously(on: executor) }
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    public func checkIsolated() {
        dispatchPrecondition(condition: .onQueue(queue))
    }
}
