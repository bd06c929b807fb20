import XCTest
import NumaTestSupport
import NumaCore
import NumaTopology
@testable import NumaWorkload

/// Workload inputs that once trapped are refused with the file, line and key.
final class WorkloadRobustnessTests: XCTestCase {
    func topology() throws -> Topology { try TopologyFile.parse(TestTopologies.three256, file: "t.yaml") }

    /// `order: {}` left pickOrder a total weight of 0 to divide by.
    func testEmptyOrderMapIsRefused() throws {
        let t = try topology()
        let text = """
            threads:
              - cpus: "0"
                allocate: 1MiB
                order: {}
            """
        assertInputError({ try Workload.parse(text, file: "empty-order.yaml", topology: t) },
                         file: "empty-order.yaml", line: 4, key: "threads[0].order", contains: "got an empty map")
    }

    func testZeroWeightIsRefused() throws {
        let t = try topology()
        let text = """
            threads:
              - {cpus: "0", allocate: 1MiB, order: {0: 0}}
            """
        assertInputError({ try Workload.parse(text, file: "zero.yaml", topology: t) },
                         file: "zero.yaml", line: 2, key: "threads[0].order.0", contains: "expected an integer in 1...")
    }

    /// A spec built in code with no weight draws order 0 instead of dividing by zero.
    func testPickOrderWithoutWeightDoesNotTrap() {
        var rng = SplitMix64(seed: 1)
        XCTAssertEqual(SimulatedTask.pickOrder([(order: 3, weight: 0), (order: 5, weight: 0)], &rng), 3)
        XCTAssertEqual(SimulatedTask.pickOrder([], &rng), 0)
    }

    /// A duplicate key in a workload is reported at the duplicate.
    func testDuplicateKeyIsReportedAtTheDuplicate() throws {
        let t = try topology()
        let text = """
            threads:
              - cpus: "0"
                allocate: 1MiB
                allocate: 2MiB
            """
        assertInputError({ try Workload.parse(text, file: "dup.yaml", topology: t) },
                         file: "dup.yaml", line: 4, key: "allocate", contains: "duplicate key (first at line 3)")
    }

    /// A control character (found by the workload fuzz target) names its line and column.
    func testControlCharacterNamesItsLine() throws {
        let t = try topology()
        let text = "threads:\n  - cpus: \"0\"\n    allocate: 1\u{7}MiB\n"
        let e = assertInputError({ try Workload.parse(text, file: "ctl.yaml", topology: t) },
                                 file: "ctl.yaml", line: 3, contains: "control characters are not allowed")
        XCTAssertEqual(e?.column, 16)
    }

    /// `policy` with no value (the workload fuzz target's `{cpus: 3, policy}`) indexed an empty
    /// split: refused as an unknown policy, with the line and key.
    func testPolicyWithoutValueIsRefused() throws {
        let t = try topology()
        for text in ["threads:\n  - {cpus: 0, allocate: 1}\n  - {cpus: 1, policy}\n",
                     "threads:\n  - {cpus: 0, allocate: 1}\n  - {cpus: 1, allocate: 1, policy: \"\"}\n"] {
            assertInputError({ try Workload.parse(text, file: "p.yaml", topology: t) }, file: "p.yaml", line: 3,
                             key: "threads[1].policy", contains: "got ''")
        }
        let process = """
            phases:
              - processes:
                  - name: a
                    mmap: [{name: heap, size: 1MiB}]
                    threads:
                      - {cpu: 0, policy: "", steps: [{touch: {vma: heap}}]}
            """
        assertInputError({ try Workload.parse(process, file: "p.yaml", topology: t) }, file: "p.yaml", line: 6, contains: "got ''")
    }

    /// The documented list form of lowmem_reserve_ratio in a sysctl step, as the topology
    /// file's `sysctl:` takes it.
    func testSysctlStepAcceptsLowmemReserveRatioList() throws {
        let t = try topology()
        let text = """
            phases:
              - sysctl: {lowmem_reserve_ratio: [256, 256, 32, 0, 0]}
              - threads: [{cpus: "0", allocate: 1MiB}]
            """
        let w = try Workload.parse(text, file: "list.yaml", topology: t)
        guard case .sysctl(let assignments) = w.phases[0] else { return XCTFail("expected a sysctl phase") }
        var s = t.sysctl
        for a in assignments { try s.apply(assignment: a, arch: t.arch) }
        XCTAssertEqual(s.lowmemReserveRatio, [256, 256, 32, 0, 0])
        let short = """
            phases:
              - sysctl:
                  lowmem_reserve_ratio: [256, 32]
              - threads: [{cpus: "0", allocate: 1MiB}]
            """
        assertInputError({ try Workload.parse(short, file: "short.yaml", topology: t) },
                         file: "short.yaml", line: 3, key: "phases[0].sysctl.lowmem_reserve_ratio", contains: "expected 5 ratios")
        let nested = """
            phases:
              - sysctl:
                  lowmem_reserve_ratio: [256, [1], 32, 0, 0]
              - threads: [{cpus: "0", allocate: 1MiB}]
            """
        assertInputError({ try Workload.parse(nested, file: "nested.yaml", topology: t) },
                         file: "nested.yaml", line: 3, key: "phases[0].sysctl.lowmem_reserve_ratio[1]", contains: "expected a number")
    }
}

/// Tiering sysctls in workload `sysctl:` steps (docs/tiering.md).
final class TieringSysctlStepTests: XCTestCase {
    func testStepsTakeAndCheckTieringSysctls() throws {
        let t = try TopologyFile.parse(KernelSamples.nehalem, file: "t.yaml")
        let ok = """
            phases:
              - sysctl: {demotion_enabled: true, numa_balancing: 2}
              - threads: [{cpus: "0", allocate: 1MiB}]
            """
        let w = try Workload.parse(ok, file: "ok.yaml", topology: t)
        guard case .sysctl(let assignments) = w.phases[0] else { return XCTFail("expected a sysctl phase") }
        XCTAssertEqual(assignments, ["demotion_enabled=true", "numa_balancing=2"])
        let bad = """
            phases:
              - sysctl:
                  numa_balancing_scan_period_max_ms: -5
              - threads: [{cpus: "0", allocate: 1MiB}]
            """
        assertInputError({ try Workload.parse(bad, file: "bad.yaml", topology: t) }, file: "bad.yaml", line: 3,
                         key: "phases[0].sysctl.numa_balancing_scan_period_max_ms", contains: "expected an integer in 0...")
    }

    /// Issue 18: a thread group's `cpus:` as a YAML list is the same as the cpulist.
    func testCPUsAsAYAMLList() throws {
        let t = try TopologyFile.parse(TestTopologies.three256, file: "t.yaml")
        let list = try Workload.parse("threads:\n  - {cpus: [0, 1], allocate: 1MiB}\n", file: "l.yaml", topology: t)
        let text = try Workload.parse("threads:\n  - {cpus: \"0-1\", allocate: 1MiB}\n", file: "l.yaml", topology: t)
        XCTAssertEqual(list, text)
        XCTAssertEqual(list.threads[0].cpus, [0, 1])
    }
}
