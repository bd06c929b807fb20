import XCTest
import NumaTestSupport
import NumaCore
import NumaTopology
@testable import NumaWorkload

/// `cgroups:`, `cgroup: NAME`, `oom_score_adj:` and `cgroup:` steps (issue 17): what they read
/// and the errors, each with the file, line and key.
final class CgroupWorkloadTests: XCTestCase {
    func topology() throws -> Topology { try TopologyFile.parse(TestTopologies.three256, file: "t.yaml") }

    func testGroupsAndReferencesAreRead() throws {
        let w = try Workload.parse("""
            cgroups:
              - {name: db, memory.max: 64MiB, memory.high: max, memory.low: 8MiB, cpuset.mems: 1-2, cpuset.cpus: 2-3}
            phases:
              - threads: [{cpus: 2, cgroup: db, allocate: 1MiB, oom_score_adj: -500}]
              - cgroup: {name: db, memory.max: 1G, cpuset.mems: 2}
              - processes:
                  - {name: p, cgroup: db, oom_score_adj: 1000, mmap: [{name: h, size: 1MiB}], threads: [{cpu: 3, steps: [{touch: {vma: h}}]}]}
            """, file: "w.yaml", topology: try topology())
        // memory.max 64 MiB = 16384 pages; memory.low 8 MiB = 2048; `max` is none.
        XCTAssertEqual(w.cgroups, [.init(name: "db", settings: CgroupSettings(memoryMax: 16384, memoryHigh: nil, memoryLow: 2048,
                                                                              mems: [1, 2], cpus: [2, 3]))])
        XCTAssertEqual(w.threads[0].cgroup, "db")
        XCTAssertEqual(w.threads[0].oomScoreAdj, -500)
        guard case .cgroup(let name, let step) = w.phases[1] else { return XCTFail("\(w.phases[1])") }
        XCTAssertEqual(name, "db")
        // The step writes memory.max (1 GiB = 262144 pages) and cpuset.mems; the rest stays.
        let after = w.cgroups[0].settings.merged(with: step)
        XCTAssertEqual(after, CgroupSettings(memoryMax: 262144, memoryHigh: nil, memoryLow: 2048, mems: [2], cpus: [2, 3]))
        guard case .processes(let p) = w.phases[2] else { return XCTFail("\(w.phases[2])") }
        XCTAssertEqual(p.processes[0].cgroup, "db")
        XCTAssertEqual(p.processes[0].oomScoreAdj, 1000)
    }

    func testBadCgroupInputIsRefusedWithTheKey() throws {
        let t = try topology()
        let cases: [(String, Int, String, String)] = [
            ("threads: [{cpus: 0, cgroup: nope, allocate: 1}]\n", 1, "threads[0].cgroup", "declare it in a top-level 'cgroups:' list"),
            ("cgroups: [{name: a}]\nthreads: [{cpus: 0, cgroup: b, allocate: 1}]\n", 2, "threads[0].cgroup", "no cgroup 'b' in 'cgroups:' (declared: a)"),
            ("cgroups: [{name: a, cpuset.cpus: 2-3}]\nthreads: [{cpus: 0, cgroup: a, allocate: 1}]\n", 2, "threads[0].cgroup",
             "CPU 0 is not in cgroup 'a''s cpuset.cpus 2-3"),
            ("cgroups: [{name: a, cpuset.mems: 5}]\nthreads: [{cpus: 0, allocate: 1}]\n", 1, "cgroups[0].cpuset.mems",
             "node 5 is not a node with memory"),
            ("cgroups: [{name: a, memory.max: lots}]\nthreads: [{cpus: 0, allocate: 1}]\n", 1, "cgroups[0].memory.max", "got 'lots'"),
            ("cgroups: [{name: a}, {name: a}]\nthreads: [{cpus: 0, allocate: 1}]\n", 1, "cgroups[1].name", "already declared"),
            ("cgroups: [{name: a, memory.maximum: 1G}]\nthreads: [{cpus: 0, allocate: 1}]\n", 1, "cgroups[0].memory.maximum", "expected one of cpuset.cpus, cpuset.mems, memory.high, memory.low, memory.max"),
            ("threads: [{cpus: 0, allocate: 1, oom_score_adj: 1001}]\n", 1, "threads[0].oom_score_adj", "1001"),
            ("cgroups: [{name: a}]\nphases:\n  - threads: [{cpus: 0, allocate: 1}]\n  - cgroup: {name: z, memory.max: 1G}\n", 4,
             "phases[1].cgroup.name", "no cgroup 'z'"),
            ("cgroups: [{name: a}]\nphases:\n  - threads: [{cpus: 0, allocate: 1}]\n  - cgroup: {name: a}\n", 4,
             "phases[1].cgroup", "expected at least one of memory.max"),
        ]
        for (text, line, key, message) in cases {
            assertInputError({ try Workload.parse(text, file: "c.yaml", topology: t) }, file: "c.yaml", line: line, key: key, contains: message)
        }
    }
}
