import Foundation
import Glibc
import NumaCore
import NumaTopology

/// The boot case: what bringing a machine up costs — the boot numbers (`BootedMachine`: zones,
/// watermarks, zonelists) and the allocator over them (`PageAllocator`: mem_map, free lists,
/// pagesets) — in time and in host memory. With the sparse mem_map the allocator's cost follows
/// the zones and CPUs, not the simulated memory. Then it allocates order-10 blocks on every node
/// and reports the host memory per page so touched (the cost of a materialised page record).
extension Bench {
    func boot() throws -> BenchResult {
        let t = topology
        var bestNumbers = Double.infinity, bestAllocator = Double.infinity
        var resident = 0, perTouchedPage = 0.0
        var pages = 0
        for _ in 0..<runs {
            let clock = ContinuousClock()
            let t0 = clock.now
            let m = try BootedMachine(topology: t)
            let t1 = clock.now
            let before = Self.residentBytes()
            let a = PageAllocator(machine: m)
            let t2 = clock.now
            resident = max(resident, Self.residentBytes() - before)
            bestNumbers = min(bestNumbers, Self.nanoseconds(t1 - t0) / 1e6)
            bestAllocator = min(bestAllocator, Self.nanoseconds(t2 - t1) / 1e6)
            pages = m.zones.values.joined().reduce(0) { $0 + $1.present }
            // Then touch memory: a quarter of each node's free pages, at most 1 GiB, in order-10
            // blocks (each one written in full when it leaves the untouched runs).
            let beforeTouch = Self.residentBytes()
            var touched = 0
            for (n, id) in a.nodeIDs.enumerated() {
                guard let cpu = t.nodes[n].cpus.members.first ?? t.allCPUs.first else { continue }
                let blocks = Swift.min(a.freePages(node: id) / 4, 1 << 18) >> UntouchedBlocks.order
                for _ in 0..<blocks {
                    guard case .success = a.allocPages(gfp: [.highUserMovable, .thisnode], order: UntouchedBlocks.order,
                                                       preferredNode: id, cpu: cpu) else { break }
                    touched += UntouchedBlocks.pages
                }
            }
            if touched > 0 { perTouchedPage = Double(Self.residentBytes() - beforeTouch) / Double(touched) }
            withExtendedLifetime(a) {}
        }
        var r = BenchResult(name: "boot: \(t.nodes.count) nodes, \(Self.size(UInt64(pages) << 12)) present, \(t.allCPUs.count) CPUs")
        r.bootMilliseconds = bestNumbers
        r.allocatorMilliseconds = bestAllocator
        r.residentBytes = resident
        r.residentBytesPerTouchedPage = perTouchedPage
        r.note = String(format: "%.4f bytes of host memory per simulated page", Double(resident) / Double(Swift.max(pages, 1)))
        return r
    }

    /// Resident set size of this process (/proc/self/statm), in bytes.
    static func residentBytes() -> Int {
        guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = s.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }

    static func size(_ bytes: UInt64) -> String {
        for (unit, shift) in [("TiB", 40), ("GiB", 30), ("MiB", 20)] where bytes >= 1 << UInt64(shift) {
            return String(format: "%.4g %@", Double(bytes) / Double(UInt64(1) << UInt64(shift)), unit)
        }
        return "\(bytes) B"
    }
}
