import Foundation
import XCTest
import NumaCore
import NumaEngine
import NumaTestSupport
import NumaTopology
import NumaWorkload
@testable import NumaReports

/// The timeline's /proc/buddyinfo and /proc/pagetypeinfo per sample, as `stress --json` writes
/// them and the HTML report draws them, on the shipped 2-node QEMU machine: a process writes
/// 64 MiB on node 0 and drops its odd-pfn pages (`madvise` … `select: odd_pfn`), then
/// `compact_memory: {node: 0}`.
final class BuddyinfoTimelineTests: XCTestCase {
    static let workload = """
        phases:
          - processes:
              - name: frag
                exit: false
                mmap: [{name: heap, size: 64MiB}]
                threads:
                  - cpu: 0
                    steps:
                      - touch: {vma: heap}
                      - madvise: {vma: heap, advice: dontneed, select: odd_pfn}
          - compact_memory: {node: 0}
        """

    static func run() throws -> (StressReport, Topology, [String: Any]) {
        let topology = try TopologyFile.load(path: NumasimBinary.root.appendingPathComponent("topologies/nehalem-2s-qemu.yaml").path)
        let machine = try BootedMachine(topology: topology)
        let workload = try Workload.parse(workload, file: "fragment.yaml", topology: topology)
        let run = try StressRun.run(machine: machine, workload: workload, seed: 1, observer: StressObserver(everyOps: 1024))
        XCTAssertEqual(run.violations, [])
        let report = StressReport(run)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: try encoder.encode(report)) as? [String: Any])
        return (report, topology, json)
    }

    /// From the JSON alone: every sample has both tables for every zone of the timeline, 11
    /// counts each; per node Σ count × 2^order is the node's free pages of the same sample;
    /// the migratetype rows add up to buddyinfo. Node 0's high orders fall while the process
    /// fills it (and the madvise gives back only order-0 holes), and rise after compact_memory,
    /// which leaves its free pages as they were (a migration frees a page for each it takes).
    func testTimelineJSON() throws {
        let (_, _, j) = try Self.run()
        let timeline = try XCTUnwrap(j["timeline"] as? [String: Any])
        let zones = try XCTUnwrap(timeline["zones"] as? [String])
        XCTAssertEqual(zones, ["0:DMA", "0:DMA32", "1:DMA32"])
        let samples = try XCTUnwrap(timeline["samples"] as? [[String: Any]])
        XCTAssertGreaterThan(samples.count, 10)

        // Each row is one string of 11 space-separated counts.
        func row(_ text: String) -> [Int] { text.split(separator: " ").map { Int($0)! } }
        func buddyinfo(_ s: [String: Any], _ node: String, _ zone: String) throws -> [Int] {
            let b = row(try XCTUnwrap((s["buddyinfo"] as? [String: [String: String]])?[node]?[zone], "\(node):\(zone)"))
            XCTAssertEqual(b.count, 11)
            return b
        }
        func nodeFree(_ s: [String: Any], _ node: String) -> Int {
            let free = s["free"] as! [Int]
            return zones.indices.filter { zones[$0].hasPrefix(node + ":") }.reduce(0) { $0 + free[$1] }
        }
        func pages(_ counts: [Int]) -> Int { counts.enumerated().reduce(0) { $0 + $1.element << $1.offset } }

        for (k, s) in samples.enumerated() {
            let b = try XCTUnwrap(s["buddyinfo"] as? [String: [String: String]], "sample \(k)").mapValues { $0.mapValues(row) }
            XCTAssertEqual(Set(b.keys), ["0", "1"])
            XCTAssertEqual(Set(b["0"]!.keys), ["DMA", "DMA32"])
            XCTAssertEqual(Set(b["1"]!.keys), ["DMA32"])
            for node in ["0", "1"] {
                XCTAssertEqual(b[node]!.values.reduce(0) { $0 + pages($1) }, nodeFree(s, node), "sample \(k), node \(node)")
            }
            let p = try XCTUnwrap(s["pagetypeinfo"] as? [String: [String: [String: String]]], "sample \(k)").mapValues { $0.mapValues { $0.mapValues(row) } }
            for (node, byZone) in p {
                for (zone, byType) in byZone {
                    XCTAssertTrue(Set(byType.keys).isSubset(of: ["Unmovable", "Movable", "Reclaimable", "HighAtomic", "Isolate"]))
                    let sum = (0..<11).map { o in byType.values.reduce(0) { $0 + $1[o] } }
                    XCTAssertEqual(sum, b[node]?[zone], "sample \(k), \(node):\(zone)")
                }
            }
        }

        // The first sample (nothing run yet), the one closing the process phase (after the
        // madvise), and the one after compact_memory (the last; it ran no operation).
        let start = samples[0], fragmented = samples[samples.count - 2], compacted = samples[samples.count - 1]
        XCTAssertEqual(fragmented["ops"] as? Int, compacted["ops"] as? Int)
        let s0 = try buddyinfo(start, "0", "DMA32"), s1 = try buddyinfo(fragmented, "0", "DMA32"), s2 = try buddyinfo(compacted, "0", "DMA32")
        XCTAssertLessThan(s1[10], s0[10], "the process took order-10 blocks")
        XCTAssertLessThan(s1[9] * 512 + s1[10] * 1024, s0[9] * 512 + s0[10] * 1024)
        XCTAssertGreaterThan(s1[0], s0[0] + 4096, "the madvise left order-0 holes (8192 pages dropped)")
        XCTAssertGreaterThan(s2[10], s1[10], "compaction emptied pageblocks")
        XCTAssertGreaterThan(s2[9] * 512 + s2[10] * 1024, s1[9] * 512 + s1[10] * 1024)
        XCTAssertLessThan(s2[0], s1[0], "the holes were filled")
        XCTAssertEqual(nodeFree(compacted, "0"), nodeFree(fragmented, "0"), "migration frees a page for each it takes")
        // Node 1 was not touched.
        XCTAssertEqual(try buddyinfo(compacted, "1", "DMA32"), try buddyinfo(start, "1", "DMA32"))
        XCTAssertGreaterThan((j["vmstat"] as? [String: Int])?["pgmigrate_success"] ?? 0, 0)
    }

    /// The HTML section: per node one stacked chart with a band per order (11), the share bars
    /// (first, most fragmented, last for node 0; node 1 never fragmented: first and last), and
    /// the last sample's pagetypeinfo table with the JSON's numbers.
    func testHTMLSection() throws {
        let (report, topology, _) = try Self.run()
        let page = HTMLReport.render(report, topology: topology)
        let start = try XCTUnwrap(page.range(of: "<h2>Free blocks by order over time</h2>"))
        let end = try XCTUnwrap(page.range(of: "<h2>Locality over time</h2>"))
        XCTAssertLessThan(page.range(of: "<h2>Free pages against watermarks</h2>")!.lowerBound, start.lowerBound)
        let section = String(page[start.upperBound..<end.lowerBound])
        let charts = section.components(separatedBy: "<svg class=\"chart\" data-chart=\"stacked\"").dropFirst()
        XCTAssertEqual(charts.count, 2, "one chart per node")
        XCTAssertTrue(charts[charts.startIndex].contains("<title>node0: free pages by block order (DMA + DMA32)</title>"))
        XCTAssertTrue(charts[charts.startIndex + 1].contains("<title>node1: free pages by block order (DMA32)</title>"))
        for chart in charts {
            let svg = String(chart[..<chart.range(of: "</svg>")!.lowerBound])
            XCTAssertEqual(svg.components(separatedBy: "<polygon class=\"band\"").count - 1, 11, "a band per order")
            for o in 0...10 { XCTAssertTrue(svg.contains("<title>order \(o)</title></polygon>"), "order \(o)") }
            XCTAssertTrue(svg.contains("phase 2: compactMemory"), "the phase mark")
        }
        let bars = section.components(separatedBy: "<svg class=\"chart share\"").dropFirst().map { String($0[..<$0.range(of: "</svg>")!.lowerBound]) }
        XCTAssertEqual(bars.count, 2)
        XCTAssertEqual(bars[0].components(separatedBy: " pages</text>").count - 1, 3)
        XCTAssertTrue(bars[0].contains(">least in order ≥ 9, "))
        XCTAssertEqual(bars[1].components(separatedBy: " pages</text>").count - 1, 2)
        // The pagetypeinfo table of node 0 at the last sample: DMA32's Movable row.
        let last = try XCTUnwrap(report.timeline.samples.last?.pagetypeinfo)
        let movable = last.blocks(zone: 1, .movable)
        XCTAssertTrue(section.contains("<tr><td>DMA32</td><td>Movable</td>" + movable.map { "<td>\($0)</td>" }.joined() + "</tr>"))
        XCTAssertEqual(section.components(separatedBy: "<h3>Free blocks per migratetype at the last sample</h3>").count - 1, 2)
        // Still well-formed.
        XCTAssertEqual(page.components(separatedBy: "<svg").count, page.components(separatedBy: "</svg>").count)
        XCTAssertEqual(section.components(separatedBy: "<div").count, section.components(separatedBy: "</div>").count)
    }

    /// A report without the tables (results written before them) has no such section.
    func testNoSectionWithoutTables() throws {
        var (report, topology, _) = try Self.run()
        for i in report.timeline.samples.indices { report.timeline.samples[i].buddyinfo = nil }
        XCTAssertFalse(HTMLReport.render(report, topology: topology).contains("Free blocks by order over time"))
    }
}
