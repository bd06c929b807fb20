/// `/proc/sys/vm/*` settings that change the allocator's numbers, plus THP's mode.
public struct Sysctls: Equatable, Sendable {
    /// `nil` = computed by the kernel (`calculate_min_free_kbytes`, THP raise); a number = as if
    /// written to `/proc/sys/vm/min_free_kbytes` after boot.
    public var minFreeKbytes: Int?
    public var watermarkScaleFactor: Int = 10
    public var watermarkBoostFactor: Int = 15000
    /// Indexed by zone type; `nil` = the kernel default for the arch.
    public var lowmemReserveRatio: [Int]?
    public var percpuPagelistHighFraction: Int = 0
    public var zoneReclaimMode: Int = 0
    public var transparentHugepage: THPMode = .always
    public var minUnmappedRatio: Int = 1
    public var minSlabRatio: Int = 5

    public init() {}
}
