import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaEngine
import NumaTopology
import NumaWorkload

/// Named files in whole runs: the page cache outlives its readers, a second read activates
/// (folio_mark_accessed), `free: at_exit` gives anon back at the phase's end, and offlining a
/// memory block migrates cached pages too.
final class PageCacheStressTests: XCTestCase {
    func testSecondReadActivatesAndCacheOutlivesTheReader() throws {
        let m = try boot(TestTopologies.hotplug4n)
        let w = try Workload.parse("""
            phases:
              - threads: [{cpus: "0", kind: file, file: f, allocate: 5000}]
              - threads: [{cpus: "0", kind: anon, allocate: 3000, free: at_exit}]
              - threads: [{cpus: "0", kind: file, file: f, allocate: 5000}]
            """, file: "w.yaml", topology: m.topology)
        let r = try DeterministicStress.run(machine: m, workload: w, seed: 1)
        let a = r.allocator
        XCTAssertEqual(a.pageCache.file("f").cachedPages(a), 5000)
        XCTAssertEqual(a.vmEvents[.pgactivate], 5000, "the second read of each referenced page activates it")
        XCTAssertEqual((0..<a.nodes.count).reduce(0) { $0 + a.lruSize(nodeIndex: $1, .activeFile) }, 5000)
        XCTAssertEqual((0..<a.nodes.count).reduce(0) { $0 + a.lruSize(nodeIndex: $1, .inactiveAnon) }, 0, "at_exit freed the anon group")
        XCTAssertEqual(r.tasks.reduce(0) { $0 + $1.livePages }, 0)
        for rep in a.checkInvariants() { XCTAssertTrue(rep.ok, "\(rep.violations)") }
    }

    func testOfflineMigratesCachedPages() throws {
        let m = try boot(TestTopologies.hotplug4n)
        let w = try Workload.parse("""
            phases:
              - threads: [{cpus: "2", policy: "bind:3", kind: file, file: f, allocate: 1000}]
              - hotplug: {offline: 3}
              - threads: [{cpus: "2", kind: file, file: f, allocate: 1000}]
            """, file: "w.yaml", topology: m.topology)
        let r = try DeterministicStress.run(machine: m, workload: w, seed: 1)
        let a = r.allocator
        let rep = try XCTUnwrap(r.hotplug.first)
        XCTAssertTrue(rep.busy.isEmpty)
        XCTAssertEqual(rep.pagesMigrated, 1000)
        XCTAssertEqual(a.pageCache.file("f").cachedPages(a), 1000)
        // The migrated pages kept PG_referenced: the second read activates every one.
        XCTAssertEqual(a.vmEvents[.pgactivate], 1000)
        for rep in a.checkInvariants() { XCTAssertTrue(rep.ok, "\(rep.violations)") }
    }

    /// Tasks of the concurrent engine read one file together: every index once per phase.
    func testConcurrentReadersShareTheFile() throws {
        let m = try boot(TestTopologies.hotplug4n)
        let w = try Workload.parse("""
            phases:
              - threads: [{cpus: "0-3", kind: file, file: f, allocate: 20000}]
              - threads: [{cpus: "0-3", kind: file, file: f, allocate: 20000}]
            """, file: "w.yaml", topology: m.topology)
        let r = try ConcurrentStress.run(machine: m, workload: w, threads: 2, seed: 3)
        let a = r.allocator
        XCTAssertEqual(a.pageCache.file("f").cachedPages(a), 20000)
        XCTAssertEqual(a.vmEvents[.pgactivate], 20000)
        for rep in a.checkInvariants() { XCTAssertTrue(rep.ok, "\(rep.violations)") }
    }
}
