import Foundation
import NumaCore
import NumaEngine
import NumaTopology
import NumaWorkload

/// What every input must satisfy (issue 19, "Keep it fuzzed"): no trap; an error names the input
/// file and a line or key; an accepted machine boots or is refused with such an error, and keeps
/// the allocator's invariants through a short stress run. A violation is a `fatalError`, which
/// libFuzzer reports as a crash with the input that caused it.
enum Oracle {
    /// Machines up to this many present pages get a stress run (`FUZZ_STRESS_MAX_PAGES`)…
    static let maxStressPages = Int(ProcessInfo.processInfo.environment["FUZZ_STRESS_MAX_PAGES"] ?? "") ?? (1 << 20)
    /// …those above `alwaysStressPages` (a run costs ~60 ms at 2^19 pages under ASan) only for
    /// one input in `FUZZ_STRESS_EVERY`, chosen by the input's hash so a reproducer reproduces.
    static let alwaysStressPages = 1 << 16
    static let stressEvery = max(1, Int(ProcessInfo.processInfo.environment["FUZZ_STRESS_EVERY"] ?? "") ?? 16)
    /// FNV-1a of the input being run (set by `fuzzOne`).
    nonisolated(unsafe) static var inputHash: UInt64 = 0

    static func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
    /// Workloads up to this many operations (pages × touches, process touches) are run.
    static let maxWorkloadOps = Int(ProcessInfo.processInfo.environment["FUZZ_WORKLOAD_MAX_OPS"] ?? "") ?? 40_000

    /// Runs `body`; an error must be an `InputError` naming `file` and a line or a key — or, for
    /// a directory (`tree`), naming it or a file in it (a file of a sysfs tree is itself the place);
    /// a file with nothing in it ("the file is empty") has no line to name.
    static func expectLabelled(file: String, tree: Bool = false, _ body: () throws -> Void) {
        do {
            try body()
        } catch let e as InputError {
            let inTree = e.file.hasPrefix(file + "/")
            guard e.file == file || inTree else { fatalError("the error names '\(e.file)', not the input '\(file)': \(e)") }
            guard tree || e.message.hasPrefix("the file is empty") || e.line != nil || e.key != nil else { fatalError("the error names no line or key: \(e)") }
        } catch {
            fatalError("an error that is not an InputError (no file, line or key): \(type(of: error)): \(error)")
        }
    }

    /// Boots `t` as `topology import` and `stress` do, labelling a boot problem as they do;
    /// a small machine then runs a short stress.
    static func bootAndStress(_ t: Topology, file: String, zoneinfoLines: ZoneinfoLines? = nil, pagetypeinfo: String? = nil) throws {
        let machine: BootedMachine
        do {
            machine = try BootedMachine(topology: t)
        } catch {
            // As `topology import` labels it.
            throw InputError(importProblem: error, in: t, source: file, zoneinfoLines: zoneinfoLines, pagetypeinfo: pagetypeinfo)
        }
        try InputError.labelling(file: file) { try PageAllocator.checkLimits(machine) }
        let pages = machine.allZones.reduce(0) { $0 + $1.present }
        guard pages <= maxStressPages, pages <= alwaysStressPages || inputHash % UInt64(stressEvery) == 0, let cpu = t.nodes.lazy.flatMap(\.cpus.members).first else { return }
        let yaml = """
            threads:
              - cpus: \(cpu)
                policy: interleave:all
                order: {0: 90, 3: 10}
                allocate: \(min(4096, pages + pages / 4))
                free: random
                live: \(min(2048, pages / 2 + 1))
            """
        let w: Workload
        do { w = try Workload.parse(yaml, file: "fuzz-stress.yaml", topology: t) } catch {
            fatalError("the fixed stress workload does not parse on an accepted machine: \(error)")
        }
        try stress(machine, workload: w, workloadFile: file, workloadText: yaml)
    }

    /// Runs `w` on `machine` with the deterministic engine (as `stress` does) when it is small,
    /// and traps on any invariant violation.
    static func stress(_ machine: BootedMachine, workload w: Workload, workloadFile: String, workloadText: String) throws {
        guard operations(w) <= maxWorkloadOps else { return }
        let result: StressResult
        do {
            result = try DeterministicStress.run(machine: machine, workload: w, seed: 1)
        } catch let problem as WorkloadRunError {
            throw InputError(file: workloadFile, text: workloadText, problem)
        }
        let violations = result.phaseInvariants.flatMap { $0.flatMap(\.violations) }
            + result.allocator.checkInvariants().flatMap(\.violations)
        if !violations.isEmpty { fatalError("invariants broken after stress: \(violations.prefix(5))") }
    }

    /// An upper bound on the operations of a workload's run and process phases.
    static func operations(_ w: Workload) -> Int {
        var ops = 0
        for phase in w.phases {
            switch phase {
            case .run(let specs):
                for s in specs {
                    let allocations = min(s.allocatePages, s.opsLimit ?? .max)
                    let (touched, o1) = allocations.multipliedReportingOverflow(by: s.touches + 1)
                    ops = o1 ? .max : ops.addingReportingOverflow(touched).partialValue
                    if s.duration != nil || ops < 0 { return .max }
                }
            case .processes(let p):
                for proc in p.processes {
                    // The longest mapping, made at start or by a step (a touch without a length covers it).
                    let stepMaps = proc.threads.flatMap(\.steps).compactMap { step -> UInt64? in
                        if case .mmap(let m) = step { return m.length } else { return nil }
                    }
                    let longest = Int(clamping: (proc.mmaps.map(\.length) + stepMaps).max() ?? 0) / 4096
                    for thread in proc.threads {
                        for step in thread.steps {
                            switch step {
                            case .touch(let t):
                                let len = Int(clamping: t.range.length ?? UInt64(longest) * 4096)
                                let (n, o) = (len / max(1, Int(clamping: t.stride)) + 1).multipliedReportingOverflow(by: max(1, t.passes))
                                ops = o ? .max : ops.addingReportingOverflow(n).partialValue
                            default:
                                ops = ops.addingReportingOverflow(longest + 1).partialValue
                            }
                            if ops < 0 { return .max }
                        }
                    }
                }
            case .sysctl, .hotplug, .hugepages, .cgroup, .compactMemory:
                ops += 1
            }
        }
        return ops
    }
}
