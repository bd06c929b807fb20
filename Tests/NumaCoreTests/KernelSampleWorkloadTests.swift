import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaTopology

/// Replays the kernel samples' workloads on the deterministic allocator, starting from the
/// sample's zoneinfo (free pages as recorded; the rest counts as allocated), and compares the
/// numastat deltas with what the real 6.1 kernel counted, within 1 % per counter. The kernel's
/// figures include a few hundred allocations of the probe itself (page tables, fork), which
/// numasim does not replay; the 1 % bound absorbs them.
final class KernelSampleWorkloadTests: XCTestCase {
    func assertWithin1Percent(_ ours: Int, _ kernel: Int, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let tolerance = max(1.0, Double(kernel) * 0.01)
        XCTAssertLessThanOrEqual(abs(Double(ours - kernel)), tolerance, "\(what): numasim \(ours), kernel \(kernel)", file: file, line: line)
    }

    /// wl1: CPU 0, default policy, touches node 0's free memory + 25 % (303185 pages).
    func testFirstTouchOverflowMatchesKernelNumastat() throws {
        let a = try nehalemAllocator(before: "wl1_firsttouch")
        let before = (0...1).map { a.numastat(node: $0) }
        var served = [0, 0]
        for _ in 0..<303_185 {
            switch a.allocPages(gfp: .highUserMovable, order: 0, preferredNode: 0, cpu: 0) {
            case .success(let b): served[b.node] += 1
            case .failure(let f): XCTFail("\(f)"); return
            }
        }
        let k0 = parseNumastatFile(try Fixtures.text("kernel-samples/nehalem-2s/workloads/wl1_firsttouch.numastat_before.txt"))
        let k1 = parseNumastatFile(try Fixtures.text("kernel-samples/nehalem-2s/workloads/wl1_firsttouch.numastat_after.txt"))
        for node in 0...1 {
            let after = a.numastat(node: node)
            let start = Dictionary(uniqueKeysWithValues: before[node].named.map { ($0.0, $0.1) })
            for (name, value) in after.named.map({ ($0.0, $0.1 - start[$0.0]!) }) {
                assertWithin1Percent(value, k1[node]![name]! - k0[node]![name]!, "node\(node) \(name)")
            }
        }
        // Placement: the kernel's move_pages found 240236 pages on node 0 and 62949 on node 1.
        assertWithin1Percent(served[0], 240_236, "pages placed on node 0")
        assertWithin1Percent(served[1], 62_949, "pages placed on node 1")
        for r in a.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }
}
