import ArgumentParser
import NumaCore
import NumaReports

struct ZonelistCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zonelist",
        abstract: "Print each node's fallback order exactly as the kernel logs it at boot.",
        discussion: """
            Linux builds one zonelist per node (mm/page_alloc.c build_zonelists): the node itself first, \
            then the other nodes with memory by SLIT distance, with a +1 penalty for lower node ids and \
            for nodes with CPUs, and a shared node_load counter that rotates equidistant nodes between \
            lists. Inside a node, zones go from the highest (Normal) down to DMA.

            On x86 the boot build runs before CPUs join their nodes, so the CPU penalty never applies \
            at boot; --rebuild shows the order after a rebuild with the CPUs in place (as after memory \
            hotplug).
            """
    )

    @OptionGroup var options: TopologyOptions

    func validate() throws { _ = try options.path() }

    @Flag(help: "Also list the zones of each node's FALLBACK and NOFALLBACK zonelists.")
    var zones = false

    @Flag(help: "Show the zonelists as rebuilt with CPUs in their nodes (memory hotplug) instead of the boot build.")
    var rebuild = false

    @Flag(help: "Print JSON (both the boot build and the rebuild).")
    var json = false

    func run() throws {
        let (_, machine) = try options.load()
        if json {
            try printJSON(BootJSON.zonelists(machine))
        } else {
            emit(ZonelistFormat.render(machine, zonelists: rebuild ? machine.rebuiltZonelists : machine.bootZonelists,
                                       showZones: zones))
        }
    }
}
