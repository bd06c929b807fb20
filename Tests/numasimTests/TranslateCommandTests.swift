import Foundation
import XCTest
import NumaTestSupport

/// `numasim translate` through the built binary: the arithmetic it prints, walks, and its errors.
final class TranslateCommandTests: XCTestCase {
    /// The built `numasim` (NumasimBinary: next to the test bundle, run from the repository root).
    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try NumasimBinary.run(["translate"] + args) }

    func testKernelAddressesShowTheRule() throws {
        var r = try run(["0xffff888012345678"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("0xffff888012345678 - 0xffff888000000000 = 0x0000000012345678"), r.out)
        r = try run(["--arch", "i386", "0xc1234567"])
        XCTAssertTrue(r.out.contains("0xc1234567 - 0xc0000000 = 0x01234567"), r.out)
        XCTAssertTrue(r.out.contains("kmap"), r.out)
        r = try run(["--arch", "i386", "0xf8000000"])  // high_memory with 4 GiB: vmalloc/pkmap/fixmap
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("not linearly mapped"), r.err)
    }

    /// 0x7f1234567abc: pgd 254, pud 72, pmd 418, pte 359 (AddressTranslationTests works them out);
    /// mapped to pfn 0x12345 → physical 0x12345abc.
    func testUserWalkWithMapAndErrors() throws {
        var r = try run(["0x7f1234567abc", "--map", "0x7f1234567000=0x12345", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let json = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        XCTAssertEqual(json["physical_address"] as? String, "0x0000000012345abc")
        let levels = json["levels"] as! [[String: Any]]
        XCTAssertEqual(levels.compactMap { $0["index"] as? Int }, [254, 72, 418, 359])
        r = try run(["0x7f1234568000", "--map", "0x7f1234567000=0x12345"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.out.contains("not present at pte"), r.out)
        XCTAssertTrue(r.err.contains("not mapped"), r.err)
        r = try run(["0x0000800000000000"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("not canonical"), r.err)
        r = try run(["0xzz"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("not an address"), r.err)
        r = try run(["0x7f1234567000"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("user-space address"), r.err)
    }
}
