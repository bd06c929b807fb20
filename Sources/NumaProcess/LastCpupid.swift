/// The `last_cpupid` field of a page's flags (include/linux/mm.h, 6.1, CONFIG_NUMA_BALANCING):
/// the CPU and low PID bits of the last task that took a NUMA hinting fault on it — or, in
/// memory-tiering mode on a lower-tier page, the time (ms) the scanner last made it PROT_NONE
/// (`xchg_page_access_time`). Debian's x86_64 6.1 has CONFIG_NR_CPUS=8192, so LAST__CPU_SHIFT
/// is 13, LAST__PID_SHIFT 8 and LAST_CPUPID_SHIFT 21; PAGE_ACCESS_TIME_BUCKETS is then 0.
/// A fresh page holds all ones (`page_cpupid_reset_last`).
public struct LastCpupid: Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue & LastCpupid.mask }

    static let pidShift: UInt32 = 8
    static let pidMask: UInt32 = (1 << 8) - 1
    static let cpuMask: UInt32 = (1 << 13) - 1
    /// LAST_CPUPID_MASK.
    public static let mask: UInt32 = (1 << 21) - 1
    /// `-1 & LAST_CPUPID_MASK`: what `page_cpupid_reset_last` stores.
    public static let unset = LastCpupid(rawValue: mask)

    /// `cpu_pid_to_cpupid(cpu, pid)`.
    public init(cpu: Int, pid: Int) {
        rawValue = ((UInt32(truncatingIfNeeded: cpu) & LastCpupid.cpuMask) << LastCpupid.pidShift)
            | (UInt32(truncatingIfNeeded: pid) & LastCpupid.pidMask)
    }

    /// `cpupid_to_cpu`.
    public var cpu: Int { Int((rawValue >> LastCpupid.pidShift) & LastCpupid.cpuMask) }
    /// `cpupid_pid_unset`: the PID bits are all ones.
    public var pidUnset: Bool { rawValue & LastCpupid.pidMask == LastCpupid.pidMask }
    /// `cpupid_match_pid(task, cpupid)`.
    public func matches(pid: Int) -> Bool { UInt32(truncatingIfNeeded: pid) & LastCpupid.pidMask == rawValue & LastCpupid.pidMask }
    /// `cpupid_valid`: the CPU bits name a possible CPU (`< nr_cpu_ids`).
    public func isValid(nrCPUIDs: Int) -> Bool { cpu < nrCPUIDs }
}
