import Foundation
import NumaProcess

/// /proc/PID/numa_maps as `show_numa_map` (fs/proc/task_mmu.c, Linux 6.1) prints it, from
/// `SimulatedProcess.numaMaps` (or the `numa_maps` of a stress result's `address_spaces`):
///
/// ```
/// 7f0000000000 bind:0-1 anon=512 dirty=512 active=100 N0=300 N1=212 kernelpagesize_kB=4
/// ```
///
/// `%08lx` start, the policy (`mpol_to_str`), ` file=PATH` / ` heap` / ` stack`, then — only when
/// the VMA has pages mapped — `anon=`, `dirty=` (each when non-zero), `mapped=` (when the pages are
/// neither all anon nor all dirty), `active=` (when fewer than the pages), `N<node>=` for every
/// node holding some, ascending, and `kernelpagesize_kB=`.
public enum NumaMapsFormat {
    /// numasim's PIDs: the i-th process of a run (in the order the report lists them) is PID
    /// 1000 + i, so that `numastat -p PID` and the dump headers agree.
    public static func pid(index: Int) -> Int { 1000 + index }

    /// One VMA's line, with its newline.
    public static func line(_ e: NumaMapsEntry) -> String {
        var out = String(format: "%08lx", e.start) + " " + e.policy
        if let file = e.file { out += " file=\(file)" } else if e.heap { out += " heap" } else if e.stack { out += " stack" }
        if e.pages > 0 {
            if e.anon > 0 { out += " anon=\(e.anon)" }
            if e.dirty > 0 { out += " dirty=\(e.dirty)" }
            if e.pages != e.anon && e.pages != e.dirty { out += " mapped=\(e.pages)" }
            if e.active < e.pages { out += " active=\(e.active)" }
            for (node, count) in e.nodes.compactMap({ k, v in Int(k).map { ($0, v) } }).sorted(by: { $0.0 < $1.0 }) where count > 0 {
                out += " N\(node)=\(count)"
            }
            out += " kernelpagesize_kB=\(e.kernelpagesize_kB)"
        }
        return out + "\n"
    }

    /// A process's whole file.
    public static func render(_ entries: [NumaMapsEntry]) -> String { entries.map(line).joined() }

    /// `stress --dump numa_maps`: every process still alive at the end of the run, each file after
    /// a `/proc/PID/numa_maps (NAME):` line; exited processes have no /proc entry.
    public static func render(processes: [SimulatedProcess]) -> String {
        var out = ""
        for (i, p) in processes.enumerated() where !p.exited {
            out += "/proc/\(pid(index: i))/numa_maps (\(p.name)):\n" + render(p.numaMaps)
        }
        return out.isEmpty ? "(no process alive at the end of the run)\n" : out
    }
}
