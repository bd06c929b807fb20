import Foundation
import XCTest
import NumaTestSupport

/// `stress` reports each OOM kill as Linux 6.1 does (issue 17): the text's `oom-kill:` line and
/// the JSON's `oom_kills`, on the shipped cgroup examples.
final class OOMKillReportTests: XCTestCase {
    func stress(_ workload: String, _ extra: [String] = []) throws -> (status: Int32, out: String, err: String) {
        try NumasimBinary.run(["stress", "-t", NumasimBinary.root.appendingPathComponent("topologies/nehalem-2s-qemu.yaml").path,
                               "-w", NumasimBinary.root.appendingPathComponent("workloads/\(workload).yaml").path] + extra)
    }

    /// workloads/cgroup-cpuset-remote.yaml: the cpuset task (mems 1) on CPU 0 goes beyond node 1.
    /// totalpages = node_present_pages(1): 0x40000000–0x7ffdcfff is 262109 frames; the unbound
    /// task's badness 300 MiB = 76800 pages + 800 × (262109 / 1000 = 262) = 286400.
    func testCpusetExampleReportsTheKernelsLineAndJSON() throws {
        let text = try stress("cgroup-cpuset-remote")
        XCTAssertEqual(text.status, 0, text.err)
        XCTAssertTrue(text.out.contains("  oom-kill:constraint=CONSTRAINT_MEMORY_POLICY,nodemask=1,cpuset=/pinned,mems_allowed=1,task_memcg=/,task=threads[1]\n"), text.out)
        let json = try stress("cgroup-cpuset-remote", ["--json"])
        XCTAssertEqual(json.status, 0, json.err)
        let j = try NumasimBinary.json(json.out)
        XCTAssertEqual(StressJSONSchemaTests.validate(j, try StressJSONSchemaTests.schema), [])
        let kills = try XCTUnwrap(j["oom_kills"] as? [[String: Any]])
        XCTAssertEqual(kills.map { $0["victim"] as? String }, ["threads[1]", "threads[0]"])
        XCTAssertEqual(kills[0]["constraint"] as? String, "CONSTRAINT_MEMORY_POLICY")
        XCTAssertEqual(kills[0]["nodemask"] as? String, "1")
        XCTAssertEqual(kills[0]["total_pages"] as? Int, 262109)
        XCTAssertEqual(kills[0]["points"] as? Int, 76800 + 800 * 262)
        XCTAssertEqual(kills[0]["asking"] as? String, "threads[0]")
        XCTAssertFalse((j["oom_killed"] as? [String] ?? []).contains("threads[2]"), "the bind:0 task is never eligible")
    }

    /// A run without OOM kills has no `oom_kills`.
    func testNoKillsNoKey() throws {
        let r = try NumasimBinary.run(["stress", "-t", try NumasimBinary.temp("t.yaml", NumasimBinary.twoNodes), "-w",
                                       try NumasimBinary.temp("w.yaml", "threads: [{cpus: \"0\", allocate: 1000}]"), "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertNil(try NumasimBinary.json(r.out)["oom_kills"])
    }
}
