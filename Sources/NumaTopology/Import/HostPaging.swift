import Foundation

/// Whether this host's kernel runs 5-level paging (LA57), for `topology import --host`.
///
/// Two facts must both hold: the CPU has the `la57` flag (/proc/cpuinfo), and the kernel uses
/// it. The second is read from the kernel's own behaviour, documented in
/// Documentation/x86/x86_64/5level-paging.rst: user space gets addresses above 47 bits only
/// when it asks with a hint above them, and only under 5-level paging; so an `mmap` hinted at
/// 2^50 lands there (5-level) or below 2^47 (4-level, the hint ignored). Anything unclear
/// (no /proc, mmap failing) answers 4-level.
public enum HostPaging {
    public static func current(cpuinfo: String = "/proc/cpuinfo") -> Paging {
        guard cpuHasLA57(cpuinfo: cpuinfo) else { return .fourLevel }
        return kernelMapsAbove47Bits() ? .fiveLevel : .fourLevel
    }

    /// A `flags` line of /proc/cpuinfo lists `la57`.
    static func cpuHasLA57(cpuinfo: String) -> Bool {
        guard let text = try? String(contentsOfFile: cpuinfo, encoding: .utf8) else { return false }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            return line.split(separator: ":", maxSplits: 1).last?.split(separator: " ").contains("la57") ?? false
        }
        return false
    }

    /// An anonymous page mapped with a hint at 2^50: placed at or above 2^47 only by a kernel
    /// with 5-level paging (`arch_get_unmapped_area` with a high hint, TASK_SIZE_MAX 2^56).
    static func kernelMapsAbove47Bits() -> Bool {
        #if os(Linux)
        let hint = UnsafeMutableRawPointer(bitPattern: UInt(1) << 50)
        let p = mmap(hint, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let p, p != MAP_FAILED else { return false }
        defer { munmap(p, 4096) }
        return UInt(bitPattern: p) >= UInt(1) << 47
        #else
        return false
        #endif
    }
}
