import Foundation
import XCTest
import NumaTestSupport

/// The HTML report beyond 16 nodes (issue 18): the topology becomes a distance-matrix heatmap,
/// the fallback heatmap keeps only rows and columns with pages, at most 32 zone charts are drawn,
/// and the kswapd chart says when kswapd did not run — so the page stays small.
final class HTMLReportScaleTests: XCTestCase {
    func testSixtyFourNodeReportKeepsOnlyWhatHasPages() throws {
        let topo = try NumasimBinary.temp("n64.yaml")
        let g = try NumasimBinary.run(["topology", "generate", "--nodes", "64", "--cpus-per-node", "1", "--memory-per-node", "256MiB", "-o", topo])
        XCTAssertEqual(g.status, 0, g.err)
        // CPUs 0-1 (nodes 0 and 1) allocate a little: only nodes 0 and 1 serve pages.
        let w = try NumasimBinary.temp("w.yaml", "threads:\n  - {cpus: \"0-1\", kind: anon, gfp: GFP_HIGHUSER_MOVABLE, allocate: 2000, free: never}\n")
        let html = try NumasimBinary.temp("r.html")
        let r = try NumasimBinary.run(["stress", "-t", topo, "-w", w, "--quiet", "--report", html])
        XCTAssertEqual(r.status, 0, r.err)
        let text = try String(contentsOfFile: html, encoding: .utf8)
        XCTAssertLessThan(text.utf8.count, 1_000_000, "a 64-node report stays under 1 MB")
        XCTAssertTrue(text.contains("SLIT distances of 64 nodes"), "the topology is drawn as a distance matrix")
        // Fallback heatmap: 2 rows × 2 columns of cells with pages (titles "nodeA → nodeB: …").
        let cells = text.components(separatedBy: " pages, ").count - 1
        XCTAssertEqual(cells, 4)
        XCTAssertTrue(text.contains("kswapd never woke"), "no flat kswapd chart: the page says why")
        XCTAssertLessThanOrEqual(text.components(separatedBy: "<title>zone ").count - 1, 32)
    }
}
