import NumaEngine
import ArgumentParser
import Foundation
import NumaExperiments
import NumaTopology

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the allocator model's own speed (use a release build).",
        discussion: """
            Times the deterministic allocator with statistics on (zone_statistics, pgalloc, pgfree), \
            on the first CPU of the topology and its node:
              order-0 alloc+free via pcp, and in bursts of 512 (pcp refill/drain in batches)
              order-1, -2, -3 alloc+free (the pcp holds orders up to PAGE_ALLOC_COSTLY_ORDER), per pair
                and per operation; and in bursts of 64 with allocation and free timed apart
              fallback: the local node's zones below their low watermark (filled before timing),
                so every allocation walks the zonelist to the next node
              interleave: MPOL_INTERLEAVE over every node with memory, order 0 (task policy)
              scaling: alloc+free pairs on 1 host thread, then 2 host threads each owning one CPU
                of a different node (only that CPU's pageset is touched by its thread)
              boot: the boot numbers and the allocator over them (mem_map, free lists, pagesets),
                in milliseconds and in host memory; e.g. --only boot -t big.yaml for a machine from
                `numasim topology generate`
            Each case runs --pairs pairs after a warm-up and reports the best of --runs runs. \
            Figures and the machine they were taken on: docs/benchmarks.md.
            """
    )

    @Option(name: [.customShort("t"), .long], help: ArgumentHelp(
        "Topology file (default: a built-in copy of topologies/nehalem-2s.yaml, the machine of docs/benchmarks.md, so bench runs the same from any directory).",
        valueName: "FILE"), completion: .file(extensions: ["yaml", "yml"]))
    var topology: String?

    @Option(help: "Pairs per run.")
    var pairs = 5_000_000

    @Option(help: "Runs per case (the best is reported).")
    var runs = 3

    @Option(help: ArgumentHelp("Run only the cases whose name contains TEXT (repeatable).", valueName: "TEXT"))
    var only: [String] = []

    @Flag(help: "Print JSON (schema numasim.bench/2).")
    var json = false

    func validate() throws {
        if pairs < 1 { throw ValidationError("--pairs: expected 1 or more, got \(pairs)") }
        if runs < 1 { throw ValidationError("--runs: expected 1 or more, got \(runs)") }
    }

    func run() throws {
        let t = try topology.map { try TopologyFile.load(path: $0) } ?? BenchDefaultTopology.topology()
        do {
            let bench = try InputError.labelling(file: topology ?? BenchDefaultTopology.name) { try Bench(topology: t, pairs: pairs, runs: runs) }
            let results = try bench.run(BenchScenario.matching(only))
            if json {
                try printJSON(bench.report(results))
            } else {
                for line in BenchResult.lines(results) { print(line) }
            }
        } catch let e as BenchError {
            throw RuntimeError(e.description)
        }
    }
}
