import Foundation
import Synchronization
import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaEngine
@testable import NumaReports
@testable import NumaTopology
@testable import NumaWorkload

/// The fallback matrix and locality against the kernel's own counters: `zone_statistics` counts
/// one NUMA_HIT or NUMA_MISS on the serving node and one NUMA_FOREIGN on the preferred node per
/// allocation, LOCAL_NODE/OTHER_NODE against the allocating CPU's node. The matrix is counted in
/// the tasks, the counters in the allocator: they must agree.
final class FallbackMatrixTests: XCTestCase {
    func run(_ workload: String, threads: Int? = nil, observer: StressObserver? = nil) throws -> (PageAllocator, [SimulatedTask]) {
        let m = try boot(NumasimBinary.twoNodes)
        let w = try Workload.parse(workload, file: "w.yaml", topology: m.topology)
        if let threads {
            let r = try ConcurrentStress.run(machine: m, workload: w, threads: threads, seed: 5, observer: observer)
            return (r.allocator, r.tasks)
        }
        let r = try DeterministicStress.run(machine: m, workload: w, seed: 5, observer: observer)
        return (r.allocator, r.tasks)
    }

    func merged(_ tasks: [SimulatedTask], _ ids: [Int]) -> (FallbackMatrix, FallbackMatrix) {
        var f = FallbackMatrix(nodeIDs: ids), l = FallbackMatrix(nodeIDs: ids)
        for t in tasks { if let p = t.placement { f = f + p.fallback; l = l + p.locality } }
        return (f, l)
    }

    func checkAgainstNumastat(_ a: PageAllocator, _ tasks: [SimulatedTask], file: StaticString = #filePath, line: UInt = #line) {
        let (f, l) = merged(tasks, a.nodeIDs)
        for id in a.nodeIDs {
            let e = a.numastat(node: id)
            let missInto = a.nodeIDs.filter { $0 != id }.reduce(0) { $0 + f.allocations(asking: $1, serving: id) }
            let foreignFrom = a.nodeIDs.filter { $0 != id }.reduce(0) { $0 + f.allocations(asking: id, serving: $1) }
            XCTAssertEqual(missInto, e.numaMiss, "numa_miss of node \(id)", file: file, line: line)
            XCTAssertEqual(foreignFrom, e.numaForeign, "numa_foreign of node \(id)", file: file, line: line)
            XCTAssertEqual(f.allocations(asking: id, serving: id), e.numaHit, "numa_hit of node \(id)", file: file, line: line)
            let other = a.nodeIDs.filter { $0 != id }.reduce(0) { $0 + l.allocations(asking: $1, serving: id) }
            XCTAssertEqual(l.allocations(asking: id, serving: id), e.localNode, "local_node of node \(id)", file: file, line: line)
            XCTAssertEqual(other, e.otherNode, "other_node of node \(id)", file: file, line: line)
        }
        // pgalloc counts pages of every order.
        XCTAssertEqual(f.totalPages, a.pgalloc.flatMap { $0 }.reduce(0, +), "pages in the matrix = pgalloc", file: file, line: line)
    }

    /// First touch from node 0 past its free memory, mixed orders: node 0 serves until its low
    /// watermark, the rest falls back to node 1.
    func testFirstTouchOverflowMatchesNumastat() throws {
        let (a, tasks) = try run("threads:\n  - {cpus: \"0\", allocate: 40000, order: {0: 80, 2: 15, 4: 5}}\n")
        let (f, _) = merged(tasks, a.nodeIDs)
        XCTAssertGreaterThan(f.pages(asking: 0, serving: 1), 0, "node 0 overflowed")
        XCTAssertEqual(f.pages(asking: 1, serving: 0) + f.pages(asking: 1, serving: 1), 0, "nothing asked of node 1")
        checkAgainstNumastat(a, tasks)
    }

    /// Interleave asks each node in turn (`interleave_nodes`): the asking rows split evenly, and
    /// with room on both nodes every allocation is an interleave hit on the node asked.
    func testInterleaveAsksEachNodeInTurn() throws {
        let (a, tasks) = try run("threads:\n  - {cpus: \"0\", policy: \"interleave:0,1\", allocate: 2000, free: random, live: 500}\n")
        let (f, _) = merged(tasks, a.nodeIDs)
        XCTAssertEqual(f.allocations(asking: 0, serving: 0), 1000)
        XCTAssertEqual(f.allocations(asking: 1, serving: 1), 1000)
        let interleaveHits = a.nodeIDs.reduce(0) { $0 + a.numastat(node: $1).interleaveHit }
        XCTAssertEqual(interleaveHits, 2000)
        checkAgainstNumastat(a, tasks)
    }

    /// The concurrent engine: per-task matrices summed after the threads join, while a reporter
    /// thread samples the timeline and feeds a status callback (run under TSan by scripts/tsan.sh's
    /// filter when given this test).
    func testConcurrentEngineMatrixMatchesNumastat() throws {
        let calls = Atomic<Int>(0)
        let obs = StressObserver(everyMs: 2, statusInterval: 0.001) { _, _ in calls.wrappingAdd(1, ordering: .relaxed) }
        let (a, tasks) = try run("""
            threads:
              - {cpus: "0-1", allocate: 30000, order: {0: 90, 3: 10}, free: random, live: 20000}
              - {cpus: "2-3", policy: "preferred:0", allocate: 8000}
            """, threads: 2, observer: obs)
        checkAgainstNumastat(a, tasks)
        let tl = obs.timeline
        XCTAssertEqual(tl.everyMs, 2)
        XCTAssertGreaterThanOrEqual(tl.samples.count, 2, "start and end of the phase at least")
        XCTAssertEqual(tl.samples.last?.ops, tasks.reduce(0) { $0 + $1.stats.ops })
        XCTAssertEqual(zip(tl.samples, tl.samples.dropFirst()).filter { $0.ops > $1.ops || $0.pages > $1.pages }.count, 0, "cumulative")
        XCTAssertGreaterThanOrEqual(calls.load(ordering: .relaxed), 2)
    }

    /// The timeline: samples every N operations, cumulative sums that end where the run ended,
    /// and below-watermark time that adds up from the samples.
    func testTimelineSamplesEveryNOpsAndEndsAtTheFinalState() throws {
        let obs = StressObserver(everyOps: 500)
        let (a, tasks) = try run("threads:\n  - {cpus: \"0\", allocate: 40000}\n", observer: obs)
        let tl = obs.timeline
        let ops = tasks.reduce(0) { $0 + $1.stats.ops }
        XCTAssertEqual(tl.samples.first?.ops, 0)
        XCTAssertEqual(tl.samples.last?.ops, ops)
        XCTAssertEqual(tl.samples.count, ops / 500 + 2, "one at the start, one per 500 ops, one at the end")
        for (k, s) in tl.samples.enumerated().dropFirst() {
            XCTAssertGreaterThanOrEqual(s.ops - tl.samples[k - 1].ops, k == tl.samples.count - 1 ? 0 : 500)
        }
        let last = try XCTUnwrap(tl.samples.last)
        for (i, key) in tl.zones.enumerated() {
            let parts = key.split(separator: ":")
            let z = a.pgdat(node: Int(parts[0])!).zones.first { $0.name == parts[1] }!
            XCTAssertEqual(last.free[i], z.nrFreePages, key)
            XCTAssertEqual(last.low[i], z.watermarkPages(.low), key)
        }
        let (f, _) = merged(tasks, a.nodeIDs)
        XCTAssertEqual(last.pages, f.totalPages)
        XCTAssertEqual(last.fallbackPages, f.totalPages - f.localPages)
        // Node 0's DMA32 ran down to its low watermark: the report counts the operations spent
        // under it from the samples whose free count was below.
        let col = try XCTUnwrap(tl.zones.firstIndex(of: "0:DMA32"))
        let expected = tl.samples.indices.dropFirst().filter { tl.samples[$0].free[col] < tl.samples[$0].low[col] }
            .reduce(0) { $0 + tl.samples[$1].ops - tl.samples[$1 - 1].ops }
        XCTAssertEqual(StressReport.below(tl, zone: col, mark: \.low).ops, expected)
        XCTAssertGreaterThan(expected, 0)
    }

    /// Latency is recorded only when asked for, and then once per allocator call.
    func testLatencyRecordedOnlyWhenAsked() throws {
        let w = "threads:\n  - {cpus: \"0\", allocate: 3000, order: {0: 50, 2: 30, 5: 20}, free: immediately}\n"
        let (_, off) = try run(w, observer: StressObserver())
        XCTAssertTrue(off.allSatisfy { $0.latency == nil })
        let (_, on) = try run(w, observer: StressObserver(recordLatency: true))
        let l = try XCTUnwrap(on.compactMap(\.latency).first)
        let allocs = OpLatency.OpClass.allCases.filter { $0 != .free }.reduce(0) { $0 + (l.summary($1)?.count ?? 0) }
        XCTAssertEqual(allocs, on[0].stats.allocations + on[0].stats.failures.values.reduce(0, +))
        XCTAssertEqual(l.summary(.free)?.count, on[0].stats.frees)
        let s = try XCTUnwrap(l.summary(.allocOrder0))
        XCTAssertLessThanOrEqual(s.p50, s.p99)
        XCTAssertLessThanOrEqual(s.p99, s.max)
    }

    /// Beyond 16 nodes the text matrix keeps only the rows and columns that hold pages (a
    /// 1024-node one would be a million cells); the JSON keeps all of them.
    func testTextMatrixOfManyNodesKeepsRowsAndColumnsWithPages() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("numasim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let topo = dir.appendingPathComponent("t.yaml").path, work = dir.appendingPathComponent("w.yaml").path
        XCTAssertEqual(try NumasimBinary.run(["topology", "generate", "--nodes", "20", "--memory-per-node", "256MiB", "-o", topo]).status, 0)
        try "threads:\n  - {cpus: \"3\", policy: \"interleave:3,7\", allocate: 1000}\n".write(toFile: work, atomically: true, encoding: .utf8)
        let text = try NumasimBinary.run(["stress", "-t", topo, "-w", work])
        XCTAssertEqual(text.status, 0, text.err)
        let lines = text.out.split(separator: "\n").map(String.init)
        let start = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("Fallback matrix") })
        XCTAssertEqual(lines[start + 1].split(separator: " ").map(String.init), ["asked", "\\", "served", "node3", "node7", "total"])
        // Interleave asks node 3 and node 7 in turn; each serves what it is asked.
        XCTAssertEqual(lines[start + 2].split(separator: " ").map(String.init), ["node3", "500", "(100.0%)", "0", "(0.0%)", "500"])
        XCTAssertEqual(lines[start + 3].split(separator: " ").map(String.init), ["node7", "0", "(0.0%)", "500", "(100.0%)", "500"])
        XCTAssertTrue(lines[start + 4].hasPrefix("(18 rows and 18 columns without pages left out of 20 nodes"), lines[start + 4])
        let json = try NumasimBinary.run(["stress", "-t", topo, "-w", work, "--json"])
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        let fallback = try XCTUnwrap(doc["fallback"] as? [String: Any])
        XCTAssertEqual((fallback["pages"] as? [[Int]])?.count, 20, "the JSON keeps every row")
    }
}
