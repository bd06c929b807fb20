import Foundation
import XCTest
import NumaTestSupport

/// `numasim topology import` on firmware quirks the kernel accepts (warnings on stderr naming the
/// file), errors found after the import (naming the input, not the output), and inputs read
/// from a pipe.
final class ImportQuirksCommandTests: XCTestCase {
    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try NumasimBinary.run(args) }

    func testSysfsQuirksAreAcceptedWithWarningsNamingTheFile() throws {
        var files = goodTwoNodeFiles()
        files[1]!["cpulist"] = "1-3\n"
        files[1]!["meminfo"] = "Node 1 MemTotal:  1048576 kB\n"
        let root = try makeSysfs(files)
        let out = try NumasimBinary.temp("out.yaml")
        let r = try run(["topology", "import", "--sysfs", root, "-o", out])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("warning: \(root)/sys/devices/system/node/node1/cpulist:1: CPU 1 also in node0"), r.err)
        XCTAssertTrue(r.err.contains("warning: \(root)/sys/devices/system/node/node1/meminfo: MemFree: missing"), r.err)
        let yaml = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertTrue(yaml.contains("cpus: \"2-3\"") || yaml.contains("cpus: 2-3"), yaml)
        // The result boots.
        let show = try run(["topology", "show", "-t", out])
        XCTAssertEqual(show.status, 0, show.err)
    }

    func testErrorsAfterTheImportNameTheInput() throws {
        var files = goodTwoNodeFiles()
        files[0]!["meminfo"] = meminfo(0, totalKB: 0, freeKB: 0)
        files[1]!["meminfo"] = meminfo(1, totalKB: 0, freeKB: 0)
        let root = try makeSysfs(files)
        let out = try NumasimBinary.temp("out.yaml")
        let r = try run(["topology", "import", "--sysfs", root, "-o", out])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("\(root): nodes: no node has memory"), r.err)
        XCTAssertFalse(r.err.contains(out), r.err)
        XCTAssertFalse(r.err.contains("<imported>"), r.err)
    }

    /// A zoneinfo whose managed exceeds the present numasim computes (the file has no
    /// `present`): the error names the zoneinfo file and the managed line.
    func testZoneinfoManagedAbovePresentNamesTheZoneinfoLine() throws {
        let text = try zoneinfoText("nehalem-2s")
        var lines = text.components(separatedBy: "\n").filter { !$0.contains("present") && !$0.contains("spanned") }
        let managed = try XCTUnwrap(lines.firstIndex { $0.trimmingCharacters(in: .whitespaces).hasPrefix("managed") })
        lines[managed] = "        managed  4000"
        let zoneinfo = try NumasimBinary.temp("zoneinfo.txt", lines.joined(separator: "\n"))
        let r = try run(["topology", "import", "-t", "topologies/nehalem-2s-qemu.yaml", "--zoneinfo", zoneinfo,
                         "-o", try NumasimBinary.temp("out.yaml")])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("\(zoneinfo):\(managed + 1): nodes (id 0).zones.DMA: managed 4000 exceeds present"), r.err)
    }

    /// `--zoneinfo <(cat /proc/zoneinfo)`: a FIFO is read like a file.
    func testZoneinfoFromAFIFO() throws {
        let fifo = try NumasimBinary.temp("zoneinfo.fifo")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        defer { unlink(fifo) }
        let text = try zoneinfoText("nehalem-2s")
        let writer = Thread {
            guard let h = FileHandle(forWritingAtPath: fifo) else { return }
            h.write(Data(text.utf8))
            try? h.close()
        }
        writer.start()
        let r = try run(["topology", "import", "-t", "topologies/nehalem-2s-qemu.yaml", "--zoneinfo", fifo])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("zones:"), r.out)
    }
}
