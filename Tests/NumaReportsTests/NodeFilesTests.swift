import Foundation
import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaEngine
@testable import NumaReports
@testable import NumaTopology
@testable import NumaWorkload

/// `/sys/devices/system/node/nodeN/meminfo` and `.../vmstat`, and the per-zone LRU counters of
/// /proc/zoneinfo: names, order and spacing against a real Debian 6.1 kernel's files
/// (Fixtures/kernel-samples), values against the allocator's own counters after a run that
/// reads a named file, dirties page cache, swaps and refaults.
final class NodeFilesTests: XCTestCase {
    /// Page cache (a named file read twice, dirty pages written back by kswapd) and anon
    /// pressure with swap on four small nodes.
    nonisolated(unsafe) static var cached: StressResult?

    /// The run, made once for the tests of this class.
    func pageCacheRun() throws -> StressResult {
        if let r = Self.cached { return r }
        let m = try boot(TestTopologies.pressure4n)
        let w = try Workload.parse("""
            swap: 16MiB
            phases:
              - threads:
                  - {cpus: "0", kind: file, file: f, allocate: 12000}
                  - {cpus: "2", kind: file, dirty: true, allocate: 30000, free: random, live: 14000, touch: 1}
              - threads:
                  - {cpus: "0", kind: anon, allocate: 20000, free: at_exit}
                  - {cpus: "4", kind: anon, allocate: 30000, free: random, live: 16000, touch: 1}
              - threads:
                  - {cpus: "0", kind: file, file: f, allocate: 12000}
            """, file: "w.yaml", topology: m.topology)
        let r = try DeterministicStress.run(machine: m, workload: w, seed: 1)
        XCTAssertEqual(r.allocator.checkInvariants().flatMap(\.violations), [])
        Self.cached = r
        return r
    }

    static func pairs(_ text: String) -> [(String, Int)] {
        text.split(separator: "\n").map { l in
            let f = l.split(separator: " ")
            return (String(f[0]), Int(f[1])!)
        }
    }

    func testNodeMeminfoFollowsLinux61FieldByField() throws {
        let sample = try Fixtures.text("kernel-samples/nehalem-2s/nodes/node0.meminfo.txt")
        // "Node 0 MemTotal:         985212 kB" → name, value
        let kernel = sample.split(separator: "\n").map { l -> (String, Int) in
            let f = l.split(separator: " ")
            return (String(f[2].dropLast()), Int(f[3])!)
        }
        XCTAssertEqual(NodeMeminfoFormat.fieldNames(withHighmem: false), kernel.map(\.0), "6.1's fields in 6.1's order")
        XCTAssertEqual(NodeMeminfoFormat.render(node: 0, kernel), sample, "the kernel's spacing, FileHugePages' narrower column included")

        let r = try pageCacheRun()
        let a = r.allocator
        for (n, id) in a.nodeIDs.enumerated() {
            let text = NodeMeminfoFormat.render(a, nodeIndex: n)
            XCTAssertEqual(text.split(separator: "\n").map { String($0.split(separator: " ")[2].dropLast()) }, kernel.map(\.0))
            let f = Dictionary(uniqueKeysWithValues: NodeMeminfoFormat.fields(a, nodeIndex: n))
            let zones = a.nodes[n].zones
            XCTAssertEqual(f["MemTotal"], 4 * zones.reduce(0) { $0 + $1.managed }, "node \(id)")
            XCTAssertEqual(f["MemFree"], 4 * a.freePages(node: id), "node \(id)")
            XCTAssertEqual(f["MemUsed"], f["MemTotal"]! - f["MemFree"]!)
            XCTAssertEqual(f["Inactive(file)"], 4 * a.lruSize(nodeIndex: n, .inactiveFile))
            XCTAssertEqual(f["Active(anon)"], 4 * a.lruSize(nodeIndex: n, .activeAnon))
            XCTAssertEqual(f["Active"], f["Active(anon)"]! + f["Active(file)"]!)
            XCTAssertEqual(f["Inactive"], f["Inactive(anon)"]! + f["Inactive(file)"]!)
            XCTAssertEqual(f["FilePages"], f["Active(file)"]! + f["Inactive(file)"]!)
            XCTAssertEqual(f["Dirty"], 4 * a.nodes[n].reclaim.dirtyFilePages)
            XCTAssertEqual(f["SReclaimable"], 4 * (a.pageCache.xarrayNodes.slabPages()[id] ?? 0))
            XCTAssertEqual(f["Slab"], f["SReclaimable"])
        }
        let all = a.nodeIDs.indices.map { Dictionary(uniqueKeysWithValues: NodeMeminfoFormat.fields(a, nodeIndex: $0)) }
        XCTAssertGreaterThan(all.reduce(0) { $0 + $1["Dirty"]! }, 0, "the run leaves dirty page cache")
        XCTAssertGreaterThan(all.reduce(0) { $0 + $1["SReclaimable"]! }, 0, "the named file's xarray nodes")
        XCTAssertGreaterThan(all.reduce(0) { $0 + $1["Inactive(anon)"]! + $1["Active(anon)"]! }, 0)
    }

    /// i386 (CONFIG_HIGHMEM): HighTotal/HighFree/LowTotal/LowFree after Mlocked, from the HighMem zone.
    func testNodeMeminfoHighmemLines() throws {
        let yaml = try Fixtures.text("../../topologies/i386-highmem.yaml")
        let a = PageAllocator(machine: try boot(yaml))
        let f = NodeMeminfoFormat.fields(a, nodeIndex: 0)
        let names = f.map(\.0)
        XCTAssertEqual(Array(names[names.firstIndex(of: "Mlocked")! + 1 ... names.firstIndex(of: "Mlocked")! + 4]),
                       ["HighTotal", "HighFree", "LowTotal", "LowFree"])
        let v = Dictionary(uniqueKeysWithValues: f)
        let high = a.nodes[0].zones.filter { $0.name == "HighMem" }.reduce(0) { $0 + $1.managed }
        XCTAssertGreaterThan(high, 0)
        XCTAssertEqual(v["HighTotal"], 4 * high)
        XCTAssertEqual(v["LowTotal"]! + v["HighTotal"]!, v["MemTotal"]!)
    }

    func testNodeVmstatFollowsLinux61AndAddsUpToProcVmstat() throws {
        let kernel = Self.pairs(try Fixtures.text("kernel-samples/nehalem-2s/nodes/node0.vmstat.txt")).map(\.0)
        let r = try pageCacheRun()
        let a = r.allocator
        var sums: [String: Int] = [:]
        for (n, id) in a.nodeIDs.enumerated() {
            let c = NodeVmstatFormat.counters(a, nodeIndex: n)
            XCTAssertEqual(c.map(\.0), kernel, "zone, NUMA and node items in 6.1's order")
            XCTAssertEqual(NodeVmstatFormat.render(a, nodeIndex: n), c.map { "\($0.0) \($0.1)\n" }.joined())
            let v = Dictionary(uniqueKeysWithValues: c)
            let e = a.numastat(node: id)
            XCTAssertEqual([v["numa_hit"], v["numa_miss"], v["numa_foreign"], v["numa_interleave"], v["numa_local"], v["numa_other"]],
                           [e.numaHit, e.numaMiss, e.numaForeign, e.interleaveHit, e.localNode, e.otherNode], "node \(id)")
            XCTAssertEqual(v["nr_free_pages"], a.freePages(node: id))
            for l in LRUVec.List.allCases {
                XCTAssertEqual(v[l.statName], a.lruSize(nodeIndex: n, l))
                XCTAssertEqual(v[l.zoneStatName], v[l.statName], "zones add up to the node")
            }
            XCTAssertEqual(v["nr_zone_write_pending"], v["nr_dirty"])
            for (k, x) in v { sums[k, default: 0] += x }
        }
        // Σ nodes = /proc/vmstat for every node-stat item it prints, and = the machine-wide events.
        let vm = Dictionary(uniqueKeysWithValues: VmstatFormat.counters(a))
        for (k, x) in NodeCounters.machine(a) {
            XCTAssertEqual(sums[k], x, k)
            XCTAssertEqual(vm[k], x, k)
        }
        for e in [VMEvent.workingsetRefaultAnon, .workingsetRefaultFile, .workingsetActivateAnon, .workingsetActivateFile, .nrWritten] {
            XCTAssertEqual(sums[e.kernelName], a.vmEvents[e], e.kernelName)
            XCTAssertGreaterThan(a.vmEvents[e], 0, "\(e.kernelName): the run exercises it")
        }
        XCTAssertGreaterThan(sums["nr_slab_reclaimable"]!, 0)
    }

    /// /proc/zoneinfo after a run: each zone's `nr_zone_*` LRU and write-pending counters are
    /// its share of the node's, so over a node's zones they add up to the node's `per-node stats`.
    func testZoneinfoPerZoneLRUCountersAddUpToTheNode() throws {
        let r = try pageCacheRun()
        let a = r.allocator
        let text = ZoneinfoFormat.render(a)
        var node = -1
        var perNode: [Int: [String: Int]] = [:], zoneSums: [Int: [String: Int]] = [:]
        var inNodeStats = false
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            if line.hasPrefix("Node ") { node = Int(f[1].dropLast())!; inNodeStats = false; continue }
            if line == "  per-node stats" { inNodeStats = true; continue }
            guard f.count == 2, let v = Int(f[1]) else { inNodeStats = false; continue }
            let name = String(f[0])
            if inNodeStats { perNode[node, default: [:]][name] = v } else if name.hasPrefix("nr_zone_") { zoneSums[node, default: [:]][name, default: 0] += v }
        }
        XCTAssertEqual(Set(perNode.keys), Set(a.nodeIDs))
        var nonZero = 0
        for id in a.nodeIDs {
            let p = perNode[id]!, z = zoneSums[id]!
            for l in ["inactive_anon", "active_anon", "inactive_file", "active_file", "unevictable"] {
                XCTAssertEqual(z["nr_zone_\(l)"], p["nr_\(l)"], "node \(id) \(l)")
                nonZero += p["nr_\(l)"]! > 0 ? 1 : 0
            }
            XCTAssertEqual(z["nr_zone_write_pending"], p["nr_dirty"]! + p["nr_writeback"]!, "node \(id)")
            XCTAssertEqual(p["nr_inactive_file"], a.lruSize(nodeIndex: a.nodeIDs.firstIndex(of: id)!, .inactiveFile))
        }
        XCTAssertGreaterThan(nonZero, 3, "real values, not zeros")
        XCTAssertGreaterThan(a.nodeIDs.reduce(0) { $0 + perNode[$1]!["nr_dirty"]! }, 0)
        // Node 0's LRU pages lie in two zones (DMA and DMA32): the split is the zones' own.
        let zones = a.nodes[0].zones.filter { $0.managed > 0 }
        XCTAssertEqual(zones.reduce(0) { $0 + a.lruPages($1, .inactiveFile) }, perNode[0]!["nr_inactive_file"])
    }
}
