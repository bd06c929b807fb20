import NumaCore
import NumaWorkload

/// The OOM killer's choice among a run phase's tasks (mm/oom_kill.c `select_bad_process`,
/// `oom_badness`: the task holding the most pages). Both engines ask it; what happens to the
/// victim afterwards (freed at once, or at its owner's next step) is the engine's.
enum OutOfMemory {
    /// The task with the most live pages, if it holds any (ties: the first).
    static func victim(among tasks: [SimulatedTask]) -> SimulatedTask? {
        guard let v = tasks.max(by: { $0.livePages < $1.livePages }), v.livePages > 0 else { return nil }
        return v
    }

    /// `out_of_memory` over a phase's tasks: kill the task with the most live pages (`kill`
    /// does what the engine does with a victim). With none, a killed task that still holds pages
    /// is on its way out (`oom_evaluate_task` aborts the scan while a victim exits), and else
    /// nothing is killable: tasks whose memory the kernel cannot take back by killing them
    /// (kernel allocations kept without a live set, `free: never`) do not count.
    static func select(among tasks: [SimulatedTask], kill: (SimulatedTask) -> Void) -> OOMKillResult {
        if let victim = victim(among: tasks.filter { !$0.isKilled && !$0.stats.killed }) {
            kill(victim)
            return .killed
        }
        return tasks.contains { $0.isKilled && $0.livePages > 0 } ? .victimExiting : .nothingKillable
    }
}
