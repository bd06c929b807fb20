import ArgumentParser
import Foundation
import NumaCore
import NumaTopology

extension TopologyCommand {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a machine's topology and write it as a numasim topology file.",
            discussion: """
                Sources (exactly one of --sysfs, --numactl, --hwloc, --host, or -t with --zoneinfo):
                  --sysfs DIR      a copy of /sys (DIR holds devices/system/node) or the node directory \
                itself: node<N>/cpulist (or cpumap), distance, meminfo. Missing distance files give the \
                kernel's default table (10 local, 20 remote).
                  --numactl FILE   the text printed by `numactl --hardware`.
                  --hwloc FILE     hwloc's XML (`lstopo --of xml`, hwloc 2.x or 1.x): NUMANode objects, the \
                PUs local to each, the NUMA latency matrix (none: the kernel's default, with a warning).
                  --host           this machine, through libnuma (falls back to /sys/devices/system/node \
                when libnuma reports NUMA unavailable).
                  --zoneinfo FILE  a /proc/zoneinfo of the same machine: every field it has (spanned, \
                present, managed, pages free, min/low/high, protection, pageset high/batch) is used as \
                recorded; everything else is computed as the kernel would. Combine with --sysfs, --numactl, \
                --host or -t. Also recorded: every CPU's pageset count (pages on its pcp lists), the \
                watermark boost, node_unreclaimable and nr_zone_{in,}active_{anon,file} (the LRU pages).
                  --pagetypeinfo FILE  a /proc/pagetypeinfo of the same moment: free blocks per order and \
                migratetype, pageblocks per migratetype. --buddyinfo FILE gives the exact count of a list \
                pagetypeinfo capped at 100000 and checks the totals; --vmstat FILE cross-checks the totals.
                  --proc DIR       any of zoneinfo, pagetypeinfo, buddyinfo, vmstat in DIR (also named \
                NAME.txt or proc_NAME.txt), as the options above.

                The result loads back to the same machine: numasim topology show -t OUT.yaml
                """
        )

        @Option(help: ArgumentHelp("Copy of /sys or of /sys/devices/system/node.", valueName: "DIR"), completion: .directory)
        var sysfs: String?

        @Option(help: ArgumentHelp("Text of `numactl --hardware`.", valueName: "FILE"), completion: .file())
        var numactl: String?

        @Option(help: ArgumentHelp("hwloc XML (`lstopo --of xml`).", valueName: "FILE"), completion: .file(extensions: ["xml"]))
        var hwloc: String?

        @Flag(help: "Read this host through libnuma.")
        var host = false

        @Option(name: [.customShort("t"), .customLong("topology")], help: "Start from a topology file (to add --zoneinfo to it).",
                completion: .file(extensions: ["yaml", "yml"]))
        var topology: String?

        @Option(help: ArgumentHelp("A /proc/zoneinfo of the same machine.", valueName: "FILE"), completion: .file())
        var zoneinfo: String?

        @Option(help: ArgumentHelp("A /proc/pagetypeinfo of the same moment.", valueName: "FILE"), completion: .file())
        var pagetypeinfo: String?

        @Option(help: ArgumentHelp("A /proc/buddyinfo of the same moment.", valueName: "FILE"), completion: .file())
        var buddyinfo: String?

        @Option(help: ArgumentHelp("A /proc/vmstat of the same moment (cross-check).", valueName: "FILE"), completion: .file())
        var vmstat: String?

        @Option(help: ArgumentHelp("A directory holding any of zoneinfo, pagetypeinfo, buddyinfo, vmstat.", valueName: "DIR"), completion: .directory)
        var proc: String?

        @Option(name: .customLong("sysctl"), help: ArgumentHelp("Set a sysctl in the result (repeatable).", valueName: "vm.NAME=VALUE"))
        var sysctls: [String] = []

        @Option(help: "Name of the imported machine.")
        var name: String?

        @Option(name: [.customShort("o"), .long], help: "Write the topology here instead of standard output.",
                completion: .file(extensions: ["yaml", "yml"]))
        var output: String?

        func validate() throws {
            let sources = [sysfs != nil, numactl != nil, hwloc != nil, host, topology != nil].filter { $0 }.count
            guard sources == 1 else {
                throw ValidationError("give exactly one of --sysfs DIR, --numactl FILE, --hwloc FILE, --host, -t FILE (got \(sources))")
            }
        }

        /// The file or directory the machine was read from, for errors found after the import.
        var inputName: String {
            sysfs ?? numactl ?? hwloc.map(InputText.name) ?? topology ?? HostImporter.defaultSysfsRoot
        }

        func run() throws {
            var warnings: [InputWarning] = []
            do {
                try importTopology(warnings: &warnings)
            } catch {
                printWarnings(warnings)
                throw error
            }
            printWarnings(warnings)
        }

        /// Quirks the importer accepted, as `warning: FILE: message` on standard error.
        func printWarnings(_ warnings: [InputWarning]) {
            for w in warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
        }

        /// Refuses to write what would not boot: the same checks `topology show` makes. A
        /// problem is labelled with the input it came from (`InputError(importProblem:…)`): the
        /// zoneinfo file and line when it is about a zone the zoneinfo recorded, else the source
        /// of the machine.
        func checkBoots(_ t: Topology, zoneinfoLines: ZoneinfoLines?, pagetypeinfo: String? = nil) throws {
            do {
                _ = try BootedMachine(topology: t)
            } catch {
                throw InputError(importProblem: error, in: t, source: inputName, zoneinfoLines: zoneinfoLines,
                                 pagetypeinfo: pagetypeinfo)
            }
        }

        func importTopology(warnings: inout [InputWarning]) throws {
            var t: Topology
            if let sysfs {
                t = try SysfsImporter.load(path: sysfs, warnings: &warnings)
            } else if let numactl {
                t = try NumactlImporter.load(path: numactl)
            } else if let hwloc {
                t = try HwlocImporter.load(path: hwloc, warnings: &warnings)
            } else if host {
                t = try HostImporter.load(warnings: &warnings)
            } else {
                t = try TopologyFile.load(path: topology!)
            }
            let files = try ProcFiles(proc: proc, zoneinfo: zoneinfo, pagetypeinfo: pagetypeinfo, buddyinfo: buddyinfo, vmstat: vmstat)
            let zoneinfoLines = try files.apply(to: &t, warnings: &warnings)
            for s in sysctls { try t.sysctl.apply(assignment: s, arch: t.arch) }
            if let name { t.name = name }
            try checkBoots(t, zoneinfoLines: zoneinfoLines, pagetypeinfo: files.pagetypeinfo)
            let yaml = TopologyWriter.yaml(t)
            if let output {
                do {
                    try yaml.write(toFile: output, atomically: true, encoding: .utf8)
                } catch {
                    throw InputError(file: output, "cannot write the topology: \(error.localizedDescription)")
                }
            } else {
                print(yaml, terminator: "")
            }
        }
    }
}
