import Foundation
import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaEngine
@testable import NumaTopology
@testable import NumaWorkload

/// The timeline's free lists (`StressObserver+FreeAreas`): /proc/buddyinfo and the free table of
/// /proc/pagetypeinfo per zone at every sample, read under the zone lock with the zone's free
/// count, in both engines; a sample after the steps that change free memory with no task
/// running; unchanged zones sharing their arrays; the JSON form.
final class FreeAreaTimelineTests: XCTestCase {
    static let topology = """
        name: small2
        nodes:
          - {id: 0, cpus: "0-1", memory: 128MiB}
          - {id: 1, cpus: "2-3", memory: 128MiB}
        sysctl: {transparent_hugepage: never}
        """

    /// What every kept sample must satisfy: Σ nr_free × 2^order = the zone's `free` of the same
    /// sample (no MIGRATE_ISOLATE block is free in these runs), and the migratetype rows add up
    /// to nr_free order by order (nr_free counts the blocks of every list of the order).
    func checkSamples(_ tl: Timeline, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(tl.samples.isEmpty, file: file, line: line)
        for (k, s) in tl.samples.enumerated() {
            guard let b = s.buddyinfo, let p = s.pagetypeinfo else { return XCTFail("sample \(k): no free lists", file: file, line: line) }
            XCTAssertEqual(b.zones, tl.zones, file: file, line: line)
            XCTAssertEqual(p.zones, tl.zones, file: file, line: line)
            for z in tl.zones.indices {
                XCTAssertEqual(b.counts[z].count, 11, file: file, line: line)
                XCTAssertEqual(b.pages(zone: z), s.free[z], "sample \(k) (\(s.ms) ms), zone \(tl.zones[z])", file: file, line: line)
                for o in 0..<11 {
                    let byType = MigrateType.allCases.reduce(0) { $0 + p.blocks(zone: z, $1)[o] }
                    XCTAssertEqual(byType, b.counts[z][o], "sample \(k), zone \(tl.zones[z]), order \(o)", file: file, line: line)
                }
            }
        }
    }

    /// Deterministic engine: mixed orders with random frees on node 0, then a 4-page 2 MiB
    /// hugetlb pool on node 1. Every sample holds; the last is the allocator's end state; node
    /// 1's arrays are shared while it does not change; the pool step gets a sample of its own.
    ///
    /// The pool: node 1 boots with one free order-9 block and 31 of order 10 (DMA32 from pfn
    /// 32768, 128 MiB less what the boot keeps at its top). Each pool page is an order-9
    /// allocation (`alloc_buddy_hugetlb_folio`), which 6.1 serves from the per-CPU lists
    /// (`pcp_allowed_order`: order == pageblock_order with THP configured), refilled with
    /// max(batch >> 9, 2) = 2 blocks (`__rmqueue_pcplist`): the order-9 block and half of a
    /// split order-10 block, whose other half stays on the order-9 list; the second page comes
    /// from the per-CPU list; pages 3 and 4 repeat this. So 9: 1 → 1, 10: 31 → 29, and node 1's
    /// free pages fall by exactly 4 × 512.
    func testDeterministicSamplesAndThePoolStep() throws {
        let m = try boot(Self.topology)
        let w = try Workload.parse("""
            phases:
              - threads:
                  - {cpus: "0", allocate: 12000, order: {0: 70, 1: 10, 3: 15, 6: 5}, free: random, live: 3000}
              - hugepages: {node: 1, count: 4}
            """, file: "w.yaml", topology: m.topology)
        let observer = StressObserver(everyOps: 200)
        let r = try DeterministicStress.run(machine: m, workload: w, seed: 3, observer: observer)
        let tl = observer.timeline
        checkSamples(tl)
        XCTAssertEqual(tl.zones, ["0:DMA", "0:DMA32", "1:DMA32"])
        XCTAssertGreaterThan(tl.samples.count, 10)
        for (a, b) in zip(tl.samples, tl.samples.dropFirst()) { XCTAssertLessThanOrEqual(a.ms, b.ms, "simulated time never goes back") }

        // The last sample is the machine at the end.
        let last = try XCTUnwrap(tl.samples.last)
        let zones = [r.allocator.nodes[0].zones[0], r.allocator.nodes[0].zones[1], r.allocator.nodes[1].zones[1]]
        for (z, zone) in zones.enumerated() {
            XCTAssertEqual(last.buddyinfo?.counts[z], zone.buddyinfo, zone.name)
            for mt in MigrateType.allCases {
                XCTAssertEqual(last.pagetypeinfo?.blocks(zone: z, mt), (0..<11).map { zone.freeBlocks(order: $0, mt) })
            }
        }

        // The pool step: the sample after it, against the one closing the threads phase.
        let before = tl.samples[tl.samples.count - 2], after = last
        let n1 = 2
        XCTAssertEqual(before.buddyinfo?.counts[n1][9...], [1, 31])
        XCTAssertEqual(after.buddyinfo?.counts[n1][9...], [1, 29])
        XCTAssertEqual(before.free[n1] - after.free[n1], 4 * 512)
        XCTAssertEqual(r.allocator.hugetlb.defaultHState.nrHugePagesNode[1], 4)

        // Node 1 did not change during the threads phase: every sample there shares one array.
        let run = tl.samples.dropLast()
        let addresses = Set(run.compactMap { $0.buddyinfo?.counts[n1].withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) } })
        XCTAssertEqual(addresses.count, 1, "an unchanged zone reuses the previous sample's counts")
        let moved = Set(run.compactMap { $0.buddyinfo?.counts[1].withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) } })
        XCTAssertGreaterThan(moved.count, 1, "node 0's DMA32 changed")
    }

    /// Concurrent engine: CPUs of both nodes allocate and free while the reporter samples every
    /// millisecond. A zone's free count read apart from its free lists would disagree with them
    /// whenever a CPU changed the zone in between; read under the zone lock they always agree.
    func testConcurrentSamplesAgreeWithTheirFreeCounts() throws {
        let m = try boot(Self.topology)
        let w = try Workload.parse("""
            threads:
              - {cpus: "0", allocate: 60000, order: {0: 60, 2: 20, 4: 20}, free: random, live: 4000}
              - {cpus: "2", allocate: 60000, order: {0: 80, 3: 20}, free: random, live: 4000}
            """, file: "w.yaml", topology: m.topology)
        let observer = StressObserver(everyMs: 1)
        _ = try ConcurrentStress.run(machine: m, workload: w, threads: 2, seed: 5, observer: observer)
        checkSamples(observer.timeline)
        XCTAssertGreaterThanOrEqual(observer.timeline.samples.count, 2)
    }

    /// A workload that begins with `compact_memory` gets a sample after it, which sets the
    /// timeline's zones and nodes up (no task phase came before), and the threads phase after
    /// it samples on from there.
    func testCompactMemoryFirstIsSampled() throws {
        let m = try boot(Self.topology)
        let w = try Workload.parse("""
            phases:
              - compact_memory: all
              - threads:
                  - {cpus: "2", allocate: 100}
            """, file: "w.yaml", topology: m.topology)
        let observer = StressObserver(everyOps: 1000)
        _ = try DeterministicStress.run(machine: m, workload: w, seed: 1, observer: observer)
        let tl = observer.timeline
        XCTAssertEqual(tl.zones, ["0:DMA", "0:DMA32", "1:DMA32"])
        XCTAssertEqual(tl.nodes, [0, 1])
        // After compact_memory, then the threads phase's closing sample (100 operations < 1000).
        XCTAssertEqual(tl.samples.map(\.ops), [0, 100])
        XCTAssertEqual(tl.samples[0].kswapdRuns.count, 2)
        XCTAssertLessThanOrEqual(tl.samples[1].free[2], tl.samples[0].free[2] - 100, "the 100 pages came from node 1 (and its CPU's pcp lists)")
        XCTAssertEqual(tl.samples[1].free[1], tl.samples[0].free[1], "node 0 untouched")
        checkSamples(tl)
    }

    /// The JSON: node id → zone → 11 counts, and node id → zone → migratetype → 11 counts with
    /// the all-zero migratetypes left out; it reads back to the same value.
    func testJSONForm() throws {
        let zones = ["0:DMA", "0:DMA32", "2:Normal"]
        var orders: [[Int]] = [], types: [[Int]] = []
        for z in 0..<3 {
            orders.append((0..<11).map { z * 100 + $0 })
            var t = [Int](repeating: 0, count: 55)
            t[11 + 10] = z + 1         // Movable, order 10
            if z == 1 { t[3] = 7 }     // Unmovable, order 3
            types.append(t)
        }
        let b = FreeAreaCounts(kind: .buddyinfo, zones: zones, counts: orders)
        let p = FreeAreaCounts(kind: .pagetypeinfo, zones: zones, counts: types)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let bj = try XCTUnwrap(String(data: try encoder.encode(b), encoding: .utf8))
        // Each row one string of space-separated counts, as the /proc files print them.
        XCTAssertEqual(bj, #"{"0":{"DMA":"0 1 2 3 4 5 6 7 8 9 10","DMA32":"100 101 102 103 104 105 106 107 108 109 110"},"# +
                       #""2":{"Normal":"200 201 202 203 204 205 206 207 208 209 210"}}"#)
        let pj = try XCTUnwrap(String(data: try encoder.encode(p), encoding: .utf8))
        XCTAssertEqual(pj, #"{"0":{"DMA":{"Movable":"0 0 0 0 0 0 0 0 0 0 1"},"DMA32":{"Movable":"0 0 0 0 0 0 0 0 0 0 2","# +
                       #""Unmovable":"0 0 0 7 0 0 0 0 0 0 0"}},"2":{"Normal":{"Movable":"0 0 0 0 0 0 0 0 0 0 3"}}}"#)
        XCTAssertThrowsError(try JSONDecoder().decode(FreeAreaCounts.self, from: Data(#"{"0":{"DMA":"1 2 3"}}"#.utf8)),
                             "a row of 3 counts is refused")
        XCTAssertEqual(try JSONDecoder().decode(FreeAreaCounts.self, from: Data(bj.utf8)), b)
        XCTAssertEqual(try JSONDecoder().decode(FreeAreaCounts.self, from: Data(pj.utf8)), p)
        XCTAssertEqual(b.pages(zone: 0), (0..<11).reduce(0) { $0 + $1 << $1 })
    }
}
