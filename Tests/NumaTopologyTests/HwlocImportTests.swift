import Foundation
import XCTest
import NumaTestSupport
@testable import NumaTopology

/// `HwlocImporter`: hwloc's XML (`lstopo --of xml`). Fixtures in Tests/Fixtures/hwloc (README
/// there: one real capture, two derived by hand in hwloc's format and checked with
/// `lstopo --input FILE --distances`).
final class HwlocImportTests: XCTestCase {
    static let mib: UInt64 = 1 << 20

    /// The real capture of this project's 1-node VM: node0 `local_memory="9220988928"` (hwloc's
    /// `MemTotal << 10`: 9004872 kB), PUs 0 and 1 under the package the node is attached to.
    /// `memory`: the first node also covers the 98 legacy-hole pages, 9220988928 + 98·4096 =
    /// 9221390336 bytes, rounded up to 128 MiB sections = 69 sections = 8832 MiB — the same
    /// figure the sysfs importer gives for this machine's /sys.
    func testRealOneNodeCapture() throws {
        var warnings: [InputWarning] = []
        let t = try HwlocImporter.load(path: Fixtures.path("hwloc/firecracker-1n.xml"), warnings: &warnings)
        XCTAssertEqual(t.nodes.count, 1)
        XCTAssertEqual(t.nodes[0].id, 0)
        XCTAssertEqual(t.nodes[0].cpus, CPUList([0, 1]))
        XCTAssertEqual(t.nodes[0].managed, 9_004_872 * 1024)
        XCTAssertEqual(t.nodes[0].memory, .size(69 * 128 * Self.mib))
        XCTAssertNil(t.nodes[0].free)
        XCTAssertEqual(t.distances, [[10]])
        XCTAssertEqual(t.name, "firecracker-1n")
        XCTAssertEqual(warnings, [], "one node: no matrix is needed, so no warning")
    }

    /// hwloc 2.x, three nodes: node 0 and node 1 attached to their packages, node 2 (CPU-less,
    /// as a CXL expander) attached to the Machine. Every PU meets its package's node before the
    /// Machine, so node 2 gets no CPUs. The `distances2` matrix is taken as the SLIT.
    func testDerivedThreeNodesWithCPULessNode() throws {
        var warnings: [InputWarning] = []
        let t = try HwlocImporter.load(path: Fixtures.path("hwloc/derived-3n-cxl.xml"), warnings: &warnings)
        XCTAssertEqual(t.nodes.map(\.id), [0, 1, 2])
        XCTAssertEqual(t.nodes.map(\.cpus), [CPUList([0, 1]), CPUList([2, 3]), CPUList([])])
        XCTAssertEqual(t.nodes.map(\.managed), [9_004_872 * 1024, 4096 * Self.mib, 2048 * Self.mib])
        // 4 GiB and 2 GiB are whole sections (32 and 16); node 0 as in the 1-node capture.
        XCTAssertEqual(t.nodes.map(\.memory), [.size(8832 * Self.mib), .size(4096 * Self.mib), .size(2048 * Self.mib)])
        XCTAssertEqual(t.distances, [[10, 21, 14], [21, 10, 24], [14, 24, 10]])
        XCTAssertEqual(warnings, [])
    }

    /// hwloc 1.x: nodes hold their packages; `<latency value="2.100000">` × `latency_base` 10 = 21.
    func testHwloc1Layout() throws {
        var warnings: [InputWarning] = []
        let t = try HwlocImporter.load(path: Fixtures.path("hwloc/derived-2n-v1.xml"), warnings: &warnings)
        XCTAssertEqual(t.nodes.map(\.cpus), [CPUList([0, 1]), CPUList([2, 3])])
        XCTAssertEqual(t.distances, [[10, 21], [21, 10]])
        XCTAssertEqual(warnings, [])
    }

    /// A small hwloc 2.x document: `nodes` is the XML of the Machine's children.
    func doc(_ body: String, distances: String = "") -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <!DOCTYPE topology SYSTEM "hwloc2.dtd">
        <topology version="2.0">
          <object type="Machine" os_index="0">
        \(body)
          </object>
        \(distances)
        </topology>
        """
    }

    static let twoPackages = """
            <object type="Package" os_index="0">
              <object type="NUMANode" os_index="0" local_memory="1073741824"/>
              <object type="Core" os_index="0"><object type="PU" os_index="0"/></object>
            </object>
            <object type="Package" os_index="1">
              <object type="NUMANode" os_index="1" local_memory="1073741824"/>
              <object type="Core" os_index="1"><object type="PU" os_index="1"/></object>
            </object>
        """

    /// No matrix with two nodes: the kernel's `__node_distance` default (10/20), with a warning.
    func testMissingDistancesGiveKernelDefaultWithWarning() throws {
        var warnings: [InputWarning] = []
        let t = try HwlocImporter.parse(doc(Self.twoPackages), file: "m.xml", warnings: &warnings)
        XCTAssertEqual(t.distances, [[10, 20], [20, 10]])
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].description.hasPrefix("m.xml: no <distances2"), warnings[0].description)
        XCTAssertTrue(warnings[0].description.contains("10 local and 20 remote"))
    }

    /// An aarch64 machine is imported as x86_64, with a warning naming the line of its
    /// `Architecture` info.
    func testOtherArchitectureWarns() throws {
        var warnings: [InputWarning] = []
        let body = "<info name=\"Architecture\" value=\"aarch64\"/>\n" + Self.twoPackages
        let t = try HwlocImporter.parse(doc(body, distances: ""), file: "m.xml", warnings: &warnings)
        XCTAssertEqual(t.arch, .x86_64)
        XCTAssertTrue(warnings.contains { $0.description.hasPrefix("m.xml:5: the machine's Architecture is aarch64") }, "\(warnings)")
    }

    /// `indexes` list the nodes in another order (1 0): rows are mapped back by os_index, so the
    /// asymmetric entries land where they belong (node 0 → node 1 is 12, node 1 → node 0 is 17).
    func testIndexesOrderIsHonoured() throws {
        var warnings: [InputWarning] = []
        let d = """
          <distances2 type="NUMANode" nbobjs="2" kind="5" name="NUMALatency" indexing="os">
            <indexes length="4">1 0 </indexes>
            <u64values length="12">10 17 12 10 </u64values>
          </distances2>
        """
        let t = try HwlocImporter.parse(doc(Self.twoPackages, distances: d), file: "m.xml", warnings: &warnings)
        XCTAssertEqual(t.distances, [[10, 12], [17, 10]])
    }

    /// DRAM node 0 and a CPU-less node 4 (say HBM) attached to the same package: the kernel
    /// lists each CPU in one node, so the lowest id keeps the package's CPUs, with a warning.
    func testNodesSharingALocalityKeepCPUsInLowestID() throws {
        var warnings: [InputWarning] = []
        let body = """
            <object type="Package" os_index="0">
              <object type="NUMANode" os_index="4" local_memory="1073741824"/>
              <object type="MemCache" depth="1"><object type="NUMANode" os_index="0" local_memory="1073741824"/></object>
              <object type="Core" os_index="0"><object type="PU" os_index="0"/></object>
              <object type="Core" os_index="1"><object type="PU" os_index="1"/></object>
            </object>
        """
        let t = try HwlocImporter.parse(doc(body), file: "m.xml", warnings: &warnings)
        XCTAssertEqual(t.nodes.map(\.id), [0, 4])
        XCTAssertEqual(t.nodes.map(\.cpus), [CPUList([0, 1]), CPUList([])])
        XCTAssertEqual(warnings.count, 2, "\(warnings)")  // the sharing, and no matrix
        XCTAssertTrue(warnings.contains { $0.description.contains("node 4 shares the CPUs 0-1 with node 0") }, "\(warnings)")
    }

    func testErrorsNameFileLineAndElement() {
        var w: [InputWarning] = []
        expectInputError(fileSuffix: "m.xml", line: 6, mentions: ["<object type=\"NUMANode\" os_index=\"x\">", "expected a node id"]) {
            _ = try HwlocImporter.parse(self.doc("""
                <object type="Package" os_index="0">
                  <object type="NUMANode" os_index="x"/>
                </object>
            """), file: "m.xml", warnings: &w)
        }
        expectInputError(fileSuffix: "m.xml", line: 3, mentions: ["<topology> holds no <object type=\"NUMANode\">"]) {
            _ = try HwlocImporter.parse(self.doc("<object type=\"PU\" os_index=\"0\"/>"), file: "m.xml", warnings: &w)
        }
        // Line 14 of the document: the <distances2> start tag (4 header lines, 8 of packages, the
        // Machine's closing tag).
        expectInputError(fileSuffix: "m.xml", line: 14, mentions: ["<distances2 type=\"NUMANode\">", "holds 3 values", "nbobjs² = 4"]) {
            _ = try HwlocImporter.parse(self.doc(Self.twoPackages, distances: """
              <distances2 type="NUMANode" nbobjs="2" kind="5" indexing="os">
                <indexes length="4">0 1 </indexes>
                <u64values length="9">10 20 20 </u64values>
              </distances2>
            """), file: "m.xml", warnings: &w)
        }
        expectInputError(fileSuffix: "m.xml", mentions: ["row of node 1", "expected a remote distance 11...255, got 9"]) {
            _ = try HwlocImporter.parse(self.doc(Self.twoPackages, distances: """
              <distances2 type="NUMANode" nbobjs="2" kind="5" indexing="os">
                <indexes length="4">0 1 </indexes>
                <u64values length="12">10 20 9 10 </u64values>
              </distances2>
            """), file: "m.xml", warnings: &w)
        }
        expectInputError(fileSuffix: "m.xml", mentions: ["a second NUMANode with os_index 0"]) {
            _ = try HwlocImporter.parse(self.doc(Self.twoPackages.replacingOccurrences(of: "os_index=\"1\" local", with: "os_index=\"0\" local")),
                                        file: "m.xml", warnings: &w)
        }
        expectInputError(fileSuffix: "m.xml", mentions: ["<object type=\"PU\" os_index=\"7\">", "no NUMANode is attached"]) {
            _ = try HwlocImporter.parse(self.doc(Self.twoPackages + "\n<object type=\"PU\" os_index=\"7\"/>"), file: "m.xml", warnings: &w)
        }
        expectInputError(fileSuffix: "m.xml", line: 1, mentions: ["the root element is <machine>", "expected <topology>"]) {
            _ = try HwlocImporter.parse("<machine/>", file: "m.xml", warnings: &w)
        }
        expectInputError(fileSuffix: "m.xml", line: 2, mentions: ["not well-formed XML"]) {
            _ = try HwlocImporter.parse("<topology>\n<object type=\"NUMANode\" os_index=0/></topology>", file: "m.xml", warnings: &w)
        }
        expectInputError(fileSuffix: "m.xml", mentions: ["not well-formed XML"]) {
            _ = try HwlocImporter.parse("<topology>\n<object type=\"NUMANode\" os_index=\"0\">", file: "m.xml", warnings: &w)
        }
        expectInputError(fileSuffix: "m.xml", mentions: ["empty"]) {
            _ = try HwlocImporter.parse("", file: "m.xml", warnings: &w)
        }
    }

    /// Damaged files (cut short at many points, bytes overwritten by a seeded generator): the
    /// importer either reads a machine or throws an `InputError` naming the file — never a crash,
    /// never another error.
    func testDamagedFilesGiveLabelledErrors() throws {
        let good = Array(try String(contentsOfFile: Fixtures.path("hwloc/derived-3n-cxl.xml"), encoding: .utf8).utf8)
        var inputs: [[UInt8]] = stride(from: 0, to: good.count, by: max(1, good.count / 150)).map { Array(good[..<$0]) }
        var rng = TestRNG(seed: 18)
        let alphabet = Array("<>/=\" 0123456789abcdefxNUMAPU-&;".utf8)
        for _ in 0..<150 {
            var b = good
            for _ in 0..<3 { b[Int(rng.next() % UInt64(b.count))] = alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            inputs.append(b)
        }
        var accepted = 0
        for bytes in inputs {
            var w: [InputWarning] = []
            do {
                _ = try HwlocImporter.parse(Data(bytes), file: "m.xml", warnings: &w)
                accepted += 1
            } catch let e as InputError {
                XCTAssertEqual(e.file, "m.xml", "\(e)")
                XCTAssertTrue(e.line != nil || e.message.hasPrefix("the file is empty"), "names a line: \(e)")
            } catch {
                XCTFail("not an InputError: \(error)")
            }
        }
        XCTAssertLessThan(accepted, inputs.count, "most damage is refused")
    }
}
