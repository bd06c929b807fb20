import Foundation
import XCTest
import NumaTestSupport
@testable import NumaReports

/// numastat(8) layouts against the real tool: Fixtures/numastat/CASE holds node files and what
/// numactl 2.0.16's numastat printed for them with each option set
/// (scripts/capture-numastat-fixtures.sh: this host's own one-node files, and the node files of
/// three numasim runs of 2 and 8 nodes, bind-mounted over /sys/devices/system/node). Every
/// output is compared byte for byte with `NumastatTool` over the same files.
final class NumastatToolTests: XCTestCase {
    static let cases = ["host", "nehalem-2s-qemu-page-cache-pressure", "epyc-nps4-interleave-and-bind", "epyc-nps4-first-touch-overflow"]

    /// The node files of a fixture case.
    func tool(_ name: String) throws -> NumastatTool {
        let dir = Fixtures.path("numastat/\(name)")
        var files: [Int: NumastatTool.NodeFiles] = [:]
        for entry in try FileManager.default.contentsOfDirectory(atPath: dir) where entry.hasPrefix("node") {
            let id = try XCTUnwrap(Int(entry.dropFirst(4)), entry)
            files[id] = NumastatTool.NodeFiles(numastat: try Fixtures.text("numastat/\(name)/\(entry)/numastat"),
                                               meminfo: try Fixtures.text("numastat/\(name)/\(entry)/meminfo"))
        }
        return NumastatTool(files: files)
    }

    /// `numastat-c-z.out` → -c -z at the tool's width off a terminal; `w80-…` → NUMASTAT_WIDTH=80.
    static func options(_ file: String) -> (NumastatTool.Options, width: Int) {
        var name = file.replacingOccurrences(of: ".out", with: "")
        var width = NumastatTool.screenWidth(environment: [:], isTerminal: false)
        if name.hasPrefix("w80-") {
            width = NumastatTool.screenWidth(environment: ["NUMASTAT_WIDTH": "80"], isTerminal: false)
            name.removeFirst(4)
        }
        let flags = Set(name.dropFirst("numastat".count).split(separator: "-").map(String.init))
        return (NumastatTool.Options(compress: flags.contains("c"), meminfo: flags.contains("m"), numastat: flags.contains("n"),
                                     sortByTotal: flags.contains("s"), skipZero: flags.contains("z")), width)
    }

    func testEveryCapturedLayoutIsReproducedByteForByte() throws {
        var compared = 0
        for name in Self.cases {
            let t = try tool(name)
            let outputs = try FileManager.default.contentsOfDirectory(atPath: Fixtures.path("numastat/\(name)")).filter { $0.hasSuffix(".out") }
            XCTAssertEqual(outputs.count, 15, "\(name): every option set captured")
            for file in outputs.sorted() {
                let (o, width) = Self.options(file)
                let real = try Fixtures.text("numastat/\(name)/\(file)")
                XCTAssertEqual(try t.render(o, screenWidth: width), real, "\(name)/\(file)")
                compared += 1
            }
        }
        XCTAssertEqual(compared, 60)
    }

    /// The fixtures hold what the tests rely on: the real tool's shapes, not numasim's.
    func testCapturedShapesAreTheToolsOwn() throws {
        XCTAssertTrue(try Fixtures.text("numastat/numastat-version.txt").contains("numactl\t2.0.16"))
        let compat = try Fixtures.text("numastat/host/numastat.out")
        XCTAssertTrue(compat.hasPrefix(String(repeating: " ", count: 27) + "node0\nnuma_hit "), compat)
        let n = try Fixtures.text("numastat/host/numastat-n.out")
        XCTAssertTrue(n.hasPrefix("\nPer-node numastat info (in MBs):\n                          Node 0           Total\n                 --------------- ---------------\n"), n)
        let m = try Fixtures.text("numastat/host/numastat-m.out")
        XCTAssertTrue(m.contains("Token SwapCached not in hash table.\n"), "the host's kernel has fields 2.0.16 does not know")
        // Eight nodes at 80 columns: four per section, then the Total column alone.
        let folded = try Fixtures.text("numastat/epyc-nps4-interleave-and-bind/w80-numastat-n.out")
        XCTAssertEqual(folded.components(separatedBy: "\n\n").count, 3, "three sections: \(folded)")
        // -z drops the seven nodes the first touch never reached, and the zero rows.
        let z = try Fixtures.text("numastat/epyc-nps4-first-touch-overflow/numastat-z.out")
        XCTAssertFalse(z.contains("Node 1"), z)
        XCTAssertFalse(z.contains("Numa_Miss"), z)
    }

    /// The compatibility table is the one the stress report prints, and values land in their node's column.
    func testCompatibilityTableValues() throws {
        let t = try tool("nehalem-2s-qemu-page-cache-pressure")
        let text = try t.render(NumastatTool.Options(), screenWidth: 10_000_000)
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines[0], "                           node0           node1")
        let node1 = try Fixtures.text("numastat/nehalem-2s-qemu-page-cache-pressure/node1/numastat").split(separator: "\n")
        let miss = try XCTUnwrap(node1.first { $0.hasPrefix("numa_miss ") }?.split(separator: " ").last)
        XCTAssertNotEqual(miss, "0")
        let missRow = try XCTUnwrap(lines.first { $0.hasPrefix("numa_miss ") })
        XCTAssertEqual(missRow.split(separator: " ").last, miss, "node 1's value in the last column")
        XCTAssertEqual(missRow.count, 48, "16-wide label and node columns")
        XCTAssertTrue(try t.sections(NumastatTool.Options()).allSatisfy { $0.title == nil })
    }

    /// `-m` needs every node's meminfo.
    func testMeminfoViewNeedsMeminfo() throws {
        let t = NumastatTool(files: [0: .init(numastat: "numa_hit 1\n", meminfo: nil)])
        XCTAssertThrowsError(try t.render(NumastatTool.Options(meminfo: true), screenWidth: 80)) { e in
            XCTAssertEqual((e as? NumastatTool.MissingMeminfo)?.node, 0)
        }
        XCTAssertNoThrow(try t.render(NumastatTool.Options(numastat: true), screenWidth: 80))
    }

    /// `get_screen_width`: 80 on a terminal, unlimited off one, NUMASTAT_WIDTH within 1…10^7, at least 32.
    func testScreenWidth() {
        XCTAssertEqual(NumastatTool.screenWidth(environment: [:], isTerminal: true), 80)
        XCTAssertEqual(NumastatTool.screenWidth(environment: [:], isTerminal: false), 10_000_000)
        XCTAssertEqual(NumastatTool.screenWidth(environment: ["NUMASTAT_WIDTH": "120"], isTerminal: true), 120)
        XCTAssertEqual(NumastatTool.screenWidth(environment: ["NUMASTAT_WIDTH": "10"], isTerminal: false), 32)
        XCTAssertEqual(NumastatTool.screenWidth(environment: ["NUMASTAT_WIDTH": "0"], isTerminal: false), 80)
    }
}
