import CNuma
import Foundation

/// Imports the machine numasim runs on through libnuma (`<numa.h>`, libnuma 2.0.16).
///
/// For every node in `numa_nodes_ptr` (0…`numa_max_node()`): CPUs from `numa_node_to_cpus`,
/// MemTotal/MemFree from `numa_node_size64` (libnuma reads the node's sysfs meminfo), distances
/// from `numa_distance` (0 = no SLIT → the kernel's default 10/20 table). Memory follows the
/// sysfs rules: `managed` = MemTotal exactly, `memory` = MemTotal rounded up to 128 MiB sections.
///
/// When `numa_available()` < 0 (no NUMA support in the kernel, or the syscall is blocked), the
/// node directory `/sys/devices/system/node` is read with `SysfsImporter` instead.
public enum HostImporter {
    public static let defaultSysfsRoot = "/sys/devices/system/node"

    public static func load() throws -> Topology {
        var warnings: [InputWarning] = []
        return try load(sysfsFallbackRoot: defaultSysfsRoot, useLibnuma: true, warnings: &warnings)
    }

    /// This host; warnings of the sysfs fallback (`SysfsImporter`) are appended to `warnings`.
    public static func load(warnings: inout [InputWarning]) throws -> Topology {
        try load(sysfsFallbackRoot: defaultSysfsRoot, useLibnuma: true, warnings: &warnings)
    }

    /// `useLibnuma: false` forces the sysfs path (as when libnuma reports NUMA unavailable).
    public static func load(sysfsFallbackRoot: String, useLibnuma: Bool) throws -> Topology {
        var warnings: [InputWarning] = []
        return try load(sysfsFallbackRoot: sysfsFallbackRoot, useLibnuma: useLibnuma, warnings: &warnings)
    }

    /// The paging is this kernel's (`HostPaging.current`), or 5-level when the nodes' memory
    /// needs it.
    public static func load(sysfsFallbackRoot: String, useLibnuma: Bool,
                            warnings: inout [InputWarning]) throws -> Topology {
        var t = try loadNodes(sysfsFallbackRoot: sysfsFallbackRoot, useLibnuma: useLibnuma, warnings: &warnings)
        if HostPaging.current() == .fiveLevel { t.paging = .fiveLevel }
        return t
    }

    static func loadNodes(sysfsFallbackRoot: String, useLibnuma: Bool, warnings: inout [InputWarning]) throws -> Topology {
        #if arch(x86_64)
        let hostName = host()
        if !useLibnuma || numa_available() < 0 {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: sysfsFallbackRoot, isDirectory: &isDir), isDir.boolValue else {
                throw InputError(file: sysfsFallbackRoot,
                                 "libnuma reports NUMA unavailable (numa_available() < 0) and this directory does not exist; expected the kernel's node directory (is /sys mounted?). Import a copy with --sysfs DIR or --numactl FILE instead")
            }
            var t = try SysfsImporter.load(path: sysfsFallbackRoot, warnings: &warnings)
            t.name = hostName
            t.source = "this host (\(hostName)) via \(sysfsFallbackRoot); libnuma reported NUMA unavailable"
            return t
        }
        return try loadWithLibnuma(hostName: hostName)
        #else
        throw InputError(file: "<host>", "this host is not x86_64; numasim models the x86 kernel only. Import a topology with --sysfs or --numactl and set arch: in the file")
        #endif
    }

    static func host() -> String {
        let name = ProcessInfo.processInfo.hostName.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name == "localhost" { return "host" }
        return name.split(separator: ".").first.map(String.init) ?? "host"
    }

    static func loadWithLibnuma(hostName: String) throws -> Topology {
        let file = "<host libnuma>"
        let maxNode = Int(numasim_numa_max_node())
        guard maxNode >= 0, let nodeMask = numasim_numa_nodes_ptr() else {
            throw InputError(file: file, "libnuma reports no nodes (numa_max_node() = \(maxNode)); expected at least node 0")
        }
        guard maxNode < ImportSupport.maxNodeID else {
            throw InputError(file: file, "numa_max_node() = \(maxNode) is not below MAX_NUMNODES (\(ImportSupport.maxNodeID))")
        }
        var ids: [Int] = []
        for n in 0...maxNode where numasim_bitmask_isbitset(nodeMask, UInt32(n)) != 0 { ids.append(n) }
        guard !ids.isEmpty else {
            throw InputError(file: file, "numa_nodes_ptr has no node set; expected at least node 0")
        }

        guard let cpuMask = numa_allocate_cpumask() else {
            throw InputError(file: file, "numa_allocate_cpumask() failed")
        }
        defer { numa_bitmask_free(cpuMask) }
        let maskBits = Int(cpuMask.pointee.size)

        var nodes: [NodeSpec] = []
        var totals: [UInt64] = []
        for id in ids {
            let meminfo = "/sys/devices/system/node/node\(id)/meminfo"
            numa_bitmask_clearall(cpuMask)
            guard numa_node_to_cpus(Int32(id), cpuMask) == 0 else {
                throw InputError(file: "/sys/devices/system/node/node\(id)/cpumap",
                                 "numa_node_to_cpus(\(id)) failed; expected the node's CPU mask to be readable")
            }
            var cpus: [Int] = []
            // The mask is sized for every possible CPU (numa_num_possible_cpus ≥ configured).
            for bit in 0..<maskBits where numa_bitmask_isbitset(cpuMask, UInt32(bit)) != 0 { cpus.append(bit) }
            var free: Int64 = 0
            let size = numa_node_size64(Int32(id), &free)
            guard size >= 0 else {
                throw InputError(file: meminfo, "numa_node_size64(\(id)) failed (-1); expected the node's meminfo with 'Node \(id) MemTotal: X kB'")
            }
            guard free >= 0, free <= size else {
                throw InputError(file: meminfo, "numa_node_size64(\(id)) gave free \(free) bytes for a size of \(size) bytes; expected 0 <= free <= size")
            }
            totals.append(UInt64(size))
            nodes.append(NodeSpec(id: id, cpus: CPUList(cpus), memory: .size(0), managed: UInt64(size), free: UInt64(free)))
        }
        let memory = ImportSupport.nodeMemory(managedBytes: totals)
        for i in nodes.indices { nodes[i].memory = .size(memory[i]) }

        // numa_distance returns 0 when the kernel has no distance information.
        var matrix: [[Int]] = []
        var available = true
        for a in ids {
            var row: [Int] = []
            for b in ids {
                let d = Int(numa_distance(Int32(a), Int32(b)))
                if d == 0 { available = false }
                row.append(d)
            }
            matrix.append(row)
        }
        if available {
            for (i, row) in matrix.enumerated() {
                let distanceFile = "/sys/devices/system/node/node\(ids[i])/distance"
                try ImportSupport.checkSLITRow(row, index: i, nodeIDs: ids) { _, message in
                    InputError(file: distanceFile, line: 1, message)
                }
            }
        } else {
            matrix = Topology.defaultDistances(count: ids.count)
        }
        return Topology(name: hostName, source: "this host (\(hostName)) via libnuma", arch: .x86_64,
                        nodes: nodes, distances: matrix)
    }
}
