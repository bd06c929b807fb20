import NumaCore
import NumaEngine
import NumaWorkload

extension StressRun {
    /// What the invariant check of a run covers (`invariants.checked` of `stress --json`).
    public static let invariantsChecked = "after every phase and at the end: every page of every zone in exactly one place (buddy list, pcp list, allocated, reserved); list links; nr_free per order and the non-empty masks; NR_FREE_PAGES; pcp counts; LRU members allocated with matching state; free + pcp + allocated = managed"

    /// Runs `workload` on `machine` and checks the invariants — what `numasim stress` does, for
    /// programs that embed numasim (docs/embedding.md).
    ///
    /// - Parameters:
    ///   - machine: a booted machine (`BootedMachine(topology:)`); it is not changed, the run
    ///     builds its own allocator over it.
    ///   - workload: the phases to run (`Workload.load(path:topology:)` or `Workload.parse`).
    ///   - seed: the seed of order distributions and random frees. With the deterministic
    ///     engine the same machine, workload and seed give the same result, to the byte.
    ///   - threads: nil for the deterministic engine (a discrete-event simulation on the
    ///     simulated clock); N for the concurrent engine on N host threads (not reproducible).
    ///   - observer: timeline sampling, latency recording, a live status callback; the default
    ///     samples every 1000 operations.
    ///   - progress: called with (pages done, pages planned) as the run goes.
    /// - Returns: the run, ready for `StressReport(_:)`, `StressTextReport` or
    ///   `HTMLReport.render`. Invariant violations are in `violations` (not thrown).
    /// - Throws: `WorkloadRunError` when the engine cannot run a phase (e.g. `processes:` with
    ///   `threads`), and what the phases throw (a sysctl step out of range).
    public static func run(machine: BootedMachine, workload: Workload, seed: UInt64 = 1, threads: Int? = nil,
                           observer: StressObserver = StressObserver(),
                           progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> StressRun {
        let result = try threads.map {
            try ConcurrentStress.run(machine: machine, workload: workload, threads: $0, seed: seed, progress: progress, observer: observer)
        } ?? DeterministicStress.run(machine: machine, workload: workload, seed: seed, progress: progress, observer: observer)
        let violations = result.phaseInvariants.flatMap { $0.flatMap(\.violations) }
            + result.allocator.checkInvariants().flatMap(\.violations)
        return StressRun(engine: threads == nil ? "deterministic" : "concurrent", seed: seed, result: result,
                         violations: violations, timeline: observer.timeline, checked: invariantsChecked)
    }
}
