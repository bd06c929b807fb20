import XCTest
import NumaCore
import NumaEngine
import NumaTestSupport
import NumaTopology
import NumaWorkload
@testable import NumaReports

/// The HTML report's charts: 1-2-5 axis ticks, labels that are not cut off, the topology
/// drawing's label placement, phase marks on every timeline chart.
final class HTMLChartTests: XCTestCase {
    /// Ticks: the step is the smallest 1, 2 or 5 × 10^k giving at most 5 intervals; the axis ends
    /// at the first tick at or above the maximum.
    /// 6620.48 / 5 = 1324.1 → 2000: 0…8000. 18.75 / 5 = 3.75 → 5: 0…20. 100 / 5 = 20 → 20.
    /// 0.9 / 5 = 0.18 → 0.2: 0…1 (0.2 × 5 = 1.0). 5000 / 5 = 1000 exactly → 1000: 0…5000.
    func testNiceTicks() {
        XCTAssertEqual(SVG.niceTicks(6620.48), [0, 2000, 4000, 6000, 8000])
        XCTAssertEqual(SVG.niceTicks(18.75), [0, 5, 10, 15, 20])
        XCTAssertEqual(SVG.niceTicks(100), [0, 20, 40, 60, 80, 100])
        XCTAssertEqual(SVG.niceTicks(5000), [0, 1000, 2000, 3000, 4000, 5000])
        let small = SVG.niceTicks(0.9)
        XCTAssertEqual(small.count, 6)
        XCTAssertEqual(small.last!, 1.0, accuracy: 1e-12)
        // An x axis keeps to its data: 7796.774 ms → 0, 2000, 4000, 6000 (8000 would be beyond).
        XCTAssertEqual(SVG.ticksWithin(7796.774), [0, 2000, 4000, 6000])
        XCTAssertEqual(SVG.label(6000), "6000")
        XCTAssertEqual(SVG.label(20000), "20k")
        XCTAssertEqual(SVG.label(250_000), "250k")
        XCTAssertEqual(SVG.label(1_500_000), "1.5M")
        XCTAssertEqual(SVG.label(0.2), "0.2")
        XCTAssertEqual(SVG.label(0.25), "0.25")
    }

    /// A chart's y ticks are the nice ones, and the last x label near the right edge is anchored
    /// at its end (so it is not clipped by the SVG's border).
    func testChartUsesNiceTicksAndKeepsLastLabelInside() {
        let svg = SVG.lineChart(title: "t", xLabel: "ms", yLabel: "pages",
                                series: [SVG.Series(name: "free", color: "#000", points: [(0, 0), (1000, 6620.48)])])
        for tick in ["0", "2000", "4000", "6000", "8000"] { XCTAssertTrue(svg.contains("text-anchor=\"end\">\(tick)</text>"), tick) }
        XCTAssertFalse(svg.contains(">6620.48<"))
        XCTAssertFalse(svg.contains(">1655.12<"), "no quarter-of-max ticks")
        // x ticks 0, 200, …, 1000: the last at the plot's right edge, x = 560 − 24 = 536, its
        // 4 characters (≈ 28 px, centred) end at 550, inside the 560 px chart.
        XCTAssertTrue(svg.contains("x=\"536.0\" y=\"196.0\" class=\"tick\" text-anchor=\"middle\">1000</text>"), svg)
        XCTAssertTrue(svg.contains("text-anchor=\"middle\">400</text>"))
    }

    /// Four nodes on a circle: the diagonals 0–2 and 1–3 cross at the centre, where both labels
    /// would sit at their middles; every label box is placed apart from the others and from the
    /// node circles.
    func testTopologyLabelsDoNotOverlap() {
        for n in [2, 3, 4, 6, 8] {
            let layout = TopologyLayout(count: n, size: 440)
            var placed: [TopologyLayout.Box] = []
            for i in 0..<n {
                for j in (i + 1)..<n {
                    let b = layout.labelBox(from: i, to: j, width: 22, height: 16, avoiding: placed)
                    XCTAssertFalse(placed.contains { $0.overlaps(b) }, "n=\(n): label \(i)-\(j) overlaps another")
                    XCTAssertFalse(layout.centers.contains { layout.circle($0, overlaps: b) }, "n=\(n): label \(i)-\(j) on a node")
                    placed.append(b)
                }
            }
        }
        // A CPU list wider than the circle (80 px less the 8 px padding) becomes a count.
        XCTAssertEqual(TopologyLayout.cpuLabel("CPUs 0-1", count: 2, fitting: 72), "CPUs 0-1")
        XCTAssertEqual(TopologyLayout.cpuLabel("CPUs 0-5,24-29", count: 12, fitting: 72), "12 CPUs")
    }

    /// A three-phase workload (threads, sysctl, threads): the timeline records where each began;
    /// the sysctl phase takes no simulated time, so phases 2 and 3 share one mark, drawn on every
    /// timeline chart.
    func testPhaseMarksOnEveryTimelineChart() throws {
        let topology = try TopologyFile.load(path: NumasimBinary.root.appendingPathComponent("topologies/nehalem-2s-qemu.yaml").path)
        let machine = try BootedMachine(topology: topology)
        let workload = try Workload.parse("""
            phases:
              - threads:
                  - {cpus: 0, allocate: 64MiB}
              - sysctl: {zone_reclaim_mode: 1}
              - threads:
                  - {cpus: 2, allocate: 64MiB}
            """, file: "inline", topology: topology)
        let observer = StressObserver(everyOps: 500)
        let run = try StressRun.run(machine: machine, workload: workload, seed: 1, observer: observer)
        let report = StressReport(run)
        let marks = try XCTUnwrap(report.timeline.phases)
        XCTAssertEqual(marks.map(\.index), [0, 1, 2])
        XCTAssertEqual(marks.map(\.kind), ["threads", "sysctl", "threads"])
        XCTAssertEqual(marks[0].ms, 0)
        XCTAssertEqual(marks[1].ms, marks[2].ms)
        XCTAssertGreaterThan(marks[1].ms, 0)
        XCTAssertEqual(HTMLReport.phaseMarks(report).map(\.label), ["phase 1: threads", "phases 2–3: sysctl, threads"])
        let page = HTMLReport.render(report, topology: topology)
        let charts = page.components(separatedBy: "<svg class=\"chart\"").count - 1
        XCTAssertGreaterThanOrEqual(charts, 3)
        XCTAssertEqual(page.components(separatedBy: "phases 2–3: sysctl, threads</text>").count - 1, charts, "one mark per timeline chart")
        // 128 MiB on two 1 GiB nodes: no zone falls to its low watermark, kswapd never wakes, and
        // the report says so instead of drawing a flat chart.
        XCTAssertEqual(report.reclaim.kswapd_wakeups, 0)
        XCTAssertTrue(page.contains("kswapd never woke"))
        XCTAssertFalse(page.contains("kswapd balance_pgdat runs (cumulative)"))
    }
}
