import Foundation
import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaEngine
import NumaTopology
import NumaWorkload

/// Replays workloads/kernel-nehalem-pagecache.yaml (the kernel samples' wl6_pagecache and
/// wl7_pressure) on the deterministic engine — a discrete-event simulation on the simulated
/// clock — from the whole state the kernel recorded before wl6 (zoneinfo: free pages, pcp
/// counts, LRU pages; pagetypeinfo: free blocks per order × migratetype and pageblock types),
/// and compares each step's counter deltas with the real 6.1 kernel's vmstat and numastat.
final class KernelPageCacheReplayTests: XCTestCase {
    static let dir = "kernel-samples/nehalem-2s/workloads/"
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// /proc/vmstat as name → value.
    func kernelVmstat(_ name: String) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for line in try Fixtures.text(Self.dir + name).split(separator: "\n") {
            let p = line.split(separator: " ")
            if p.count == 2, let v = Int(p[1]) { out[String(p[0])] = v }
        }
        // Direct reclaim entries, whatever gfp_zone they were counted under.
        out["allocstall"] = out.filter { $0.key.hasPrefix("allocstall_") }.values.reduce(0, +)
        return out
    }

    struct Snapshot {
        var vm: [String: Int]
        /// numa_hit + numa_miss per node (pages placed on the node).
        var placed: [Int]
    }

    static let counters = ["pgscan_kswapd", "pgsteal_kswapd", "pgscan_direct", "pgsteal_direct", "pgrefill",
                           "pgactivate", "pgdeactivate", "workingset_refault_file", "workingset_activate_file",
                           "allocstall"]

    func snapshot(_ a: PageAllocator) -> Snapshot {
        var vm: [String: Int] = [:]
        for e in VMEvent.allCases { vm[e.kernelName] = a.vmEvents[e] }
        vm["allocstall"] = (0..<5).reduce(0) { $0 + a.vmEvents[VMEvent.allocstall(zone: $1)] }
        return Snapshot(vm: vm, placed: (0...1).map { a.numastat(node: $0).numaHit + a.numastat(node: $0).numaMiss })
    }

    /// The machine as the kernel left it before `workload` (`wl6_pagecache` or `wl7_pressure`),
    /// imported as `topology import --sysfs … --zoneinfo … --pagetypeinfo … --vmstat …` would,
    /// running at the QEMU guest's speed (the `costs:` of topologies/nehalem-2s-qemu.yaml,
    /// measured on this capture: docs/time.md).
    func importedMachine(before workload: String = "wl6_pagecache") throws -> BootedMachine {
        func path(_ f: String) -> String { ImportFixtures.fixture("kernel-samples/nehalem-2s/workloads/\(workload).\(f).txt") }
        var t = try SysfsImporter.load(path: try sysfsTree(fromKernelSample: "nehalem-2s"))
        try ZoneinfoImporter.apply(path: path("zoneinfo_before"), to: &t)
        var warnings: [InputWarning] = []
        try PagetypeinfoImporter.apply(path: path("pagetypeinfo_before"), to: &t, buddyinfo: nil, buddyinfoFile: nil, warnings: &warnings)
        try VmstatImporter.check(path: path("vmstat_before"), against: t, warnings: &warnings)
        for s in ["vm.min_free_kbytes=5626", "transparent_hugepage=never"] { try t.sysctl.apply(assignment: s, arch: t.arch) }
        t.costs = try TopologyFile.load(path: Self.repo.appendingPathComponent("topologies/nehalem-2s-qemu.yaml").path).costs
        return try BootedMachine(topology: t)
    }

    func testPageCacheReplayMatchesKernel() throws {
        let m = try importedMachine()
        let w = try Workload.load(path: Self.repo.appendingPathComponent("workloads/kernel-nehalem-pagecache.yaml").path, topology: m.topology)
        let observer = StressObserver()
        var snaps: [Snapshot] = []
        var reclaimableAfterRead: [Int] = []
        observer.onPhaseEnd = { a, exited in
            if snaps.isEmpty {
                let dma32 = a.nodes[0].zones[1]
                reclaimableAfterRead = (0..<FreeArea.maxOrder).map { dma32.freeBlocks(order: $0, .reclaimable) }
            }
            snaps.append(self.snapshot(a))
        }
        // The starting point: counters before the first phase are all zero.
        let result = try DeterministicStress.run(machine: m, workload: w, seed: 1, observer: observer)
        let a = result.allocator
        XCTAssertEqual(snaps.count, 8)
        let zero = Snapshot(vm: Dictionary(uniqueKeysWithValues: VMEvent.allCases.map { ($0.kernelName, 0) }), placed: [0, 0])
        // Our states after: read, anon, anon exit, reread, reread (no exit), anon, anon exit.
        let ours = [zero, snaps[0], snaps[2], snaps[3], snaps[4], snaps[6], snaps[7]]
        let kFiles = ["wl6_pagecache.%@_before", "wl6_pagecache.%@_after_read", "wl6_pagecache.%@_after",
                      "wl6_pagecache.%@_after_exit", "wl7_pressure.%@_before", "wl7_pressure.%@_after", "wl7_pressure.%@_after_exit"]
        let kvm = try kFiles.map { try kernelVmstat(String(format: $0, "vmstat") + ".txt") }
        let kns = try kFiles.map { parseNumastatFile(try Fixtures.text(Self.dir + String(format: $0, "numastat") + ".txt")) }
        let steps = ["wl6 read", "wl6 anon", "wl6 exit", "wl7 re-read", "wl7 anon", "wl7 exit"]
        let (report, failures) = compare(steps, ours: ours, kernelVmstat: kvm, kernelNumastat: kns)
        print("kernel page-cache replay (numasim vs kernel, per step):\n" + report)
        XCTAssertEqual(Set(failures), Self.knownMisses, "\n" + report)
        // The read's xarray nodes (reclaimable slab, order 2) stole pageblocks as the kernel's
        // did: node 0 DMA32's reclaimable free lists after the read are the kernel's, order by
        // order (wl6_pagecache.pagetypeinfo_after_read.txt).
        let kernelRow = try Fixtures.text(Self.dir + "wl6_pagecache.pagetypeinfo_after_read.txt").split(separator: "\n")
            .first { $0.hasPrefix("Node    0, zone    DMA32, type  Reclaimable") }!
            .split(separator: " ").suffix(FreeArea.maxOrder).map { Int($0)! }
        XCTAssertEqual(reclaimableAfterRead, kernelRow)
        // Scanning as the kernel's: read(2) page cache is referenced, unmapped and clean, so
        // reclaim frees what it isolates (FOLIOREF_RECLAIM_CLEAN) instead of a second pass.
        let scan = ours[5].vm["pgscan_kswapd"]! - ours[4].vm["pgscan_kswapd"]!
        let steal = ours[5].vm["pgsteal_kswapd"]! - ours[4].vm["pgsteal_kswapd"]!
        XCTAssertGreaterThan(steal, 30_000)
        XCTAssertLessThanOrEqual(scan, steal + steal / 100, "pgscan \(scan) vs pgsteal \(steal)")
        // The file stays cached after its readers are gone: most of it on node 0.
        XCTAssertGreaterThan(a.pageCache.file("pagecache.dat").cachedPages(a), 100_000)
        for r in a.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }

    /// wl7's anonymous pressure replayed from the state the kernel recorded just before it
    /// (after wl7's re-read), so that what wl6 left behind cannot differ: every bound of the
    /// issue holds — placement ±3 points, pgscan/pgsteal/pgrefill ±25 %, balance_pgdat runs
    /// within ×1.5, and no direct reclaim where the kernel had none. kswapd0 is woken early by a
    /// watermark boost (the movable free pages run out with node 0 above its low watermark,
    /// and the next allocation steals from a reclaimable block), then naps HZ/10 and finds the
    /// node unbalanced again at each nap's end while node 1 fills (the kernel's
    /// KSWAPD_HIGH_WMARK_HIT_QUICKLY), as the kernel's placement file shows: node-0 bursts every
    /// ~10 000 pages.
    func testPressureReplayFromKernelStateMatchesKernel() throws {
        let m = try importedMachine(before: "wl7_pressure")
        let w = try Workload.parse("""
            name: wl7-anon
            phases:
              - threads:
                  - {cpus: 0, kind: anon, allocate: 369037, free: at_exit}
            """, file: "<wl7-anon>", topology: m.topology)
        let observer = StressObserver()
        var snaps: [Snapshot] = []
        var touchEnd = 0
        observer.onPhaseEnd = { a, exited in
            if !exited { touchEnd = observer.clock() }
            snaps.append(self.snapshot(a))
        }
        let result = try DeterministicStress.run(machine: m, workload: w, seed: 1, observer: observer)
        XCTAssertEqual(snaps.count, 2)
        let zero = Snapshot(vm: Dictionary(uniqueKeysWithValues: VMEvent.allCases.map { ($0.kernelName, 0) }), placed: [0, 0])
        let kFiles = ["wl7_pressure.%@_before", "wl7_pressure.%@_after"]
        let kvm = try kFiles.map { try kernelVmstat(String(format: $0, "vmstat") + ".txt") }
        let kns = try kFiles.map { parseNumastatFile(try Fixtures.text(Self.dir + String(format: $0, "numastat") + ".txt")) }
        let (report, failures) = compare(["wl7 anon"], ours: [zero, snaps[0]], kernelVmstat: kvm, kernelNumastat: kns)
        print("kernel wl7 pressure replay from its own state (numasim vs kernel):\n" + report)
        // The probe's own 23 activations (its binary and libraries) are not modelled.
        XCTAssertEqual(Set(failures), ["pgactivate: numasim 0, kernel 23"], "\n" + report)
        XCTAssertEqual(snaps[0].vm["allocstall"], 0)
        // The nap-end wake-ups: most runs begin because a nap ended on an unbalanced node.
        XCTAssertGreaterThan(snaps[0].vm["kswapd_high_wmark_hit_quickly"]!, 30)
        // The touch took as long as the kernel's ("touched 369037 pages in 3.36 s"): the guest
        // speed is the topology's, measured on this capture.
        XCTAssertEqual(Double(touchEnd) / 1e9, 3.36, accuracy: 0.1)
        for r in result.allocator.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }

    /// Each step's counter deltas, numasim against the kernel: the reclaim counters within
    /// ±25 %, balance_pgdat runs within ×1.5, and (for steps placing over 10 000 pages) each
    /// node's share of the pages placed within ±3 points. Returns the report and the misses.
    func compare(_ steps: [String], ours: [Snapshot], kernelVmstat kvm: [[String: Int]],
                 kernelNumastat kns: [[Int: [String: Int]]]) -> (String, [String]) {
        var report = ""
        var failures: [String] = []
        func check(_ what: String, _ o: Int, _ k: Int, pct: Double) {
            let ok = abs(Double(o - k)) <= max(2.0, Double(k) * pct)
            report += "  \(what): numasim \(o), kernel \(k)\(ok ? "" : "  (outside ±\(Int(pct * 100)) %)")\n"
            if !ok { failures.append("\(what): numasim \(o), kernel \(k)") }
        }
        for (i, step) in steps.enumerated() {
            report += "\(step):\n"
            for c in Self.counters {
                let o = (ours[i + 1].vm[c] ?? 0) - (ours[i].vm[c] ?? 0)
                let k = (kvm[i + 1][c] ?? 0) - (kvm[i][c] ?? 0)
                check(c, o, k, pct: 0.25)
            }
            // kswapd's balance_pgdat runs (pageoutrun) within ×1.5 of the kernel's; its sleeps as
            // counted (not compared: see docs/time.md).
            let runs = (ours[i + 1].vm["pageoutrun"] ?? 0) - (ours[i].vm["pageoutrun"] ?? 0)
            let kruns = (kvm[i + 1]["pageoutrun"] ?? 0) - (kvm[i]["pageoutrun"] ?? 0)
            let runsOK = runs * 2 <= kruns * 3 && kruns * 2 <= runs * 3
            report += "  pageoutrun: numasim \(runs), kernel \(kruns)\(runsOK ? "" : "  (outside ×1.5)")\n"
            if !runsOK { failures.append("pageoutrun: numasim \(runs), kernel \(kruns)") }
            for c in ["kswapd_low_wmark_hit_quickly", "kswapd_high_wmark_hit_quickly"] {
                report += "  \(c) (not compared): numasim \((ours[i + 1].vm[c] ?? 0) - (ours[i].vm[c] ?? 0)), kernel \((kvm[i + 1][c] ?? 0) - (kvm[i][c] ?? 0))\n"
            }
            // Where the step's pages landed: node shares of the pages placed (numa_hit + numa_miss).
            let op = (0...1).map { ours[i + 1].placed[$0] - ours[i].placed[$0] }
            let kp = (0...1).map { (kns[i + 1][$0]!["numa_hit"]! + kns[i + 1][$0]!["numa_miss"]!) - (kns[i][$0]!["numa_hit"]! + kns[i][$0]!["numa_miss"]!) }
            if kp.reduce(0, +) > 10_000 {
                for n in 0...1 {
                    let os = 100 * Double(op[n]) / Double(max(1, op.reduce(0, +))), ks = 100 * Double(kp[n]) / Double(kp.reduce(0, +))
                    let ok = abs(os - ks) <= 3
                    report += String(format: "  node %d share: numasim %.1f %%, kernel %.1f %%%@\n", n, os, ks, ok ? "" : "  (outside ±3 points)")
                    if !ok { failures.append("\(step) node \(n) share") }
                }
            }
        }
        return (report, failures)
    }

    /// Counters outside the tolerance, pinned so that a change in either direction shows
    /// (measured 2026-12-03 at the guest speed of topologies/nehalem-2s-qemu.yaml):
    /// - wl6: kswapd is woken by a watermark boost after a migratetype steal, as the kernel's
    ///   was, and reclaims 3406 pages where the kernel's reclaimed 2280 before the task exited
    ///   and 565 while it exited (2845 in all: +20 %); the kernel's kswapd was still running
    ///   when the touch ended, numasim's had finished. wl7's re-read refaults what wl6 evicted;
    ///   none is activated by refault distance (kernel 155).
    /// - wl7 anon: placement, pgscan/pgsteal, pgrefill and balance_pgdat runs match, but kswapd
    ///   falls behind at the end: 5 direct reclaims of 208 pages where the kernel needed none.
    ///   The state wl6 left differs from the kernel's: after wl6's exit the kernel had two more
    ///   reclaimable pageblocks, whose free pages (1017) let wl7's touch steal and boost kswapd
    ///   early; numasim has none (testPressureReplayFromKernelStateMatchesKernel starts from
    ///   the kernel's state and matches).
    /// - wl7 exit: kswapd goes on reclaiming while the task exits (224 pages, kernel 955).
    /// - wl7's 23 and 4 PGACTIVATE are the probe's and other tasks' activity.
    static let knownMisses: Set<String> = [
        "pgscan_kswapd: numasim 3406, kernel 2280", "pgsteal_kswapd: numasim 3406, kernel 2280",
        "pgscan_kswapd: numasim 0, kernel 565", "pgsteal_kswapd: numasim 0, kernel 565", "pageoutrun: numasim 0, kernel 1",
        "workingset_activate_file: numasim 0, kernel 155",
        "pgscan_direct: numasim 208, kernel 0", "pgsteal_direct: numasim 208, kernel 0", "allocstall: numasim 5, kernel 0",
        "pgactivate: numasim 0, kernel 23",
        "pgscan_kswapd: numasim 224, kernel 955", "pgsteal_kswapd: numasim 224, kernel 955", "pageoutrun: numasim 0, kernel 2",
        "pgrefill: numasim 228, kernel 985", "pgdeactivate: numasim 228, kernel 985", "pgactivate: numasim 0, kernel 4",
    ]
}
