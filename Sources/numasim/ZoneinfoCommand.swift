import ArgumentParser
import NumaCore
import NumaReports

struct ZoneinfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zoneinfo",
        abstract: "Print /proc/zoneinfo as the booted machine would show it.",
        discussion: """
            Every zone of every node in the kernel's own layout (mm/vmstat.c zoneinfo_show_print, \
            Linux 6.1): free pages, min/low/high watermarks, spanned/present/managed pages, protection \
            (lowmem_reserve), and per CPU the pageset high/batch and the vmstat threshold. Scripts that \
            parse a real /proc/zoneinfo read this too. Nothing has been allocated yet, so counters \
            numasim does not model at boot are 0. A topology that records a machine's state (pcp counts, \
            LRU pages, boost, free blocks: `topology import --zoneinfo/--pagetypeinfo/--proc`) is printed \
            from the allocator booted into that state.
            """
    )

    @OptionGroup var options: TopologyOptions

    func validate() throws { _ = try options.path() }

    @Flag(help: "Print JSON instead of the kernel format.")
    var json = false

    func run() throws {
        let (_, machine) = try options.load()
        if json {
            try printJSON(BootJSON.machine(machine))
        } else {
            let t = machine.topology
            let recordsState = t.nodes.contains { $0.unreclaimable || $0.zones.values.contains(where: \.hasState) }
            emit(recordsState ? ZoneinfoFormat.render(PageAllocator(machine: machine)) : ZoneinfoFormat.render(machine))
        }
    }
}
