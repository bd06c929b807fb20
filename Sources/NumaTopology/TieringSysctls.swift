/// The memory-tiering and NUMA-balancing knobs of Linux 6.1, stored and reported; the demotion
/// and promotion they steer come in a later step (docs/tiering.md).
///
/// - `demotion_enabled`: /sys/kernel/mm/numa/demotion_enabled (mm/memory-tiers.c
///   `numa_demotion_enabled`, default false).
/// - `numa_balancing`: /proc/sys/kernel/numa_balancing (`sysctl_numa_balancing_mode`, a bit mask
///   of NUMA_BALANCING_NORMAL = 1 and NUMA_BALANCING_MEMORY_TIERING = 2). Its default comes from
///   `check_numabalancing_enable` (mm/mempolicy.c): with CONFIG_NUMA_BALANCING_DEFAULT_ENABLED=y
///   (Debian) it is 1 when more than one node is online at boot, else 0.
/// - `numa_balancing_promote_rate_limit_MBps`: kernel/sched/fair.c
///   `sysctl_numa_balancing_promote_rate_limit` = 65536, `proc_dointvec_minmax` from 0.
/// - The scan knobs and the hot threshold: kernel/sched/fair.c `sysctl_numa_balancing_scan_delay`
///   (1000 ms), `_scan_period_min` (1000), `_scan_period_max` (60000), `_scan_size` (256 MB),
///   `sysctl_numa_balancing_hot_threshold` (MSEC_PER_SEC = 1000 ms); in 6.1 these are u32 files
///   under /sys/kernel/debug/sched/numa_balancing/.
public struct TieringSysctls: Equatable, Sendable {
    public var demotionEnabled = false
    /// `nil` = the kernel's default for the machine (`numaBalancingMode(onlineNodesAtBoot:)`).
    public var numaBalancing: Int?
    public var promoteRateLimitMBps = 65536
    public var scanDelayMs = 1000
    public var scanPeriodMinMs = 1000
    public var scanPeriodMaxMs = 60000
    public var scanSizeMB = 256
    public var hotThresholdMs = 1000

    public init() {}

    /// `NUMA_BALANCING_MEMORY_TIERING`.
    public static let memoryTieringBit = 2

    /// `sysctl_numa_balancing_mode`: the value written, else `check_numabalancing_enable`'s
    /// (CONFIG_NUMA_BALANCING_DEFAULT_ENABLED=y: NUMA_BALANCING_NORMAL on more than one node).
    public func numaBalancingMode(onlineNodesAtBoot: Int) -> Int {
        numaBalancing ?? (onlineNodesAtBoot > 1 ? 1 : 0)
    }

    /// The file and command-line names, in the order `topology show` reports them.
    public static let names = ["demotion_enabled", "numa_balancing", "numa_balancing_promote_rate_limit_MBps",
                               "numa_balancing_scan_delay_ms", "numa_balancing_scan_period_min_ms",
                               "numa_balancing_scan_period_max_ms", "numa_balancing_scan_size_mb",
                               "numa_balancing_hot_threshold_ms"]

    /// The integer knobs: name, the kernel's accepted range, and where the value lives.
    static var integers: [(name: String, range: ClosedRange<Int>, key: WritableKeyPath<TieringSysctls, Int>)] { [
        ("numa_balancing_promote_rate_limit_MBps", 0...Int(Int32.max), \.promoteRateLimitMBps),
        ("numa_balancing_scan_delay_ms", 0...Int(UInt32.max), \.scanDelayMs),
        ("numa_balancing_scan_period_min_ms", 0...Int(UInt32.max), \.scanPeriodMinMs),
        ("numa_balancing_scan_period_max_ms", 0...Int(UInt32.max), \.scanPeriodMaxMs),
        ("numa_balancing_scan_size_mb", 0...Int(UInt32.max), \.scanSizeMB),
        ("numa_balancing_hot_threshold_ms", 0...Int(UInt32.max), \.hotThresholdMs),
    ] }

    /// `name: value` for every knob that differs from 6.1's default (what `TopologyWriter` writes).
    public var changed: [(String, String)] {
        var out: [(String, String)] = []
        if demotionEnabled { out.append(("demotion_enabled", "true")) }
        if let m = numaBalancing { out.append(("numa_balancing", String(m))) }
        let defaults = TieringSysctls()
        for k in TieringSysctls.integers where self[keyPath: k.key] != defaults[keyPath: k.key] {
            out.append((k.name, String(self[keyPath: k.key])))
        }
        return out
    }
}
