import Foundation
import XCTest
import NumaTestSupport
@testable import NumaProcess
@testable import NumaCore
@testable import NumaEngine
import NumaMM
@testable import NumaTopology
@testable import NumaWorkload

/// Process phases end to end: the kernel sample's first-touch run replayed as a process that
/// faults its pages (page tables included), the workload syntax and its errors.
final class ProcessWorkloadTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func assertWithin1Percent(_ ours: Int, _ kernel: Int, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let tolerance = max(1.0, Double(kernel) * 0.01)
        XCTAssertLessThanOrEqual(abs(Double(ours - kernel)), tolerance, "\(what): numasim \(ours), kernel \(kernel)", file: file, line: line)
    }

    /// wl1 as the kernel ran it: numaprobe mmaps `bytes` (params.txt) of anonymous memory — the
    /// rw-p area of that size in maps.txt — and its thread on CPU 0 (policy.txt: default) writes
    /// every page. Each write faults; the handler allocates the page and any missing page-table
    /// page on CPU 0's behalf. Starting from the sample's zoneinfo, the numastat deltas must match
    /// the real ones within 1 % per counter, and the tables must be exactly what the address range
    /// needs: one pte page per 2 MiB region touched, one pmd page per 1 GiB region, one pud page
    /// per 512 GiB region, and the 8 KiB pgd of a PTI build.
    func testFirstTouchReplayedAsFaultingProcessMatchesKernelNumastat() throws {
        let dir = "kernel-samples/nehalem-2s/workloads/"
        let params = try Fixtures.text(dir + "wl1_firsttouch.params.txt")
        let bytes = try XCTUnwrap(params.split(separator: "\n").first { $0.hasPrefix("bytes ") }.flatMap { UInt64($0.split(separator: " ")[1]) })
        let pages = bytes / 4096
        // The mapping: the maps.txt line whose range is exactly `bytes` long.
        var start: UInt64?
        for line in try Fixtures.text(dir + "wl1_firsttouch.maps.txt").split(separator: "\n") {
            let range = line.split(separator: " ")[0].split(separator: "-")
            guard range.count == 2, let lo = UInt64(range[0], radix: 16), let hi = UInt64(range[1], radix: 16) else { continue }
            if hi - lo == bytes { start = lo }
        }
        let base = try XCTUnwrap(start, "maps.txt has the probe's mapping")
        let end = base + bytes
        func regions(_ shift: UInt64) -> Int { Int(((end - 1) >> shift) - (base >> shift) + 1) }
        let expectedTables = regions(21) + regions(30) + regions(39) + 2

        let a = try nehalemAllocator(before: "wl1_firsttouch")
        let before = (0...1).map { a.numastat(node: $0) }
        let phase = Workload.ProcessPhase(processes: [
            .init(name: "numaprobe", mmaps: [.init(name: "buf", length: bytes, address: base)],
                  threads: [.init(cpu: 0, policy: .default, steps: [.touch(.init(range: .init(vma: "buf"), write: true))])],
                  exits: false)
        ])
        var report = AddressSpaceReport()
        try ProcessPhaseRunner.run(phase, allocator: a, seed: 1, scheduler: nil, report: &report)
        let p = try XCTUnwrap(report.process(named: "numaprobe"))
        XCTAssertEqual(report.faults, Int(pages), "one fault per page (first write)")
        XCTAssertEqual(a.vmEvents[.pgfault], Int(pages))
        XCTAssertEqual(report.tablePagesAllocated, expectedTables)
        XCTAssertEqual(p.tablePages, expectedTables)
        XCTAssertEqual(p.residentPages, Int(pages))

        let k0 = parseNumastatFile(try Fixtures.text(dir + "wl1_firsttouch.numastat_before.txt"))
        let k1 = parseNumastatFile(try Fixtures.text(dir + "wl1_firsttouch.numastat_after.txt"))
        var allocations = 0
        for node in 0...1 {
            let after = a.numastat(node: node)
            let start = Dictionary(uniqueKeysWithValues: before[node].named.map { ($0.0, $0.1) })
            for (name, value) in after.named.map({ ($0.0, $0.1 - start[$0.0]!) }) {
                assertWithin1Percent(value, k1[node]![name]! - k0[node]![name]!, "node\(node) \(name)")
            }
            allocations += (after.numaHit - before[node].numaHit) + (after.numaMiss - before[node].numaMiss)
        }
        // numastat counts allocations (zone_statistics(…, 1) per rmqueue), so the order-1 pgd is one.
        XCTAssertEqual(allocations, Int(pages) + expectedTables - 1, "every data page and every table allocation is counted once")
        // Placement (placement.txt, from move_pages): data pages per node.
        let placement = try Fixtures.text(dir + "wl1_firsttouch.placement.txt")
        func placed(_ node: Int) -> Int {
            Int(placement.split(separator: "\n").first { $0.hasPrefix("pages_node\(node) ") }!.split(separator: " ")[1])!
        }
        let onNode0 = p.pages.values.filter { $0.node == 0 }.count
        assertWithin1Percent(onNode0, placed(0), "data pages on node 0")
        assertWithin1Percent(Int(pages) - onNode0, placed(1), "data pages on node 1")
        for r in a.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }


    func testProcessWorkloadErrorsNameLineAndKey() throws {
        let t = try boot(TestTopologies.two256).topology
        func expect(_ body: String, _ key: String, _ mentions: String, line: UInt = #line) {
            let yaml = "phases:\n  - processes:\n" + body
            XCTAssertThrowsError(try Workload.parse(yaml, file: "w.yaml", topology: t), line: line) { e in
                guard let e = e as? InputError else { return XCTFail("\(e)", line: line) }
                XCTAssertEqual(e.key, key, "\(e)", line: line)
                XCTAssertNotNil(e.line, "\(e)", line: line)
                XCTAssertTrue(e.description.contains(mentions), "\(e)", line: line)
            }
        }
        let p = "phases[0].processes[0]"
        expect("      - name: a\n        threads:\n          - {cpu: 0, steps: [{touch: {vma: nope}}]}\n",
               "\(p).threads[0].steps[0].vma", "no mapping called 'nope'")
        expect("      - name: a\n        threads:\n          - {cpu: 9, steps: []}\n", "\(p).threads[0].cpu", "not in the topology")
        expect("      - name: a\n        mmap: [{name: b, size: 1MiB}]\n        threads:\n          - {cpu: 0, steps: [{jump: {vma: b}}]}\n",
               "\(p).threads[0].steps[0].jump", "unknown key")
        expect("      - name: a\n        mmap: [{name: b}]\n        threads:\n          - {cpu: 0, steps: []}\n", "\(p).mmap[0].size", "missing")
        expect("      - name: a\n        mmap: [{name: b, size: 1MiB, prot: rq}]\n        threads:\n          - {cpu: 0, steps: []}\n",
               "\(p).mmap[0].prot", "r, w, x")
        expect("      - name: a\n        mmap: [{name: b, size: 1MiB}]\n        threads:\n          - {cpu: 0, steps: [{touch: {vma: b, offset: 2MiB}}]}\n",
               "\(p).threads[0].steps[0].offset", "outside mapping 'b'")
        expect("      - name: a\n        mmap: [{name: b, size: 1MiB}]\n        threads:\n          - {cpu: 0, steps: [{migrate: {vma: b, to: 5}}]}\n",
               "\(p).threads[0].steps[0].migrate.to", "node 5")
        expect("      - name: a\n        mmap: [{name: b, size: 1MiB}]\n        threads:\n          - {cpu: 0, steps: [{touch: {vma: b, order: backwards}}]}\n",
               "\(p).threads[0].steps[0].touch.order", "sequential or random")
        expect("      - name: a\n        threads:\n          - {cpu: 0, steps: []}\n      - name: a\n        threads:\n          - {cpu: 1, steps: []}\n",
               "phases[0].processes[1].name", "already called 'a'")
        expect("      - name: a\n        threads:\n          - {cpu: 0, steps: []}\n    tlb: {entries: 10, ways: 4}\n",
               "phases[0].tlb", "multiple of ways")
        expect("      - name: a\n        threads:\n          - {cpu: 0, steps: []}\n    threads:\n      - {cpus: \"0\", allocate: 1}\n",
               "phases[0]", "exactly one of")
    }

    /// The concurrent engine refuses process phases by name; a SIGSEGV at run time names the
    /// process, thread and step.
    func testConcurrentEngineRejectsAndSegvIsReported() throws {
        let m = try boot(TestTopologies.two256)
        let w = try Workload.parse("""
            phases:
              - processes:
                  - name: a
                    mmap: [{name: b, size: 64KiB}]
                    threads:
                      - {cpu: 0, steps: [{touch: {vma: b}}, {munmap: {vma: b}}, {touch: {vma: b, length: 4KiB}}]}
            """, file: "w.yaml", topology: m.topology)
        XCTAssertThrowsError(try ConcurrentStress.run(machine: m, workload: w, threads: 2, seed: 1)) { e in
            XCTAssertEqual((e as? WorkloadRunError)?.key, "phases[0].processes", "\(e)")
        }
        XCTAssertThrowsError(try DeterministicStress.run(machine: m, workload: w, seed: 1)) { e in
            let text = "\(e)"
            XCTAssertEqual((e as? WorkloadRunError)?.key, "phases[0].processes[0].threads[0].steps[2]", text)
            XCTAssertTrue(text.contains("touch: process 'a' threads[0] (cpu 0): SIGSEGV"), text)
        }
    }

    /// A small workload through the deterministic engine: the counters add up (pgalloc = data +
    /// table pages; all freed at exit), threads touching their own halves place them locally.
    func testOwnHalvesWorkloadPlacesEachHalfOnItsThreadsNode() throws {
        let m = try boot(TestTopologies.two256)
        let w = try Workload.parse("""
            phases:
              - processes:
                  - name: solver
                    mmap: [{name: grid, size: 8MiB}]
                    threads:
                      - {cpu: 0, steps: [{touch: {vma: grid, length: 4MiB}}]}
                      - {cpu: 2, steps: [{touch: {vma: grid, offset: 4MiB, length: 4MiB}}]}
                    exit: false
            """, file: "w.yaml", topology: m.topology)
        let r = try DeterministicStress.run(machine: m, workload: w, seed: 1)
        let p = try XCTUnwrap(r.addressSpaces.process(named: "solver"))
        let half = (p.named["grid"]!.start + (4 << 20)) >> 12
        XCTAssertEqual(p.pages.count, 2048)
        for (vpn, b) in p.pages { XCTAssertEqual(b.node, vpn < half ? 0 : 1) }
        let pgalloc = r.allocator.pgalloc.flatMap { $0 }.reduce(0, +)
        XCTAssertEqual(pgalloc, 2048 + p.tablePages)
        XCTAssertEqual(r.addressSpaces.ops, 2048)
        for rep in r.allocator.checkInvariants() { XCTAssertTrue(rep.ok, "\(rep.violations)") }
    }

    /// The example workloads parse on the machine they are written for.
    func testExampleWorkloadsParse() throws {
        let t = try TopologyFile.load(path: Self.repo.appendingPathComponent("topologies/nehalem-2s-qemu.yaml").path)
        for name in ["process-first-touch-overflow", "process-threads-own-halves", "process-interleaved-shared-buffer"] {
            let w = try Workload.load(path: Self.repo.appendingPathComponent("workloads/\(name).yaml").path, topology: t)
            XCTAssertTrue(w.phases.contains { if case .processes = $0 { return true } else { return false } }, name)
        }
    }
}
