import XCTest
import NumaReports

/// The live status line's choice of nodes (`NodePressure`): those below their high watermark
/// (`pgdat_balanced` wants free ≥ high in every zone before kswapd sleeps) or with kswapd awake,
/// least free/high first; amounts in MiB of 4 KiB pages (256 pages a MiB).
final class NodePressureTests: XCTestCase {
    func testShowsTheNodesUnderPressureWorstFirst() {
        let all = [
            NodePressure(node: 0, free: 1000, low: 400, high: 500, kswapdAwake: false),  // balanced: not shown
            NodePressure(node: 1, free: 300, low: 500, high: 600, kswapdAwake: false),   // 300/600 = 0.5
            NodePressure(node: 2, free: 100, low: 600, high: 800, kswapdAwake: true),    // 0.125
            NodePressure(node: 3, free: 900, low: 800, high: 1000, kswapdAwake: true),   // 0.9, awake
            NodePressure(node: 4, free: 50, low: 80, high: 100, kswapdAwake: false),     // 0.5, ties node 1
        ]
        let (shown, more) = NodePressure.select(all, limit: 3)
        XCTAssertEqual(shown.map(\.node), [2, 1, 4], "least headroom first; the 0.5 tie goes to the lower id")
        XCTAssertEqual(more, 1, "node 3 is under pressure too (kswapd awake) but beyond the limit")
        // 100 pages = 0.39 MiB → "0.4"; low 600 pages = 2.34 MiB → "2.3".
        XCTAssertEqual(shown[0].text, "node2 free 0.4 < low 2.3 MiB, kswapd awake")
        // 300 pages = 1.17 MiB, below low 500 pages = 1.95 MiB → "2.0".
        XCTAssertEqual(shown[1].text, "node1 free 1.2 < low 2.0 MiB, kswapd asleep")
    }

    func testNoPressureShowsTheClosestNode() {
        let all = [
            NodePressure(node: 0, free: 256_000, low: 2000, high: 2560, kswapdAwake: false),  // 100×
            NodePressure(node: 1, free: 5120, low: 2000, high: 2560, kswapdAwake: false),     // 2×: closest
            NodePressure(node: 2, free: 0, low: 0, high: 0, kswapdAwake: false),              // no memory
        ]
        let (shown, more) = NodePressure.select(all)
        XCTAssertEqual(shown.map(\.node), [1])
        XCTAssertEqual(more, 0)
        // 5120 pages = 20 MiB, high 2560 pages = 10 MiB.
        XCTAssertEqual(shown[0].text, "node1 free 20 ≥ high 10 MiB, kswapd asleep")
    }
}
