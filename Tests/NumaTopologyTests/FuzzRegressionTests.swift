import XCTest
import NumaTestSupport
@testable import NumaTopology

/// Inputs the fuzz targets (Fuzz/, docs/fuzzing.md) found refused without naming a line or key,
/// each cut down to what matters: now refused with the file and the line.
final class FuzzRegressionTests: XCTestCase {
    /// A control character is refused by libyaml's reader, whose error carries only an offset:
    /// the line and column are counted from it.
    func testYAMLControlCharacterNamesItsLineAndColumn() {
        let yaml = "name: x\nnodes:\n  - {id: 0, cpus: 0, memory: 1G\u{1}iB}\n"
        let e = assertInputError({ try TopologyFile.parse(yaml, file: "ctl.yaml") }, file: "ctl.yaml", line: 3,
                                 contains: "control characters are not allowed")
        XCTAssertEqual(e?.column, 32)
        // On the first line, and after a CRLF line end (one character).
        assertInputError({ try TopologyFile.parse("\u{1}", file: "ctl.yaml") }, file: "ctl.yaml", line: 1,
                         contains: "control characters are not allowed")
        let crlf = assertInputError({ try TopologyFile.parse("name: x\r\nno\u{2}des: []\r\n", file: "ctl.yaml") },
                                    file: "ctl.yaml", line: 2, contains: "control characters are not allowed")
        XCTAssertEqual(crlf?.column, 3)
    }

    /// A pagetypeinfo with its headers but no zone rows (the fuzzer's input was two headers run
    /// together) names the last line; an empty one is "the file is empty".
    func testPagetypeinfoWithoutZoneRowsNamesTheLastLine() throws {
        var t = try TopologyFile.parse(ImportFixtures.nehalemYAML, file: "nehalem.yaml")
        var w: [InputWarning] = []
        let text = """
            Page block order: 9
            Pages per block:  512

            Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10


            """
        assertInputError({ try PagetypeinfoImporter.apply(text: text, file: "pti.txt", to: &t, warnings: &w) },
                         file: "pti.txt", line: 4, contains: "no 'Node N, zone NAME' rows by the end of the file")
        assertInputError({ try PagetypeinfoImporter.apply(text: "\n\0\n", file: "pti.txt", to: &t, warnings: &w) },
                         file: "pti.txt", contains: "the file is empty")
    }

    /// A buddyinfo zone name with a "/" (the fuzzer's `Node 1, zone  ////…`) split the
    /// `NODE/ZONE` key into more than two parts, and checking it against the machine trapped.
    func testBuddyinfoZoneNameWithSlashIsRefused() throws {
        let t = try TopologyFile.parse(ImportFixtures.nehalemYAML, file: "nehalem.yaml")
        var w: [InputWarning] = []
        let text = "Node 0, zone DMA 1 1 1 1 1 1 1 1 1 1 1\nNode 1, zone  ////     3  5 4   0      2      2      1  1    2  5 48\n"
        let zones = try BuddyinfoImporter.parse(text: text, file: "buddyinfo")
        assertInputError({ try BuddyinfoImporter.check(zones, file: "buddyinfo", against: t, warnings: &w) },
                         file: "buddyinfo", line: 2, contains: "unknown zone '////'")
    }
}
