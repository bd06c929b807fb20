/// `alloc_flags` of the page allocator (mm/internal.h, 6.1.119).
public struct AllocFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// ALLOC_WMARK_MIN/LOW/HIGH are the low two bits (values 0/1/2).
    public static let wmarkMask = AllocFlags(rawValue: 0x3)
    public static let wmarkMin: AllocFlags = []
    public static let wmarkLow = AllocFlags(rawValue: 0x1)
    public static let wmarkHigh = AllocFlags(rawValue: 0x2)
    public static let noWatermarks = AllocFlags(rawValue: 0x04)
    public static let oom = AllocFlags(rawValue: 0x08)
    public static let nonBlock = AllocFlags(rawValue: 0x10)
    public static let minReserve = AllocFlags(rawValue: 0x20)
    public static let cpuset = AllocFlags(rawValue: 0x40)
    public static let cma = AllocFlags(rawValue: 0x80)
    public static let noFragment = AllocFlags(rawValue: 0x100)
    public static let highAtomic = AllocFlags(rawValue: 0x200)
    public static let kswapd = AllocFlags(rawValue: 0x800)
    /// ALLOC_RESERVES: may dip below the min watermark.
    public static let reserves: AllocFlags = [.nonBlock, .minReserve, .highAtomic, .oom]

    /// The watermark index (0 min, 1 low, 2 high).
    public var watermarkIndex: Int { Int(rawValue & 0x3) }
}
