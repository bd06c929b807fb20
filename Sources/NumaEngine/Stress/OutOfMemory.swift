import NumaCore
import NumaWorkload

/// A task as the OOM killer sees it (mm/oom_kill.c, Linux 6.1): a run phase's task or a
/// process phase's process.
struct OOMCandidate {
    var name: String
    /// `get_mm_rss(mm) + get_mm_counter(mm, MM_SWAPENTS) + mm_pgtables_bytes(mm) / PAGE_SIZE`.
    var pages: Int
    /// `signal->oom_score_adj` (-1000...1000; -1000 is OOM_SCORE_ADJ_MIN: never killed).
    var oomScoreAdj: Int
    /// The task policy of each thread (`tsk->mempolicy`): an MPOL_BIND policy's nodes, nil for
    /// any other mode (`mempolicy_in_oom_domain` looks only at MPOL_BIND).
    var bindNodes: [[Int]?]
    /// The task's cpuset `mems_allowed` (nil: the root cpuset, every node).
    var memsAllowed: Set<Int>?
    /// The task's memory cgroup (nil: the root).
    var memcg: String?
    /// `tsk_is_oom_victim`: killed before and not yet gone.
    var isVictim: Bool
}

/// The OOM killer's choice (mm/oom_kill.c, Linux 6.1: `select_bad_process`, `oom_evaluate_task`,
/// `oom_badness`, `oom_cpuset_eligible`, `mempolicy_in_oom_domain`, `mem_cgroup_scan_tasks`).
/// Every engine asks it; what happens to the victim afterwards (freed at once, or at its
/// owner's next step) is the engine's.
enum OutOfMemory {
    enum Choice: Equatable {
        /// `oc->chosen`: the candidate at this index, with its badness.
        case kill(index: Int, points: Int)
        /// A victim still holds memory (`oom_evaluate_task` aborts: it is about to free it).
        case victimExiting
        /// Nothing chosen (`"Out of memory and no killable processes..."`).
        case nothing
    }

    /// `oom_badness(p, totalpages)`: nil for LONG_MIN (OOM_SCORE_ADJ_MIN). The adjustment is in
    /// thousandths of `totalpages` (`adj *= totalpages / 1000`: integer division first).
    static func badness(pages: Int, oomScoreAdj adj: Int, totalPages: Int) -> Int? {
        if adj == -1000 { return nil }
        return pages + adj * (totalPages / 1000)
    }

    /// `oom_cpuset_eligible(task, oc)`: with a CONSTRAINT_MEMORY_POLICY nodemask, any thread
    /// whose policy is not MPOL_BIND, or whose MPOL_BIND nodes intersect the nodemask
    /// (`mempolicy_in_oom_domain`); else any thread whose cpuset's mems intersect the asking
    /// task's (`cpuset_mems_allowed_intersects`).
    static func cpusetEligible(_ c: OOMCandidate, _ oc: OOMControl, currentMems: Set<Int>?) -> Bool {
        if let mask = oc.nodemask {
            return c.bindNodes.contains { nodes in nodes.map { $0.contains(where: mask.contains) } ?? true }
        }
        guard let mine = currentMems, let theirs = c.memsAllowed else { return true }
        return !mine.isDisjoint(with: theirs)
    }

    /// `select_bad_process` after `constrained_alloc`: for a memcg OOM the memcg's tasks
    /// (`mem_cgroup_scan_tasks`), else every task `oom_cpuset_eligible` allows; a victim still
    /// holding memory aborts the scan; the highest badness wins and, as the kernel walks tasks
    /// oldest first and takes a tie (`points < chosen_points` skips only lower ones), the last
    /// of equals wins. numasim's simplification: a task holding no pages (a run phase's kernel
    /// allocations it never gives back) is not a candidate: killing it would free nothing.
    static func selectBadProcess(_ candidates: [OOMCandidate], _ oc: OOMControl, currentMems: Set<Int>?) -> Choice {
        var chosen: (index: Int, points: Int)? = nil
        for (i, c) in candidates.enumerated() {
            if let memcg = oc.memcg {
                guard c.memcg == memcg else { continue }
            } else if !cpusetEligible(c, oc, currentMems: currentMems) { continue }
            if c.isVictim {
                if c.pages > 0 { return .victimExiting }
                continue   // MMF_OOM_SKIP: reaped, nothing left to free
            }
            guard c.pages > 0, let points = badness(pages: c.pages, oomScoreAdj: c.oomScoreAdj, totalPages: oc.totalPages) else { continue }
            if let ch = chosen, points < ch.points { continue }
            chosen = (i, points)
        }
        guard let chosen else { return .nothing }
        return .kill(index: chosen.index, points: chosen.points)
    }

    /// `out_of_memory` from an engine's killer: the constraint for the asking task (`current`,
    /// found by CPU; nil when the CPU runs none of the candidates), the choice, the report of a
    /// kill (appended to the allocator's log), and `kill` of the victim by index.
    static func outOfMemory(_ a: PageAllocator, _ oc: OOMControl, candidates: [OOMCandidate], current: Int?,
                            cpusetsEnabled: Bool, now: Int? = nil, kill: (Int) -> Void) -> OOMKillResult {
        var oc = oc
        let mems = current.flatMap { candidates[$0].memsAllowed }
        a.constrainedAlloc(&oc, memsAllowed: mems, cpusetsEnabled: cpusetsEnabled)
        switch selectBadProcess(candidates, oc, currentMems: mems) {
        case .kill(let i, let points):
            let printedMems = mems.map { $0.sorted() } ?? a.nodeIDs.filter { a.machine.hasMemory($0) }
            a.oomKills.append(OOMKillReport(victim: candidates[i].name, asking: current.map { candidates[$0].name },
                                            askingCgroup: current.flatMap { candidates[$0].memsAllowed != nil ? candidates[$0].memcg : nil },
                                            victimMemcg: candidates[i].memcg, oc: oc, memsAllowed: printedMems,
                                            points: points, victimPages: candidates[i].pages, atNanoseconds: now))
            kill(i)
            return i == current ? .killedCurrent : .killed
        case .victimExiting: return .victimExiting
        case .nothing: return .nothingKillable
        }
    }
}

extension OutOfMemory {
    /// The index of the task playing each CPU (`current` of an allocation on that CPU).
    static func taskOfCPU(_ tasks: [SimulatedTask]) -> [Int: Int] {
        var owner: [Int: Int] = [:]
        for (i, t) in tasks.enumerated() { for c in t.cpus where owner[c] == nil { owner[c] = i } }
        return owner
    }
}

extension SimulatedTask {
    /// This task as the OOM killer sees it: its live pages are its rss.
    func oomCandidate() -> OOMCandidate {
        OOMCandidate(name: name, pages: livePages, oomScoreAdj: spec.oomScoreAdj,
                     bindNodes: [spec.policy.mode == .bind ? spec.policy.nodes : nil], memsAllowed: memsAllowed,
                     memcg: spec.cgroup, isVictim: isKilled || stats.killed)
    }
}
