import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaTopology

/// THP's policy decisions (mm/huge_memory.c, mm/mempolicy.c, Linux 6.1) worked out from the
/// kernel's code: `vma_thp_gfp_mask` per defrag setting, `hugepage_vma_check`,
/// `transhuge_vma_suitable`, and `vma_alloc_folio(…, hugepage=true)`'s node rules on two
/// 256 MiB nodes (CPUs 0-1 on node 0).
final class TransparentHugepageTests: XCTestCase {
    /// include/linux/gfp_types.h: GFP_TRANSHUGE_LIGHT = (GFP_HIGHUSER_MOVABLE | __GFP_COMP |
    /// __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM = 0x1c20ca; GFP_TRANSHUGE adds
    /// __GFP_DIRECT_RECLAIM (0x400) = 0x1c24ca; __GFP_NORETRY 0x10000, __GFP_KSWAPD_RECLAIM 0x800.
    func testVmaThpGfpMaskPerDefragSetting() {
        let light: UInt32 = 0x1c20ca, direct: UInt32 = 0x400, kswapd: UInt32 = 0x800, noretry: UInt32 = 0x10000
        let expected: [(THPDefrag, madvised: UInt32, other: UInt32)] = [
            (.always, light | direct, light | direct | noretry),
            (.defer, light | kswapd, light | kswapd),
            (.deferMadvise, light | direct, light | kswapd),
            (.madvise, light | direct, light),
            (.never, light, light),
        ]
        for (d, m, o) in expected {
            XCTAssertEqual(TransparentHugepage.gfpMask(defrag: d, vmaMadvised: true).rawValue, m, "\(d) VM_HUGEPAGE")
            XCTAssertEqual(TransparentHugepage.gfpMask(defrag: d, vmaMadvised: false).rawValue, o, "\(d) other")
        }
        XCTAssertEqual(TransparentHugepage.gfpMask(defrag: .madvise, vmaMadvised: false).traceNames, "GFP_TRANSHUGE_LIGHT")
        XCTAssertEqual(TransparentHugepage.gfpMask(defrag: .always, vmaMadvised: false).traceNames, "GFP_TRANSHUGE|__GFP_NORETRY")
    }

    /// `hugepage_vma_check` with in_pf and enforce_sysfs: VM_NOHUGEPAGE always wins; `always`
    /// takes every anonymous VMA, `madvise` only VM_HUGEPAGE ones, `never` none; file VMAs none.
    func testHugepageVmaCheck() {
        for mode in THPMode.allCases {
            for hp in [false, true] {
                for nohp in [false, true] {
                    let expected = !nohp && (mode == .always || (mode == .madvise && hp))
                    XCTAssertEqual(TransparentHugepage.vmaAllowed(enabled: mode, anonymous: true, vmHugepage: hp, vmNohugepage: nohp),
                                   expected, "\(mode) hugepage \(hp) nohugepage \(nohp)")
                    XCTAssertFalse(TransparentHugepage.vmaAllowed(enabled: mode, anonymous: false, vmHugepage: hp, vmNohugepage: nohp))
                }
            }
        }
    }

    /// `transhuge_vma_suitable`: the aligned 2 MiB around the fault must lie inside the VMA.
    func testSuitableRange() {
        let start: UInt64 = 0x7f00_0010_0000, end: UInt64 = 0x7f00_0050_0000   // from 1 MiB to 5 MiB
        XCTAssertNil(TransparentHugepage.suitableRange(faultAddress: start, vmaStart: start, vmaEnd: end), "0-2 MiB starts before the VMA")
        XCTAssertEqual(TransparentHugepage.suitableRange(faultAddress: 0x7f00_0020_1234, vmaStart: start, vmaEnd: end), 0x7f00_0020_0000)
        XCTAssertNil(TransparentHugepage.suitableRange(faultAddress: 0x7f00_004f_f000, vmaStart: start, vmaEnd: end), "4-6 MiB ends after it")
        XCTAssertEqual(TransparentHugepage.suitableRange(faultAddress: 0x7f00_003f_ffff, vmaStart: start, vmaEnd: 0x7f00_0040_0000),
                       0x7f00_0020_0000, "a VMA ending on the boundary holds the range")
    }

    func machine() throws -> PageAllocator { PageAllocator(machine: try boot(TestTopologies.two256)) }

    /// Takes every order ≥ 9 block of node index `n` so no THP can come from it (order-0 pages stay free).
    func drainHighOrders(_ a: PageAllocator, node n: Int) {
        while case .success = a.allocPages(gfp: [.kernel, .thisnode, .noretry], order: 9, preferredNode: a.nodeIDs[n], cpu: n * 2) {}
    }

    /// The hugepage branch: the default (local) policy tries node 0 alone with
    /// __GFP_THISNODE | __GFP_NORETRY; without __GFP_DIRECT_RECLAIM there is no second attempt
    /// (the fault falls back to 4 KiB pages), with it the second attempt takes node 1.
    func testLocalPolicyThisNodeAttemptThenRemoteOnlyWithDirectReclaim() throws {
        let a = try machine()
        drainHighOrders(a, node: 0)
        let light = a.allocHugepageVMA(gfp: .transHugeLight, policy: .default, cpu: 0, hugeOffset: 0)
        guard case .failure = light.result else { return XCTFail("GFP_TRANSHUGE_LIGHT must not leave node 0") }
        XCTAssertTrue(light.thisNodeAttemptFailed)
        XCTAssertEqual(light.askedNode, 0)
        let direct = a.allocHugepageVMA(gfp: GFP.transHugeLight.union(.directReclaim), policy: .default, cpu: 0, hugeOffset: 0)
        guard case .success(let b) = direct.result else { return XCTFail("the second attempt may use node 1") }
        XCTAssertEqual(b.node, 1)
        XCTAssertEqual(b.order, 9)
        XCTAssertEqual(direct.askedNode, 0)
        // A clean node 0 serves the first attempt.
        let clean = try machine()
        guard case .success(let c) = clean.allocHugepageVMA(gfp: .transHugeLight, policy: .default, cpu: 0, hugeOffset: 0).result else {
            return XCTFail("a clean node 0 has order-9 blocks")
        }
        XCTAssertEqual(c.node, 0)
    }

    /// PREFERRED's node is the hugepage node; BIND without the current node allocates the
    /// standard way (from its nodes, no this-node attempt); interleave picks by the huge
    /// page's offset (`offset_il_node`: offset mod 2 over {0, 1}).
    func testPolicyRules() throws {
        let a = try machine()
        let pref = a.allocHugepageVMA(gfp: .transHugeLight, policy: MemPolicy(.preferred, nodes: [1]), cpu: 0, hugeOffset: 0)
        guard case .success(let p) = pref.result else { return XCTFail() }
        XCTAssertEqual(p.node, 1)
        XCTAssertEqual(pref.askedNode, 1)
        let bind = a.allocHugepageVMA(gfp: .transHugeLight, policy: MemPolicy(.bind, nodes: [1]), cpu: 0, hugeOffset: 0)
        guard case .success(let bb) = bind.result else { return XCTFail() }
        XCTAssertEqual(bb.node, 1)
        XCTAssertFalse(bind.thisNodeAttemptFailed)
        for off in 0..<4 {
            let il = a.allocHugepageVMA(gfp: .transHugeLight, policy: MemPolicy(.interleave, nodes: [0, 1]), cpu: 0, hugeOffset: off)
            guard case .success(let ib) = il.result else { return XCTFail() }
            XCTAssertEqual(ib.node, off % 2, "offset \(off)")
        }
        // BIND {0, 1} contains node 0: the hugepage branch, node 0 first.
        let both = a.allocHugepageVMA(gfp: .transHugeLight, policy: MemPolicy(.bind, nodes: [0, 1]), cpu: 2, hugeOffset: 0)
        guard case .success(let bo) = both.result else { return XCTFail() }
        XCTAssertEqual(bo.node, 1, "CPU 2 is on node 1: its node is the hugepage node")
    }

    /// `split_huge_page` of a THP on the LRU: 512 allocated order-0 pages on its list, the old handle stale,
    /// NR_ANON_THPS back down, THP_SPLIT_PAGE counted, every page in exactly one place.
    func testSplitHugePage() throws {
        let a = try machine()
        guard case .success(let b) = a.allocPages(gfp: .transHugeLight, order: 9, preferredNode: 0, cpu: 0) else { return XCTFail() }
        let lruBefore = a.lruSize(nodeIndex: 0, .inactiveAnon)
        a.addToLRU(b, kind: .anon)
        XCTAssertEqual(a.thp.anonTHPs(nodeIndex: 0), 1)
        XCTAssertEqual(a.lruSize(nodeIndex: 0, .inactiveAnon) - lruBefore, 512, "one folio counted as its pages")
        guard let parts = a.splitHugePage(b, cpu: 0) else { return XCTFail() }
        XCTAssertEqual(parts.count, 512)
        XCTAssertEqual(parts.map(\.pfn), Array(b.pfn..<(b.pfn + 512)))
        XCTAssertTrue(parts.allSatisfy { $0.order == 0 && a.isOwned($0) })
        XCTAssertFalse(a.isOwned(b))
        XCTAssertNil(a.splitHugePage(b, cpu: 0), "a stale handle splits nothing")
        XCTAssertEqual(a.lruSize(nodeIndex: 0, .inactiveAnon) - lruBefore, 512)
        XCTAssertEqual(a.thp.anonTHPs(nodeIndex: 0), 0)
        XCTAssertEqual(a.vmEvents[.thpSplitPage], 1)
        for p in parts { XCTAssertTrue(a.release(p, cpu: 0)) }
        let v = a.checkInvariants().flatMap(\.violations)
        XCTAssertTrue(v.isEmpty, v.joined(separator: "\n"))
    }
}

/// The THP settings and workload keys as input: each bad value is one error naming its key.
final class TransparentHugepageInputTests: XCTestCase {
    func testDefragSysctl() throws {
        let ok = try TopologyFile.parse(TestTopologies.two256.replacingOccurrences(
            of: "sysctl: {transparent_hugepage: never}", with: "sysctl: {transparent_hugepage: always, transparent_hugepage_defrag: defer+madvise}"), file: "t.yaml")
        XCTAssertEqual(ok.sysctl.transparentHugepageDefrag, .deferMadvise)
        XCTAssertEqual(Sysctls().transparentHugepageDefrag, .madvise, "6.1's and Debian's default")
        XCTAssertThrowsError(try TopologyFile.parse(TestTopologies.two256.replacingOccurrences(
            of: "sysctl: {transparent_hugepage: never}", with: "sysctl: {transparent_hugepage_defrag: sometimes}"), file: "t.yaml")) { e in
            XCTAssertTrue("\(e)".contains("t.yaml:"), "\(e)")
            XCTAssertTrue("\(e)".contains("expected always, defer, defer+madvise, madvise or never, got 'sometimes'"), "\(e)")
        }
        var s = Sysctls()
        try s.apply(assignment: "thp_defrag=always", arch: .x86_64)
        XCTAssertEqual(s.transparentHugepageDefrag, .always)
        try s.apply(assignment: "kernel.mm.transparent_hugepage.defrag=never", arch: .x86_64)
        XCTAssertEqual(s.transparentHugepageDefrag, .never)
        try s.apply(assignment: "kernel.mm.transparent_hugepage.enabled=madvise", arch: .x86_64)
        XCTAssertEqual(s.transparentHugepage, .madvise)
    }
}
