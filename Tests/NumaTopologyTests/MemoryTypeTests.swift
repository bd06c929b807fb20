import XCTest
import NumaTestSupport
@testable import NumaTopology

/// `memory_type:`, `adistance:` and the tiering sysctls: defaults as Linux 6.1 has them
/// (include/linux/memory-tiers.h, drivers/dax/kmem.c, kernel/sched/fair.c, mm/memory-tiers.c),
/// the writer's round trip, and bad input refused with the file, line and key.
final class MemoryTypeTests: XCTestCase {
    func parse(_ yaml: String) throws -> Topology { try TopologyFile.parse(yaml, file: "bad.yaml") }

    func node(_ extra: String) -> String {
        """
        nodes:
          - {id: 0, cpus: "0-1", memory: 2GiB}
          - id: 1
            memory: 1GiB
        \(extra.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        """
    }

    /// MEMTIER_ADISTANCE_DRAM = 4 × 128 + 64 = 576; MEMTIER_DEFAULT_DAX_ADISTANCE = 5 × 576.
    func testDefaultsAndKernelConstants() throws {
        XCTAssertEqual(MemoryType.dramAdistance, 576)
        XCTAssertEqual(MemoryType.defaultDaxAdistance, 2880)
        XCTAssertEqual(MemoryType.dramAdistance >> MemoryType.chunkBits, 4)
        XCTAssertEqual(MemoryType.defaultDaxAdistance >> MemoryType.chunkBits, 22)
        let t = try parse(node("memory_type: dax_kmem"))
        XCTAssertEqual(t.nodes[0].memoryType, .dram)
        XCTAssertEqual(t.nodes[0].abstractDistance, 576)
        XCTAssertFalse(t.nodes[0].isHotAdded)
        XCTAssertEqual(t.nodes[1].memoryType, .daxKmem)
        XCTAssertEqual(t.nodes[1].abstractDistance, 2880)
        XCTAssertTrue(t.nodes[1].isHotAdded)
        // adistance alone: driver-managed memory, hot-added like dax_kmem.
        let a = try parse(node("adistance: 1000"))
        XCTAssertEqual(a.nodes[1].memoryType, .daxKmem)
        XCTAssertEqual(a.nodes[1].abstractDistance, 1000)
        // dram with DRAM's own value is consistent.
        XCTAssertEqual(try parse(node("memory_type: dram\nadistance: 576")).nodes[1].abstractDistance, 576)
        // The sysctls' 6.1 defaults.
        let s = TieringSysctls()
        XCTAssertFalse(s.demotionEnabled)
        XCTAssertEqual([s.promoteRateLimitMBps, s.scanDelayMs, s.scanPeriodMinMs, s.scanPeriodMaxMs, s.scanSizeMB,
                        s.hotThresholdMs], [65536, 1000, 1000, 60000, 256, 1000])
        XCTAssertEqual(s.numaBalancingMode(onlineNodesAtBoot: 2), 1)
        XCTAssertEqual(s.numaBalancingMode(onlineNodesAtBoot: 1), 0)
    }

    func testWriterRoundTrip() throws {
        var t = try parse(node("memory_type: dax_kmem\nadistance: 1000") + """

            sysctl:
              demotion_enabled: true
              numa_balancing: 2
              numa_balancing_promote_rate_limit_MBps: 100
              numa_balancing_scan_size_mb: 64
              numa_balancing_hot_threshold_ms: 500
            """)
        XCTAssertTrue(t.sysctl.tiering.demotionEnabled)
        XCTAssertEqual(t.sysctl.tiering.numaBalancing, 2)
        XCTAssertEqual(t.sysctl.tiering.promoteRateLimitMBps, 100)
        let text = TopologyWriter.yaml(t)
        XCTAssertTrue(text.contains("    memory_type: dax_kmem\n    adistance: 1000\n"), text)
        XCTAssertEqual(try TopologyFile.parse(text), t)
        t.nodes[1].adistance = nil
        XCTAssertEqual(try TopologyFile.parse(TopologyWriter.yaml(t)), t)
        t.nodes[1].memoryType = .dram
        t.nodes[1].adistance = 576
        XCTAssertEqual(try TopologyFile.parse(TopologyWriter.yaml(t)), t)
        // Defaults are not written.
        XCTAssertFalse(TopologyWriter.yaml(try parse(node(""))).contains("numa_balancing"))
    }

    func testBadMemoryTypeNamesLineAndKey() {
        assertInputError({ try self.parse(self.node("memory_type: pmem")) }, file: "bad.yaml", line: 5,
                         key: "nodes[1].memory_type", contains: "unknown memory type 'pmem'; expected dram")
        assertInputError({ try self.parse(self.node("adistance: -1")) }, file: "bad.yaml", line: 5,
                         key: "nodes[1].adistance", contains: "expected an abstract distance in 0...65535")
        assertInputError({ try self.parse(self.node("adistance: 100000")) }, file: "bad.yaml", line: 5,
                         key: "nodes[1].adistance", contains: "got 100000")
        assertInputError({ try self.parse(self.node("adistance: far")) }, file: "bad.yaml", line: 5,
                         key: "nodes[1].adistance", contains: "got 'far'")
        assertInputError({ try self.parse(self.node("memory_type: dram\nadistance: 2880")) }, file: "bad.yaml", line: 6,
                         key: "nodes[1].adistance", contains: "default_dram_type (abstract distance 576)")
    }

    func testHotAddedMemoryNeedsMemoryAndBootMemory() {
        let memoryless = """
            nodes:
              - {id: 0, cpus: "0-1", memory: 2GiB}
              - {id: 1, memory: 0, memory_type: dax_kmem}
            """
        assertInputError({ try self.parse(memoryless) }, file: "bad.yaml", line: 3, key: "nodes[1].memory_type",
                         contains: "node 1 has no memory")
        let allHotAdded = """
            nodes:
              - {id: 0, cpus: "0-1", memory: 2GiB, memory_type: dax_kmem}
            """
        assertInputError({ try self.parse(allHotAdded) }, file: "bad.yaml", line: 2, key: "nodes",
                         contains: "expected at least one node with memory_type: dram")
    }

    func testTieringSysctlErrors() {
        func sysctl(_ line: String) -> String {
            "nodes:\n  - {id: 0, cpus: \"0-1\", memory: 2GiB}\nsysctl:\n  \(line)\n"
        }
        assertInputError({ try self.parse(sysctl("numa_balancing: 4")) }, file: "bad.yaml", line: 4,
                         key: "sysctl.numa_balancing", contains: "2 (NUMA_BALANCING_MEMORY_TIERING)")
        assertInputError({ try self.parse(sysctl("demotion_enabled: maybe")) }, file: "bad.yaml", line: 4,
                         key: "sysctl.demotion_enabled", contains: "expected true or false")
        assertInputError({ try self.parse(sysctl("numa_balancing_scan_size_mb: -1")) }, file: "bad.yaml", line: 4,
                         key: "sysctl.numa_balancing_scan_size_mb", contains: "expected an integer in 0...4294967295")
        assertInputError({ try self.parse(sysctl("numa_balancing_promote_rate_limit_MBps: 3000000000")) }, file: "bad.yaml",
                         line: 4, key: "sysctl.numa_balancing_promote_rate_limit_MBps", contains: "0...2147483647")
        assertInputError({ try self.parse(sysctl("numa_balancing_scan_rate: 1")) }, file: "bad.yaml", line: 4,
                         key: "sysctl.numa_balancing_scan_rate", contains: "numa_balancing_hot_threshold_ms")
        // The command line takes kernel.NAME and the bare names.
        var s = Sysctls()
        XCTAssertNoThrow(try s.apply(assignment: "kernel.numa_balancing=2", arch: .x86_64))
        XCTAssertNoThrow(try s.apply(assignment: "demotion_enabled=1", arch: .x86_64))
        XCTAssertEqual(s.tiering.numaBalancing, 2)
        XCTAssertTrue(s.tiering.demotionEnabled)
    }
}
