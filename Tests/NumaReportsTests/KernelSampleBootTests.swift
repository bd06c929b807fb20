import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaReports
@testable import NumaTopology

/// Boots the two QEMU machines a real Debian 6.1 kernel ran on (Fixtures/kernel-samples) and
/// compares every number the kernel printed at boot with numasim's.
///
/// Inputs taken from the machine: memory ranges (dmesg "Early memory node ranges" plus QEMU's
/// e820), the managed page counts (memblock reservations are not computable), min_free_kbytes
/// (the kernel computed it before init memory was freed) and THP=never. Everything else —
/// spans, present, watermarks, protection, pcp high/batch, thresholds, zonelists, "Total pages",
/// policy zone — is numasim's own computation.
final class KernelSampleBootTests: XCTestCase {
    func compareZoneinfo(_ yaml: String, sample: String) throws {
        let m = try boot(yaml)
        let kernel = parseKernelZoneinfo(try Fixtures.text("kernel-samples/\(sample)/recomputed_zoneinfo.txt"))
        XCTAssertEqual(kernel.count, m.allZones.count, "the kernel prints every zone of every node")
        var compared = 0
        for k in kernel {
            let z = m.z(k.node, k.name)
            let where_ = "\(sample) node \(k.node) \(k.name)"
            XCTAssertEqual(z.watermark.minPages, k.fields["min"], "min, \(where_)")
            XCTAssertEqual(z.watermark.lowPages, k.fields["low"], "low, \(where_)")
            XCTAssertEqual(z.watermark.highPages, k.fields["high"], "high, \(where_)")
            XCTAssertEqual(z.spanned, k.fields["spanned"], "spanned, \(where_)")
            XCTAssertEqual(z.present, k.fields["present"], "present, \(where_)")
            XCTAssertEqual(z.managed, k.fields["managed"], "managed, \(where_)")
            XCTAssertEqual(z.lowmemReserve, k.protection, "protection, \(where_)")
            if z.isPopulated {
                XCTAssertEqual(z.pcpHigh, k.pcpHigh, "pcp high, \(where_)")
                XCTAssertEqual(z.pcpBatch, k.pcpBatch, "pcp batch, \(where_)")
                XCTAssertEqual(z.statThreshold, k.threshold, "vm stats threshold, \(where_)")
                XCTAssertEqual(z.startPfn, k.fields["start_pfn"], "start_pfn, \(where_)")
                compared += 1
            }
        }
        XCTAssertGreaterThanOrEqual(compared, 3)
    }

    func testNehalemZoneinfoMatchesKernel() throws { try compareZoneinfo(KernelSamples.nehalem, sample: "nehalem-2s") }
    func testBig2sZoneinfoMatchesKernel() throws { try compareZoneinfo(KernelSamples.big, sample: "big-2s") }

    /// dmesg's zonelist lines, character for character.
    func compareDmesg(_ yaml: String, sample: String) throws {
        let m = try boot(yaml)
        let dmesg = try Fixtures.text("kernel-samples/\(sample)/dmesg.txt")
        let kernelLines = dmesg.split(separator: "\n").compactMap { line -> String? in
            guard let close = line.firstIndex(of: "]") else { return nil }
            let msg = String(line[line.index(close, offsetBy: 2)...])
            return msg.hasPrefix("Fallback order") || msg.hasPrefix("Built ") || msg.hasPrefix("Policy zone") ? msg : nil
        }
        let ours = ZonelistFormat.render(m, zonelists: m.bootZonelists, showZones: false)
            .split(separator: "\n").map(String.init)
        XCTAssertEqual(ours, kernelLines)
        XCTAssertEqual(kernelLines.count, 4)
    }

    func testNehalemDmesgZonelistLines() throws { try compareDmesg(KernelSamples.nehalem, sample: "nehalem-2s") }
    func testBig2sDmesgZonelistLines() throws { try compareDmesg(KernelSamples.big, sample: "big-2s") }

    /// The zoneinfo text itself: our rendering of the watermark block equals the kernel's lines.
    func testZoneinfoTextLayoutMatchesKernel() throws {
        let m = try boot(KernelSamples.nehalem)
        let ours = ZoneinfoFormat.render(m)
        let kernel = try Fixtures.text("kernel-samples/nehalem-2s/recomputed_zoneinfo.txt")
        func shape(_ s: String) -> [String] {
            // Lines whose values numasim models at boot; counters that depend on the probe's own
            // activity (pages free, nr_*, numa_*, count:) are compared by name only.
            s.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
                let l = String(line)
                let modelled = ["        boost", "        min", "        low", "        high", "        spanned",
                                "        present", "        managed", "        cma", "        protection",
                                "              high:", "              batch:", "  vm stats threshold",
                                "  start_pfn", "Node ", "  pagesets", "  per-node stats", "    cpu:"]
                if modelled.contains(where: { l.hasPrefix($0) }) { return l }
                if let r = l.range(of: #"\d+$"#, options: .regularExpression) { return String(l[..<r.lowerBound]) + "N" }
                return l
            }
        }
        XCTAssertEqual(shape(ours), shape(kernel))
    }

    /// Without the recorded min_free_kbytes numasim computes the kernel's formula from the
    /// final managed counts: 4·√(lowmem kB).
    func testAutoMinFreeKbytesFromManaged() throws {
        let m = try boot(KernelSamples.big.replacingOccurrences(of: "min_free_kbytes: 9821", with: "min_free_kbytes: auto"))
        // lowmem = 3840 + 742143 + 769160 = 1515143 pages = 6060572 kB; int_sqrt(6060572·16) = 9847
        XCTAssertEqual(m.minFreeKbytes, 9847)
    }
}
