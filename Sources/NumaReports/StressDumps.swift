import NumaCore
import NumaProcess

/// The kernel files `numasim stress --dump` prints as they stand at the end of a run.
public enum StressDumps {
    /// The files `--dump` knows, in the order the help lists them.
    public static let files = ["zoneinfo", "buddyinfo", "pagetypeinfo", "vmstat", "numastat", "node-meminfo", "node-vmstat", "numa_maps",
                                      "extfrag", "unusable_index"]

    /// The line (without its colon) that names a dump in the text report: `/proc/FILE`, or
    /// `numastat` for the tool's table; nil for the per-node files, whose text has a
    /// `/sys/devices/system/node/nodeN/FILE:` line before each node's file.
    public static func header(_ file: String) -> String? {
        switch file {
        case "node-meminfo", "node-vmstat", "numa_maps": return nil
        case "numastat": return "numastat"
        case "extfrag": return "/sys/kernel/debug/extfrag/extfrag_index"
        case "unusable_index": return "/sys/kernel/debug/extfrag/unusable_index"
        default: return "/proc/\(file)"
        }
    }

    /// The dump's text from the allocator; "" for a name not in `files`.
    public static func render(_ file: String, _ a: PageAllocator, processes: [SimulatedProcess] = []) -> String {
        switch file {
        case "zoneinfo": return ZoneinfoFormat.render(a)
        case "buddyinfo": return BuddyinfoFormat.render(a)
        case "pagetypeinfo": return PagetypeinfoFormat.render(a)
        case "vmstat": return VmstatFormat.render(a)
        case "numastat":
            return NumastatFormat.table(nodes: a.nodeIDs, stats: Dictionary(uniqueKeysWithValues: a.nodeIDs.map { ($0, a.numastat(node: $0)) }))
        case "node-meminfo": return perNode(a, "meminfo") { NodeMeminfoFormat.render(a, nodeIndex: $0) }
        case "node-vmstat": return perNode(a, "vmstat") { NodeVmstatFormat.render(a, nodeIndex: $0) }
        case "numa_maps": return NumaMapsFormat.render(processes: processes)
        case "extfrag": return ExtfragFormat.extfragIndex(a)
        case "unusable_index": return ExtfragFormat.unusableIndex(a)
        default: return ""
        }
    }

    /// Every node's file after its sysfs path.
    static func perNode(_ a: PageAllocator, _ name: String, _ text: (Int) -> String) -> String {
        a.nodeIDs.indices.map { "/sys/devices/system/node/node\(a.nodeIDs[$0])/\(name):\n" + text($0) }.joined()
    }

    /// `report.dumps` for the files asked for (nil when none).
    public static func render(_ files: [String], _ a: PageAllocator, processes: [SimulatedProcess] = []) -> [String: String]? {
        files.isEmpty ? nil : Dictionary(files.map { ($0, render($0, a, processes: processes)) }, uniquingKeysWith: { first, _ in first })
    }
}
