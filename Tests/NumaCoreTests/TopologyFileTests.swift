import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaTopology

final class TopologyFileTests: XCTestCase {
    func expectError(_ yaml: String, line: Int?, key: String?, mentions: String,
                     file: StaticString = #filePath, sourceLine: UInt = #line) {
        do {
            let t = try TopologyFile.parse(yaml, file: "bad.yaml")
            _ = try InputError.labelling(file: "bad.yaml") { try BootedMachine(topology: t) }
            XCTFail("expected an error mentioning '\(mentions)'", file: file, line: sourceLine)
        } catch let e as InputError {
            XCTAssertEqual(e.file, "bad.yaml", file: file, line: sourceLine)
            if let line { XCTAssertEqual(e.line, line, "\(e)", file: file, line: sourceLine) }
            if let key { XCTAssertEqual(e.key, key, "\(e)", file: file, line: sourceLine) }
            XCTAssertTrue(e.description.contains(mentions), "\(e)", file: file, line: sourceLine)
        } catch {
            XCTFail("unexpected error type \(error)", file: file, line: sourceLine)
        }
    }

    func testCPUListSyntax() throws {
        XCTAssertEqual(try CPUList.parse("0-3,8-11").members, [0, 1, 2, 3, 8, 9, 10, 11])
        XCTAssertEqual(try CPUList.parse("0-31\n\0").count, 32)
        XCTAssertEqual(try CPUList.parse("").members, [])
        XCTAssertEqual(try CPUList.parse("5,1,3-4").description, "1,3-5")
        XCTAssertEqual(try CPUList.parseMask("00000000,0000ffff").members, Array(0...15))
        XCTAssertEqual(try CPUList.parseMask("1111,11111111,11111111").members.prefix(3), [0, 4, 8])
        XCTAssertEqual(try CPUList.parseMask("1111,11111111,11111111").members.last, 76)
        XCTAssertThrowsError(try CPUList.parse("0-x"))
        XCTAssertThrowsError(try CPUList.parse("3-1"))
        XCTAssertThrowsError(try CPUList.parse("1,,2"))
        XCTAssertThrowsError(try CPUList.parseMask("zz"))
    }

    func testSizes() {
        XCTAssertEqual(ByteSize.parse("1GiB"), 1 << 30)
        XCTAssertEqual(ByteSize.parse("512 MiB"), 512 << 20)
        XCTAssertEqual(ByteSize.parse("1.5GiB"), 3 << 29)
        XCTAssertEqual(ByteSize.parse("0x40000000"), 1 << 30)
        XCTAssertEqual(ByteSize.parse("4096"), 4096)
        XCTAssertEqual(ByteSize.parse("8386704kB"), 8386704 * 1024)
        XCTAssertNil(ByteSize.parse("lots"))
        XCTAssertNil(ByteSize.parse("-1GiB"))
        XCTAssertNil(ByteSize.parse("99999999999TiB"))
        XCTAssertEqual(ByteSize.format(3 << 29), "1536MiB")
    }

    func testBadInputNamesLineKeyAndExpectation() {
        expectError("nodes:\n  - {id: 0, cpus: 0-x, memory: 1GiB}\n", line: 2, key: "nodes[0].cpus", mentions: "cpulist")
        expectError("nodes:\n  - id: 0\n    cpus: \"0\"\n    memory: lots\n", line: 4, key: "nodes[0].memory", mentions: "expected a size")
        expectError("nodes:\n  - {id: 0, cpus: \"0\", memory: 1GiB, colour: red}\n", line: 2, key: "nodes[0].colour", mentions: "unknown key")
        expectError("name: x\n", line: nil, key: "nodes", mentions: "missing")
        expectError("nodes: [{id: 0, cpus: \"0\"}]\n", line: nil, key: "nodes[0].memory", mentions: "missing")
        expectError("""
            nodes:
              - {id: 0, cpus: "0", memory: 1GiB}
              - {id: 1, cpus: "1", memory: 1GiB}
            distances:
              - [10, 21]
              - [21, 12]
            """, line: 6, key: "distances[1][1]", mentions: "diagonal must be 10")
        expectError("""
            nodes:
              - {id: 0, cpus: "0", memory: 1GiB}
              - {id: 1, cpus: "1", memory: 1GiB}
            distances: [[10, 10], [21, 10]]
            """, line: 4, key: "distances[0][1]", mentions: "11...255")
        expectError("""
            nodes:
              - {id: 0, cpus: "0", memory: 1GiB}
              - {id: 1, cpus: "1", memory: 1GiB}
            distances: [[10, 21]]
            """, line: nil, key: "distances", mentions: "expected 2 rows")
        expectError("""
            nodes:
              - {id: 0, cpus: "0-3", memory: 1GiB}
              - {id: 1, cpus: "3-4", memory: 1GiB}
            """, line: 3, key: "nodes[1].cpus", mentions: "CPU 3 already belongs to node 0")
        expectError("""
            nodes:
              - {id: 0, cpus: "0", memory: 1GiB}
              - {id: 0, cpus: "1", memory: 1GiB}
            """, line: 3, key: "nodes[1].id", mentions: "defined twice")
        expectError("nodes: [{id: 0, cpus: \"\", memory: 1GiB}]\n", line: nil, key: "nodes", mentions: "no node has CPUs")
        expectError("nodes: [{id: 0, cpus: \"0\", memory: 0}]\n", line: nil, key: "nodes", mentions: "no node has memory")
        expectError("nodes: [{id: 2000, cpus: \"0\", memory: 1GiB}]\n", line: 1, key: "nodes[0].id", mentions: "MAX_NUMNODES")
        expectError("nodes: [{id: 0, cpus: \"0\", memory: 1GiB}]\nsysctl: {watermark_scale_factor: 0}\n", line: 2,
                    key: "sysctl.watermark_scale_factor", mentions: "1...3000")
        expectError("nodes: [{id: 0, cpus: \"0\", memory: 1GiB}]\nsysctl: {percpu_pagelist_high_fraction: 4}\n", line: 2,
                    key: "sysctl.percpu_pagelist_high_fraction", mentions: ">= 8")
        expectError("nodes: [{id: 0, cpus: \"0\", memory: 1GiB}]\nsysctl: {lowmem_reserve_ratio: [256, 32]}\n", line: 2,
                    key: "sysctl.lowmem_reserve_ratio", mentions: "expected 5 ratios")
        expectError("nodes: [{id: 0, cpus: \"0\", memory: 1GiB}]\nsysctl: {transparent_hugepage: sometimes}\n", line: 2,
                    key: "sysctl.transparent_hugepage", mentions: "always, madvise or never")
        expectError("nodes: [{id: 0, cpus: \"0\", memory: 1GiB, zones: {Highmem: {managed: 3}}}]\n", line: 1,
                    key: "nodes[0].zones.Highmem", mentions: "unknown key")
        expectError("nodes: [{id: 0, cpus: \"0\", memory: 1GiB, zones: {DMA: {managed: 5000}}}]\n", line: nil,
                    key: "nodes (id 0).zones.DMA", mentions: "exceeds present")
        expectError("""
            nodes:
              - {id: 0, cpus: "0", ranges: [{start: 0, size: 2GiB}]}
              - {id: 1, cpus: "1", ranges: [{start: 1GiB, size: 2GiB}]}
            distances: [[10, 20], [20, 10]]
            """, line: nil, key: "nodes (id 1)", mentions: "overlaps node 0")
        expectError("nodes: [{id: 0, cpus: \"0\", memory: 1000}]\n", line: 1, key: "nodes[0].memory", mentions: "4 KiB")
        expectError("nodes:\n  - {id: 0, cpus: \"0\", memory: 1GiB\n", line: nil, key: nil, mentions: "not valid YAML")
        expectError("", line: nil, key: nil, mentions: "empty")
    }

    func testCommandLineSysctl() throws {
        var s = Sysctls()
        try s.apply(assignment: "vm.min_free_kbytes=65536", arch: .x86_64)
        try s.apply(assignment: "zone_reclaim_mode=1", arch: .x86_64)
        try s.apply(assignment: "vm.transparent_hugepage=never", arch: .x86_64)
        XCTAssertEqual(s.minFreeKbytes, 65536)
        XCTAssertEqual(s.zoneReclaimMode, 1)
        XCTAssertEqual(s.transparentHugepage, .never)
        try s.apply(assignment: "vm.swappiness=10", arch: .x86_64)
        XCTAssertEqual(s.swappiness, 10)
        XCTAssertThrowsError(try s.apply(assignment: "vm.swappiness=201", arch: .x86_64)) { e in
            XCTAssertTrue("\(e)".contains("0...200"), "\(e)")
        }
        XCTAssertThrowsError(try s.apply(assignment: "vm.dirty_ratio=20", arch: .x86_64)) { e in
            XCTAssertTrue("\(e)".contains("unknown sysctl"), "\(e)")
        }
        XCTAssertThrowsError(try s.apply(assignment: "vm.min_free_kbytes", arch: .x86_64))
        XCTAssertThrowsError(try s.apply(assignment: "vm.zone_reclaim_mode=9", arch: .x86_64))
    }

    /// Writing a topology and reading it back gives the same machine.
    func testWriterRoundTrip() throws {
        let yaml = """
            name: "round: trip"
            description: a "quoted" description
            arch: x86_64
            holes: [{start: 3GiB, size: 1GiB}]
            nodes:
              - {id: 0, cpus: "0-3,8-11", memory: 8GiB, reserved: 64MiB, managed: 8000000KiB, free: 7GiB}
              - {id: 3, cpus: "", ranges: [{start: 0x300000000, size: 4GiB}], movable: all,
                 zones: {Movable: {managed: 1000000, min: 5, protection: [0, 0, 0, 0, 0], pcp_high: 9}}}
            distances: [[10, 24], [24, 10]]
            sysctl: {min_free_kbytes: 90112, watermark_scale_factor: 30, lowmem_reserve_ratio: [256, 256, 32, 0, 0],
                     zone_reclaim_mode: 1, transparent_hugepage: madvise, percpu_pagelist_high_fraction: 16}
            kernel: {node_reclaim_distance: 32}
            """
        let t = try TopologyFile.parse(yaml)
        let back = try TopologyFile.parse(TopologyWriter.yaml(t))
        XCTAssertEqual(back, t)
        let m = try BootedMachine(topology: back)
        // node 0 skips the PCI hole: 3 GiB below it, 5 GiB above 4 GiB
        XCTAssertEqual(m.layout.nodeSpan(0), 1..<(9 << 18))
        XCTAssertEqual(m.zones[0]!.reduce(0) { $0 + $1.managed }, 8_000_000 / 4)
        XCTAssertEqual(m.zones[0]!.reduce(0) { $0 + $1.free }, (7 << 30) >> 12)
    }

    /// SECTION_SIZE_BITS of arch/x86/include/asm/sparsemem.h (6.1): 27 on x86_64, 29 with PAE,
    /// 26 on 2-level i386 — a PAE section is 512 MiB, so sections of a PAE box are 8× an i386's.
    func testMemorySectionSizesFollowSparsememH() {
        XCTAssertEqual(Arch.x86_64.sectionBytes, 128 << 20)
        XCTAssertEqual(Arch.i386PAE.sectionBytes, 512 << 20)
        XCTAssertEqual(Arch.i386.sectionBytes, 64 << 20)
    }
}
