import Foundation
import XCTest
import NumaTestSupport

/// `stress --report FILE.html`: one file that stands alone (no network, no scripts), with its
/// SVG elements closed, showing the fallback matrix of the very run that wrote it.
final class HTMLReportTests: XCTestCase {
    func testReportIsSelfContainedAndShowsTheRunsMatrix() throws {
        let html = try NumasimBinary.temp("report.html")
        let csv = try NumasimBinary.temp("timeline.csv")
        let r = try NumasimBinary.run(["stress", "-t", "topologies/nehalem-2s-qemu.yaml", "-w", "workloads/first-touch-overflow.yaml",
                                       "--json", "--report", html, "--csv", csv])
        XCTAssertEqual(r.status, 0, r.err)
        let j = try NumasimBinary.json(r.out)
        let page = try String(contentsOfFile: html, encoding: .utf8)

        // Self-contained.
        for pattern in [#"(src|href)\s*=\s*["']?\s*(https?:)?//"#, #"<script"#, #"<link\b"#, #"@import"#, #"url\("#] {
            XCTAssertNil(page.range(of: pattern, options: [.regularExpression, .caseInsensitive]), "found \(pattern)")
        }
        // Well-formed enough: every <svg> closed, no stray closing tags, the document closed.
        let opens = page.components(separatedBy: "<svg").count - 1
        XCTAssertEqual(opens, page.components(separatedBy: "</svg>").count - 1)
        XCTAssertGreaterThanOrEqual(opens, 5, "topology, heatmap, zone and locality charts")
        for tag in ["table", "tr", "div", "section", "text"] {
            XCTAssertEqual(page.components(separatedBy: "<\(tag)>").count + page.components(separatedBy: "<\(tag) ").count - 2,
                           page.components(separatedBy: "</\(tag)>").count - 1, "<\(tag)> balanced")
        }
        XCTAssertTrue(page.hasSuffix("</html>\n"))

        // The heatmap shows this run's matrix: every cell's pages, as the JSON gives them.
        let fb = try XCTUnwrap(j["fallback"] as? [String: Any])
        let nodes = fb["nodes"] as! [Int], pages = fb["pages"] as! [[Int]]
        XCTAssertGreaterThan(pages[0][1], 0, "first touch overflows node 0")
        for (i, a) in nodes.enumerated() {
            for (k, b) in nodes.enumerated() {
                XCTAssertTrue(page.contains("node\(a) → node\(b): \(pages[i][k]) pages"), "cell \(a)→\(b) = \(pages[i][k])")
            }
        }
        // One chart per zone of the timeline.
        let zones = (j["timeline"] as! [String: Any])["zones"] as! [String]
        for z in zones { XCTAssertTrue(page.contains("<title>zone \(z)"), z) }

        // The CSV: a header and one row per sample, the last row's free pages = the end state.
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        let samples = (j["timeline"] as! [String: Any])["samples"] as! [[String: Any]]
        XCTAssertEqual(rows.count, samples.count + 1)
        let header = rows[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let last = rows.last!.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        for z in j["zones"] as! [[String: Any]] {
            let name = z["zone"] as! String
            let col = try XCTUnwrap(header.firstIndex(of: "\(name) free"), name)
            XCTAssertEqual(Int(last[col]), z["free"] as? Int, name)
        }
    }
    // An unwritable --report path: ExitStatusTests.testUnwritableReportOrCSVStillPrintsTheResult.
}
