import NumaWorkload

/// Where a workload phase began on the run's timeline (simulated time and operations so far):
/// the HTML report draws a mark there on every timeline chart.
public struct PhaseMark: Sendable, Codable, Equatable {
    /// The phase's index in `phases:` (0-based).
    public var index: Int
    /// `run`, `processes`, `sysctl`, `hotplug`, … (the workload phase's kind).
    public var kind: String
    public var ms: Double
    public var ops: Int

    public init(index: Int, kind: String, ms: Double, ops: Int) {
        self.index = index; self.kind = kind; self.ms = ms; self.ops = ops
    }

    /// `phase 2: processes`, as charts label it (1-based, as people count).
    public var label: String { "phase \(index + 1): \(kind)" }
}

extension StressObserver {
    /// Phase `index` of `count` begins at `ms` simulated milliseconds. Recorded in the timeline
    /// only for workloads of two or more phases (one phase needs no mark).
    func markPhase(_ index: Int, _ phase: Workload.Phase, count: Int, ms: Double) {
        guard count > 1 else { return }
        // The case name of the phase (`run(…)` → `run`), so new kinds need no change here.
        let kind = Mirror(reflecting: phase).children.first?.label ?? String(describing: phase)
        let ops = earlier.ops
        var marks = timeline.phases ?? []
        marks.append(PhaseMark(index: index, kind: kind == "run" ? "threads" : kind, ms: ms, ops: ops))
        setPhases(marks)
    }
}
