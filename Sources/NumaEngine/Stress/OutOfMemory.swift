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
}
