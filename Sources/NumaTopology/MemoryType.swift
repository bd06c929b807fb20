/// How a node's memory comes online and which abstract distance it gets, for memory tiering
/// (include/linux/memory-tiers.h, mm/memory-tiers.c and drivers/dax/kmem.c of Linux 6.1).
///
/// Memory present at boot joins `default_dram_type`, whose abstract distance is
/// `MEMTIER_ADISTANCE_DRAM`. Memory the dax/kmem driver hot-adds after boot
/// (`dev_dax_kmem_probe`: `init_node_memory_type(numa_node, dax_slowmem_type)`, then
/// `add_memory_driver_managed`) gets `dax_slowmem_type`, allocated by `dax_kmem_init` with
/// `MEMTIER_DEFAULT_DAX_ADISTANCE`.
public enum MemoryType: String, CaseIterable, Equatable, Sendable {
    /// `memory_type: dram`: memory present at boot (`default_dram_type`).
    case dram
    /// `memory_type: dax_kmem`: a device-dax range the kmem driver hot-adds after boot.
    case daxKmem = "dax_kmem"

    /// `MEMTIER_CHUNK_BITS`: each memory tier covers 128 abstract-distance units.
    public static let chunkBits = 7
    /// `MEMTIER_CHUNK_SIZE`.
    public static let chunkSize = 1 << chunkBits
    /// `MEMTIER_ADISTANCE_DRAM` = 4 × 128 + 128 / 2 = 576 (memory_tier4).
    public static let dramAdistance = 4 * chunkSize + (chunkSize >> 1)
    /// `MEMTIER_DEFAULT_DAX_ADISTANCE` (drivers/dax/kmem.c) = `MEMTIER_ADISTANCE_DRAM * 5` = 2880
    /// (memory_tier22).
    public static let defaultDaxAdistance = dramAdistance * 5
    /// The abstract distances a topology may give. The kernel takes any `int`; numasim keeps to
    /// what a device could plausibly register (tier ids up to 511), so a typo is caught.
    public static let adistanceRange = 0...(512 * chunkSize - 1)

    /// The abstract distance of the memory type the kernel gives such memory by default.
    public var defaultAdistance: Int {
        switch self {
        case .dram: return MemoryType.dramAdistance
        case .daxKmem: return MemoryType.defaultDaxAdistance
        }
    }

    /// Whether the memory is onlined after boot by a driver (memory hot-add), not by the boot.
    public var isHotAdded: Bool { self == .daxKmem }

    /// The file spelling (`dram`, `dax_kmem`).
    public var name: String { rawValue }
}

extension NodeSpec {
    /// The node's abstract distance: the explicit `adistance:` or its memory type's default.
    public var abstractDistance: Int { adistance ?? memoryType.defaultAdistance }
    /// Whether the node's memory is hot-added after boot (`memory_type: dax_kmem`).
    public var isHotAdded: Bool { memoryType.isHotAdded && !memory.isEmpty }
}
