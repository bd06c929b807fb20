/// `jiffies` on the simulated clock, for the kernel code that reads it (NUMA balancing's scan
/// gate `mm->numa_next_scan`, the promotion rate limit and hot threshold, which work in
/// `jiffies_to_msecs(jiffies)` as an unsigned 32-bit number). Debian's 6.1 x86_64 kernel is
/// built with CONFIG_HZ=250. Time 0 of a run is the end of boot, where `jiffies` is
/// `INITIAL_JIFFIES` (include/linux/jiffies.h: `(unsigned long)(unsigned int)(-300*HZ)`, so
/// that 32-bit views wrap five minutes after boot and wrap bugs show early): the kernel's
/// u32 millisecond arithmetic wraps there in numasim too.
public enum Jiffies {
    /// CONFIG_HZ.
    public static let hz = 250
    /// TICK_NSEC.
    public static let tickNanoseconds = 1_000_000_000 / hz
    /// INITIAL_JIFFIES.
    public static let initial = UInt64(UInt32(truncatingIfNeeded: -300 * hz))

    /// `jiffies` at simulated time `ns` (ns ≥ 0).
    public static func at(nanoseconds ns: Int) -> UInt64 { initial &+ UInt64(max(0, ns) / tickNanoseconds) }

    /// `jiffies_to_msecs(j)` (HZ divides 1000: `(MSEC_PER_SEC / HZ) * j`, as unsigned int).
    public static func toMilliseconds(_ j: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: j &* UInt64(1000 / hz)) }

    /// `msecs_to_jiffies(m)` for HZ dividing 1000: rounds up, `(m + 1000/HZ - 1) / (1000/HZ)`.
    public static func fromMilliseconds(_ ms: Int) -> UInt64 { UInt64(max(0, ms) + 1000 / hz - 1) / UInt64(1000 / hz) }

    /// `time_before(a, b)`: `(long)((a) - (b)) < 0`.
    public static func isBefore(_ a: UInt64, _ b: UInt64) -> Bool { Int64(bitPattern: a &- b) < 0 }
}
