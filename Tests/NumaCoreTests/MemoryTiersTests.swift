import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaTopology

/// Memory tiers and demotion targets worked out by hand from Linux 6.1's mm/memory-tiers.c
/// (`establish_demotion_targets`) and mm/page_alloc.c (`find_next_best_node`, `build_zonelists`).
///
/// Notation: M = MAX_NUMNODES = 1024; val(n) = (distance + [n < local] + [n has CPUs]) × M +
/// node_load[n]. node_load is the array the last `build_all_zonelists` left: with dax_kmem nodes,
/// the rebuild `online_pages` runs when the last hot-added node's first block comes online (every
/// node with memory, CPUs seen). Tiers: DRAM 576 → memory_tier4, dax/kmem 2880 → memory_tier22.
final class MemoryTiersTests: XCTestCase {
    func boot(_ yaml: String) throws -> BootedMachine {
        try BootedMachine(topology: TopologyFile.parse(yaml, file: "test.yaml"))
    }

    func targets(_ m: BootedMachine, _ node: Int) -> [[Int]] {
        let d = m.memoryTiers.demotionTargets(of: node)
        return [d.preferred, d.fallback]
    }

    func tiers(_ m: BootedMachine) -> [Int: [Int]] {
        Dictionary(uniqueKeysWithValues: m.memoryTiers.tiers.map { ($0.id, $0.nodes) })
    }

    /// topologies/cxl-tier.yaml, nodes 2-3 dax_kmem. Rebuild order (CPUs on 0 and 1):
    /// node 0: val1 = (21+0+1)M, val2 = 14M, val3 = 24M → 0 2 1 3, loads 2,1,3 += 1.
    /// node 1: val0 = (21+1+1)M, val2 = 24M+1, val3 = 14M+1 → 1 3 0 2, loads 3→2, 0→1, 2→2.
    /// node 2: val0 = (14+1+1)M+1, val1 = (24+1+1)M+1, val3 = 26M+2 → 2 0 1 3, loads 0→2, 1→2, 3→3.
    /// node 3: val0 = (24+1+1)M+2, val1 = (14+1+1)M+2, val2 = (26+1)M+2 → 3 1 0 2, all loads 3.
    /// Demotion from 0: val2 = 14M+3 < val3 = 24M+3: 2, then 3 at another distance: stop → {2}.
    /// From 1: val3 = 14M+3 first → {3}. Fallback: tier4's lower_tier_mask = 2-3.
    func testCXLTierDaxKmemNodes() throws {
        let t = try TopologyFile.load(path: NumasimBinary.root.appendingPathComponent("topologies/cxl-tier.yaml").path)
        XCTAssertEqual(t.nodes.map(\.memoryType), [.dram, .dram, .daxKmem, .daxKmem])
        let m = try BootedMachine(topology: t)
        // The boot build saw only nodes 0-1 with memory; the hot-add rebuilt with all four.
        XCTAssertEqual(m.bootZonelists.nodeOrder[0], [0, 1])
        XCTAssertEqual(m.bootZonelists.nodeOrder[2], [2, 0, 1])
        XCTAssertEqual(m.nodesOnlineAtBoot, 2)
        XCTAssertTrue(m.zonelistsRebuiltAfterBoot)
        XCTAssertEqual(m.currentZonelists.nodeOrder, [0: [0, 2, 1, 3], 1: [1, 3, 0, 2], 2: [2, 0, 1, 3], 3: [3, 1, 0, 2]])
        XCTAssertEqual(m.currentZonelists.nodeLoad, [0: 3, 1: 3, 2: 3, 3: 3])
        XCTAssertEqual(tiers(m), [4: [0, 1], 22: [2, 3]])
        XCTAssertEqual(targets(m, 0), [[2], [2, 3]])
        XCTAssertEqual(targets(m, 1), [[3], [2, 3]])
        XCTAssertEqual(targets(m, 2), [[], []])
        XCTAssertEqual(targets(m, 3), [[], []])
        // top_tier_adistance = 512 + 128 - 1: the slowest tier with a CPU node is memory_tier4.
        XCTAssertEqual(m.memoryTiers.topTierAdistance, 639)
        XCTAssertEqual([0, 1, 2, 3].map(m.memoryTiers.isTopTier), [true, true, false, false])
        // All of it online: the zones as the topology gives them (32 and 64 GiB, all managed).
        XCTAssertEqual(m.zones[2]![3].present, 8 << 20)
        XCTAssertEqual(m.zones[3]![3].managed, 16 << 20)
        XCTAssertEqual(m.zones[3]![3].free, 16 << 20)
        // The allocator walks the rebuilt lists and answers the demotion API by node id.
        let a = PageAllocator(machine: m)
        XCTAssertEqual(a.zonelists.nodeOrder, m.rebuiltZonelists.nodeOrder)
        XCTAssertEqual(a.demotionTargets(ofNode: 1).preferred, [3])
        XCTAssertFalse(a.isTopTier(node: 3))
    }

    /// Nodes 1 and 3 DRAM with CPUs; 0 and 2 dax_kmem (ranges above the DRAM). SLIT rows:
    /// 0: 10 20 30 25 / 1: 20 10 21 30 / 2: 30 21 10 20 / 3: 20 30 20 10 (d(3,0) = 20 but
    /// d(0,3) = 25). Rebuild:
    /// node 0: val1 = 21M, val3 = 26M, val2 = 30M → 0 1 3 2; loads 1, 3, 2 → 1.
    /// node 1: val0 = (20+1)M, val2 = 21M+1, val3 = 31M+1 → 1 0 2 3; loads 0→1, 2→2, 3→2.
    /// node 2: val3 = (20+1)M+2, val1 = (21+1+1)M+1, val0 = 31M+1 → 2 3 1 0; 3→3, 1→2, 0→2.
    /// node 3: val0 = (20+1)M+2 = val2 = (20+1)M+2, tie to the lower id: 0 then 2 (same distance
    /// 20: no bump), then 1 → 3 0 2 1; 0→3, 1→3; node_load = 3 3 2 3.
    /// Demotion from 1: val0 = (20+1)M+3, val2 = 21M+2 → node 2 first though node 0 is nearer;
    /// the next pick (0, distance 20 ≠ 21) stops the list → {2}. From 3: val2 = (20+1)M+2 then
    /// val0 = (20+1)M+3, both at distance 20 → {0, 2}.
    func testAsymmetricDistancesAndNodeLoadDecide() throws {
        let m = try boot("""
            nodes:
              - {id: 0, memory_type: dax_kmem, ranges: [{start: 0x100000000, size: 1GiB}]}
              - {id: 1, cpus: "0-1", ranges: [{start: 0, size: 1GiB}]}
              - {id: 2, memory_type: dax_kmem, ranges: [{start: 0x140000000, size: 1GiB}]}
              - {id: 3, cpus: "2-3", ranges: [{start: 0x40000000, size: 1GiB}]}
            distances:
              - [10, 20, 30, 25]
              - [20, 10, 21, 30]
              - [30, 21, 10, 20]
              - [20, 30, 20, 10]
            """)
        XCTAssertEqual(m.currentZonelists.nodeOrder, [0: [0, 1, 3, 2], 1: [1, 0, 2, 3], 2: [2, 3, 1, 0], 3: [3, 0, 2, 1]])
        XCTAssertEqual(m.currentZonelists.nodeLoad, [0: 3, 1: 3, 2: 2, 3: 3])
        XCTAssertEqual(tiers(m), [4: [1, 3], 22: [0, 2]])
        XCTAssertEqual(targets(m, 1), [[2], [0, 2]])
        XCTAssertEqual(targets(m, 3), [[0, 2], [0, 2]])
        XCTAssertEqual(targets(m, 0), [[], []])
        // The same candidates with node_load[0] below node_load[2]: node 0 wins the tie.
        let swapped = MemoryTiers.establish(
            memoryNodes: [0, 1, 2, 3], adistance: { [1, 3].contains($0) ? 576 : 2880 }, hasCPUs: { [1, 3].contains($0) },
            distance: { m.topology.distance(from: $0, to: $1) }, nodeLoad: { $0 == 0 ? 1 : 2 }, maxNumNodes: 1024)
        XCTAssertEqual(swapped.demotionTargets(of: 1).preferred, [0])
    }

    /// DRAM node 0 at distance 30 from three dax_kmem nodes: val = 30M + node_load for each, all
    /// at distance 30, so every pick stays in the list → preferred 1-3 whatever the loads.
    func testLowerTierNodesAtEqualDistanceAreAllPreferred() throws {
        let m = try boot("""
            nodes:
              - {id: 0, cpus: "0-3", ranges: [{start: 0, size: 2GiB}]}
              - {id: 1, memory_type: dax_kmem, ranges: [{start: 0x100000000, size: 1GiB}]}
              - {id: 2, memory_type: dax_kmem, ranges: [{start: 0x140000000, size: 1GiB}]}
              - {id: 3, memory_type: dax_kmem, ranges: [{start: 0x180000000, size: 1GiB}]}
            distances:
              - [10, 30, 30, 30]
              - [30, 10, 20, 20]
              - [30, 20, 10, 20]
              - [30, 20, 20, 10]
            """)
        XCTAssertEqual(tiers(m), [4: [0], 22: [1, 2, 3]])
        XCTAssertEqual(targets(m, 0), [[1, 2, 3], [1, 2, 3]])
        XCTAssertEqual(CPUList.rangeText(targets(m, 0)[0]), "1-3")  // as topology show prints it
    }

    /// A CPU-less DRAM node sits in memory_tier4 with the CPU node and demotes like it: node 1's
    /// only lower-tier candidate is 2. memory_tier4 holds node 0 (N_CPU), so it is the top tier
    /// and node 1, without CPUs, is top tier too.
    func testCPULessDRAMNode() throws {
        let m = try boot("""
            nodes:
              - {id: 0, cpus: "0-1", ranges: [{start: 0, size: 2GiB}]}
              - {id: 1, ranges: [{start: 0x100000000, size: 1GiB}]}
              - {id: 2, memory_type: dax_kmem, ranges: [{start: 0x140000000, size: 1GiB}]}
            distances:
              - [10, 20, 30]
              - [20, 10, 25]
              - [30, 25, 10]
            """)
        XCTAssertEqual(tiers(m), [4: [0, 1], 22: [2]])
        XCTAssertEqual(targets(m, 0), [[2], [2]])
        XCTAssertEqual(targets(m, 1), [[2], [2]])
        XCTAssertTrue(m.memoryTiers.isTopTier(1))
        XCTAssertFalse(m.memoryTiers.isTopTier(2))
    }

    /// Memory-only nodes and a memoryless CPU node: node 0 has the CPUs but no memory (not in
    /// N_MEMORY: no tier, no targets, and node_is_toptier says true for a node without memtier).
    /// No tier holds an N_CPU node, so top_tier_adistance keeps its initial 0 and even the DRAM
    /// node 1 is not top tier — 6.1 as written.
    func testMemoryOnlyNodesAndNoTierWithCPUs() throws {
        let m = try boot("""
            nodes:
              - {id: 0, cpus: "0-1", memory: 0}
              - {id: 1, ranges: [{start: 0, size: 2GiB}]}
              - {id: 2, memory_type: dax_kmem, ranges: [{start: 0x100000000, size: 1GiB}]}
            distances:
              - [10, 20, 30]
              - [20, 10, 25]
              - [30, 25, 10]
            """)
        XCTAssertEqual(tiers(m), [4: [1], 22: [2]])
        XCTAssertNil(m.memoryTiers.tier(of: 0))
        XCTAssertEqual(targets(m, 0), [[], []])
        XCTAssertEqual(targets(m, 1), [[2], [2]])
        XCTAssertEqual(m.memoryTiers.topTierAdistance, 0)
        XCTAssertEqual([0, 1, 2].map(m.memoryTiers.isTopTier), [true, false, false])
    }

    /// Three tiers from explicit abstract distances: 576 → memory_tier4, 1000 → round_down to
    /// 896 → memory_tier7, 2880 → memory_tier22. Node 0 demotes to the next tier only (1), with
    /// fallback every slower node (1-2); node 1 to 2. Only memory_tier4 (512-639) is top tier.
    func testThreeTiers() throws {
        let m = try boot("""
            nodes:
              - {id: 0, cpus: "0-1", ranges: [{start: 0, size: 2GiB}]}
              - {id: 1, adistance: 1000, ranges: [{start: 0x100000000, size: 1GiB}]}
              - {id: 2, memory_type: dax_kmem, ranges: [{start: 0x140000000, size: 1GiB}]}
            distances:
              - [10, 20, 30]
              - [20, 10, 20]
              - [30, 20, 10]
            """)
        XCTAssertEqual(m.memoryTiers.tiers.map(\.adistanceStart), [512, 896, 2816])
        XCTAssertEqual(tiers(m), [4: [0], 7: [1], 22: [2]])
        XCTAssertEqual(targets(m, 0), [[1], [1, 2]])
        XCTAssertEqual(targets(m, 1), [[2], [2]])
        XCTAssertEqual(targets(m, 2), [[], []])
        XCTAssertEqual([0, 1, 2].map(m.memoryTiers.isTopTier), [true, false, false])
    }

    /// An explicit abstract distance inside DRAM's chunk (512-639) joins memory_tier4: one tier,
    /// no demotion. 640 starts memory_tier5, below DRAM.
    func testExplicitAdistanceInTheDRAMTier() throws {
        func machine(_ adistance: Int) throws -> BootedMachine {
            try boot("""
                nodes:
                  - {id: 0, cpus: "0-1", ranges: [{start: 0, size: 2GiB}]}
                  - {id: 1, adistance: \(adistance), ranges: [{start: 0x100000000, size: 1GiB}]}
                """)
        }
        for a in [512, 600, 639] {
            let m = try machine(a)
            XCTAssertEqual(tiers(m), [4: [0, 1]], "adistance \(a)")
            XCTAssertEqual(targets(m, 0), [[], []])
            XCTAssertTrue(m.memoryTiers.isTopTier(1))
        }
        let m = try machine(640)
        XCTAssertEqual(tiers(m), [4: [0], 5: [1]])
        XCTAssertEqual(targets(m, 0), [[1], [1]])
    }

    /// All-DRAM machines keep one tier and the boot's zonelists and node_load.
    func testAllDRAMMachineHasOneTierAndNoRebuild() throws {
        let m = try boot(KernelSamples.nehalem)
        XCTAssertFalse(m.zonelistsRebuiltAfterBoot)
        XCTAssertEqual(m.currentZonelists, m.bootZonelists)
        XCTAssertEqual(tiers(m), [4: [0, 1]])
        XCTAssertEqual(targets(m, 0), [[], []])
        XCTAssertEqual(m.numaBalancingMode, 1)
    }

    /// Offlining every block of cxl-tier's node 2 rebuilds the zonelists without it and, as the
    /// node leaves N_MEMORY, establishes the targets again. Rebuild with N_MEMORY {0,1,3}:
    /// node 0: 1 (22M), 3 (24M) → loads 1, 3 = 1; node 1: 3 (14M+1), 0 (23M) → 3 = 2, 0 = 1;
    /// node 2 (no memory, still built): 0 (16M+1), 1 (26M+1), 3 (26M+2) → 0 = 2, 1 = 2, 3 = 3;
    /// node 3: 1 (16M+2), 0 (26M+2) → 1 = 3, 0 = 3. Nodes 0 and 1 now demote to 3 alone.
    func testHotplugReestablishesTargets() throws {
        let t = try TopologyFile.load(path: NumasimBinary.root.appendingPathComponent("topologies/cxl-tier.yaml").path)
        let a = PageAllocator(machine: try BootedMachine(topology: t))
        let blocks = a.memoryBlocks(nodeIndex: 2)
        for b in blocks { if case .failure(let busy) = a.offlineMemoryBlock(b) { XCTFail("\(busy)") } }
        XCTAssertEqual(a.machine.currentZonelists.nodeLoad, [0: 3, 1: 3, 2: 0, 3: 3])
        XCTAssertEqual(a.memoryTiers.tiers.map(\.nodes), [[0, 1], [3]])
        XCTAssertEqual(a.demotionTargets(ofNode: 0).preferred, [3])
        XCTAssertEqual(a.demotionTargets(ofNode: 0).fallback, [3])
        XCTAssertNil(a.memoryTiers.tier(of: 2))
        for b in a.offlineBlocks(nodeIndex: 2) { a.onlineMemoryBlock(b) }
        XCTAssertEqual(a.memoryTiers.tiers.map(\.nodes), [[0, 1], [2, 3]])
        XCTAssertEqual(a.demotionTargets(ofNode: 0).preferred, [2])
    }

    /// Hot-added memory where the layout makes DMA32 pages is refused at boot, naming the key.
    func testHotAddedMemoryBelowNormalIsRefused() throws {
        let t = try TopologyFile.parse("""
            nodes:
              - {id: 0, cpus: "0-1", ranges: [{start: 0x100000000, size: 2GiB}]}
              - {id: 1, memory_type: dax_kmem, ranges: [{start: 0x40000000, size: 1GiB}]}
            """, file: "low.yaml")
        assertInputError({ try InputError.labelling(file: "low.yaml") { try BootedMachine(topology: t) } },
                         file: "low.yaml", key: "nodes[1].memory_type", contains: "lies in DMA32")
    }
}
