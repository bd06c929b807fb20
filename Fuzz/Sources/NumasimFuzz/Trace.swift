import Foundation
import NumaCore
import NumaEngine
import NumaTopology
import NumaWorkload

/// The `trace` target: `KernelTrace.parse` (perf script / ftrace text of 6.1's
/// kmem:mm_page_alloc and kmem:mm_page_free), as `stress --trace` reads it; an accepted trace of
/// at most `Oracle.maxWorkloadOps` events is replayed on the workloads' small 2-node machine on
/// the deterministic engine, where every event must be replayed or skipped with a reason and the
/// allocator's invariants must hold.
enum TraceFuzz {
    static func run(_ text: String, file: String) {
        Oracle.expectLabelled(file: file) {
            let trace = try KernelTrace.parse(text, file: file)
            guard trace.events.count <= Oracle.maxWorkloadOps else { return }
            let machine = Base.workloadBooted
            let result = try DeterministicStress.run(machine: machine, workload: Workload(trace: trace, topology: machine.topology), seed: 1)
            guard let s = result.tasks.first?.traceStats else { fatalError("a trace replay left no trace statistics") }
            if s.events != s.replayed + s.skippedTotal {
                fatalError("trace: \(s.events) events but \(s.replayed) replayed + \(s.skippedTotal) skipped")
            }
            if s.compared > 0, s.sameZone > s.sameNode || s.sameNode > s.compared {
                fatalError("trace: same zone \(s.sameZone) > same node \(s.sameNode) or > compared \(s.compared)")
            }
            let violations = result.allocator.checkInvariants().flatMap(\.violations)
            if !violations.isEmpty { fatalError("invariants broken after a trace replay: \(violations.prefix(5))") }
        }
    }
}
