import ArgumentParser
import Foundation
import NumaReports

/// `numasim compare A.json B.json`: two `stress --json` results side by side.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two stress results (from `numasim stress --json`) side by side.",
        discussion: """
            First the inputs that differ, from each result's provenance: numasim version, topology \
            (name, and the file by SHA-256), workload and costs files (by SHA-256, shown with their paths), every sysctl in \
            force, seed, engine and threads — or that they are the same. Then the numbers. \
            Rows: run totals and simulated time, numastat per node, the fallback matrix (pages \
            asked of one node and served by another), locality, reclaim counters. Rows that differ \
            are highlighted in colour on a terminal and marked with * otherwise. With --timing, \
            also the host wall-clock rows (host seconds and ops/s, from results written with \
            `stress --json --timing`; they count as changed only beyond 10 %). Nodes are matched \
            by id, so runs on two topologies compare too.

            Example:
              numasim stress -t topologies/nehalem-2s-qemu.yaml -w workloads/zone-reclaim.yaml --json > a.json
              numasim stress -t topologies/nehalem-2s-qemu.yaml -w workloads/zone-reclaim.yaml --json \\
                  --sysctl vm.zone_reclaim_mode=1 > b.json
              numasim compare a.json b.json
            """
    )

    @Argument(help: "The first result (A).", completion: .file(extensions: ["json"])) var a: String
    @Argument(help: "The second result (B).", completion: .file(extensions: ["json"])) var b: String
    @Flag(help: "Print JSON (schema numasim.compare/1, docs/json.md).") var json = false
    @Flag(help: "Mark differences with * even on a terminal (no colour).") var noColor = false
    @Flag(help: "Also compare host wall-clock time (seconds, ops/s; present in results of `stress --json --timing`).") var timing = false

    func run() throws {
        let x: StressReport, y: StressReport
        do {
            x = try StressReport.load(a, reader: "compare")
            y = try StressReport.load(b, reader: "compare")
        } catch let e as StressReport.LoadError {
            throw RuntimeError(e.description)
        }
        let c = StressCompare(x, y, a: a, b: b, timing: timing)
        if json {
            try printJSON(c)
        } else {
            emit(c.render(color: !noColor && isatty(STDOUT_FILENO) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil))
        }
    }
}
