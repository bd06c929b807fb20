import Foundation

/// The HTML report's cgroup section: each group's memory.current, memory.peak and limits,
/// memory.events, memory.numa_stat per node, and the OOM kills with their constraint.
extension HTMLReport {
    static func cgroupSection(_ r: StressReport) -> String {
        let groups = r.cgroups ?? [:]
        let kills = r.oom_kills ?? []
        guard !groups.isEmpty || !kills.isEmpty else { return "" }
        let mib = { (b: Int) in String(format: "%.1f MiB", Double(b) / 1048576) }
        var h = "<h2>Cgroups and OOM kills</h2>"
        if !groups.isEmpty {
            h += "<p class=\"note\">cgroup v2 memory controller and cpusets at the end of the run (memory.current, memory.peak, memory.max, memory.events; memory.numa_stat anon/file per node).</p>"
            let nodes = (groups.values.first?.numa_stat["anon"] ?? [:]).keys.compactMap(Int.init).sorted()
            let head = ["cgroup", "current", "peak", "max", "cpuset.mems", "events"] + nodes.map { "anon N\($0)" } + nodes.map { "file N\($0)" }
            var rows: [[String]] = []
            for (name, g) in groups.sorted(by: { $0.key < $1.key }) {
                let events = ["max", "oom", "oom_kill", "high", "low"].compactMap { k in (g.events[k] ?? 0) > 0 ? "\(k) \(g.events[k]!)" : nil }
                var row = [name, mib(g.memory_current), mib(g.memory_peak), g.memory_max.map(mib) ?? "max", g.cpuset_mems ?? "all",
                           events.isEmpty ? "–" : events.joined(separator: ", ")]
                row += nodes.map { mib(g.numa_stat["anon"]?[String($0)] ?? 0) }
                row += nodes.map { mib(g.numa_stat["file"]?[String($0)] ?? 0) }
                rows.append(row)
            }
            h += table(head, rows)
        }
        if !kills.isEmpty {
            h += "<h3>OOM kills</h3>" + table(["victim", "constraint", "nodemask", "cpuset", "mems_allowed", "memcg", "badness", "asked by"],
                                             kills.map { k in [k.victim, k.constraint, k.nodemask ?? "(null)", k.cpuset, k.mems_allowed,
                                                               k.memcg ?? "–", "\(k.points)", k.asking ?? "–"] })
        }
        return h + "\n"
    }
}
