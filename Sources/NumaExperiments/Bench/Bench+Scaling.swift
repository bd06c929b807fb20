import Foundation
import NumaCore

/// The scaling case: alloc+free pairs on one host thread, then on two host threads each owning
/// one CPU of a different node (only that CPU's pageset is touched by its thread, as the
/// kernel's pcp lists are per CPU).
extension Bench {
    /// Pairs/s with one host thread, then two, each thread owning one CPU on its own node.
    func scaling() throws -> [BenchResult] {
        let m = machine
        var owners: [(cpu: Int, node: Int)] = []
        for id in m.nodeIDs where m.hasMemory(id) {
            if let c = m.cpus(ofNode: id).members.first { owners.append((c, id)) }
            if owners.count == 2 { break }
        }
        guard owners.count == 2 else {
            return [BenchResult(name: "scaling", note: "skipped: needs two nodes with both CPUs and memory")]
        }
        let one = try threadedPairsPerSecond(owners: Array(owners.prefix(1)))
        let two = try threadedPairsPerSecond(owners: owners)
        return [
            BenchResult(name: "scaling: 1 thread (CPU \(owners[0].cpu), node \(owners[0].node)), order-0 alloc+free",
                        threads: 1, pairsPerSecond: one),
            BenchResult(name: "scaling: 2 threads (CPU \(owners[0].cpu) node \(owners[0].node), CPU \(owners[1].cpu) node \(owners[1].node)), order-0 alloc+free",
                        threads: 2, pairsPerSecond: two, speedup: two / one),
        ]
    }

    /// Each owner's thread does `pairs` pairs on its CPU and node; the clock runs from the
    /// common start to the last thread's end. Best of `runs`.
    func threadedPairsPerSecond(owners: [(cpu: Int, node: Int)]) throws -> Double {
        var best = 0.0
        let pairs = self.pairs
        for _ in 0..<runs {
            let a = PageAllocator(machine: machine)
            let ready = DispatchSemaphore(value: 0), go = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
            let failed = FailureFlag()
            for o in owners {
                let thread = Thread {
                    ready.signal()
                    go.wait()
                    for _ in 0..<pairs {
                        guard case .success(let b) = a.allocPages(gfp: .kernel, order: 0, preferredNode: o.node, cpu: o.cpu) else {
                            failed.set()
                            break
                        }
                        a.freePages(b, cpu: o.cpu)
                    }
                    done.signal()
                }
                thread.start()
            }
            for _ in owners { ready.wait() }
            let clock = ContinuousClock()
            let start = clock.now
            for _ in owners { go.signal() }
            for _ in owners { done.wait() }
            let seconds = Self.nanoseconds(clock.now - start) / 1e9
            if failed.isSet { throw BenchError("scaling case: an allocation failed") }
            best = max(best, Double(pairs * owners.count) / seconds)
        }
        return best
    }
}

/// Set by any thread, read after they have all finished.
final class FailureFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}
