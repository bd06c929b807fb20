import XCTest
import NumaCore
import NumaEngine
import NumaProcess
import NumaReports
import NumaTestSupport
import NumaTopology
import NumaWorkload

/// /proc/PID/numa_maps (`show_numa_map`, fs/proc/task_mmu.c, Linux 6.1; `mpol_to_str`,
/// mm/mempolicy.c) and `numastat -p` (numactl 2.0.16 `show_process_info`).
final class NumaMapsTests: XCTestCase {
    /// `mpol_to_str`: `policy_modes[]` names, `%*pbl` node lists, no nodes for default/local.
    func testPolicySpelling() {
        XCTAssertEqual(MemPolicy.default.mpolToStr, "default")
        XCTAssertEqual(MemPolicy(.local).mpolToStr, "local")
        XCTAssertEqual(MemPolicy(.bind, nodes: [1, 0]).mpolToStr, "bind:0-1")
        XCTAssertEqual(MemPolicy(.interleave, nodes: [0, 2]).mpolToStr, "interleave:0,2")
        XCTAssertEqual(MemPolicy(.preferred, nodes: [1]).mpolToStr, "prefer:1")
        XCTAssertEqual(MemPolicy(.preferredMany, nodes: [0, 1, 2, 5]).mpolToStr, "prefer (many):0-2,5")
        if case .success(let p) = MemPolicy.make(.bind, nodes: [0, 1], flags: .static, allowed: [0, 1]) {
            XCTAssertEqual(p.mpolToStr, "bind=static:0-1")
        } else {
            XCTFail("bind=static over allowed nodes 0-1 should be made")
        }
    }

    /// `show_numa_map`'s optional fields: `mapped=` only when the pages are neither all anon nor
    /// all dirty, `active=` only when fewer than the pages, nothing after the name for a VMA with
    /// no page mapped (`goto out`), `%08lx` for the start.
    func testLineLayout() {
        let all = NumaMapsEntry(start: 0x7f00_0000_0000, policy: "default", pages: 512, anon: 512, dirty: 512, active: 512,
                                nodes: ["1": 212, "0": 300])
        XCTAssertEqual(NumaMapsFormat.line(all), "7f0000000000 default anon=512 dirty=512 N0=300 N1=212 kernelpagesize_kB=4\n")
        let file = NumaMapsEntry(start: 0x1000, policy: "interleave:0,2", file: "/data", pages: 10, dirty: 3, active: 0,
                                 nodes: ["2": 10, "0": 0])
        XCTAssertEqual(NumaMapsFormat.line(file), "00001000 interleave:0,2 file=/data dirty=3 mapped=10 active=0 N2=10 kernelpagesize_kB=4\n")
        let empty = NumaMapsEntry(start: 0x7fff_f7eb_f000, policy: "bind:1", heap: true)
        XCTAssertEqual(NumaMapsFormat.line(empty), "7ffff7ebf000 bind:1 heap\n")
    }

    /// A run on the 2-node nehalem machine: `db` maps 1 MiB (256 pages) interleaved over both
    /// nodes and writes it all; `app` maps a `heap` bound to node 1 and a 64 KiB `ring` it writes
    /// (16 pages on its CPU's node 0, first touch under the default policy), and reads a `stack`
    /// it never writes (zero page: no pages). Interleave places vpn `v` on node `v mod 2`
    /// (`interleave_nid` with vm_pgoff = vpn), so db's 256 pages split 128/128. New anon pages
    /// go to the inactive list (`lru_cache_add_inactive_or_unevictable`, 6.1): active=0.
    func testRunNumaMapsAndNumastatP() throws {
        let topology = try TopologyFile.load(path: NumasimBinary.root.appendingPathComponent("topologies/nehalem-2s-qemu.yaml").path)
        let machine = try BootedMachine(topology: topology)
        let workload = try Workload.parse("""
            phases:
              - processes:
                  - name: db
                    exit: false
                    mmap:
                      - {name: buffer, size: 1MiB, policy: "interleave:all"}
                    threads:
                      - cpu: 0
                        steps:
                          - touch: {vma: buffer, write: true}
                  - name: app
                    exit: false
                    mmap:
                      - {name: heap, size: 128KiB, policy: "bind:1"}
                      - {name: ring, size: 64KiB}
                      - {name: stack, size: 64KiB}
                    threads:
                      - cpu: 0
                        steps:
                          - touch: {vma: heap, write: true}
                          - touch: {vma: ring, write: true}
                          - touch: {vma: stack, write: false}
            """, file: "inline", topology: topology)
        let run = try StressRun.run(machine: machine, workload: workload, seed: 1)
        XCTAssertTrue(run.violations.isEmpty, "\(run.violations)")
        let procs = run.addressSpaces!.processes
        let db = NumaMapsFormat.render(procs[0].numaMaps)
        XCTAssertTrue(db.hasSuffix(" interleave:0-1 anon=256 dirty=256 active=0 N0=128 N1=128 kernelpagesize_kB=4\n"), db)
        let app = procs[1].numaMaps
        XCTAssertEqual(app.count, 3)
        let lines = app.map(NumaMapsFormat.line).joined()
        XCTAssertTrue(lines.contains(" bind:1 heap anon=32 dirty=32 active=0 N1=32 kernelpagesize_kB=4\n"), lines)
        XCTAssertTrue(lines.contains(" default anon=16 dirty=16 active=0 N0=16 kernelpagesize_kB=4\n"), lines)
        XCTAssertTrue(lines.contains(" default stack\n"), lines)

        // numastat -p from the report's JSON view: db is PID 1000, app 1001.
        let report = StressReport(run)
        let entries = try NumastatTool.processes(of: report)
        XCTAssertEqual(entries.map(\.pid), [1000, 1001])
        let tool = NumastatTool(report: report)
        // app: Heap 32 pages × 4096 / 2^20 = 0.125 MB on node 1 → "0.12" (an exact tie: printf
        // rounds half to even); Private: ring 16 pages = 0.0625 MB → "0.06"; Total 48 pages =
        // 0.1875 MB → "0.19". Multi-PID totals: node 0 0.5625 → "0.56", node 1 0.625 → "0.62".
        let one = tool.processInfo(["1001"], entries: entries, .init(), screenWidth: 80)
        XCTAssertEqual(one.stdout, """

            Per-node process memory usage (in MBs) for PID 1001 (app)
                                       Node 0          Node 1           Total
                              --------------- --------------- ---------------
            Huge                         0.00            0.00            0.00
            Heap                         0.00            0.12            0.12
            Stack                        0.00            0.00            0.00
            Private                      0.06            0.00            0.06
            ----------------  --------------- --------------- ---------------
            Total                        0.06            0.12            0.19

            """)
        // Two patterns (each a substring of one name): one row per PID; db's 256 pages = 1 MB
        // split 0.50/0.50.
        let both = tool.processInfo(["pp", "db"], entries: entries, .init(compress: false, skipZero: true), screenWidth: 80)
        XCTAssertEqual(both.stdout, """

            Per-node process memory usage (in MBs)
            PID                        Node 0          Node 1           Total
            ----------------  --------------- --------------- ---------------
            1000 (db)                    0.50            0.50            1.00
            1001 (app)                   0.06            0.12            0.19
            ----------------  --------------- --------------- ---------------
            Total                        0.56            0.62            1.19

            """)
        let none = tool.processInfo(["nosuch", "1002"], entries: entries, .init(), screenWidth: 80)
        XCTAssertEqual(none.stdout, "Found no processes containing pattern: \"nosuch\"\n\nPer-node process memory usage (in MBs) for PID 1002 ((null))\n")
        XCTAssertEqual(none.stderr, "Can't read /proc/1002/numa_maps: No such file or directory\n")
    }
}
