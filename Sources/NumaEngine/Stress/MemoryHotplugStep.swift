import NumaCore
import NumaWorkload

/// A workload's memory hotplug step: every memory block of a node offlined (`echo offline >
/// /sys/devices/system/memory/memoryN/state` for each block of the node, ascending) or every
/// block this run took offline onlined again. Offlining migrates the workload's movable pages
/// out of each block first; a block that still holds unmovable, reserved or unmigratable pages
/// stays online (-EBUSY), as on a real kernel, and the step reports it.
public struct MemoryHotplugReport: Sendable, Equatable {
    public var action: Workload.HotplugStep.Action
    public var node: Int
    /// Blocks that changed state, and blocks that could not (with what held them).
    public var blocksDone = 0
    public var pagesDone = 0
    public var busy: [(block: String, reserved: Int, allocated: Int)] = []
    public var pagesMigrated = 0
    public var migrationFailures = 0
    public var minFreeKbytesBefore = 0
    public var minFreeKbytesAfter = 0
    /// "Fallback order for Node N:" lines after the step (the zonelists as the allocator uses them).
    public var fallbackOrder: [String] = []

    public static func == (a: Self, b: Self) -> Bool {
        a.action == b.action && a.node == b.node && a.blocksDone == b.blocksDone && a.pagesDone == b.pagesDone &&
            a.busy.map { "\($0)" } == b.busy.map { "\($0)" } && a.pagesMigrated == b.pagesMigrated &&
            a.migrationFailures == b.migrationFailures && a.minFreeKbytesBefore == b.minFreeKbytesBefore &&
            a.minFreeKbytesAfter == b.minFreeKbytesAfter && a.fallbackOrder == b.fallbackOrder
    }

    public var summary: String {
        let verb = action == .offline ? "offlined" : "onlined"
        var s = "memory hotplug: node \(node): \(verb) \(blocksDone) block(s), \(pagesDone) pages"
        if action == .offline { s += "; migrated \(pagesMigrated) pages" + (migrationFailures > 0 ? " (\(migrationFailures) failed)" : "") }
        if !busy.isEmpty { s += "; \(busy.count) block(s) busy (-EBUSY)" }
        s += "; min_free_kbytes \(minFreeKbytesBefore) → \(minFreeKbytesAfter)"
        return s
    }
}

public enum MemoryHotplug {
    /// Runs a step with no CPU allocating. `tasks` are every task of the run so far (their
    /// live pages move, and so do the page cache's). The operation runs on the machine's first CPU (the shell writing sysfs).
    public static func run(_ step: Workload.HotplugStep, allocator a: PageAllocator, tasks: [SimulatedTask]) -> MemoryHotplugReport {
        var report = MemoryHotplugReport(action: step.action, node: step.node)
        report.minFreeKbytesBefore = a.machine.minFreeKbytes
        guard let n = a.nodeIDs.firstIndex(of: step.node) else { return report }
        let cpu = a.cpus.first ?? 0
        switch step.action {
        case .offline:
            var blocks = a.memoryBlocks(nodeIndex: n)
            if let limit = step.blocks { blocks = Array(blocks.prefix(limit)) }
            for block in blocks {
                // Migration targets: every other node with memory (node_states[N_MEMORY] minus this one).
                let targets = Set(a.nodeIDs.filter { $0 != step.node && a.machine.hasMemory($0) })
                var unmovable = 0
                for t in tasks {
                    let c = t.migratePages(out: block, allocator: a, cpu: cpu, targets: targets)
                    report.pagesMigrated += c.moved
                    report.migrationFailures += c.failed
                    unmovable += c.unmovable
                    if c.moved > 0 { a.count(.pgmigrateSuccess, c.moved, cpu: cpu) }
                    if c.failed > 0 { a.count(.pgmigrateFail, c.failed, cpu: cpu) }
                }
                // Cached pages of named files belong to no task; they move too.
                let pc = a.pageCache.migratePages(out: block, allocator: a, cpu: cpu, targets: targets)
                report.pagesMigrated += pc.moved
                report.migrationFailures += pc.failed
                if pc.moved > 0 { a.count(.pgmigrateSuccess, pc.moved, cpu: cpu) }
                if pc.failed > 0 { a.count(.pgmigrateFail, pc.failed, cpu: cpu) }
                switch a.offlineMemoryBlock(block) {
                case .success(let pages):
                    report.blocksDone += 1
                    report.pagesDone += pages
                case .failure(let busy):
                    report.busy.append((block.description, busy.reservedPages, busy.allocatedPages + busy.pcpPages))
                }
            }
        case .online:
            var blocks = a.offlineBlocks(nodeIndex: n)
            if let limit = step.blocks { blocks = Array(blocks.prefix(limit)) }
            for block in blocks {
                a.onlineMemoryBlock(block)
                report.blocksDone += 1
                report.pagesDone += block.range.count
            }
        }
        report.minFreeKbytesAfter = a.machine.minFreeKbytes
        report.fallbackOrder = a.zonelists.nodes.map { a.zonelists.fallbackLine(node: $0) }
        return report
    }
}
