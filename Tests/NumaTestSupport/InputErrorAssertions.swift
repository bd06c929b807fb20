import Foundation
import XCTest
import NumaTopology

/// Runs `body`, expects it to throw an `InputError`, and checks the file it names, the line (when
/// given), the key (when given) and a phrase of its message. Returns the error for further checks.
@discardableResult
public func assertInputError<T>(_ body: () throws -> T, file expectedFile: String, line expectedLine: Int? = nil,
                                key expectedKey: String? = nil, contains phrase: String,
                                file testFile: StaticString = #filePath, line testLine: UInt = #line) -> InputError? {
    do {
        let value = try body()
        XCTFail("expected an InputError, got \(value)", file: testFile, line: testLine)
        return nil
    } catch let e as InputError {
        XCTAssertEqual(e.file, expectedFile, "file of \(e)", file: testFile, line: testLine)
        if let expectedLine { XCTAssertEqual(e.line, expectedLine, "line of \(e)", file: testFile, line: testLine) }
        if let expectedKey { XCTAssertEqual(e.key, expectedKey, "key of \(e)", file: testFile, line: testLine) }
        XCTAssertTrue(e.message.contains(phrase), "'\(e.message)' should contain '\(phrase)'", file: testFile, line: testLine)
        return e
    } catch {
        XCTFail("expected an InputError, got \(type(of: error)): \(error)", file: testFile, line: testLine)
        return nil
    }
}
