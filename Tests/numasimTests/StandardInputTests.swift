import Foundation
import XCTest
import NumaTestSupport

/// `-` reads standard input wherever a file is read (`numactl -H | numasim topology import
/// --numactl -`, `cat topo.yaml | numasim topology show -t -`), and errors name `<stdin>`.
final class StandardInputTests: XCTestCase {
    func testNumactlTextFromStandardInput() throws {
        let text = try String(contentsOf: NumasimBinary.root.appendingPathComponent("Tests/Fixtures/numactl/32em64t-2n.txt"), encoding: .utf8)
        let out = try NumasimBinary.temp("imported.yaml")
        let r = try NumasimBinary.run(["topology", "import", "--numactl", "-", "-o", out], stdin: text)
        XCTAssertEqual(r.status, 0, r.err)
        let viaFile = try NumasimBinary.temp("imported-file.yaml")
        XCTAssertEqual(try NumasimBinary.run(["topology", "import", "--numactl", "Tests/Fixtures/numactl/32em64t-2n.txt", "-o", viaFile]).status, 0)
        let a = try String(contentsOfFile: out, encoding: .utf8), b = try String(contentsOfFile: viaFile, encoding: .utf8)
        // The same machine; only the name (from the file name) and the recorded source differ.
        XCTAssertEqual(a.split(separator: "\n").filter { !$0.hasPrefix("source:") && !$0.hasPrefix("name:") }, b.split(separator: "\n").filter { !$0.hasPrefix("source:") && !$0.hasPrefix("name:") })
    }

    func testTopologyFromStandardInputAndErrorsNameIt() throws {
        let yaml = try String(contentsOf: NumasimBinary.root.appendingPathComponent("topologies/nehalem-2s.yaml"), encoding: .utf8)
        let r = try NumasimBinary.run(["topology", "show", "-t", "-"], stdin: yaml)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("available: 2 nodes (0-1)"), r.out)
        let bad = try NumasimBinary.run(["topology", "show", "-t", "-"], stdin: "nodes: 3\n")
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("<stdin>"), bad.err)
    }

    /// `lstopo --of xml - | numasim topology import --hwloc -`: the same machine as from the
    /// file; a warning or an error names `<stdin>`; the import boots (`topology show` of it).
    func testHwlocXMLFromStandardInput() throws {
        let path = "Tests/Fixtures/hwloc/derived-3n-cxl.xml"
        let xml = try String(contentsOf: NumasimBinary.root.appendingPathComponent(path), encoding: .utf8)
        let r = try NumasimBinary.run(["topology", "import", "--hwloc", "-"], stdin: xml)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("name: \"hwloc\""), r.out)
        XCTAssertTrue(r.out.contains("distances:\n  - [10, 21, 14]\n  - [21, 10, 24]\n  - [14, 24, 10]\n"), r.out)
        let viaFile = try NumasimBinary.run(["topology", "import", "--hwloc", path])
        XCTAssertEqual(viaFile.status, 0, viaFile.err)
        let strip = { (t: String) in t.split(separator: "\n").filter { !$0.hasPrefix("source:") && !$0.hasPrefix("name:") } }
        XCTAssertEqual(strip(r.out), strip(viaFile.out))
        let shown = try NumasimBinary.run(["topology", "show", "-t", "-"], stdin: r.out)
        XCTAssertEqual(shown.status, 0, shown.err)
        XCTAssertTrue(shown.out.contains("node 2 cpus:\n"), shown.out)

        let noMatrix = xml.components(separatedBy: "\n").filter { !$0.contains("distances2") && !$0.contains("indexes") && !$0.contains("u64values") }
        let warned = try NumasimBinary.run(["topology", "import", "--hwloc", "-"], stdin: noMatrix.joined(separator: "\n"))
        XCTAssertEqual(warned.status, 0, warned.err)
        XCTAssertTrue(warned.err.hasPrefix("warning: <stdin>: no <distances2 type=\"NUMANode\">"), warned.err)
        let bad = try NumasimBinary.run(["topology", "import", "--hwloc", "-"], stdin: xml.replacingOccurrences(of: "os_index=\"1\" cpuset=\"0x0000000c\"", with: "os_index=\"one\" cpuset=\"0x0000000c\""))
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.hasPrefix("Error: <stdin>:"), bad.err)
        XCTAssertTrue(bad.err.contains("os_index=\"one\": expected"), bad.err)
    }
}
