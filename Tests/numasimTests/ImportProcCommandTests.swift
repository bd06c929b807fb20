import Foundation
import XCTest
import NumaTestSupport

/// `numasim topology import --proc DIR` records a machine's state from its /proc files, and
/// `numasim zoneinfo` of the result prints the same free, pcp count, boost and LRU numbers.
final class ImportProcCommandTests: XCTestCase {
    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try NumasimBinary.run(args) }

    /// The lines of a zoneinfo that the import records as state.
    func stateLines(_ text: String) -> [String] {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { l in
            l.hasPrefix("Node ") || l.hasPrefix("boost") || l.hasPrefix("count:") || l.hasPrefix("nr_zone_inactive_")
                || l.hasPrefix("nr_zone_active_") || l.hasPrefix("node_unreclaimable") || l.hasPrefix("pages free")
        }
    }

    func testProcDirRoundTripsThroughZoneinfo() throws {
        let sysfs = try sysfsTree(fromKernelSample: "big-2s")
        let proc = ImportFixtures.fixture("kernel-samples/big-2s")
        let out = try NumasimBinary.temp("big.yaml")
        let r = try run(["topology", "import", "--sysfs", sysfs, "--proc", proc, "--sysctl", "vm.min_free_kbytes=9821",
                         "--sysctl", "transparent_hugepage=never", "-o", out])
        XCTAssertEqual(r.status, 0, r.err)
        // proc_pagetypeinfo.txt was read 63 pages (one pcp batch) after proc_zoneinfo.txt.
        XCTAssertTrue(r.err.contains("proc_pagetypeinfo.txt:"), r.err)
        let zi = try run(["zoneinfo", "-t", out])
        XCTAssertEqual(zi.status, 0, zi.err)
        var kernel = stateLines(try String(contentsOfFile: "\(proc)/proc_zoneinfo.txt", encoding: .utf8))
        // The one number the pagetypeinfo layout changed (node 0 DMA32: 63 pages fewer free).
        let i = try XCTUnwrap(kernel.firstIndex(of: "Node 0, zone    DMA32"))
        let free = Int(kernel[i + 1].split(separator: " ").last!)!
        kernel[i + 1] = "pages free     \(free - 63)"
        XCTAssertEqual(stateLines(zi.out), kernel)
    }

    func testBadProcFilesNameFileAndLine() throws {
        let sysfs = try sysfsTree(fromKernelSample: "nehalem-2s")
        let dir = try NumasimBinary.temp("proc-bad")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let r0 = try run(["topology", "import", "--sysfs", sysfs, "--proc", dir])
        XCTAssertEqual(r0.status, 1)
        XCTAssertTrue(r0.err.contains("Error: \(dir): none of zoneinfo, pagetypeinfo, buddyinfo, vmstat"), r0.err)
        try "Page block order: 9\nPages per block:  512\n\nNode 0, zone DMA32 1 2 3 4 5\n".write(toFile: "\(dir)/pagetypeinfo", atomically: true, encoding: .utf8)
        let r1 = try run(["topology", "import", "--sysfs", sysfs, "--proc", dir])
        XCTAssertEqual(r1.status, 1)
        XCTAssertTrue(r1.err.contains("Error: \(dir)/pagetypeinfo:4: expected the 'Free pages count per migrate type at order' table"), r1.err)
        try "nr_free_pages 12\nnr_inactive_anon\n".write(toFile: "\(dir)/vmstat", atomically: true, encoding: .utf8)
        let r2 = try run(["topology", "import", "--sysfs", sysfs, "--vmstat", "\(dir)/vmstat"])
        XCTAssertEqual(r2.status, 1)
        XCTAssertTrue(r2.err.contains("Error: \(dir)/vmstat:2: expected 'name value'"), r2.err)
    }
}
