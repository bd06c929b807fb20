import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaEngine
@testable import NumaTopology
@testable import NumaWorkload

/// Issue 17: the OOM killer constrained as Linux 6.1's is (mm/oom_kill.c `constrained_alloc`,
/// `oom_cpuset_eligible`, `mempolicy_in_oom_domain`, `oom_badness`, `select_bad_process`).
/// Each expected victim and number is worked out from that code in the test's comments.
final class ConstrainedOOMTests: XCTestCase {
    // MARK: whole runs

    /// A task bound to node 1 holds the most memory; two tasks bound to node 0 fill node 0.
    /// Before issue 17 numasim killed the node-1 task (the most pages machine-wide). 6.1: the
    /// failing allocation's nodemask is {0} (policy_nodemask of MPOL_BIND), not a superset of
    /// N_MEMORY {0,1} → CONSTRAINT_MEMORY_POLICY with totalpages = swap 0 + node_present_pages(0):
    /// node 0's 65536 page frames less the x86 legacy holes (pfn 0, and 0x9f–0xff: 97 pages) =
    /// 65438; `mempolicy_in_oom_domain` drops the bind:1 task (no
    /// intersection with {0}); of the two bind:0 tasks the order-1 one holds about twice the
    /// pages of the order-0 one, so it has the higher badness.
    func testBindToNodeZeroKillsANodeZeroTaskNotTheBiggerNodeOneTask() throws {
        let m = try boot(TestTopologies.two256)
        let w = try Workload.parse("""
            threads:
              - {cpus: 2, policy: "bind:1", order: 2, allocate: 200MiB}
              - {cpus: 0, policy: "bind:0", order: 1, allocate: 200MiB}
              - {cpus: 1, policy: "bind:0", allocate: 150MiB}
            """, file: "w.yaml", topology: m.topology)
        let r = try DeterministicStress.run(machine: m, workload: w, seed: 1)
        let kills = r.allocator.oomKills.all
        let first = try XCTUnwrap(kills.first, "node 0 runs out: the OOM killer runs")
        XCTAssertEqual(first.victim, "threads[1]")
        XCTAssertEqual(first.constraint, .memoryPolicy)
        XCTAssertEqual(first.nodemask, [0])
        XCTAssertEqual(first.totalPages, 65536 - 98)
        XCTAssertEqual(first.memsAllowed, [0, 1], "the root cpuset: every node with memory")
        XCTAssertNil(first.askingCgroup)
        XCTAssertFalse(kills.contains { $0.victim == "threads[0]" }, "the node-1 task is never eligible")
        let nodeOneTask = r.tasks[0]
        XCTAssertFalse(nodeOneTask.stats.killed)
        XCTAssertEqual(nodeOneTask.livePages, 200 << 8, "it keeps all 51200 of its pages")
        XCTAssertEqual(nodeOneTask.placement?.fallback.servedPages[1], 51200)
        // The victim's badness is its pages then (no oom_score_adj), and it held more than the other.
        XCTAssertEqual(first.points, first.victimPages)
        for rep in r.allocator.checkInvariants() { XCTAssertTrue(rep.ok, "\(rep.violations)") }
    }

    /// A task in a cpuset with `cpuset.mems: 1`, running on CPU 0 (node 0), goes beyond node 1.
    /// Its pages all come from node 1 (prepare_alloc_pages: nodemask = cpuset_current_mems_allowed).
    /// 6.1 reports the OOM as CONSTRAINT_MEMORY_POLICY (that nodemask {1} is not a superset of
    /// N_MEMORY), totalpages = node_present_pages(1) = 65536, and `oom_cpuset_eligible` then asks
    /// only `mempolicy_in_oom_domain`: every task without an MPOL_BIND policy is eligible (its
    /// cpuset is irrelevant), a bind:0 task is not. Badness (oom_badness: adj × (65536 / 1000 = 65)):
    ///   threads[1], default policy, 150 MiB on node 0, adj 800: 38400 + 800 × 65 = 90400;
    ///   threads[2], bind:0, 30 MiB, adj 1000: 7680 + 65000 = 72680, but not eligible;
    ///   threads[0] itself: at most node 1's 65536 pages.
    /// So threads[1] dies first — although none of its memory is on node 1 — then, still short,
    /// threads[0] itself; threads[2] never.
    func testCpusetTaskOOMIsAMemoryPolicyConstraintThatIgnoresCpusetsOfOtherTasks() throws {
        let m = try boot(TestTopologies.two256)
        let w = try Workload.parse("""
            cgroups:
              - {name: pinned, cpuset.mems: 1}
            threads:
              - {cpus: 0, cgroup: pinned, allocate: 300MiB}
              - {cpus: 1, allocate: 150MiB, oom_score_adj: 800}
              - {cpus: 2, policy: "bind:0", allocate: 30MiB, oom_score_adj: 1000}
            """, file: "w.yaml", topology: m.topology)
        let r = try DeterministicStress.run(machine: m, workload: w, seed: 1)
        let kills = r.allocator.oomKills.all
        XCTAssertEqual(kills.map(\.victim), ["threads[1]", "threads[0]"])
        let first = try XCTUnwrap(kills.first)
        XCTAssertEqual(first.constraint, .memoryPolicy)
        XCTAssertEqual(first.nodemask, [1])
        XCTAssertEqual(first.memsAllowed, [1])
        XCTAssertEqual(first.askingCgroup, "pinned")
        XCTAssertEqual(first.asking, "threads[0]")
        XCTAssertEqual(first.totalPages, 65536)
        XCTAssertEqual(first.points, 150 * 256 + 800 * 65)
        XCTAssertFalse(r.tasks[2].stats.killed)
        // cpuset.mems is never violated: every page the cpuset task got came from node 1.
        let placed = try XCTUnwrap(r.tasks[0].placement).fallback.servedPages
        XCTAssertEqual(placed[0] ?? 0, 0)
        XCTAssertGreaterThan(placed[1] ?? 0, 60000)
        for rep in r.allocator.checkInvariants() { XCTAssertTrue(rep.ok, "\(rep.violations)") }
    }

    // MARK: the kernel's functions on small inputs

    func testBadnessScalesTheAdjustmentByThousandthsOfTotalPages() {
        // adj *= totalpages / 1000 (integer division first): 262046 / 1000 = 262.
        XCTAssertEqual(OutOfMemory.badness(pages: 1000, oomScoreAdj: 500, totalPages: 262046), 1000 + 500 * 262)
        XCTAssertEqual(OutOfMemory.badness(pages: 1000, oomScoreAdj: -999, totalPages: 999), 1000, "999 / 1000 = 0")
        XCTAssertEqual(OutOfMemory.badness(pages: 10, oomScoreAdj: -500, totalPages: 100_000), 10 - 50_000, "negative points stay")
        XCTAssertNil(OutOfMemory.badness(pages: 1 << 30, oomScoreAdj: -1000, totalPages: 100_000), "OOM_SCORE_ADJ_MIN: LONG_MIN")
    }

    func candidate(_ name: String, _ pages: Int, adj: Int = 0, bind: [Int]? = nil, mems: Set<Int>? = nil,
                   memcg: String? = nil, victim: Bool = false) -> OOMCandidate {
        OOMCandidate(name: name, pages: pages, oomScoreAdj: adj, bindNodes: [bind], memsAllowed: mems, memcg: memcg, isVictim: victim)
    }

    func testSelectionTakesTheLastOfEqualBadnessAndAbortsForAVictimStillHoldingMemory() {
        var oc = OOMControl(cpu: 0, order: 0, gfp: .highUserMovable, nodemask: nil, zonelistNodes: [0, 1])
        oc.totalPages = 100_000
        // oom_evaluate_task: `points < chosen_points` skips only lower ones, so of equals the
        // last walked (the youngest task) is chosen.
        XCTAssertEqual(OutOfMemory.selectBadProcess([candidate("a", 50), candidate("b", 70), candidate("c", 70)], oc, currentMems: nil),
                       .kill(index: 2, points: 70))
        // An eligible victim that still holds pages aborts the scan (it is about to free them).
        XCTAssertEqual(OutOfMemory.selectBadProcess([candidate("a", 50), candidate("v", 10, victim: true)], oc, currentMems: nil),
                       .victimExiting)
        // A reaped victim (MMF_OOM_SKIP) is skipped.
        XCTAssertEqual(OutOfMemory.selectBadProcess([candidate("a", 50), candidate("v", 0, victim: true)], oc, currentMems: nil),
                       .kill(index: 0, points: 50))
        XCTAssertEqual(OutOfMemory.selectBadProcess([candidate("a", 50, adj: -1000)], oc, currentMems: nil), .nothing)
    }

    func testEligibilityByMempolicyDomainOrByCpusetMems() {
        var policyOC = OOMControl(cpu: 0, order: 0, gfp: .highUserMovable, nodemask: [0], zonelistNodes: [0])
        policyOC.constraint = .memoryPolicy
        // mempolicy_in_oom_domain: only an MPOL_BIND policy disjoint from the nodemask excludes;
        // a cpuset does not matter.
        XCTAssertFalse(OutOfMemory.cpusetEligible(candidate("b1", 1, bind: [1]), policyOC, currentMems: nil))
        XCTAssertTrue(OutOfMemory.cpusetEligible(candidate("b01", 1, bind: [0, 1]), policyOC, currentMems: nil))
        XCTAssertTrue(OutOfMemory.cpusetEligible(candidate("default", 1, mems: [1]), policyOC, currentMems: [0]))
        // Without a nodemask: cpuset_mems_allowed_intersects(current, tsk).
        let plain = OOMControl(cpu: 0, order: 0, gfp: .highUserMovable, nodemask: nil, zonelistNodes: [0, 1])
        XCTAssertFalse(OutOfMemory.cpusetEligible(candidate("other", 1, mems: [1]), plain, currentMems: [0]))
        XCTAssertTrue(OutOfMemory.cpusetEligible(candidate("shared", 1, mems: [0, 1]), plain, currentMems: [0]))
        XCTAssertTrue(OutOfMemory.cpusetEligible(candidate("root", 1), plain, currentMems: [0]))
        // A memcg OOM looks only at the memcg's tasks, cpusets and policies aside.
        var memcgOC = plain
        memcgOC.memcg = "box"
        memcgOC.constraint = .memcg
        memcgOC.totalPages = 1000
        XCTAssertEqual(OutOfMemory.selectBadProcess([candidate("outside", 900), candidate("inside", 10, bind: [1], memcg: "box")],
                                                    memcgOC, currentMems: [0]), .kill(index: 1, points: 10))
    }

    func testConstrainedAllocFollowsTheKernelOrder() throws {
        let m = try boot(TestTopologies.three256)
        let a = PageAllocator(machine: m)
        a.swap = SwapSpace(totalPages: 1000)
        let all = OOMControl(cpu: 0, order: 0, gfp: .highUserMovable, nodemask: nil, zonelistNodes: [0, 1, 2])
        // No nodemask, no cpusets: CONSTRAINT_NONE over totalram_pages() + total_swap_pages.
        var oc = all
        a.constrainedAlloc(&oc, memsAllowed: nil, cpusetsEnabled: false)
        XCTAssertEqual(oc.constraint, .none)
        XCTAssertEqual(oc.totalPages, a.totalRAMPages + 1000)
        // __GFP_THISNODE: CONSTRAINT_NONE whatever the nodemask.
        oc = OOMControl(cpu: 0, order: 0, gfp: GFP.highUserMovable.union(.thisnode), nodemask: [1], zonelistNodes: [1])
        a.constrainedAlloc(&oc, memsAllowed: nil, cpusetsEnabled: false)
        XCTAssertEqual(oc.constraint, .none)
        XCTAssertNil(oc.nodemask, "out_of_memory clears the nodemask unless CONSTRAINT_MEMORY_POLICY")
        // A nodemask of two of three nodes: CONSTRAINT_MEMORY_POLICY, swap + their present pages
        // (node 0 without its 98 legacy-hole frames, node 2 whole).
        oc = OOMControl(cpu: 0, order: 0, gfp: .highUserMovable, nodemask: [0, 2], zonelistNodes: [0, 2])
        a.constrainedAlloc(&oc, memsAllowed: nil, cpusetsEnabled: false)
        XCTAssertEqual(oc.constraint, .memoryPolicy)
        XCTAssertEqual(oc.totalPages, 1000 + (65536 - 98) + 65536)
        XCTAssertEqual(oc.nodemask, [0, 2])
        // A nodemask covering every node is no constraint; then a cpuset narrower than the
        // zonelist is CONSTRAINT_CPUSET over swap + the cpuset's present pages.
        oc = OOMControl(cpu: 0, order: 0, gfp: .highUserMovable, nodemask: [0, 1, 2], zonelistNodes: [0, 1, 2])
        a.constrainedAlloc(&oc, memsAllowed: [1], cpusetsEnabled: true)
        XCTAssertEqual(oc.constraint, .cpuset)
        XCTAssertEqual(oc.totalPages, 1000 + 65536)
        oc = all
        a.constrainedAlloc(&oc, memsAllowed: [0, 1, 2], cpusetsEnabled: true)
        XCTAssertEqual(oc.constraint, .none, "a cpuset with every node limits nothing")
        oc = all
        a.constrainedAlloc(&oc, memsAllowed: [1], cpusetsEnabled: false)
        XCTAssertEqual(oc.constraint, .none, "cpusets_enabled() false: no cpuset check")
    }
}
