import XCTest
import NumaTestSupport
import NumaCore
import NumaExperiments
import NumaTopology

/// The bench cases as values: each runs with tiny pair counts and gives sane figures; skips
/// are explained; limits and formatting are what `numasim bench` prints.
final class BenchTests: XCTestCase {
    /// Two nodes with CPUs and memory: every case can run.
    static let twoNodes = """
        name: bench-two
        nodes:
          - {id: 0, cpus: "0-1", memory: 128MiB}
          - {id: 1, cpus: "2-3", memory: 128MiB}
        distances: [[10, 21], [21, 10]]
        sysctl: {transparent_hugepage: never}
        """

    func bench(_ yaml: String = twoNodes, pairs: Int = 300, runs: Int = 2) throws -> Bench {
        try Bench(topology: TopologyFile.parse(yaml, file: "bench.yaml"), pairs: pairs, runs: runs)
    }

    func testEveryCaseRunsWithTinyPairCountsAndGivesSaneFigures() throws {
        let b = try bench()
        XCTAssertEqual([b.cpu, b.node], [0, 0], "the first CPU and its node run the single-threaded cases")
        let results = try b.run(BenchScenario.all)
        XCTAssertEqual(results.map(\.name), [
            "order-0 alloc+free via pcp", "order-0, bursts of 512", "order-1 alloc+free", "order-2 alloc+free",
            "order-3 alloc+free",
            "order-1 alloc, then free, bursts of 64", "order-2 alloc, then free, bursts of 64",
            "order-3 alloc, then free, bursts of 64",
            "fallback: node 0 below low, served by node 1, order-0 alloc+free",
            "interleave over nodes 0-1, order-0 alloc+free",
            "scaling: 1 thread (CPU 0, node 0), order-0 alloc+free",
            "scaling: 2 threads (CPU 0 node 0, CPU 2 node 1), order-0 alloc+free",
            "boot: 2 nodes, 255.6 MiB present, 4 CPUs",
            "THP fault alloc+free (order 9)",
        ])
        XCTAssertEqual(results[13].note, "not run: THP is off on this machine (transparent_hugepage: never, or under 512 MiB of RAM)")
        XCTAssertNil(results[13].nsPerPair)
        for r in results.prefix(5) + results[8...9] {
            let pair = try XCTUnwrap(r.nsPerPair, r.name)
            XCTAssertGreaterThan(pair, 0, r.name)
            XCTAssertEqual(r.nsPerOp, pair / 2, r.name)
            XCTAssertNil(r.note, r.name)
        }
        for r in results[5...7] {
            XCTAssertGreaterThan(try XCTUnwrap(r.nsPerAlloc, r.name), 0)
            XCTAssertGreaterThan(try XCTUnwrap(r.nsPerFree, r.name), 0)
        }
        XCTAssertEqual(results[10].threads, 1)
        XCTAssertEqual(results[11].threads, 2)
        let one = try XCTUnwrap(results[10].pairsPerSecond), two = try XCTUnwrap(results[11].pairsPerSecond)
        XCTAssertGreaterThan(one, 0)
        XCTAssertEqual(try XCTUnwrap(results[11].speedup), two / one, accuracy: 1e-9)
        let boot = results[12]
        XCTAssertGreaterThan(try XCTUnwrap(boot.bootMilliseconds), 0)
        XCTAssertGreaterThan(try XCTUnwrap(boot.allocatorMilliseconds), 0)
        XCTAssertTrue(boot.note?.hasSuffix("bytes of host memory per simulated page") == true, "\(boot.note ?? "nil")")

        // The JSON document counts what was asked for.
        let report = b.report(results)
        XCTAssertEqual(report.schema, "numasim.bench/2")
        XCTAssertEqual(report.topology, "bench-two")
        XCTAssertEqual([report.pairs, report.runs, report.cases.count], [300, 2, 14])
    }

    /// A pair count below a burst still runs one burst; a pair count that is not a multiple of
    /// the burst is rounded down to whole bursts.
    /// On a machine with THP on (two 512 MiB nodes), the THP case times whole faults: the
    /// folio comes from the CPU's node by the this-node attempt and goes back whole, so the
    /// machine ends as it began.
    func testTHPFaultCaseRunsWhereTHPIsOn() throws {
        let yaml = Self.twoNodes.replacingOccurrences(of: "128MiB", with: "512MiB")
            .replacingOccurrences(of: "transparent_hugepage: never", with: "transparent_hugepage: always")
        let b = try bench(yaml, pairs: 320)
        let r = try XCTUnwrap(try b.run(BenchScenario.matching(["THP fault"])).first)
        XCTAssertNil(r.note)
        let pair = try XCTUnwrap(r.nsPerPair)
        XCTAssertGreaterThan(pair, 0)
        XCTAssertEqual(r.nsPerOp, pair / 2)
    }

    func testBurstCasesRunWholeBursts() throws {
        let r = try bench(pairs: 5, runs: 1).run(BenchScenario.matching(["bursts of 512", "order-2 alloc, then"]))
        XCTAssertEqual(r.map(\.name), ["order-0, bursts of 512", "order-2 alloc, then free, bursts of 64"])
        XCTAssertGreaterThan(try XCTUnwrap(r[0].nsPerPair), 0)
        XCTAssertGreaterThan(try XCTUnwrap(r[1].nsPerAlloc), 0)
    }

    func testOnlyMatchesSubstringsOfCaseNames() {
        XCTAssertEqual(BenchScenario.matching([]).count, 13)
        XCTAssertEqual(BenchScenario.matching(["order-1"]).map(\.name), ["order-1 alloc+free", "order-1 alloc, then free"])
        XCTAssertEqual(BenchScenario.matching(["via pcp", "scaling"]).map(\.name), ["order-0 alloc+free via pcp", "scaling"])
        XCTAssertEqual(BenchScenario.matching(["no such case"]).count, 0)
    }

    /// One node: no node to fall back to and no second thread's node; the cases say so.
    func testCasesThatNeedTwoNodesAreSkippedWithAReason() throws {
        let b = try bench("""
            name: one
            nodes:
              - {id: 0, cpus: "0", memory: 64MiB}
            """, pairs: 50, runs: 1)
        let r = try b.run(BenchScenario.matching(["fallback", "scaling", "interleave"]))
        XCTAssertEqual(r.map(\.name), ["fallback", "interleave over nodes 0, order-0 alloc+free", "scaling"])
        XCTAssertEqual(r[0].note, "skipped: needs a second node with memory")
        XCTAssertEqual(r[2].note, "skipped: needs two nodes with both CPUs and memory")
        XCTAssertNil(r[0].nsPerPair)
        XCTAssertEqual(BenchResult.lines([r[0]]), ["fallback  skipped: needs a second node with memory"])
    }

    /// A machine beyond the allocator's 32-bit page links is refused before any case runs,
    /// with the node; where the file is read the message gains its name.
    func testMachineBeyondTheAllocatorLimitsIsRefused() throws {
        let t = try TopologyGenerator(nodes: 1, cpusPerNode: 1, memoryPerNode: 9 << 40).topology()
        XCTAssertThrowsError(try Bench(topology: t, pairs: 1, runs: 1)) { e in
            guard case AllocatorLimitError.zoneSpanTooLarge(node: 0, zone: "Normal", _)? = e as? AllocatorLimitError else {
                return XCTFail("\(e)")
            }
        }
        XCTAssertThrowsError(try InputError.labelling(file: "huge.yaml") { try Bench(topology: t, pairs: 1, runs: 1) }) { e in
            XCTAssertTrue("\(e)".hasPrefix("huge.yaml: nodes[0]: zone Normal of node 0 spans "), "\(e)")
        }
    }

    func testTextLinesPadNamesAndFormatEachFigure() {
        var boot = BenchResult(name: "boot")
        boot.bootMilliseconds = 1.26
        boot.allocatorMilliseconds = 0.5
        boot.residentBytes = 3 << 20
        boot.residentBytesPerTouchedPage = 0.126
        boot.note = "n"
        XCTAssertEqual(BenchResult.lines([
            BenchResult(name: "pair case", nsPerPair: 12.34, nsPerOp: 6.17),
            BenchResult(name: "split", nsPerAlloc: 3, nsPerFree: 4.04),
            BenchResult(name: "two", threads: 2, pairsPerSecond: 2.5e6, speedup: 1.5),
            boot,
        ]), [
            "pair case      12.3 ns per pair       6.2 ns per op",
            "split           3.0 ns per alloc       4.0 ns per free",
            "two            2.50 M pairs/s  1.50× one thread",
            "boot       boot numbers 1.3 ms  allocator 0.5 ms  +3.0 MiB resident  0.13 bytes per touched page  n",
        ])
    }

    /// `numasim bench` without `-t` boots its built-in copy of topologies/nehalem-2s.yaml (from
    /// any working directory): the two must stay the same machine.
    func testBuiltInTopologyIsTheShippedFile() throws {
        let shipped = try TopologyFile.load(path: NumasimBinary.root.appendingPathComponent("topologies/nehalem-2s.yaml").path)
        XCTAssertEqual(try BenchDefaultTopology.topology(), shipped)
    }
}
