/// Boot-time facts of the kernel build and command line that the formulas depend on.
public struct KernelParameters: Equatable, Sendable {
    /// `1 << CONFIG_NODES_SHIFT`; Debian amd64 builds with MAXSMP, NODES_SHIFT 10.
    public var maxNumNodes: Int = 1024
    /// `node_reclaim_distance`: 30, raised to 32 on AMD Zen (`init_amd_zn`).
    public var nodeReclaimDistance: Int = 30
    /// i386 only: where HighMem begins (`max_low_pfn`), nominally 896 MiB with the 3G/1G split.
    public var highmemStart: UInt64 = 896 << 20

    public init() {}
}
