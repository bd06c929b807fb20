import Foundation
import XCTest
import NumaTestSupport
@testable import NumaTopology

/// `paging: 5-level` (x86-64 LA57): MAX_PHYSMEM_BITS 52 instead of 46, in the file format, the
/// writer, the generator and `import --host` (from the running kernel).
final class PagingTests: XCTestCase {
    func parse(_ yaml: String) throws -> Topology { try TopologyFile.parse(yaml, file: "p.yaml") }

    /// 80 TiB: beyond 4-level paging's 64 TiB, within 5-level's 4 PiB.
    static let eightyTiB = """
        name: big
        paging: 5-level
        nodes:
          - {id: 0, cpus: 0, memory: 40TiB}
          - {id: 1, cpus: 1, memory: 40TiB}
        """

    func testFiveLevelRaisesTheLimitTo2To52() throws {
        let t = try parse(Self.eightyTiB)
        XCTAssertEqual(t.paging, .fiveLevel)
        XCTAssertEqual(t.physicalLimit.bits, 52)
        XCTAssertEqual(t.physicalLimit.bytes, 1 << 52)
        // The same machine with the default paging is refused, and the message says what to set.
        let e = assertInputError({ try self.parse(Self.eightyTiB.replacingOccurrences(of: "paging: 5-level\n", with: "")) },
                                 file: "p.yaml", line: 4, key: "nodes[1].memory", contains: "2^46 bytes")
        XCTAssertTrue(e?.message.contains("`paging: 5-level` raises it to 2^52") == true, e?.message ?? "")
        XCTAssertEqual(try parse("name: x\npaging: 4-level\nnodes: [{id: 0, cpus: 0, memory: 1GiB}]\n").paging, .fourLevel,
                       "4-level spelled out")
    }

    func testBeyond2To52IsRefusedEvenWithFiveLevels() {
        let yaml = """
            name: too-big
            paging: 5-level
            legacy_holes: false
            nodes:
              - {id: 0, cpus: 0, ranges: [{start: 0xfffffc0000000, size: 8TiB}]}
            """
        assertInputError({ try self.parse(yaml) }, file: "p.yaml", line: 5, key: "nodes[0].ranges[0].size",
                         contains: "beyond the x86_64 5-level physical address limit; expected an end at or below 2^52 bytes (4PiB")
    }

    func testBadPagingValuesNameTheKey() {
        assertInputError({ try self.parse("name: x\npaging: 3-level\nnodes: [{id: 0, cpus: 0, memory: 1GiB}]\n") },
                         file: "p.yaml", line: 2, key: "paging", contains: "expected 4-level or 5-level")
        assertInputError({ try self.parse("name: x\narch: i386\npaging: 5-level\nnodes: [{id: 0, cpus: 0, memory: 1GiB}]\n") },
                         file: "p.yaml", line: 3, key: "paging", contains: "5-level paging is x86_64 only")
    }

    func testWriterAndGeneratorKeepIt() throws {
        let t = try parse(Self.eightyTiB)
        let yaml = TopologyWriter.yaml(t)
        XCTAssertTrue(yaml.contains("\npaging: 5-level\n"), yaml)
        XCTAssertEqual(try parse(yaml).paging, .fiveLevel)
        XCTAssertFalse(TopologyWriter.yaml(try parse("name: x\nnodes: [{id: 0, cpus: 0, memory: 1GiB}]\n")).contains("paging"),
                       "the default is not written (existing files stay as they were)")
        var g = TopologyGenerator(nodes: 256, cpusPerNode: 1, memoryPerNode: 4 << 40)
        XCTAssertThrowsError(try TopologyValidator.validate(try g.topology()), "1 PiB needs 5-level paging")
        g.paging = .fiveLevel
        let big = try g.topology()
        XCTAssertNoThrow(try TopologyValidator.validate(big))
        XCTAssertEqual(big.nodes.count * 4 << 40, 1 << 50)
    }

    /// Copies of other machines (numactl -H, sysfs) import as 4-level: their files do not say
    /// how the kernel paged, and 80 TiB is refused rather than guessed into a 5-level machine
    /// (issue 19's bound on imported sizes). `--host` asks the running kernel (below).
    func testNumactlImportStaysFourLevel() throws {
        func numactl(_ mb: Int) -> String {
            """
            available: 2 nodes (0-1)
            node 0 cpus: 0
            node 0 size: \(mb) MB
            node 0 free: 1000 MB
            node 1 cpus: 1
            node 1 size: \(mb) MB
            node 1 free: 1000 MB
            node distances:
            node   0   1
              0:  10  21
              1:  21  10
            """
        }
        XCTAssertEqual(try NumactlImporter.parse(numactl(16 << 10), file: "small.txt").paging, .fourLevel)
        assertInputError({ try NumactlImporter.parse(numactl(40 << 20), file: "big.txt") }, file: "big.txt", line: 6,
                         contains: "2^46 bytes")
    }

    /// The host's paging needs the CPU flag and the kernel using it; without the flag, 4-level.
    func testHostPagingNeedsTheLA57Flag() throws {
        let without = try NumasimBinary.temp("cpuinfo", "processor\t: 0\nflags\t\t: fpu vme de pse tsc msr pae la57x\n")
        XCTAssertFalse(HostPaging.cpuHasLA57(cpuinfo: without))
        XCTAssertEqual(HostPaging.current(cpuinfo: without), .fourLevel)
        let with = try NumasimBinary.temp("cpuinfo", "processor\t: 0\nflags\t\t: fpu vme la57 pku\n")
        XCTAssertTrue(HostPaging.cpuHasLA57(cpuinfo: with))
        // With the flag the answer is the running kernel's (an mmap hinted above 2^47).
        XCTAssertEqual(HostPaging.current(cpuinfo: with), HostPaging.kernelMapsAbove47Bits() ? .fiveLevel : .fourLevel)
        XCTAssertEqual(HostPaging.cpuHasLA57(cpuinfo: "/nonexistent/cpuinfo"), false)
    }
}
