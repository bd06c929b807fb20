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

    /// The machine as the kernel left it before wl6, imported as `topology import --sysfs …
    /// --zoneinfo … --pagetypeinfo … --vmstat …` would.
    func importedMachine() throws -> BootedMachine {
        func path(_ f: String) -> String { ImportFixtures.fixture("kernel-samples/nehalem-2s/workloads/wl6_pagecache.\(f).txt") }
        var t = try SysfsImporter.load(path: try sysfsTree(fromKernelSample: "nehalem-2s"))
        try ZoneinfoImporter.apply(path: path("zoneinfo_before"), to: &t)
        var warnings: [InputWarning] = []
        try PagetypeinfoImporter.apply(path: path("pagetypeinfo_before"), to: &t, buddyinfo: nil, buddyinfoFile: nil, warnings: &warnings)
        try VmstatImporter.check(path: path("vmstat_before"), against: t, warnings: &warnings)
        for s in ["vm.min_free_kbytes=5626", "transparent_hugepage=never"] { try t.sysctl.apply(assignment: s, arch: t.arch) }
        return try BootedMachine(topology: t)
    }

    func testPageCacheReplayMatchesKernel() throws {
        let m = try importedMachine()
        let w = try Workload.load(path: Self.repo.appendingPathComponent("workloads/kernel-nehalem-pagecache.yaml").path, topology: m.topology)
        let observer = StressObserver()
        var snaps: [Snapshot] = []
        var first: Snapshot? = nil
        observer.onPhaseEnd = { a, exited in
            if first == nil { first = self.snapshot(a) }
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
        print("kernel page-cache replay (numasim vs kernel, per step):\n" + report)
        XCTAssertEqual(Set(failures), Self.knownMisses, "\n" + report)
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

    /// Counters outside the tolerance, pinned so that a change in either direction shows
    /// (measured 2026-12-03 with the default costs of docs/time.md):
    /// - wl6 anon: kswapd is woken by a watermark boost after a migratetype steal, as the
    ///   kernel's was (the imported pagetypeinfo has the kernel's pageblocks), but runs once and
    ///   reclaims 573 pages where the kernel ran 4 times for 2280; so wl7's re-read refaults 573
    ///   pages (kernel 2845) and none is activated by refault distance (kernel 155).
    /// - wl7 anon: placement, pgscan/pgsteal and pgrefill match; kswapd's balance_pgdat runs are
    ///   84 against 51 (×1.65, the target is ×1.5), and it falls behind the allocating CPU at
    ///   the end of the step: 10 direct reclaims of 592 pages where the kernel needed none.
    /// - after each anon step the kernel's kswapd went on reclaiming while the task exited
    ///   (565 and 955 pages); numasim's phase ends with kswapd's iteration, so that reclaim is
    ///   counted in the step itself (it carries only naps and pending wake-ups over).
    /// - wl7's 23 and 4 PGACTIVATE are the probe's and other tasks' activity.
    static let knownMisses: Set<String> = [
        "pgscan_kswapd: numasim 573, kernel 2280", "pgsteal_kswapd: numasim 573, kernel 2280", "pageoutrun: numasim 1, kernel 4",
        "pgscan_kswapd: numasim 0, kernel 565", "pgsteal_kswapd: numasim 0, kernel 565", "pageoutrun: numasim 0, kernel 1",
        "workingset_refault_file: numasim 573, kernel 2845", "workingset_activate_file: numasim 0, kernel 155",
        "pgscan_direct: numasim 592, kernel 0", "pgsteal_direct: numasim 592, kernel 0", "allocstall: numasim 10, kernel 0",
        "pageoutrun: numasim 84, kernel 51", "pgactivate: numasim 0, kernel 23",
        "pgscan_kswapd: numasim 0, kernel 955", "pgsteal_kswapd: numasim 0, kernel 955", "pageoutrun: numasim 0, kernel 2",
        "pgrefill: numasim 0, kernel 985", "pgdeactivate: numasim 0, kernel 985", "pgactivate: numasim 0, kernel 4",
    ]
}
