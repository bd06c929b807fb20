import Foundation
import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaTopology

/// Machines up to MAX_NUMNODES (1024) nodes: the topology generator, and zonelists at that
/// scale compared with a line-by-line transcription of Linux 6.1's mm/page_alloc.c.
final class MaxNumNodesBootTests: XCTestCase {
    /// 6.1 `__build_all_zonelists` → `build_zonelists` → `find_next_best_node`, transcribed as
    /// the kernel writes them (greedy minimum search per pick, node_load shared by all builds,
    /// zeroed once), independent of numasim's implementation.
    struct KernelZonelists {
        let ids: [Int]                       // for_each_node: ascending node id
        let hasMemory: [Bool]                // N_MEMORY, by node id
        let hasCPUs: [Bool]                  // !cpumask_empty(cpumask_of_node(n)) when the build runs, by node id
        let slit: [Int]                      // node_distance(a, b) = slit[a * stride + b]
        let stride: Int
        let maxNumNodes: Int
        var nodeLoad: [Int]

        func nodeDistance(_ a: Int, _ b: Int) -> Int { slit[a * stride + b] }

        func findNextBestNode(_ node: Int, _ used: inout [Bool]) -> Int {
            var minVal = Int(Int32.max)                  // INT_MAX
            var bestNode = -1                            // NUMA_NO_NODE
            if !used[node] { used[node] = true; return node }   // "Use the local node if we haven't already"
            for n in ids where hasMemory[n] {            // for_each_node_state(n, N_MEMORY)
                if used[n] { continue }
                var val = nodeDistance(node, n)
                val += n < node ? 1 : 0                  // "Penalize nodes under us"
                if hasCPUs[n] { val += 1 }               // PENALTY_FOR_NODE_WITH_CPUS
                val *= maxNumNodes
                val += nodeLoad[n]
                if val < minVal { minVal = val; bestNode = n }
            }
            if bestNode >= 0 { used[bestNode] = true }
            return bestNode
        }

        mutating func buildZonelists(_ localNode: Int) -> [Int] {
            var used = [Bool](repeating: false, count: stride)
            var order: [Int] = []
            var prevNode = localNode
            while true {
                let node = findNextBestNode(localNode, &used)
                if node < 0 { break }
                if nodeDistance(localNode, node) != nodeDistance(localNode, prevNode) { nodeLoad[node] += 1 }
                order.append(node)
                prevNode = node
            }
            return order
        }

        /// Node orders of the first `upTo` nodes built (all when nil).
        mutating func build(upTo: Int? = nil) -> [Int: [Int]] {
            var result: [Int: [Int]] = [:]
            for id in ids.prefix(upTo ?? ids.count) { result[id] = buildZonelists(id) }
            return result
        }
    }

    /// The kernel's inputs, read from the topology (not from numasim's zonelists).
    func reference(_ m: BootedMachine, sawCPUs: Bool) -> KernelZonelists {
        let t = m.topology
        let stride = (m.nodeIDs.max() ?? 0) + 1
        var slit = [Int](repeating: 0, count: stride * stride)
        for (i, a) in t.nodes.enumerated() { for (j, b) in t.nodes.enumerated() { slit[a.id * stride + b.id] = t.distances[i][j] } }
        var memory = [Bool](repeating: false, count: stride), cpus = memory
        for n in t.nodes {
            memory[n.id] = !n.memory.isEmpty
            cpus[n.id] = sawCPUs && !n.cpus.isEmpty
        }
        return KernelZonelists(ids: t.nodes.map(\.id).sorted(), hasMemory: memory, hasCPUs: cpus, slit: slit, stride: stride,
                               maxNumNodes: t.kernel.maxNumNodes, nodeLoad: Array(repeating: 0, count: stride))  // memset(node_load, 0, …)
    }

    // MARK: - Generator

    func testGeneratorDistanceModels() throws {
        var g = TopologyGenerator(nodes: 10, cpusPerNode: 2, memoryPerNode: 1 << 30, distance: .ring)
        g.hop = 7
        let ring = try g.topology()
        // Hops the shorter way round: 0→3 is 3 hops, 0→8 is 2 (8, 9, 0).
        XCTAssertEqual(ring.distances[0][3], 10 + 7 * 3)
        XCTAssertEqual(ring.distances[0][8], 10 + 7 * 2)
        XCTAssertEqual(ring.distances[4][9], 10 + 7 * 5)
        g.distance = .mesh   // 10 nodes → rows of 4: node 9 sits at row 2, column 1
        g.hop = 10
        let mesh = try g.topology()
        XCTAssertEqual(mesh.distances[0][9], 10 + 10 * (2 + 1))
        XCTAssertEqual(mesh.distances[3][4], 10 + 10 * (1 + 3))
        g.distance = .twoLevel
        g.groupSize = 3
        let two = try g.topology()
        XCTAssertEqual(two.distances[0][2], 12)
        XCTAssertEqual(two.distances[2][3], 32)
        XCTAssertEqual(two.distances[9][6], 32)
        for t in [ring, mesh, two] {
            for i in 0..<10 { XCTAssertEqual(t.distances[i][i], 10) }
        }
        // A big ring saturates at 255, the largest SLIT entry.
        let big = try TopologyGenerator(nodes: 1024, cpusPerNode: 1, memoryPerNode: 1 << 30, distance: .ring).topology()
        XCTAssertEqual(big.distances[0][512], 255)
        XCTAssertEqual(big.distances[0][24], 250)
        XCTAssertEqual(big.distances[1023][0], 20)
    }

    func testGeneratorCPUNumberingAndCPULessNodes() throws {
        var g = TopologyGenerator(nodes: 6, cpusPerNode: 3, memoryPerNode: 256 << 20, distance: .twoLevel)
        g.cpulessNodes = [1, 4]
        let t = try g.topology()
        XCTAssertEqual(t.nodes.map(\.cpus.members), [[0, 1, 2], [], [3, 4, 5], [6, 7, 8], [], [9, 10, 11]])
        XCTAssertEqual(t.allCPUs.count, 12)
        // Written and read back, the machine is the same.
        let back = try TopologyFile.parse(TopologyWriter.yaml(t), file: "generated.yaml")
        XCTAssertEqual(back, t)
    }

    func testGeneratorRejectsBadInput() {
        func message(_ g: TopologyGenerator) -> String {
            do { _ = try g.topology(); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(message(TopologyGenerator(nodes: 1025, cpusPerNode: 1, memoryPerNode: 1 << 30)).contains("MAX_NUMNODES"))
        XCTAssertTrue(message(TopologyGenerator(nodes: 0, cpusPerNode: 1, memoryPerNode: 1 << 30)).contains("--nodes"))
        XCTAssertTrue(message(TopologyGenerator(nodes: 2, cpusPerNode: 1, memoryPerNode: 1000)).contains("--memory-per-node"))
        var far = TopologyGenerator(nodes: 8, cpusPerNode: 1, memoryPerNode: 1 << 30)
        far.far = 300
        XCTAssertTrue(message(far).contains("--far"))
        var cpuless = TopologyGenerator(nodes: 8, cpusPerNode: 1, memoryPerNode: 1 << 30)
        cpuless.cpulessNodes = [8]
        XCTAssertTrue(message(cpuless).contains("node 8 does not exist"))
    }

    /// The command writes what the generator makes, and refuses what the kernel could not boot.
    func testGenerateCommand() throws {
        let exe: URL = {
            if let bundle = Bundle.allBundles.first(where: { $0.bundlePath.hasSuffix(".xctest") }) {
                return bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("numasim")
            }
            return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("numasim")
        }()
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: exe.path), "numasim is not built")
        func run(_ args: [String]) throws -> (Int32, String) {
            let p = Process()
            p.executableURL = exe
            p.arguments = args
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            let e = err.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return (p.terminationStatus, String(decoding: e, as: UTF8.self))
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("numasim-gen-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (status, err) = try run(["topology", "generate", "--nodes", "12", "--cpus-per-node", "2", "--memory-per-node", "512MiB",
                                     "--distance", "ring", "--hop", "5", "--cpuless", "3,7-8", "-o", path])
        XCTAssertEqual(status, 0, err)
        var g = TopologyGenerator(nodes: 12, cpusPerNode: 2, memoryPerNode: 512 << 20, distance: .ring)
        g.hop = 5
        g.cpulessNodes = [3, 7, 8]
        XCTAssertEqual(try TopologyFile.load(path: path), try g.topology())
        let (bad, message) = try run(["topology", "generate", "--nodes", "4", "--cpus-per-node", "0", "--memory-per-node", "1GiB"])
        XCTAssertNotEqual(bad, 0)
        XCTAssertTrue(message.contains("no node has CPUs"), message)
        let (badModel, modelMessage) = try run(["topology", "generate", "--nodes", "4", "--memory-per-node", "1GiB", "--distance", "star"])
        XCTAssertNotEqual(badModel, 0)
        XCTAssertTrue(modelMessage.contains("--distance"), modelMessage)
    }

    // MARK: - Zonelists at scale

    /// 1024 nodes in groups of 4 (SLIT 12 inside, 32 across — two long runs of equal
    /// distances), every fourth node memory-only: boots, and the boot build and the rebuild
    /// match the kernel's algorithm for the first nodes built; every list holds each memory
    /// node once, the local node first.
    func testMaxNumNodesMachineBootsWithKernelZonelists() throws {
        var g = TopologyGenerator(nodes: 1024, cpusPerNode: 1, memoryPerNode: 64 << 20, distance: .twoLevel)
        g.cpulessNodes = Set(stride(from: 2, to: 1024, by: 4))
        let m = try BootedMachine(topology: try g.topology())
        XCTAssertEqual(m.nodeIDs.count, 1024)
        for (zonelists, sawCPUs) in [(m.bootZonelists, false), (m.rebuiltZonelists, true)] {
            var kernel = reference(m, sawCPUs: sawCPUs)
            let expected = kernel.build(upTo: 8)
            for id in 0..<8 {
                XCTAssertEqual(zonelists.nodeOrder[id], expected[id], "node \(id), \(sawCPUs ? "rebuild" : "boot build")")
            }
            for id in m.nodeIDs {
                let order = zonelists.nodeOrder[id]!
                XCTAssertEqual(order.first, id)
                XCTAssertEqual(order.count, 1024)
                XCTAssertEqual(Set(order).count, 1024, "node \(id) lists a node twice")
                // Group mates (distance 12) before every other group (32).
                let group = Set((id / 4 * 4)..<(id / 4 * 4 + 4))
                XCTAssertEqual(Set(order.prefix(4)), group, "node \(id)")
            }
        }
        // Hand-derived, node 0's group {0, 1, 2, 3}: at boot no node has CPUs, so the equal
        // distances go by id; the rebuild puts CPU-less node 2 first (no +1 CPU penalty).
        XCTAssertEqual(Array(m.bootZonelists.nodeOrder[0]!.prefix(4)), [0, 1, 2, 3])
        XCTAssertEqual(Array(m.rebuiltZonelists.nodeOrder[0]!.prefix(4)), [0, 2, 1, 3])
        // Node 1 at boot: nodes 2 and 3 (12, load 0; 2 first by id) before node 0 (12 + 1
        // lower-id penalty).
        XCTAssertEqual(Array(m.bootZonelists.nodeOrder[1]!.prefix(4)), [1, 2, 3, 0])
    }

    /// Awkward SLITs, every node compared: asymmetric tables full of equal and off-by-one
    /// distances (where the +1 penalties and node_load decide), sparse node ids, memory-only
    /// nodes and a memoryless CPU node.
    func testAwkwardDistancesMatchKernelForEveryNode() throws {
        var rng = SplitMix(seed: 0x6_1)
        for trial in 0..<4 {
            let count = 48 + trial * 8
            let ids = (0..<count).map { $0 * 3 + (trial % 2) }            // sparse ids
            var nodes: [NodeSpec] = []
            for (i, id) in ids.enumerated() {
                let cpuless = i % 5 == 3
                let memoryless = i == 7
                nodes.append(NodeSpec(id: id, cpus: cpuless ? .empty : CPUList([i]), memory: .size(memoryless ? 0 : 64 << 20)))
            }
            // Remote entries from a handful of values one apart, drawn independently for
            // [i][j] and [j][i] (asymmetric).
            let palette = [20, 21, 22, 30, 31]
            let table = (0..<count).map { i in (0..<count).map { j in i == j ? 10 : palette[Int(rng.next() % UInt64(palette.count))] } }
            var t = Topology(name: "awkward-\(trial)", nodes: nodes, distances: table)
            t.kernel.maxNumNodes = 1024
            let m = try BootedMachine(topology: t)
            for (zonelists, sawCPUs) in [(m.bootZonelists, false), (m.rebuiltZonelists, true)] {
                var kernel = reference(m, sawCPUs: sawCPUs)
                let expected = kernel.build()
                for id in ids { XCTAssertEqual(zonelists.nodeOrder[id], expected[id], "trial \(trial) node \(id) sawCPUs \(sawCPUs)") }
                // The memoryless node heads its own list and appears in no other.
                let memoryless = ids[7]
                XCTAssertEqual(zonelists.nodeOrder[memoryless]?.first, memoryless)
                XCTAssertEqual(zonelists.fallback[memoryless]?.first?.node, zonelists.nodeOrder[memoryless]?[1])
                for id in ids where id != memoryless { XCTAssertFalse(zonelists.nodeOrder[id]!.contains(memoryless)) }
            }
        }
    }

    /// 64 nodes × 1 TiB (64 TiB, the x86-64 4-level limit): the boot model's numbers are exact
    /// without any page record, and scale as the kernel's formulas say.
    func testSixtyFourTebibyteNodesBoot() throws {
        let t = try TopologyGenerator(nodes: 64, cpusPerNode: 4, memoryPerNode: 1 << 40, distance: .mesh).topology()
        let m = try BootedMachine(topology: t)
        let normal = m.z(5, "Normal")
        XCTAssertEqual(normal.spanned, (1 << 40) >> 12)
        XCTAssertEqual(normal.present, (1 << 40) >> 12)
        // min_free_kbytes = min(sqrt(lowmem_kbytes × 16), 262144): capped at 256 MiB here
        // (calculate_min_free_kbytes), before THP's recommendation.
        XCTAssertEqual(m.calculatedMinFreeKbytes, 262_144)
        XCTAssertEqual(m.bootZonelists.nodeOrder.count, 64)
        // 8 × 8 mesh: node 0's nearest are its two neighbours (1 and 8) at one hop.
        XCTAssertEqual(Array(m.bootZonelists.nodeOrder[0]!.prefix(3)), [0, 1, 8])
    }
}

/// A small deterministic generator for test tables (SplitMix64).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
