import XCTest
import NumaTestSupport
import NumaCore
import NumaReports
@testable import NumaTopology

/// A machine's state imported from its /proc files (zoneinfo, pagetypeinfo, buddyinfo, vmstat)
/// boots into exactly that state: /proc/zoneinfo and /proc/pagetypeinfo of the booted allocator,
/// read back by the same importers, give the same free pages, pcp counts, boost, LRU pages,
/// free blocks per order × migratetype and pageblocks as the input.
final class ImportedStateRoundTripTests: XCTestCase {
    struct Capture {
        var sample: String
        var zoneinfo: String
        var pagetypeinfo: String?
        var buddyinfo: String?
        var vmstat: String?
        var sysctls: [String]
    }

    static let nehalemSysctls = ["vm.min_free_kbytes=5626", "transparent_hugepage=never"]
    static let bigSysctls = ["vm.min_free_kbytes=9821", "transparent_hugepage=never"]

    static let captures: [Capture] = [
        Capture(sample: "nehalem-2s", zoneinfo: "proc_zoneinfo.txt", pagetypeinfo: "proc_pagetypeinfo.txt",
                buddyinfo: "proc_buddyinfo.txt", vmstat: "proc_vmstat.txt", sysctls: nehalemSysctls),
        Capture(sample: "big-2s", zoneinfo: "proc_zoneinfo.txt", pagetypeinfo: "proc_pagetypeinfo.txt",
                buddyinfo: "proc_buddyinfo.txt", vmstat: "proc_vmstat.txt", sysctls: bigSysctls),
        Capture(sample: "nehalem-2s", zoneinfo: "workloads/wl5_threads.zoneinfo_before.txt",
                pagetypeinfo: "workloads/wl5_threads.pagetypeinfo_before.txt", vmstat: "workloads/wl5_threads.vmstat_before.txt",
                sysctls: nehalemSysctls),
        Capture(sample: "nehalem-2s", zoneinfo: "workloads/wl7_pressure.zoneinfo_before.txt",
                pagetypeinfo: "workloads/wl7_pressure.pagetypeinfo_before.txt", vmstat: "workloads/wl7_pressure.vmstat_before.txt",
                sysctls: nehalemSysctls),
        Capture(sample: "big-2s", zoneinfo: "workloads/wl1_firsttouch.zoneinfo_before.txt",
                buddyinfo: "workloads/wl1_firsttouch.buddyinfo_before.txt", vmstat: "workloads/wl1_firsttouch.vmstat_before.txt",
                sysctls: bigSysctls),
    ]

    func imported(_ c: Capture, warnings: inout [InputWarning]) throws -> Topology {
        func path(_ f: String) -> String { ImportFixtures.fixture("kernel-samples/\(c.sample)/\(f)") }
        var t = try SysfsImporter.load(path: try sysfsTree(fromKernelSample: c.sample))
        try ZoneinfoImporter.apply(path: path(c.zoneinfo), to: &t)
        let buddy = try c.buddyinfo.map { try BuddyinfoImporter.parse(path: path($0)) }
        if let p = c.pagetypeinfo {
            try PagetypeinfoImporter.apply(path: path(p), to: &t, buddyinfo: buddy, buddyinfoFile: c.buddyinfo.map(path), warnings: &warnings)
        } else if let buddy {
            try BuddyinfoImporter.check(buddy, file: path(c.buddyinfo!), against: t, warnings: &warnings)
        }
        if let v = c.vmstat { try VmstatImporter.check(path: path(v), against: t, warnings: &warnings) }
        for s in c.sysctls { try t.sysctl.apply(assignment: s, arch: t.arch) }
        // What `topology import` writes loads back the same.
        let back = try TopologyFile.parse(TopologyWriter.yaml(t), file: "imported.yaml")
        XCTAssertEqual(back.nodes, t.nodes, "\(c.zoneinfo): the written topology reads back the same")
        return t
    }

    func testImportedStateRoundTripsThroughTheKernelFiles() throws {
        for c in Self.captures {
            var warnings: [InputWarning] = []
            let t = try imported(c, warnings: &warnings)
            let a = PageAllocator(machine: try BootedMachine(topology: t))
            for r in a.checkInvariants() { XCTAssertTrue(r.ok, "\(c.zoneinfo): \(r.violations)") }

            // zoneinfo of the booted machine, read back by the importer.
            var again = try SysfsImporter.load(path: try sysfsTree(fromKernelSample: c.sample))
            try ZoneinfoImporter.apply(text: ZoneinfoFormat.render(a), file: "rendered zoneinfo", to: &again)
            var pagesOnPcp = 0, pagesOnLRU = 0
            for node in t.nodes {
                for (name, o) in node.zones where (o.present ?? 0) > 0 {
                    let r = try XCTUnwrap(again.node(node.id)?.zones[name])
                    let what = "\(c.sample) \(c.zoneinfo) node \(node.id) \(name)"
                    XCTAssertEqual(r.free, o.free, "\(what) free")
                    XCTAssertEqual(r.pcpCount, o.pcpCount, "\(what) pcp count")
                    XCTAssertEqual(r.boost, o.boost, "\(what) boost")
                    XCTAssertEqual(r.lru, o.lru, "\(what) LRU")
                    XCTAssertEqual([r.min, r.low, r.high], [o.min, o.low, o.high], "\(what) watermarks")
                    pagesOnPcp += o.pcpCount?.reduce(0, +) ?? 0
                    pagesOnLRU += o.lru?.total ?? 0
                }
                XCTAssertEqual(again.node(node.id)?.unreclaimable, node.unreclaimable)
            }
            XCTAssertGreaterThan(pagesOnPcp, 1000, "\(c.zoneinfo): the capture has pages on pcp lists")
            XCTAssertGreaterThan(pagesOnLRU, 1000, "\(c.zoneinfo): the capture has LRU pages")

            // pagetypeinfo of the booted machine: the same free blocks and pageblocks.
            guard c.pagetypeinfo != nil else { continue }
            var ignored: [InputWarning] = []
            try PagetypeinfoImporter.apply(text: PagetypeinfoFormat.render(a), file: "rendered pagetypeinfo", to: &again, warnings: &ignored)
            for node in t.nodes {
                for (name, o) in node.zones where o.freeBlocks != nil {
                    let r = try XCTUnwrap(again.node(node.id)?.zones[name])
                    XCTAssertEqual(r.freeBlocks, o.freeBlocks, "\(c.zoneinfo) node \(node.id) \(name) free blocks")
                    XCTAssertEqual(r.pageblocks, o.pageblocks, "\(c.zoneinfo) node \(node.id) \(name) pageblocks")
                }
            }
        }
    }

    /// The files of one capture were read moments apart: the differences are warnings naming
    /// the file and line, and the pagetypeinfo layout wins.
    func testDifferencesBetweenTheFilesAreWarnings() throws {
        var warnings: [InputWarning] = []
        let t = try imported(Self.captures[0], warnings: &warnings)
        XCTAssertEqual(t.node(1)?.zones["DMA32"]?.free, 245_389, "pagetypeinfo's layout: 63 pages less than zoneinfo's 245452")
        let text = warnings.map(\.description).joined(separator: "\n")
        XCTAssertTrue(text.contains("proc_pagetypeinfo.txt:23: Node 1, zone DMA32: the free blocks hold 245389 pages, zoneinfo's pages free is 245452"), text)
        XCTAssertTrue(text.contains("proc_vmstat.txt:18: nr_inactive_anon: 821 here, 846"), text)
    }
}
