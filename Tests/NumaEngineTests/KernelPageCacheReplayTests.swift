import Foundation
import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaEngine
import NumaTopology
import NumaWorkload

/// Replays workloads/kernel-nehalem-pagecache.yaml (the kernel samples' wl6_pagecache and
/// wl7_pressure) on the deterministic engine, from the free pages the kernel recorded before
/// wl6, and compares each step's counter deltas with the real 6.1 kernel's vmstat and numastat.
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
        return out
    }

    struct Snapshot {
        var vm: [String: Int]
        /// numa_hit + numa_miss per node (pages placed on the node).
        var placed: [Int]
    }

    static let counters = ["pgscan_kswapd", "pgsteal_kswapd", "pgscan_direct", "pgsteal_direct", "pgrefill",
                           "pgactivate", "pgdeactivate", "workingset_refault_file", "workingset_activate_file"]

    func snapshot(_ a: PageAllocator) -> Snapshot {
        var vm: [String: Int] = [:]
        for e in VMEvent.allCases { vm[e.kernelName] = a.vmEvents[e] }
        return Snapshot(vm: vm, placed: (0...1).map { a.numastat(node: $0).numaHit + a.numastat(node: $0).numaMiss })
    }

    func testPageCacheReplayMatchesKernel() throws {
        let m = try nehalemMachine(before: "wl6_pagecache")
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
            // Not compared: kswapd's runs follow the simulated clock (issue 14, time part).
            let runs = (ours[i + 1].vm["pageoutrun"] ?? 0) - (ours[i].vm["pageoutrun"] ?? 0)
            report += "  pageoutrun (not compared): numasim \(runs), kernel \((kvm[i + 1]["pageoutrun"] ?? 0) - (kvm[i]["pageoutrun"] ?? 0))\n"
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

    /// Counters outside the tolerance, pinned so that a change in either direction shows:
    /// - wl6's kswapd reclaim (2280 pages during the anon step, 565 more after it) was woken by a
    ///   watermark boost after a migratetype steal; the imported state has only Movable
    ///   pageblocks, so numasim's anon step never leaves the low watermark path and kswapd stays
    ///   asleep (issue 14, import part). Hence no evictions, and no refaults in wl7's re-read.
    /// - after wl7's anon step the kernel's kswapd went on reclaiming (955 pages, 985 refill)
    ///   while the task exited; the deterministic engine runs kswapd inline, so it is done when
    ///   the step ends (the simulated clock, issue 14 time part).
    /// - wl7's 23 and 4 PGACTIVATE are the probe's and other tasks' activity.
    static let knownMisses: Set<String> = [
        "pgscan_kswapd: numasim 0, kernel 2280", "pgsteal_kswapd: numasim 0, kernel 2280",
        "pgscan_kswapd: numasim 0, kernel 565", "pgsteal_kswapd: numasim 0, kernel 565",
        "workingset_refault_file: numasim 0, kernel 2845", "workingset_activate_file: numasim 0, kernel 155",
        "pgactivate: numasim 0, kernel 23",
        "pgscan_kswapd: numasim 0, kernel 955", "pgsteal_kswapd: numasim 0, kernel 955",
        "pgrefill: numasim 0, kernel 985", "pgdeactivate: numasim 0, kernel 985", "pgactivate: numasim 0, kernel 4",
    ]
}
