import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaTopology

/// Watermarks, protection, pcp batch/high and thresholds against values worked out by hand from
/// the formulas in kernel-reference §2–3 and §7.7 (each expected number's arithmetic is in the
/// comment next to it).
final class WatermarkFormulaTests: XCTestCase {
    /// Reference §2.9, verified on a live machine: 1 node, 2 CPUs, THP on.
    /// managed DMA 3840, DMA32 772915, Normal 1114112 → lowmem 1890867 pages.
    func testOneNodeVerifiedExample() throws {
        let m = try boot("""
            name: one-node
            nodes:
              - id: 0
                cpus: 0-1
                ranges: [{start: 0x0, size: 3GiB}, {start: 4GiB, size: 5GiB}]
                zones: {DMA: {managed: 3840}, DMA32: {managed: 772915}, Normal: {managed: 1114112}}
            """)
        // int_sqrt(1890867·4·16) = 11000 < THP's 3 zones · 5632 pages = 16896 pages = 67584 kB
        XCTAssertEqual(m.calculatedMinFreeKbytes, 11000)
        XCTAssertEqual(m.thpRecommendedMinFreeKbytes, 67584)
        XCTAssertEqual(m.minFreeKbytes, 67584)
        // tmp = 16896·managed/1890867; delta = max(tmp>>2, managed·10/10000)
        XCTAssertEqual(m.z(0, "DMA").watermark, ZoneWatermarks(min: 34, low: 42, high: 50, promo: 58))
        XCTAssertEqual(m.z(0, "DMA32").watermark, ZoneWatermarks(min: 6906, low: 8632, high: 10358, promo: 12084))
        XCTAssertEqual(m.z(0, "Normal").watermark, ZoneWatermarks(min: 9955, low: 12443, high: 14931, promo: 17419))
        // 772915/256 = 3019; (772915+1114112)/256 = 7371; 1114112/256 = 4352
        XCTAssertEqual(m.z(0, "DMA").lowmemReserve, [0, 3019, 7371, 7371, 7371])
        XCTAssertEqual(m.z(0, "DMA32").lowmemReserve, [0, 0, 4352, 4352, 4352])
        XCTAssertEqual(m.z(0, "Normal").lowmemReserve, [0, 0, 0, 0, 0])
        // batch: DMA 3840>>10=3, /4=0 → 1 → rounddown(1)-1 = 0 → max(1,0) = 1; big zones 63.
        XCTAssertEqual(m.z(0, "DMA").pcpBatch, 1)
        XCTAssertEqual(m.z(0, "DMA32").pcpBatch, 63)
        // high = max(low/2 CPUs, 4·batch): DMA32 8632/2 = 4316; DMA max(21, 4) = 21; Normal 6221
        XCTAssertEqual(m.z(0, "DMA32").pcpHigh, 4316)
        XCTAssertEqual(m.z(0, "DMA").pcpHigh, 21)
        XCTAssertEqual(m.z(0, "Normal").pcpHigh, 6221)
        // 2·fls(2)·(1+fls(managed>>15)): DMA 4·1 = 4, DMA32 4·(1+5) = 24, Normal 4·(1+6) = 28
        XCTAssertEqual(m.z(0, "DMA").statThreshold, 4)
        XCTAssertEqual(m.z(0, "DMA32").statThreshold, 24)
        XCTAssertEqual(m.z(0, "Normal").statThreshold, 28)
        // totalreserve: DMA min(3840, 7371+50) = 3840; DMA32 4352+10358 = 14710; Normal 14931
        XCTAssertEqual(m.totalReservePages, 3840 + 14710 + 14931)
    }

    /// Reference §2.9's 2-node example: node 0 DMA/DMA32/Normal, node 1 Normal, 8 CPUs per node.
    func testTwoNodeComputedExample() throws {
        let m = try boot("""
            name: two-node
            nodes:
              - id: 0
                cpus: 0-7
                ranges: [{start: 0x0, size: 3GiB}, {start: 4GiB, size: 28GiB}]
                zones: {DMA: {managed: 3840}, DMA32: {managed: 772915}, Normal: {managed: 7340032}}
              - id: 1
                cpus: 8-15
                ranges: [{start: 32GiB, size: 32GiB}]
                zones: {Normal: {managed: 8257536}}
            distances: [[10, 21], [21, 10]]
            """)
        // lowmem 16374323 pages: int_sqrt(16374323·4·16) = 32372 kB; THP: 4 zones·5632·4 = 90112 kB
        XCTAssertEqual(m.calculatedMinFreeKbytes, 32372)
        XCTAssertEqual(m.minFreeKbytes, 90112)
        XCTAssertEqual([m.z(0, "DMA").watermark.min, m.z(0, "DMA").watermark.low, m.z(0, "DMA").watermark.high], [5, 8, 11])
        XCTAssertEqual([m.z(0, "DMA32").watermark.min, m.z(0, "DMA32").watermark.low, m.z(0, "DMA32").watermark.high], [1063, 1835, 2607])
        XCTAssertEqual([m.z(0, "Normal").watermark.min, m.z(0, "Normal").watermark.low, m.z(0, "Normal").watermark.high], [10098, 17438, 24778])
        XCTAssertEqual([m.z(1, "Normal").watermark.min, m.z(1, "Normal").watermark.low, m.z(1, "Normal").watermark.high], [11360, 19617, 27874])
        // (772915+7340032)/256 = 31691; 7340032/256 = 28672; node 1 has no lower zones
        XCTAssertEqual(m.z(0, "DMA").lowmemReserve, [0, 3019, 31691, 31691, 31691])
        XCTAssertEqual(m.z(0, "DMA32").lowmemReserve, [0, 0, 28672, 28672, 28672])
        // high = max(low/8, 4·batch): DMA32 max(229, 252) = 252; Normal 2179 / 2452; DMA max(1, 4) = 4
        XCTAssertEqual(m.z(0, "DMA32").pcpHigh, 252)
        XCTAssertEqual(m.z(0, "Normal").pcpHigh, 2179)
        XCTAssertEqual(m.z(1, "Normal").pcpHigh, 2452)
        XCTAssertEqual(m.z(0, "DMA").pcpHigh, 4)
    }

    /// A CXL-like memory-only node: pcp high splits over all online CPUs (zone_highsize), and
    /// ZONE_MOVABLE (movable: all) takes the whole node.
    func testMemoryOnlyNodeSplitsHighOverAllCPUs() throws {
        let m = try boot("""
            name: cxl
            nodes:
              - id: 0
                cpus: 0-3
                ranges: [{start: 4GiB, size: 4GiB}]
                zones: {Normal: {managed: 1048576}}
              - id: 1
                cpus: ""
                ranges: [{start: 8GiB, size: 4GiB}]
                zones: {Normal: {managed: 1048576}}
            distances: [[10, 20], [20, 10]]
            sysctl: {transparent_hugepage: never, min_free_kbytes: 16384}
            """)
        // pages_min 4096 over lowmem 2097152: tmp = 2048 each; delta = max(512, 1048) = 1048
        let w = m.z(1, "Normal").watermark
        XCTAssertEqual([w.min, w.low, w.high], [2048, 3096, 4144])
        // node 0: 3096/4 CPUs = 774; node 1 has no CPUs: 3096/4 online CPUs = 774 as well
        XCTAssertEqual(m.z(0, "Normal").pcpHigh, 774)
        XCTAssertEqual(m.z(1, "Normal").pcpHigh, 774)
    }

    func testMemoryOnlyNodeWithDifferentCPUCount() throws {
        let m = try boot("""
            name: cxl3
            nodes:
              - {id: 0, cpus: 0-5, ranges: [{start: 4GiB, size: 4GiB}], zones: {Normal: {managed: 1048576}}}
              - {id: 1, cpus: 6-7, ranges: [{start: 8GiB, size: 4GiB}], zones: {Normal: {managed: 1048576}}}
              - {id: 2, cpus: "", ranges: [{start: 12GiB, size: 4GiB}], zones: {Normal: {managed: 1048576}}}
            distances: [[10, 20, 20], [20, 10, 20], [20, 20, 10]]
            sysctl: {transparent_hugepage: never, min_free_kbytes: 12288}
            """)
        // pages_min 3072 over 3145728: tmp 1024; delta max(256, 1048) = 1048 → low 2072
        XCTAssertEqual(m.z(0, "Normal").watermark.low, 2072)
        XCTAssertEqual(m.z(0, "Normal").pcpHigh, 2072 / 6)   // 345
        XCTAssertEqual(m.z(1, "Normal").pcpHigh, 2072 / 2)   // 1036
        XCTAssertEqual(m.z(2, "Normal").pcpHigh, 2072 / 8)   // 259: all online CPUs
    }

    func testPercpuPagelistHighFraction() throws {
        let m = try boot("""
            name: frac
            nodes:
              - {id: 0, cpus: 0-3, ranges: [{start: 4GiB, size: 4GiB}], zones: {Normal: {managed: 1000000}}}
            sysctl: {transparent_hugepage: never, percpu_pagelist_high_fraction: 8}
            """)
        // high = managed/8 split over 4 CPUs = 125000/4 = 31250
        XCTAssertEqual(m.z(0, "Normal").pcpHigh, 31250)
    }

    /// Tiny zones: batch floors at 1 and high at 4·batch; min_free_kbytes floors at 128 kB.
    func testTinyMachine() throws {
        let m = try boot("""
            name: tiny
            legacy_holes: false
            nodes:
              - {id: 0, cpus: "0", ranges: [{start: 16MiB, size: 1MiB}], zones: {DMA32: {managed: 200}}}
            sysctl: {transparent_hugepage: always}
            """)
        // int_sqrt(200·4·16) = 113 → clamped to 128; THP off: under 512 MiB of RAM.
        XCTAssertEqual(m.calculatedMinFreeKbytes, 128)
        XCTAssertFalse(m.thpEnabled)
        XCTAssertEqual(m.minFreeKbytes, 128)
        let z = m.z(0, "DMA32")
        // pages_min 32, tmp = 32; delta max(8, 200·10/10000 = 0) = 8
        XCTAssertEqual([z.watermark.min, z.watermark.low, z.watermark.high], [32, 40, 48])
        XCTAssertEqual(z.pcpBatch, 1)
        XCTAssertEqual(z.pcpHigh, 40)  // max(40/1, 4)
        XCTAssertEqual(z.startPfn, 4096)
        XCTAssertEqual(z.spanned, 256)
    }

    /// Huge lowmem: 4·√(kB) passes 256 MiB and is clamped to 262144 kB.
    func testHugeMachineClampsMinFreeKbytes() throws {
        let m = try boot("""
            name: huge
            nodes:
              - {id: 0, cpus: 0-63, memory: 4TiB}
              - {id: 1, cpus: 64-127, memory: 4TiB}
            distances: [[10, 21], [21, 10]]
            """)
        XCTAssertEqual(m.calculatedMinFreeKbytes, 262144)
        XCTAssertEqual(m.minFreeKbytes, 262144, "THP's 4 zones·22528 kB is below the clamp")
        let normal1 = m.z(1, "Normal")
        // delta = max(tmp/4, managed/1000): for 1 Gi pages the scale factor term wins
        XCTAssertEqual(normal1.watermark.low - normal1.watermark.min, KernelMath.multFrac(normal1.managed, 10, 10000))
    }

    /// watermark_scale_factor raises the gap; lowmem_reserve_ratio changes protection.
    func testSysctlsChangeTheNumbers() throws {
        let yaml = """
            name: s
            nodes:
              - id: 0
                cpus: 0-1
                ranges: [{start: 0x0, size: 3GiB}, {start: 4GiB, size: 5GiB}]
                zones: {DMA: {managed: 3840}, DMA32: {managed: 772915}, Normal: {managed: 1114112}}
            sysctl: {watermark_scale_factor: 200, lowmem_reserve_ratio: [128, 64, 32, 1, 1]}
            """
        let m = try boot(yaml)
        // DMA32: tmp 6906; delta = max(1726, 772915·200/10000 = 15458) = 15458
        XCTAssertEqual(m.z(0, "DMA32").watermark.low, 6906 + 15458)
        // 772915/128 = 6038; 1887027/128 = 14742; DMA32: 1114112/64 = 17408
        XCTAssertEqual(m.z(0, "DMA").lowmemReserve, [0, 6038, 14742, 14742, 14742])
        XCTAssertEqual(m.z(0, "DMA32").lowmemReserve, [0, 0, 17408, 17408, 17408])
        // ratio 0 clears a zone's protection
        var t = try TopologyFile.parse(yaml)
        try t.sysctl.apply(assignment: "vm.lowmem_reserve_ratio=0 256 32 0 0", arch: t.arch)
        let cleared = try BootedMachine(topology: t)
        XCTAssertEqual(cleared.z(0, "DMA").lowmemReserve, [0, 0, 0, 0, 0])
    }

    /// i386: DMA < 16 MiB, Normal < 896 MiB, HighMem above; HighMem's min is
    /// clamp(managed/1024, 32, 128) and it is left out of the lowmem split.
    func testI386HighMem() throws {
        let m = try boot("""
            name: pc
            arch: i386
            nodes:
              - id: 0
                cpus: 0-1
                memory: 2GiB
                zones: {DMA: {managed: 3840}, Normal: {managed: 218000}, HighMem: {managed: 290000}}
            sysctl: {transparent_hugepage: never}
            """)
        XCTAssertEqual(m.zoneNames, ["DMA", "Normal", "HighMem", "Movable"])
        let dma = m.z(0, "DMA"), normal = m.z(0, "Normal"), high = m.z(0, "HighMem")
        XCTAssertEqual(normal.startPfn, 4096)
        XCTAssertEqual(normal.spanned, 229376 - 4096)   // 896 MiB = pfn 229376
        XCTAssertEqual(high.startPfn, 229376)
        XCTAssertEqual(high.spanned, 524288 - 229376)
        // lowmem = 3840 + 218000 = 221840 (HighMem excluded): int_sqrt(221840·64) = 3767
        XCTAssertEqual(m.minFreeKbytes, 3767)
        // pages_min 941: DMA tmp = 941·3840/221840 = 16; Normal 941·218000/221840 = 924
        XCTAssertEqual(dma.watermark.min, 16)
        XCTAssertEqual(normal.watermark.min, 924)
        // HighMem min = clamp(290000/1024 = 283, 32, 128) = 128; tmp = 941·290000/221840 = 1230;
        // delta = max(1230>>2 = 307, 290) = 307
        XCTAssertEqual([high.watermark.min, high.watermark.low, high.watermark.high], [128, 435, 742])
        // ratios [256, 32, 0, 0]: DMA (0, 218000/256 = 851, 508000/256 = 1984, 1984); Normal (0,0,290000/32=9062, 9062)
        XCTAssertEqual(dma.lowmemReserve, [0, 851, 1984, 1984])
        XCTAssertEqual(normal.lowmemReserve, [0, 0, 9062, 9062])
        XCTAssertEqual(m.policyZone, 2, "HighMem is the policy zone on i386")
    }

    /// ZONE_MOVABLE carved from the top of a node (rounded up to MAX_ORDER_NR_PAGES).
    func testMovableZoneLayout() throws {
        let m = try boot("""
            name: mv
            nodes:
              - {id: 0, cpus: 0-1, ranges: [{start: 4GiB, size: 4GiB}], movable: 1GiB}
              - {id: 1, cpus: "", ranges: [{start: 8GiB, size: 2GiB}], movable: all}
            distances: [[10, 20], [20, 10]]
            """)
        let n0 = m.z(0, "Normal"), mv0 = m.z(0, "Movable"), n1 = m.z(1, "Normal"), mv1 = m.z(1, "Movable")
        XCTAssertEqual(n0.spanned, 3 * 262144)
        XCTAssertEqual(mv0.startPfn, (4 << 18) + 3 * 262144)
        XCTAssertEqual(mv0.spanned, 262144)
        XCTAssertEqual(n1.spanned, 0)
        XCTAssertEqual(mv1.spanned, 2 * 262144)
        XCTAssertEqual(m.policyZone, 2, "Movable is never the policy zone")
        // Movable zones sit first in their node's zonelist part.
        XCTAssertEqual(m.bootZonelists.noFallback[0], [ZoneRef(node: 0, zone: 3), ZoneRef(node: 0, zone: 2)])
        // Normal protects against Movable allocations: Normal.lowmem_reserve[Movable] = managed(Movable)/32
        XCTAssertEqual(n0.lowmemReserve[3], mv0.managed / 32)
        // THP counts only zones ≤ Normal: node 0 Normal; node 1 has none (its Normal is empty).
        XCTAssertEqual(m.thpRecommendedMinFreeKbytes, 1 * 5632 * 4)
    }

    /// x86 legacy holes: pfn 0 and 640 KiB–1 MiB are absent and the first MiB is reserved, which
    /// is why every x86-64 sample shows DMA spanned 4095, present 3998, managed 3840.
    func testLegacyHolesGiveTheSamplesDMAZone() throws {
        let m = try boot("""
            name: pc
            nodes: [{id: 0, cpus: "0", memory: 1GiB}]
            """)
        let dma = m.z(0, "DMA")
        XCTAssertEqual([dma.startPfn, dma.spanned, dma.present, dma.managed], [1, 4095, 3998, 3840])
        // The estimate at zonelist build: 3998 − 64 memmap pages − dma_reserve 158 = 3776
        XCTAssertEqual(dma.bootEstimate, 3776)
    }
}
