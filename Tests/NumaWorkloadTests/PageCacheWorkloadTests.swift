import XCTest
import NumaTestSupport
import NumaTopology
@testable import NumaWorkload

/// `file:`, `access:` and `free: at_exit` in workload files.
final class PageCacheWorkloadTests: XCTestCase {
    func topology() throws -> Topology { try TopologyFile.parse(TestTopologies.three256, file: "t.yaml") }

    func testFileGroupsParse() throws {
        let w = try Workload.parse("""
            phases:
              - threads: [{cpus: "0", kind: file, file: data.db, allocate: 100}]
              - threads: [{cpus: "0", kind: file, file: data.db, access: mmap, allocate: 100, free: at_exit}]
              - threads: [{cpus: "0", kind: anon, allocate: 100, free: at_exit}]
            """, file: "w.yaml", topology: try topology())
        guard case .run(let a) = w.phases[0], case .run(let b) = w.phases[1], case .run(let c) = w.phases[2] else { return XCTFail() }
        XCTAssertEqual(a[0].file, "data.db")
        XCTAssertEqual(a[0].access, .read)
        XCTAssertEqual(b[0].access, .mmap)
        XCTAssertEqual(b[0].free, .atExit)
        XCTAssertNil(c[0].file)
        XCTAssertEqual(c[0].free, .atExit)
    }

    func testFileVocabularyErrorsNameFileLineAndKey() throws {
        let t = try topology()
        assertInputError({ try Workload.parse("""
            threads:
              - {cpus: "0", kind: anon, file: x, allocate: 10}
            """, file: "a.yaml", topology: t) }, file: "a.yaml", line: 2, key: "threads[0].file", contains: "give kind: file")
        assertInputError({ try Workload.parse("""
            threads:
              - cpus: "0"
                kind: file
                file: x
                access: write
                allocate: 10
            """, file: "b.yaml", topology: t) }, file: "b.yaml", line: 5, key: "threads[0].access", contains: "expected read or mmap")
        assertInputError({ try Workload.parse("""
            threads:
              - {cpus: "0", kind: file, access: read, allocate: 10}
            """, file: "c.yaml", topology: t) }, file: "c.yaml", line: 2, key: "threads[0].access", contains: "goes with file:")
        assertInputError({ try Workload.parse("""
            threads:
              - {cpus: "0", kind: file, file: x, allocate: 10, free: immediately}
            """, file: "d.yaml", topology: t) }, file: "d.yaml", line: 2, key: "threads[0].free", contains: "belong to the file")
        assertInputError({ try Workload.parse("""
            threads:
              - {cpus: "0", allocate: 10, free: sometimes}
            """, file: "e.yaml", topology: t) }, file: "e.yaml", line: 2, key: "threads[0].free", contains: "at_exit")
    }
}
