import Foundation
import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaEngine
@testable import NumaProcess
@testable import NumaTopology
@testable import NumaWorkload

/// The shipped DRAM + CXL workloads on topologies/cxl-tier-small.yaml (NUMA balancing in
/// memory-tiering mode, demotion in reclaim), shortened in simulated time so the suite stays
/// quick; what they must show is docs/tiering.md's "Done when".
final class NumaBalancingWorkloadTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `thp: false` runs the machine with `transparent_hugepage: never`: the 4 KiB mechanics
    /// these tests pin down (a THP promotes 512 pages at a time, and a cold 2 MiB that takes a
    /// few of the accesses looks as hot as a hot one: `testTHPHotSetPromotesWholeTHPs`).
    func run(_ workload: String, edits: [(String, String)] = [], halfDRAM: Bool = false,
             topology: String = "cxl-tier-small", thp: Bool = false) throws -> StressResult {
        var topo = try String(contentsOf: Self.repo.appendingPathComponent("topologies/\(topology).yaml"), encoding: .utf8)
        if halfDRAM { topo = topo.replacingOccurrences(of: "memory: 1GiB", with: "memory: 512MiB") }
        if !thp {
            // Both shipped tiering machines leave THP at its default (`always`).
            if topo.contains("transparent_hugepage: always") {
                topo = topo.replacingOccurrences(of: "transparent_hugepage: always", with: "transparent_hugepage: never")
            } else if !topo.contains("transparent_hugepage: never") {
                XCTAssertFalse(topo.contains("sysctl:"), "\(topology).yaml has a sysctl: section to add THP's mode to")
                topo += "\nsysctl: {transparent_hugepage: never}\n"
            }
        }
        let t = try TopologyFile.parse(topo, file: "\(topology).yaml")
        var text = try String(contentsOf: Self.repo.appendingPathComponent("workloads/\(workload).yaml"), encoding: .utf8)
        for (from, to) in edits {
            XCTAssertTrue(text.contains(from), "workload \(workload) no longer has '\(from)'")
            text = text.replacingOccurrences(of: from, with: to)
        }
        let m = try BootedMachine(topology: t)
        let w = try Workload.parse(text, file: "\(workload).yaml", topology: m.topology)
        let r = try DeterministicStress.run(machine: m, workload: w, seed: 1)
        XCTAssertFalse(r.phaseInvariants.isEmpty, "the process phase's invariants were checked")
        for phase in r.phaseInvariants { for z in phase { XCTAssertTrue(z.ok, "\(z.violations)") } }
        for z in r.allocator.checkInvariants() { XCTAssertTrue(z.ok, "\(z.violations)") }
        return r
    }

    /// A quarter of the heap and hot set, a quarter of the rate limit, 6 s with half the accesses.
    static let shorter = [("duration: 10s, think: 20us", "duration: 6s, think: 40us"), ("size: 512MiB", "size: 128MiB"),
                          ("hot: 64MiB", "hot: 16MiB"), ("numa_balancing_promote_rate_limit_MBps: 32", "numa_balancing_promote_rate_limit_MBps: 8")]

    /// numa_balancing = 2: the hot 16 MiB that started on CXL node 2 ends on DRAM node 0, at no
    /// more than the rate limit (8 MB = 2048 pages of candidates per one-second window), while
    /// the cold rest stays on CXL.
    func testHotSetIsPromotedWithinTheRateLimit() throws {
        let r = try run("tiering-hot-set-promotion", edits: Self.shorter)
        let a = r.allocator
        XCTAssertEqual(a.numaBalancingMode, 2)
        let promoted = a.vmEvents[.pgpromoteSuccess]
        XCTAssertGreaterThan(promoted, 2048, "more than one window's worth promoted")
        XCTAssertEqual(a.nodes[0].promotion.promoted, promoted, "all promotions went to the CPU's node")
        XCTAssertGreaterThanOrEqual(a.vmEvents[.pgpromoteCandidate], promoted)
        XCTAssertEqual(a.vmEvents[.numaPagesMigrated], promoted)
        XCTAssertEqual(a.vmEvents[.numaHintFaultsLocal], 0, "every hinting fault was on a CXL page")
        // The kernel's bound: promotions within one rate-limit window never exceed the limit.
        let limit = 8 << 8
        for n in a.nodes { XCTAssertLessThanOrEqual(n.promotion.maxPromotedPerWindow, limit, "node \(n.nodeID)") }
        let report = try XCTUnwrap(r.addressSpaces.tiers)
        XCTAssertEqual(report.rateLimitPages, limit)
        XCTAssertLessThanOrEqual(report.maxPromoted(withinMs: 1000), 2 * limit, "a sliding second spans at most two windows")
        // The hot set: 16 MiB = 4096 pages, mostly on the top tier at the end.
        let app = try XCTUnwrap(r.addressSpaces.process(named: "app"))
        XCTAssertGreaterThan(app.stats.topTierAccesses, 0, "accesses of promoted pages are served by DRAM")
        let hot = try XCTUnwrap(r.addressSpaces.hotSets.first)
        XCTAssertEqual(hot.pages, 4096)
        XCTAssertEqual(hot.resident, 4096)
        XCTAssertGreaterThan(Double(hot.topTier) / Double(hot.pages), 0.8)
        // The cold 112 MiB (28672 pages) mostly stays on CXL: promotions are mostly hot pages.
        XCTAssertLessThan(promoted - hot.topTier, 28672 / 10)
        // Pages are conserved: the process exited and the heap's pages all came back.
        let p = try XCTUnwrap(r.addressSpaces.process(named: "app"))
        XCTAssertTrue(p.exited)
        XCTAssertEqual(p.stats.pagesAllocated, p.stats.pagesFreed)
    }

    /// The shipped machine (THP `always`): the heap is 64 THPs, scanned a PMD at a time
    /// (`numa_huge_pte_updates`, 512 `numa_pte_updates` each) and promoted whole
    /// (`thp_migration_success`, 512 pages of `numa_pages_migrated` and `pgpromote_success`
    /// each), the rate limit counting 512 candidates per THP: no window promotes more than the
    /// limit.
    func testTHPHotSetPromotesWholeTHPs() throws {
        let r = try run("tiering-hot-set-promotion", edits: Self.shorter, thp: true)
        let a = r.allocator
        XCTAssertEqual(a.vmEvents[.thpFaultAlloc], 64)
        XCTAssertGreaterThan(a.vmEvents[.numaHugePteUpdates], 0)
        XCTAssertEqual(a.vmEvents[.numaPteUpdates], 512 * a.vmEvents[.numaHugePteUpdates])
        let thps = a.vmEvents[.thpMigrationSuccess]
        XCTAssertGreaterThan(thps, 1)
        XCTAssertEqual(a.vmEvents[.numaPagesMigrated], 512 * thps)
        XCTAssertEqual(a.vmEvents[.pgpromoteSuccess], 512 * thps)
        XCTAssertEqual(a.vmEvents[.pgpromoteCandidate] % 512, 0, "candidates come in THPs")
        for n in a.nodes { XCTAssertLessThanOrEqual(n.promotion.maxPromotedPerWindow, 8 << 8, "node \(n.nodeID)") }
    }

    /// The same with numa_balancing = 0: no scan, no hinting fault, nothing promoted.
    func testWithoutBalancingNothingMoves() throws {
        let r = try run("tiering-hot-set-no-balancing", edits: Self.shorter)
        let a = r.allocator
        XCTAssertEqual(a.numaBalancingMode, 0)
        for e in [VMEvent.numaPteUpdates, .numaHintFaults, .pgpromoteSuccess, .pgpromoteCandidate, .numaPagesMigrated] {
            XCTAssertEqual(a.vmEvents[e], 0, e.kernelName)
        }
        XCTAssertEqual(r.addressSpaces.hotSets.first?.topTier, 0)
        let p = try XCTUnwrap(r.addressSpaces.process(named: "app"))
        XCTAssertGreaterThan(p.stats.mappedAccesses, 0)
        XCTAssertEqual(p.stats.topTierAccesses, 0, "every access served by CXL")
    }

    /// DRAM filling with page cache then anon. The fill alone never wakes node 0's kswapd: the
    /// fast path finds CXL node 2 above its watermark next in the zonelist (6.1 wakes kswapd
    /// only in the slow path). The promotions of the heap's hot tail find node 0 short of
    /// its high watermark and wake its kswapd (`numamigrate_isolate_page`), which then demotes
    /// cold pages to CXL with demotion on — and drops page cache instead with it off.
    func testDemotionHappensExactlyWhenEnabled() throws {
        // Half the DRAM, half the file and the heap; the last 32 MiB of the heap read for 5 s.
        let short = [("allocate: 640MiB", "allocate: 320MiB"), ("size: 768MiB", "size: 384MiB"),
                     ("offset: 640MiB, length: 128MiB, pattern: uniform, duration: 5s, think: 20us",
                      "offset: 352MiB, length: 32MiB, pattern: uniform, duration: 5s, think: 80us")]
        let on = try run("tiering-dram-filling", edits: short, halfDRAM: true)
        // establish_demotion_targets: each DRAM node's nearest CXL node (SLIT 14 against 24) is
        // its only preferred target; the whole lower tier is the fallback.
        XCTAssertEqual(on.allocator.demotionTargets(ofNode: 0).preferred, [2])
        XCTAssertEqual(on.allocator.demotionTargets(ofNode: 1).preferred, [3])
        XCTAssertEqual(on.allocator.demotionTargets(ofNode: 0).fallback, [2, 3])
        XCTAssertGreaterThan(on.allocator.vmEvents[.pgdemoteKswapd] + on.allocator.vmEvents[.pgdemoteDirect], 0)
        XCTAssertEqual(on.allocator.nodes[0].reclaim.demoted, on.allocator.vmEvents[.pgdemoteKswapd] + on.allocator.vmEvents[.pgdemoteDirect])
        XCTAssertGreaterThan(on.allocator.vmEvents[.pgpromoteSuccess], 0)
        let off = try run("tiering-dram-filling", edits: short + [("demotion_enabled: true", "demotion_enabled: false")], halfDRAM: true)
        XCTAssertEqual(off.allocator.vmEvents[.pgdemoteKswapd] + off.allocator.vmEvents[.pgdemoteDirect], 0)
        XCTAssertGreaterThan(off.allocator.vmEvents[.pgstealKswapd], 0, "kswapd still reclaimed: by dropping page cache")
        // Enabled, but no lower tier (an all-DRAM machine): `can_demote` is false on every node,
        // so reclaim there never demotes.
        var flat = try TopologyFile.load(path: Self.repo.appendingPathComponent("topologies/nehalem-2s.yaml").path)
        flat.sysctl.tiering.demotionEnabled = true
        let fa = PageAllocator(machine: try BootedMachine(topology: flat))
        XCTAssertTrue(fa.demotionEnabled)
        for n in fa.nodes.indices { XCTAssertFalse(fa.canDemote(nodeIndex: n)) }
    }

    /// numa_balancing = 1 on a two-socket DRAM machine (the QEMU one: CPU 2 on node 1, CPU 0 on
    /// node 0): a table first-touched by a thread on node 1 and read by a worker on node 0 moves
    /// to node 0 (a quarter of the shipped table, 4 s with half the accesses).
    func testNormalModeMovesTheTableToTheWorkersNode() throws {
        let r = try run("numa-balancing-remote-init", edits: [("size: 256MiB", "size: 64MiB"),
                                                             ("duration: 8s, think: 20us", "duration: 4s, think: 40us")],
                        topology: "nehalem-2s-qemu")
        let a = r.allocator
        XCTAssertEqual(a.numaBalancingMode, 1)
        // First touch put the whole table on node 1 (CPU 2's node)...
        let p = try XCTUnwrap(r.addressSpaces.process(named: "app"))
        XCTAssertEqual(p.placement?.fallback.servedPages[1] ?? 0 >= 16384, true)
        XCTAssertGreaterThan(a.vmEvents[.numaPagesMigrated], 16384 * 9 / 10)
        XCTAssertGreaterThan(a.vmEvents[.numaHintFaults], 0)
        XCTAssertEqual(a.vmEvents[.pgpromoteSuccess], 0, "one tier: nothing is a promotion")
        // ...and NUMA balancing moved it to node 0, the worker's.
        let hot = try XCTUnwrap(r.addressSpaces.hotSets.first)
        XCTAssertEqual(hot.pages, 16384)
        XCTAssertGreaterThan(Double(hot.onCPUNode) / Double(hot.resident), 0.9, "the table ended on the worker's node")
        XCTAssertEqual(a.vmEvents[.numaPagesMigrated], r.addressSpaces.processes[0].stats.numaMigrated)
    }
}
