import Foundation
import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaEngine
@testable import NumaReports
@testable import NumaTopology
@testable import NumaWorkload

/// /proc/pagetypeinfo and /proc/vmstat: numbers against the allocator's own state, layout
/// against the real Debian 6.1 outputs in Fixtures/kernel-samples, and `stress --dump`.
final class KernelFileFormatTests: XCTestCase {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// One 64 MiB node and a memoryless node (which pagetypeinfo must skip).
    static let tiny = """
        name: tiny
        nodes:
          - {id: 0, cpus: "0", memory: 64MiB}
          - {id: 1, cpus: "1", memory: 0}
        distances: [[10, 21], [21, 10]]
        sysctl: {transparent_hugepage: never}
        """

    /// The header's order columns, `%6d ` each.
    static let orders = (0..<FreeArea.maxOrder).map { String(repeating: " ", count: 6 - "\($0)".count) + "\($0) " }.joined()

    // MARK: pagetypeinfo

    /// The 64 MiB node worked by hand. DMA spans pfn 1…4095; the 158 present pages below 1 MiB
    /// (pfn 1…0x9e; 0x9f…0xff is the legacy hole) are reserved, so [256, 4096) is freed as
    /// maximal aligned blocks: [256,512) order 8, [512,1024) order 9, [1024,4096) three of
    /// order 10 — 3840 pages = managed. DMA32 spans [4096, 16384) = 12288 pages with 11776
    /// managed; the 512 unmanaged pages are taken from the top (memblock allocates top-down), so
    /// [4096,15360) gives eleven order-10 blocks and [15360,15872) one order-9 block. Every
    /// pageblock is Movable at boot (memmap_init). Block counts: DMA samples pfn 1, 513, …, 3585
    /// (8 pageblocks: the kernel walks from zone_start_pfn unrounded); DMA32 12288/512 = 24.
    func testTinyNodeWorkedByHand() throws {
        let a = PageAllocator(machine: try boot(Self.tiny))
        let zeros = "      0" + String(repeating: "      0", count: 10) + " \n"
        func row(_ zone: String, _ type: String, _ tail: String) -> String {
            "Node    0, zone \(zone), type \(type)" + tail
        }
        let expected = "Page block order: 9\n"
            + "Pages per block:  512\n"
            + "\n"
            + "Free pages count per migrate type at order  " + Self.orders + "\n"
            + row("     DMA", "   Unmovable", zeros)
            + row("     DMA", "     Movable", String(repeating: "      0", count: 8) + "      1      1      3 \n")
            + row("     DMA", " Reclaimable", zeros)
            + row("     DMA", "  HighAtomic", zeros)
            + row("     DMA", "     Isolate", zeros)
            + row("   DMA32", "   Unmovable", zeros)
            + row("   DMA32", "     Movable", String(repeating: "      0", count: 9) + "      1     11 \n")
            + row("   DMA32", " Reclaimable", zeros)
            + row("   DMA32", "  HighAtomic", zeros)
            + row("   DMA32", "     Isolate", zeros)
            + "\n"
            + "Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate \n"
            + "Node 0, zone      DMA            0            8            0            0            0 \n"
            + "Node 0, zone    DMA32            0           24            0            0            0 \n"
        XCTAssertEqual(PagetypeinfoFormat.render(a), expected)
    }

    /// After a workload that steals pageblocks and leaves mixed lists: every cell is the length
    /// of its free list, each order's cells add up to buddyinfo's count, and the block table
    /// adds up to the zone's pageblocks.
    func testFreeCountsMatchListsAndBuddyinfo() throws {
        let m = try boot(TestTopologies.three256)
        let w = try Workload.parse("""
            threads:
              - {cpus: "0", gfp: GFP_KERNEL, allocate: 60MiB, order: {0: 60, 1: 20, 3: 20}, free: random, live: 20MiB}
              - {cpus: "1", gfp: "GFP_KERNEL | __GFP_RECLAIMABLE", allocate: 30MiB, order: {0: 80, 2: 20}, free: random, live: 10MiB}
              - {cpus: "2", policy: "interleave:all", allocate: 80MiB, order: {0: 70, 9: 30}, free: random, live: 30MiB}
            """, file: "w.yaml", topology: m.topology)
        let a = try DeterministicStress.run(machine: m, workload: w, seed: 3).allocator
        let text = PagetypeinfoFormat.render(a)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var stolen = 0
        for (n, id) in a.nodeIDs.enumerated() {
            for b in m.zones[id]! where b.isPopulated {
                let zone = a.nodes[n].zones[b.index]
                var perOrder = [Int](repeating: 0, count: FreeArea.maxOrder)
                for mt in MigrateType.allCases {
                    let prefix = "Node \(pad(id, 4)), zone \(String(repeating: " ", count: 8 - b.name.count))\(b.name), type "
                        + String(repeating: " ", count: 12 - mt.description.count) + mt.description + " "
                    let line = try XCTUnwrap(lines.first { $0.hasPrefix(prefix) }, prefix)
                    let cells = line.dropFirst(prefix.count).split(separator: " ").map { Int($0)! }
                    XCTAssertEqual(cells, (0..<FreeArea.maxOrder).map { zone.freeBlocks(order: $0, mt) }, line)
                    for o in cells.indices { perOrder[o] += cells[o] }
                }
                XCTAssertEqual(perOrder, zone.buddyinfo, "node \(id) \(b.name): Σ migratetypes = buddyinfo")
                let blockPrefix = "Node \(id), zone \(String(repeating: " ", count: 8 - b.name.count))\(b.name) "
                let blockLine = try XCTUnwrap(lines.first { $0.hasPrefix(blockPrefix) && !$0.contains("type") })
                let blocks = blockLine.dropFirst(blockPrefix.count).split(separator: " ").map { Int($0)! }
                XCTAssertEqual(blocks.count, MigrateType.count)
                XCTAssertEqual(blocks.reduce(0, +), (b.spanned + zone.pageblockPages - 1) / zone.pageblockPages)
                stolen += blocks[Int(MigrateType.unmovable.rawValue)] + blocks[Int(MigrateType.reclaimable.rawValue)]
            }
        }
        XCTAssertGreaterThan(stolen, 0, "the workload should have claimed pageblocks for other types")
        XCTAssertEqual(lines.filter { $0.hasPrefix("Page block order:") }.count, a.nodeIDs.count, "one section per node")
    }

    /// The kernel stops counting at 100000 and prints `>100000`; the line stays `%6lu ` otherwise.
    func testFreeCountCapFormatting() {
        XCTAssertEqual(PagetypeinfoFormat.freeCountCell(0), "     0 ")
        XCTAssertEqual(PagetypeinfoFormat.freeCountCell(99_999), " 99999 ")
        XCTAssertEqual(PagetypeinfoFormat.freeCountCell(100_000), ">100000 ", "the loop breaks when the count reaches the cap")
        XCTAssertEqual(PagetypeinfoFormat.freeCountCell(262_144), ">100000 ")
        XCTAssertEqual(PagetypeinfoFormat.freeCountCell(1_234_567), ">100000 ")
    }

    /// A real order-0 list longer than 100000: take every page of a 1 GiB DMA32 zone one by one,
    /// give back the even pfns (their odd buddies stay allocated, so nothing merges).
    func testFreeCountCapOnALongList() throws {
        let a = PageAllocator(machine: try boot("""
            nodes: [{id: 0, cpus: "0", memory: 1GiB}]
            sysctl: {transparent_hugepage: never}
            """))
        let zone = a.nodes[0].zones[1]
        XCTAssertEqual(zone.name, "DMA32")
        var pfns: [Int] = []
        while let p = zone.allocBlock(order: 0, .movable) { pfns.append(p) }
        var freed = 0
        for p in pfns where p % 2 == 0 {
            zone.freeBlock(p, order: 0)
            freed += 1
        }
        XCTAssertGreaterThan(freed, 100_000)
        XCTAssertEqual(zone.freeArea.list(order: 0, .movable).count, freed)
        let line = try XCTUnwrap(PagetypeinfoFormat.render(a).split(separator: "\n").first {
            $0.hasPrefix("Node    0, zone    DMA32, type      Movable ")
        })
        XCTAssertEqual(String(line), "Node    0, zone    DMA32, type      Movable >100000" + String(repeating: "      0", count: 10) + " ")
        XCTAssertEqual(zone.buddyinfo[0], freed, "buddyinfo prints nr_free, which has no cap")
        XCTAssertTrue(zone.checkInvariants().ok)
    }

    /// Character-exact against the kernel: a row rendered from the numbers the kernel printed
    /// equals the kernel's row, and the two QEMU machines booted in numasim give the kernel's
    /// file shape (same lines, same text, numbers in the same columns) and the same number of
    /// pageblocks per zone (the kernel counts a partial last pageblock, e.g. node 1 of
    /// nehalem-2s ends at pfn 0x7ffdd).
    func testLayoutMatchesKernelSamples() throws {
        let sample = try Fixtures.text("kernel-samples/big-2s/proc_pagetypeinfo.txt")
        let kernelRow = "Node    0, zone    DMA32, type      Movable      5      5      8      6      7      7      3      7      4      2    713 "
        XCTAssertTrue(sample.contains(kernelRow + "\n"))
        XCTAssertEqual(PagetypeinfoFormat.freeLine(node: 0, zone: "DMA32", type: .movable, counts: [5, 5, 8, 6, 7, 7, 3, 7, 4, 2, 713]),
                       kernelRow + "\n")

        for (yaml, name) in [(KernelSamples.nehalem, "nehalem-2s"), (KernelSamples.big, "big-2s")] {
            let kernel = try Fixtures.text("kernel-samples/\(name)/proc_pagetypeinfo.txt")
                .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let ours = PagetypeinfoFormat.render(PageAllocator(machine: try boot(yaml)))
                .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            XCTAssertEqual(ours.count, kernel.count, name)
            for (o, k) in zip(ours, kernel) {
                if k.hasPrefix("Node ") {
                    XCTAssertEqual(shape(o), shape(k), "\(name): numbers in other columns")
                    if !k.contains("type") {
                        XCTAssertEqual(total(o), total(k), "\(name): pageblocks of \(k.prefix(20))")
                    }
                } else {
                    XCTAssertEqual(o, k, name)
                }
            }
        }
    }

    // MARK: vmstat

    func runSmallWorkload() throws -> (StressResult, BootedMachine) {
        let m = try boot(TestTopologies.three256)
        // cpu 2 frees each order-1 block at once: it alone frees, 2 pages per free.
        let w = try Workload.parse("""
            threads:
              - {cpus: "0", policy: "interleave:all", allocate: 12MiB, order: {0: 80, 3: 20}}
              - {cpus: "1", policy: "bind:1", gfp: GFP_KERNEL, allocate: 6MiB}
              - {cpus: "2", policy: "preferred:2", allocate: 4MiB, order: 1, free: immediately}
            """, file: "w.yaml", topology: m.topology)
        return (try DeterministicStress.run(machine: m, workload: w, seed: 11), m)
    }

    func testVmstatCountersEqualTheAllocatorsCounters() throws {
        let (r, m) = try runSmallWorkload()
        let a = r.allocator
        let c = VmstatFormat.counters(a)
        let v = Dictionary(uniqueKeysWithValues: c)
        XCTAssertEqual(c.count, v.count, "no name twice")

        XCTAssertEqual(v["nr_free_pages"], a.nodeIDs.reduce(0) { $0 + a.freePages(node: $1) })
        let pgallocLines = c.filter { $0.0.hasPrefix("pgalloc_") }
        XCTAssertEqual(pgallocLines.map(\.0), ["pgalloc_dma", "pgalloc_dma32", "pgalloc_normal", "pgalloc_movable", "pgalloc_device"])
        for (i, line) in pgallocLines.enumerated() {
            XCTAssertEqual(line.1, a.pgalloc.reduce(0) { $0 + $1[i] }, line.0)
        }
        XCTAssertEqual(pgallocLines.reduce(0) { $0 + $1.1 }, a.pgalloc.joined().reduce(0, +))
        XCTAssertGreaterThan(v["pgalloc_dma32"]!, 0, "3 × 256 MiB lies below 4 GiB: DMA32 serves")

        let e = a.nodeIDs.map { a.numastat(node: $0) }.reduce(NumaEvents(), +)
        XCTAssertEqual(v["numa_hit"], e.numaHit)
        XCTAssertEqual(v["numa_miss"], e.numaMiss)
        XCTAssertEqual(v["numa_foreign"], e.numaForeign)
        XCTAssertEqual(v["numa_interleave"], e.interleaveHit)
        XCTAssertEqual(v["numa_local"], e.localNode)
        XCTAssertEqual(v["numa_other"], e.otherNode)
        XCTAssertEqual(e.numaHit + e.numaMiss, r.allocations, "one NUMA event per allocation")
        XCTAssertGreaterThan(e.interleaveHit, 0)
        XCTAssertGreaterThan(e.otherNode, 0)

        XCTAssertEqual(v["pgfree"], r.frees * 2, "only the order-1 group frees")
        XCTAssertEqual(v["pgfree"], 4 * 256, "4 MiB allocated and freed")
        XCTAssertEqual(v["pgfree"], a.pgfree)
        XCTAssertEqual(v["numasim_alloc_fail"], a.allocFailures)
        for ev in VMEvent.allCases where ev != .allocFail {
            // The simulated clock's work counters are not kernel lines (docs/time.md).
            if ev.isSimulatedWork { XCTAssertNil(v[ev.kernelName], ev.kernelName); continue }
            XCTAssertEqual(v[ev.kernelName], a.vmEvents[ev], ev.kernelName)
        }
        XCTAssertEqual(VmstatFormat.render(a), c.map { "\($0.0) \($0.1)\n" }.joined())
        XCTAssertEqual(m.topology.arch, .x86_64)
    }

    /// Lines follow the kernel's order: every name (but numasim's own last line) is one a real
    /// 6.1 kernel printed, in the same relative order; node stats go between the NUMA items and
    /// the events; nothing the model lacks is printed.
    func testVmstatOrderAndNamesFollowTheKernel() throws {
        let (r, _) = try runSmallWorkload()
        let nodeStats = [("nr_inactive_anon", 5), ("nr_active_anon", 7), ("nr_file_pages", 9)]
        let names = VmstatFormat.counters(r.allocator, nodeStats: nodeStats).map(\.0)
        let kernel = try Fixtures.text("kernel-samples/nehalem-2s/proc_vmstat.txt").split(separator: "\n").map { String($0.split(separator: " ")[0]) }
        XCTAssertEqual(names.last, "numasim_alloc_fail")
        let ours = names.dropLast()
        let positions = ours.map { kernel.firstIndex(of: $0) }
        for (n, p) in zip(ours, positions) { XCTAssertNotNil(p, "\(n) is not a 6.1 /proc/vmstat line") }
        XCTAssertEqual(positions.compactMap { $0 }, positions.compactMap { $0 }.sorted(), "kernel order")
        func at(_ s: String) -> Int { names.firstIndex(of: s)! }
        XCTAssertEqual(at("nr_free_pages"), 0)
        XCTAssertEqual(Array(names[1...6]), ["numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other"])
        XCTAssertEqual(Array(names[7...9]), nodeStats.map(\.0))
        XCTAssertLessThan(at("pswpout"), at("pgalloc_dma"))
        XCTAssertLessThan(at("pgalloc_device"), at("allocstall_dma"))
        XCTAssertLessThan(at("allocstall_device"), at("pgfree"))
        XCTAssertLessThan(at("pgrefill"), at("pgsteal_kswapd"))
        XCTAssertLessThan(at("pgsteal_direct"), at("pgscan_kswapd"))
        XCTAssertLessThan(at("pageoutrun"), at("oom_kill"))
        // Compaction is modelled (docs/compaction.md): its lines come after pgmigrate_*.
        XCTAssertLessThan(at("pgmigrate_fail"), at("compact_migrate_scanned"))
        XCTAssertLessThan(at("compact_success"), at("compact_daemon_wake"))
        // THP faults are modelled (docs/thp.md): their lines sit after the compaction and
        // unevictable ones; khugepaged's collapse is not.
        XCTAssertLessThan(at("compact_daemon_free_scanned"), at("thp_fault_alloc"))
        XCTAssertLessThan(at("thp_fault_alloc"), at("thp_split_page"))
        for absent in ["nr_zone_inactive_anon", "nr_dirty_threshold", "pgskip_normal", "thp_collapse_alloc", "nr_unstable"] {
            XCTAssertFalse(names.contains(absent), "\(absent) is not modeled, so not printed")
        }
        // Every modeled event has a place in the kernel's order (none falls to the end).
        for ev in VMEvent.allCases where ev != .allocFail && !ev.kernelName.hasPrefix("allocstall_") && !ev.isNodeStat && !ev.isSimulatedWork {
            XCTAssertTrue(VmstatFormat.eventOrder.contains(ev.kernelName), ev.kernelName)
        }
        // The node-stat items numasim fills in itself are 6.1 lines too, in the kernel's order.
        let own = VmstatFormat.counters(r.allocator).map(\.0).dropLast()
        let ownPositions = own.map { kernel.firstIndex(of: $0) }
        for (n, p) in zip(own, ownPositions) { XCTAssertNotNil(p, "\(n) is not a 6.1 /proc/vmstat line") }
        XCTAssertEqual(ownPositions.compactMap { $0 }, ownPositions.compactMap { $0 }.sorted(), "kernel order with node stats")
    }

    /// i386 has DMA, Normal, HighMem and Movable zones: `_high` and no `_dma32`/`_device` lines,
    /// and ALLOCSTALL_HIGH is the third slot.
    func testVmstatZoneNamesOnI386() throws {
        let yaml = try String(contentsOf: Self.repoRoot.appendingPathComponent("topologies/i386-highmem.yaml"), encoding: .utf8)
        let m = try boot(yaml)
        let a = PageAllocator(machine: m)
        let names = VmstatFormat.counters(a).map(\.0)
        XCTAssertEqual(names.filter { $0.hasPrefix("pgalloc_") }, ["pgalloc_dma", "pgalloc_normal", "pgalloc_high", "pgalloc_movable"])
        XCTAssertEqual(names.filter { $0.hasPrefix("allocstall_") }, ["allocstall_dma", "allocstall_normal", "allocstall_high", "allocstall_movable"])
        XCTAssertEqual(VmstatFormat.zoneSuffixes(.x86_64), ["dma", "dma32", "normal", "movable", "device"])
        XCTAssertTrue(PagetypeinfoFormat.render(a).hasPrefix("Page block order: 10\nPages per block:  1024\n\n"))
    }

    // MARK: numasim stress --dump

    func testStressDumpsPagetypeinfoAndVmstat() throws {
        let r = try run([
            "stress", "-t", path("topologies/nehalem-2s.yaml"), "-w", path("workloads/first-touch-overflow.yaml"),
            "--dump", "pagetypeinfo,vmstat", "--quiet",
        ])
        XCTAssertEqual(r.status, 0, r.err)
        let p = try XCTUnwrap(r.out.range(of: "\n/proc/pagetypeinfo:\nPage block order: 9\nPages per block:  512\n\n"), r.out)
        let v = try XCTUnwrap(r.out.range(of: "\n/proc/vmstat:\nnr_free_pages "), r.out)
        XCTAssertLessThan(p.lowerBound, v.lowerBound, "dumped in the order asked")
        XCTAssertTrue(r.out[p.upperBound..<v.lowerBound].contains("Number of blocks type     Unmovable"))
        var vmstat: [String: Int] = [:]
        for line in r.out[v.lowerBound...].split(separator: "\n").dropFirst() {
            let f = line.split(separator: " ")
            XCTAssertEqual(f.count, 2, String(line))
            vmstat[String(f[0])] = Int(f[1])
        }
        XCTAssertEqual(vmstat["numa_hit"]! + vmstat["numa_miss"]!, 303185, "the workload's order-0 allocations")
        XCTAssertEqual(vmstat["pgalloc_dma"]! + vmstat["pgalloc_dma32"]! + vmstat["pgalloc_normal"]!, 303185)
        XCTAssertEqual(vmstat["numasim_alloc_fail"], 0)
        XCTAssertFalse(r.out.contains("/proc/zoneinfo:"), "only what was asked")

        let j = try run([
            "stress", "-t", path("topologies/nehalem-2s.yaml"), "-w", path("workloads/first-touch-overflow.yaml"), "--json",
        ])
        XCTAssertEqual(j.status, 0, j.err)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(j.out.utf8)) as? [String: Any])
        for key in ["schema", "numastat", "pgalloc", "pgfree", "failures", "invariants", "vmstat"] {
            XCTAssertNotNil(json[key], key)
        }
        let jv = try XCTUnwrap(json["vmstat"] as? [String: Int])
        XCTAssertEqual(jv, vmstat, "JSON and text give the same counters")
    }

    func testUnknownDumpFileIsAClearError() throws {
        let r = try run([
            "stress", "-t", path("topologies/nehalem-2s.yaml"), "-w", path("workloads/first-touch-overflow.yaml"),
            "--dump", "pagetypeinfo,slabinfo",
        ])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("--dump: unknown file 'slabinfo'"), r.err)
        XCTAssertTrue(r.err.contains("supported: zoneinfo, buddyinfo, pagetypeinfo, vmstat"), r.err)
        XCTAssertFalse(r.out.contains("Page block order"), "nothing runs on a bad option")
    }

    // MARK: helpers

    /// The built `numasim` (NumasimBinary: next to the test bundle, run from the repository root).
    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try NumasimBinary.run(args) }

    func path(_ relative: String) -> String { Self.repoRoot.appendingPathComponent(relative).path }

    func pad(_ n: Int, _ w: Int) -> String { String(repeating: " ", count: max(0, w - "\(n)".count)) + "\(n)" }

    /// A line with its digits blanked: equal shapes mean the same text with every number
    /// right-aligned in the same column.
    func shape(_ line: String) -> String { String(line.map { $0.isNumber ? " " : $0 }) }

    /// The sum of a block-count row (the numbers after the zone name).
    func total(_ line: String) -> Int {
        line.split(separator: " ").dropFirst(4).compactMap { Int($0) }.reduce(0, +)
    }
}
