import Foundation
import XCTest
import NumaTopology

/// What the importer tests share (NumaTopologyTests: import alone; NumaCoreTests: imports that
/// boot): the real machines' sysfs samples and what they hold, the kernel samples' topology
/// files, and helpers that build broken sysfs trees and check the errors they give.
public enum ImportFixtures {
    public static let fixtures = Fixtures.root

    public static func fixture(_ relative: String) -> String { fixtures.appendingPathComponent(relative).path }

    public static func sample(_ name: String) -> String { fixture("sysfs-samples/\(name)") }

    public static let section: UInt64 = 128 << 20

    public static func roundedUp(_ bytes: UInt64) -> UInt64 { (bytes + section - 1) / section * section }

    public struct Expected: Sendable {
        public var name: String
        public var ids: [Int]
        public var cpus: [String]
        public var distances: [[Int]]
        /// MemTotal and MemFree in kB, read from node<N>/meminfo.
        public var memTotalKB: [UInt64]
        public var memFreeKB: [UInt64]
    }

    public static let expected: [Expected] = [
        Expected(name: "128arm-2pa2n8cluster4co", ids: [0, 1, 2, 3], cpus: ["0-31", "32-63", "64-95", "96-127"],
                 distances: [[10, 16, 32, 33], [16, 10, 25, 32], [32, 25, 10, 16], [33, 32, 16, 10]],
                 memTotalKB: [131_732_940, 132_117_940, 132_117_936, 131_062_408],
                 memFreeKB: [130_167_340, 131_884_112, 77_430_888, 125_844_388]),
        Expected(name: "16amd64-8n2c", ids: Array(0...7),
                 cpus: ["0-1", "2-3", "4-5", "6-7", "8-9", "10-11", "12-13", "14-15"],
                 distances: (0..<8).map { i in (0..<8).map { j in i == j ? 10 : 20 } },
                 memTotalKB: [8_386_704] + [UInt64](repeating: 8_388_608, count: 7),
                 memFreeKB: [6_895_672, 8_226_932, 8_238_444, 8_230_804, 8_234_628, 8_246_360, 8_242_876, 8_249_784]),
        Expected(name: "32em64t-2n8c+dax+nvme+mic+dimms", ids: [0, 1], cpus: ["0-7", "8-15"],
                 distances: [[10, 21], [21, 10]],
                 memTotalKB: [16_747_124, 16_777_216], memFreeKB: [15_794_148, 13_669_108]),
        Expected(name: "memorysidecaches", ids: [0, 1, 2, 3],
                 cpus: (0..<4).map { n in stride(from: n, to: 80, by: 4).map(String.init).joined(separator: ",") },
                 distances: [[10, 21, 11, 21], [21, 10, 21, 11], [11, 21, 10, 21], [21, 11, 21, 10]],
                 memTotalKB: [388_492_316, 390_163_848, 390_163_840, 390_162_812],
                 memFreeKB: [387_668_228, 389_931_044, 389_589_156, 389_942_184]),
    ]

    public static let nehalemYAML = """
        name: nehalem-2s
        nodes:
          - {id: 0, cpus: "0-1", memory: 1GiB}
          - {id: 1, cpus: "2-3", ranges: [{start: 0x40000000, size: 0x3ffdd000}]}
        distances: [[10, 21], [21, 10]]
        sysctl: {min_free_kbytes: 5626, transparent_hugepage: never}
        """

    public static let bigYAML = """
        name: big-2s
        nodes:
          - {id: 0, cpus: "0-1", ranges: [{start: 0, size: 0xbffe0000}]}
          - {id: 1, cpus: "2-3", ranges: [{start: 0x100000000, size: 3GiB}]}
        distances: [[10, 21], [21, 10]]
        sysctl: {min_free_kbytes: 9821, transparent_hugepage: never}
        """
}

extension XCTestCase {

    /// Runs `body`, expects an InputError whose file ends with `fileSuffix`, whose line is `line`
    /// (when given) and whose message mentions every string of `mentions`.
    public func expectInputError(fileSuffix: String, line: Int? = nil, mentions: [String],
                          file: StaticString = #filePath, testLine: UInt = #line, _ body: () throws -> Void) {
        do {
            try body()
            XCTFail("expected an InputError about \(fileSuffix)", file: file, line: testLine)
        } catch let error as InputError {
            XCTAssertTrue(error.file.hasSuffix(fileSuffix), "file '\(error.file)' should end with '\(fileSuffix)' (\(error))",
                          file: file, line: testLine)
            if let line { XCTAssertEqual(error.line, line, "line of \(error)", file: file, line: testLine) }
            for m in mentions {
                XCTAssertTrue(error.description.contains(m), "'\(error)' should mention '\(m)'", file: file, line: testLine)
            }
        } catch {
            XCTFail("expected an InputError, got \(error)", file: file, line: testLine)
        }
    }

    /// A sysfs node directory in a fresh temporary folder: `files[nodeID][fileName] = contents`.
    public func makeSysfs(_ files: [Int: [String: String]], extraDirs: [String] = []) throws -> String {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("numasim-import-\(UUID().uuidString)")
        let nodeDir = root.appendingPathComponent("sys/devices/system/node")
        try FileManager.default.createDirectory(at: nodeDir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        for (id, entries) in files {
            let dir = nodeDir.appendingPathComponent("node\(id)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for (name, text) in entries {
                try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
        }
        for d in extraDirs {
            try FileManager.default.createDirectory(at: nodeDir.appendingPathComponent(d), withIntermediateDirectories: true)
        }
        return root.path
    }

    public func meminfo(_ id: Int, totalKB: Int, freeKB: Int) -> String {
        """
        Node \(id) MemTotal:       \(totalKB) kB
        Node \(id) MemFree:        \(freeKB) kB
        Node \(id) MemUsed:        \(totalKB - freeKB) kB
        Node \(id) HugePages_Total:     0

        """
    }

    /// A good two-node tree (1 GiB each, 10/21), to break one file at a time.
    public func goodTwoNodeFiles() -> [Int: [String: String]] {
        [0: ["cpulist": "0-1\n\0", "distance": "10 21\n", "meminfo": meminfo(0, totalKB: 1_000_000, freeKB: 900_000)],
         1: ["cpulist": "2-3\n\0", "distance": "21 10\n", "meminfo": meminfo(1, totalKB: 1_048_576, freeKB: 1_000_000)]]
    }

    public func zoneinfoText(_ sample: String) throws -> String {
        try String(contentsOfFile: ImportFixtures.fixture("kernel-samples/\(sample)/recomputed_zoneinfo.txt"), encoding: .utf8)
    }

    /// Only the zone headers and spanned/present/managed: everything else must be computed.
    public func sizesOnly(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).filter { line in
            let t = line.trimmingCharacters(in: .whitespaces)
            let first = t.split(separator: " ").first.map(String.init) ?? ""
            return t.hasPrefix("Node ") || ["spanned", "present", "managed"].contains(first)
        }.joined(separator: "\n")
    }

    /// The kernel samples saved node<N>/{cpulist,distance,meminfo} as nodes/nodeN.*.txt: put them
    /// back into a sysfs tree.
    public func sysfsTree(fromKernelSample sample: String) throws -> String {
        var files: [Int: [String: String]] = [:]
        for id in 0...1 {
            for name in ["cpulist", "distance", "meminfo"] {
                files[id, default: [:]][name] = try String(
                    contentsOfFile: ImportFixtures.fixture("kernel-samples/\(sample)/nodes/node\(id).\(name).txt"), encoding: .utf8)
            }
        }
        return try makeSysfs(files)
    }

}
