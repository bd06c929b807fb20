import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaTopology
@testable import NumaWorkload

/// numactl(8)'s policy spellings (`--membind=`, `--localalloc`, `--interleave=`,
/// `--preferred=`, `--preferred-many=`, `--weighted-interleave=`) give the same policies as
/// numasim's own, and an unknown name is named in the error.
final class PolicySpellingTests: XCTestCase {
    func testNumactlSpellingsEqualTheNativeOnes() throws {
        let t = try TopologyFile.parse(TestTopologies.two256, file: "two.yaml")
        func p(_ s: String) throws -> MemPolicy { try PolicyParser.parse(s, topology: t) }
        XCTAssertEqual(try p("membind=0,1"), try p("bind:0,1"))
        XCTAssertEqual(try p("membind:1"), try p("bind:1"))
        XCTAssertEqual(try p("localalloc"), try p("local"))
        XCTAssertEqual(try p("interleave=all"), try p("interleave:all"))
        XCTAssertEqual(try p("preferred=1"), try p("preferred:1"))
        XCTAssertEqual(try p("preferred-many=0,1"), try p("preferred_many:0,1"))
        XCTAssertEqual(try p("weighted-interleave:0=3,1=1"), try p("weighted_interleave:0=3,1=1"))
        XCTAssertEqual(try p("membind=0").mode, .bind)
        XCTAssertThrowsError(try p("memb1nd=0")) { e in
            XCTAssertTrue((e as? PolicyParser.Error)?.message.contains("unknown policy 'memb1nd'") == true, "\(e)")
        }
        // The static-nodes '=' after ':' still means MPOL_F_STATIC_NODES.
        XCTAssertTrue(try p("bind:=0").flags.contains(.static))
    }
}
