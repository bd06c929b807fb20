import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaTopology

/// A topology built in code skips the reader; the boot still refuses ends past 2^64 and beyond
/// the physical address limit instead of trapping in ZoneLayout.
final class ZoneLayoutOverflowTests: XCTestCase {
    func issue(_ body: () throws -> Void) -> TopologyIssue? {
        do { try body() } catch let BootError.invalidTopology(issue) { return issue } catch {
            XCTFail("expected BootError.invalidTopology, got \(error)")
        }
        return nil
    }

    func testHolePast2To64() {
        let t = Topology(name: "hole", holes: [MemoryRange(start: 1 << 63, size: 1 << 63)],
                         nodes: [NodeSpec(id: 0, cpus: CPUList([0]), memory: .size(1 << 30))])
        let fromLayout = issue { _ = try ZoneLayout(topology: t) }
        XCTAssertEqual(fromLayout?.key, "holes[0]")
        XCTAssertEqual(fromLayout?.place, .hole(0))
        XCTAssertTrue(fromLayout?.message.contains("physical address limit") ?? false, "\(String(describing: fromLayout))")
        let fromBoot = issue { _ = try BootedMachine(topology: t) }
        XCTAssertEqual(fromBoot?.key, "holes[0]")
    }

    func testNodeRangePast2To64() {
        let t = Topology(name: "range", nodes: [
            NodeSpec(id: 0, cpus: CPUList([0]), memory: .ranges([MemoryRange(start: 0xffff_ffff_ffff_0000, size: 1 << 20)]))])
        let fromLayout = issue { _ = try ZoneLayout(topology: t) }
        XCTAssertEqual(fromLayout?.key, "nodes[0].ranges[0]")
        // Through the boot, labelled with the file as the command line does.
        assertInputError({ try InputError.labelling(file: "made.yaml") { try BootedMachine(topology: t) } },
                         file: "made.yaml", key: "nodes[0].ranges[0]", contains: "expected memory at or below 2^46 bytes")
    }

    func testSizesLaidOutBeyondTheLimit() {
        let t = Topology(name: "big", nodes: [
            NodeSpec(id: 0, cpus: CPUList([0]), memory: .size(40 << 40)),
            NodeSpec(id: 1, cpus: CPUList([1]), memory: .size(30 << 40))])
        XCTAssertEqual(issue { _ = try ZoneLayout(topology: t) }?.key, "nodes[1].memory")
        XCTAssertEqual(issue { _ = try BootedMachine(topology: t) }?.key, "nodes[1].memory")
    }
}
