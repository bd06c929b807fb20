import ArgumentParser
import Foundation
import NumaCore
import NumaReports
import NumaTopology

@main
struct NumaSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "numasim",
        abstract: "Simulate the Linux 6.1 physical page allocator on a NUMA machine.",
        discussion: """
            numasim loads a machine's NUMA topology (a YAML file, a copy of /sys/devices/system/node, \
            `numactl --hardware` output, hwloc XML, or this host through libnuma), boots it the way Linux 6.1 does, \
            and prints what the kernel would: zone layout, watermarks, protection, per-CPU pageset sizes \
            and the zonelists that decide where allocations fall back to.

            Start with:
              numasim topology show -t topologies/nehalem-2s.yaml
              numasim zonelist -t topologies/epyc-nps4.yaml --zones
              numasim zoneinfo -t topologies/nehalem-2s.yaml
            """,
        version: NumasimVersion.line,
        subcommands: [TopologyCommand.self, ZonelistCommand.self, ZoneinfoCommand.self, StressCommand.self, NumastatCommand.self,
                      CompareCommand.self, SweepCommand.self, TranslateCommand.self, BenchCommand.self]
    )
}

/// Options shared by every command that boots a topology file. `-t` is required by every such
/// command (`path()` says so when it is missing); it is optional to the parser only because
/// `numastat` boots a topology or reads a result file instead.
struct TopologyOptions: ParsableArguments {
    @Option(name: [.customShort("t"), .long], help: "Topology file (YAML, required); see docs/topology-format.md.",
            completion: .file(extensions: ["yaml", "yml"]))
    var topology: String?

    @Option(name: .customLong("sysctl"), help: ArgumentHelp(
        "Set a sysctl before booting, e.g. vm.min_free_kbytes=65536 (repeatable).", valueName: "vm.NAME=VALUE"))
    var sysctls: [String] = []

    /// The topology file; without `-t`, the parser's own error for a missing required option.
    func path() throws -> String {
        guard let topology else { throw ValidationError("Missing expected argument '--topology <topology>'") }
        return topology
    }

    func load() throws -> (Topology, BootedMachine) {
        try Self.boot(path: path(), sysctls: sysctls)
    }

    /// Reads the topology file at `path`, applies `sysctls`, and boots it; a boot problem is
    /// reported with the file's name (`InputError.labelling`).
    static func boot(path: String, sysctls: [String] = []) throws -> (Topology, BootedMachine) {
        var t = try TopologyFile.load(path: path)
        for s in sysctls { try t.sysctl.apply(assignment: s, arch: t.arch) }
        let machine = try InputError.labelling(file: path) { try BootedMachine(topology: t) }
        return (t, machine)
    }
}

/// `--threads N` of `stress` and `sweep`: host threads for the concurrent engine.
enum HostThreads {
    static func check(_ threads: Int?) throws {
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads: expected 1…256, got \(threads)") }
    }
}

/// Prints `value` as pretty JSON with sorted keys (stable output for scripts and diffs).
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    print(String(decoding: data, as: UTF8.self))
}

/// Writes to standard output without an extra newline (kernel formats end in their own).
func emit(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}
