import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaEngine
@testable import NumaTopology
@testable import NumaWorkload

/// Memory hotplug steps: blocks offlined with their pages migrated, -EBUSY for unmovable pages,
/// watermarks recomputed the way `init_per_zone_wmark_min` does after every block, zonelists
/// rebuilt with the CPUs in place when a zone empties or fills, and sysctl writes that keep the
/// machine as it stands. Expected values are worked out here from the kernel formulas.
final class MemoryHotplugTests: XCTestCase {

    func machine() throws -> BootedMachine { try boot(TestTopologies.hotplug4n) }

    func run(_ phases: String, _ m: BootedMachine) throws -> StressResult {
        let w = try Workload.parse(phases, file: "w.yaml", topology: m.topology)
        return try DeterministicStress.run(machine: m, workload: w, seed: 1)
    }

    func assertInvariants(_ a: PageAllocator, file: StaticString = #filePath, line: UInt = #line) {
        for r in a.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)", file: file, line: line) }
    }

    /// Offlining all of node 3: its 8 blocks of 128 MiB go, the workload's pages there move to
    /// the first node of node 3's zonelist that the migration nodemask allows, and the
    /// zonelists are rebuilt with CPUs (the +1 penalty for CPU nodes now applies).
    func testOfflineMigratesMovablePagesAndRebuildsZonelistsWithCPUs() throws {
        let m = try machine()
        XCTAssertEqual(m.memoryBlockPages, 32768)
        let r = try run("""
            phases:
              - threads:
                  - {cpus: "2", policy: "bind:3", kind: anon, allocate: 1000, free: never}
              - hotplug: {offline: 3}
            """, m)
        let a = r.allocator
        let rep = try XCTUnwrap(r.hotplug.first)
        XCTAssertEqual(rep.blocksDone, 8)
        XCTAssertEqual(rep.pagesDone, 262144)
        XCTAssertTrue(rep.busy.isEmpty)
        XCTAssertEqual(rep.pagesMigrated, 1000)
        XCTAssertEqual(a.vmEvents[.pgmigrateSuccess], 1000)
        // The migration allocations prefer node 3 with node 3 masked out: the first allowed zone
        // of node 3's boot zonelist "3 0 1 2" is node 0's, and the step runs on CPU 0 (node 0).
        let n0 = a.numastat(node: 0), n3 = a.numastat(node: 3)
        XCTAssertEqual(n0.numaHit, 1000)
        XCTAssertEqual(n0.localNode, 1000)
        XCTAssertEqual(n3.numaHit, 1000)
        XCTAssertEqual(n3.otherNode, 1000)
        let z3 = a.nodes[3].zones[2]
        XCTAssertEqual(z3.managed, 0)
        XCTAssertEqual(z3.nrFreePages, 0)
        XCTAssertEqual(a.machine.zones[3]![2].present, 0)
        XCTAssertEqual(a.machine.zones[3]![2].spanned, 0)
        XCTAssertFalse(a.machine.hasMemory(3))
        // Rebuild by hand (kernel-reference §5.2, CPUs seen, node 3 without memory):
        // 0: n1 20+1(cpus)=21, n2 20 → 2 (load[2]=1), then 1.
        // 1: n0 20+1+1=22, n2 20 (+load 1) → 2 (load[2]=2), then 0.
        // 2: n0 22, n1 22 → 0 (lower id; load[0]=1), then 1.
        // 3: itself first; n0 22 (+load 1), n1 22, n2 20+1=21 → 2 (load[2]=3); n1 beats n0 on load; then 0.
        XCTAssertEqual(rep.fallbackOrder, ["Fallback order for Node 0: 0 2 1 ", "Fallback order for Node 1: 1 2 0 ",
                                           "Fallback order for Node 2: 2 0 1 ", "Fallback order for Node 3: 3 2 1 0 "])
        // Allocations for node 3 now fall back along the rebuilt list.
        var state = InterleaveState(maxNumNodes: 64)
        guard case .success(let b) = a.allocPages(gfp: .highUserMovable, order: 0, policy: try PolicyParser.parse("preferred:3", topology: m.topology), cpu: 0, state: &state) else {
            return XCTFail("allocation failed")
        }
        XCTAssertEqual(b.node, 2)
        assertInvariants(a)
    }

    /// Onlining again: the pages come back free and MOVABLE, node 3 has memory, and the rebuild
    /// (node_load reset) gives the four-node orders worked out by hand.
    func testOnlineRestoresMemoryAndRebuildsZonelists() throws {
        let m = try machine()
        let r = try run("""
            phases:
              - threads:
                  - {cpus: "0", policy: "bind:3", kind: file, allocate: 3000, free: never}
              - hotplug: {offline: 3}
              - hotplug: {online: 3}
              - threads:
                  - {cpus: "2", policy: "bind:3", allocate: 100, free: never}
            """, m)
        let a = r.allocator
        XCTAssertEqual(r.hotplug.count, 2)
        XCTAssertEqual(r.hotplug[1].blocksDone, 8)
        XCTAssertEqual(r.hotplug[1].pagesDone, 262144)
        XCTAssertEqual(a.nodes[3].zones[2].managed, 262144)
        XCTAssertEqual(a.machine.zones[3]![2].present, 262144)
        XCTAssertEqual(a.machine.zones[3]![2].spanned, 262144)
        XCTAssertEqual(a.machine.zones[3]![2].startPfn, m.zones[3]![2].startPfn)
        for pb in stride(from: a.nodes[3].zones[2].startPfn, to: a.nodes[3].zones[2].endPfn, by: 512) {
            XCTAssertEqual(a.nodes[3].zones[2].memmap.pageblockMigrateType(pfn: pb), .movable)
        }
        // 0: n1 21, n2 20, n3 20 → 2 (load[2]=1), then 3 (same distance: no load), then 1.
        // 1: n0 22, n2 20+load 1, n3 20 → 3 (load[3]=1), then 2, then 0.
        // 2: n0 22, n1 22, n3 20+load 1 → 3 (load[3]=2), then 0 (lower id), then 1.
        // 3: n0 22, n1 22, n2 20+1=21 (+load 1) → 2 (load[2]=2), then 0, then 1.
        XCTAssertEqual(r.hotplug[1].fallbackOrder, ["Fallback order for Node 0: 0 2 3 1 ", "Fallback order for Node 1: 1 3 2 0 ",
                                                    "Fallback order for Node 2: 2 3 0 1 ", "Fallback order for Node 3: 3 2 0 1 "])
        XCTAssertEqual(a.numastat(node: 3).numaHit, 3000 + 100)
        assertInvariants(a)
    }

    /// Kernel pages are unmovable: the block holding them stays online (-EBUSY), the others go,
    /// and the zone stays populated, so the zonelists are not rebuilt.
    func testUnmovablePagesKeepTheirBlockOnline() throws {
        let m = try machine()
        let r = try run("""
            phases:
              - threads:
                  - {cpus: "0", policy: "bind:2", gfp: GFP_KERNEL, kind: kernel, allocate: 10, free: never}
              - hotplug: {offline: 2}
            """, m)
        let rep = try XCTUnwrap(r.hotplug.first)
        XCTAssertEqual(rep.blocksDone + rep.busy.count, 8)
        XCTAssertGreaterThanOrEqual(rep.busy.count, 1)
        XCTAssertEqual(rep.busy.reduce(0) { $0 + $1.allocated }, 10)
        XCTAssertEqual(rep.pagesMigrated, 0)
        XCTAssertEqual(r.allocator.nodes[2].zones[2].managed, 262144 - 32768 * rep.blocksDone)
        XCTAssertTrue(r.allocator.machine.hasMemory(2))
        XCTAssertEqual(r.allocator.zonelists, m.bootZonelists, "no zone emptied: no rebuild")
        assertInvariants(r.allocator)
    }

    /// After every block, `init_per_zone_wmark_min`: min_free_kbytes = clamp(√(16 · lowmem kB))
    /// with lowmem = Σ max(0, managed − high) at the high watermarks of the moment, then
    /// `__setup_per_zone_wmarks` — worked out here independently, block by block.
    func testWatermarksFollowInitPerZoneWmarkMinAfterEachBlock() throws {
        let m = try machine()
        let a = PageAllocator(machine: m)
        let report = MemoryHotplug.run(.init(action: .offline, node: 1, blocks: 5), allocator: a, tasks: [])
        XCTAssertEqual(report.blocksDone, 5)

        // Reference: every populated zone ≤ Normal of the boot machine (x86-64: no highmem).
        struct Ref { var node: Int; var index: Int; var managed: Int; var min = 0, low = 0, high = 0 }
        var zones = m.allZones.filter { $0.index <= m.normalIndex }.map { Ref(node: $0.node, index: $0.index, managed: $0.managed, high: $0.watermark.high) }
        var minFree = m.minFreeKbytes
        func isqrt(_ x: UInt64) -> UInt64 { var r = UInt64(Double(x).squareRoot()); while r * r > x { r -= 1 }; while (r + 1) * (r + 1) <= x { r += 1 }; return r }
        let wsf = m.topology.sysctl.watermarkScaleFactor
        for _ in 0..<5 {
            let i = zones.firstIndex { $0.node == 1 && $0.index == m.normalIndex }!
            zones[i].managed -= 32768
            let lowmemKB = UInt64(zones.reduce(0) { $0 + max(0, $1.managed - $1.high) }) * 4
            minFree = min(max(Int(isqrt(lowmemKB * 16)), 128), 262144)
            let pagesMin = minFree >> 2
            let lowmemPages = zones.reduce(0) { $0 + $1.managed }
            for j in zones.indices {
                let tmp = pagesMin * zones[j].managed / lowmemPages
                let step = max(tmp >> 2, zones[j].managed * wsf / 10000)
                zones[j].min = tmp
                zones[j].low = tmp + step
                zones[j].high = tmp + 2 * step
            }
        }
        XCTAssertEqual(a.machine.minFreeKbytes, minFree)
        XCTAssertEqual(report.minFreeKbytesAfter, minFree)
        XCTAssertNotEqual(minFree, m.minFreeKbytes, "the test must see a change")
        for z in zones where z.managed > 0 {
            let live = a.nodes[z.node].zones[z.index]
            XCTAssertEqual(live.managed, z.managed, "node \(z.node) zone \(z.index)")
            XCTAssertEqual(live.watermarkPages(.min), z.min, "min node \(z.node) zone \(z.index)")
            XCTAssertEqual(live.watermarkPages(.low), z.low, "low node \(z.node) zone \(z.index)")
            XCTAssertEqual(live.watermarkPages(.high), z.high, "high node \(z.node) zone \(z.index)")
        }
        // Five of node 1's sixteen blocks offline from the bottom: the span starts after them.
        let z1 = a.machine.zones[1]![m.normalIndex]
        XCTAssertEqual(m.zones[1]![m.normalIndex].spanned, 16 * 32768)
        XCTAssertEqual(z1.startPfn, m.zones[1]![m.normalIndex].startPfn + 5 * 32768)
        XCTAssertEqual(z1.spanned, 11 * 32768)
        XCTAssertEqual(z1.present, m.zones[1]![m.normalIndex].present - 5 * 32768)
        assertInvariants(a)
    }

    /// A sysctl written after boot recomputes from the machine as it stands; on a machine
    /// without hotplug that is exactly what a fresh boot with the sysctl gives.
    func testSysctlWriteMatchesBootWithoutHotplugAndKeepsOfflineMemory() throws {
        let m = try machine()
        for s in ["watermark_scale_factor=200", "min_free_kbytes=30000", "lowmem_reserve_ratio=64 64 64 0 0", "percpu_pagelist_high_fraction=8"] {
            let a = PageAllocator(machine: m)
            try a.writeSysctls([s])
            var t = m.topology
            try t.sysctl.apply(assignment: s, arch: t.arch, source: "test")
            let fresh = try BootedMachine(topology: t)
            for z in fresh.allZones {
                let live = a.nodes[a.nodeIDs.firstIndex(of: z.node)!].zones[z.index]
                XCTAssertEqual(live.baseWatermark, ZoneWatermarks(min: z.watermark.min, low: z.watermark.low, high: z.watermark.high, promo: z.watermark.promo), s)
                XCTAssertEqual(live.lowmemReserve, z.lowmemReserve, s)
                if live.pcp.count > 0 { XCTAssertEqual(live.pcp[0].high, z.pcpHigh, s) }
            }
        }
        let a = PageAllocator(machine: m)
        _ = MemoryHotplug.run(.init(action: .offline, node: 3), allocator: a, tasks: [])
        try a.writeSysctls(["watermark_scale_factor=100"])
        XCTAssertEqual(a.nodes[3].zones[2].managed, 0, "a sysctl write does not bring offline memory back")
        XCTAssertEqual(a.nodes[3].zones[2].watermarkPages(.high), 0)
        XCTAssertFalse(a.machine.hasMemory(3))
    }

    func testHotplugStepErrorsNameTheKeyAndLine() throws {
        let m = try machine()
        let cases: [(String, String)] = [
            ("- hotplug: {offline: 9}", "phases[1].hotplug.offline"),
            ("- hotplug: {offline: 1, online: 1}", "phases[1].hotplug"),
            ("- hotplug: {offline: 1, blocks: 0}", "phases[1].hotplug.blocks"),
            ("- hotplug: {remove: 1}", "phases[1].hotplug"),
        ]
        for (step, key) in cases {
            let yaml = "phases:\n  - threads:\n      - {cpus: \"0\", allocate: 10}\n  \(step)\n"
            XCTAssertThrowsError(try Workload.parse(yaml, file: "w.yaml", topology: m.topology), step) { e in
                let text = "\(e)"
                XCTAssertTrue(text.contains(key), "\(text) should name \(key)")
                XCTAssertTrue(text.contains("w.yaml"), text)
                XCTAssertTrue(text.contains("line 4") || text.contains(":4"), text)
            }
        }
    }
}
