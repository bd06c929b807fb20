import ArgumentParser
import Foundation
import NumaCore
import NumaReports
import NumaTopology

struct TopologyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology",
        abstract: "Show a topology, import one from sysfs, numactl output, hwloc XML or this host, or generate a synthetic one.",
        subcommands: [Show.self, Import.self, Generate.self]
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the machine as `numactl --hardware` would, then its zones per node.")

        @OptionGroup var options: TopologyOptions

        func validate() throws { _ = try options.path() }

        @Flag(help: "Print JSON instead of tables.")
        var json = false

        func run() throws {
            let (_, machine) = try options.load()
            if json {
                try printJSON(BootJSON.machine(machine))
                return
            }
            emit(NumactlHardwareFormat.render(machine))
            emit("\n" + TopologyTable.zones(machine))
            emit("\n" + MemoryTiersFormat.render(machine))
        }
    }
}
