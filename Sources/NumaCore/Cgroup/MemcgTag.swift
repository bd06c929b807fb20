/// `page->memcg_data` (include/linux/memcontrol.h, Linux 6.1) as numasim keeps it per page
/// frame: the charged memory cgroup (an index into `PageAllocator.memcgs`; 0 is none, the root)
/// and what the charge was for, so that the uncharge can take it off the right
/// `memory.numa_stat` line.
struct MemcgTag: Equatable {
    /// What a charged page holds (`memory.numa_stat` keys `anon`, `file`, `pagetables`; other
    /// accounted kernel memory has no per-node line).
    enum Kind: UInt16 { case kernel = 0, anon = 1, file = 2, pagetables = 3 }

    let raw: UInt16
    init(_ raw: UInt16) { self.raw = raw }
    init(index: Int, kind: Kind) { raw = UInt16(index) | kind.rawValue << 14 }

    static let none = MemcgTag(0)
    /// Memory cgroups numasim can tell apart in a tag (14 bits, the root included).
    static let maxIndex = (1 << 14) - 1

    var index: Int { Int(raw & 0x3fff) }
    var kind: Kind { Kind(rawValue: raw >> 14)! }
}
