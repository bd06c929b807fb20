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
}
