/// `struct lruvec` (include/linux/mmzone.h) for one zone: the four evictable LRU lists, threaded
/// through the zone's `MemMap` links like `folio->lru`, and `lru_lock`.
///
/// Linux 6.1 keeps one lruvec per node and skips pages of ineligible zones while scanning;
/// numasim keeps one per zone (as Linux did before 4.8), so a reclaim pass scans exactly the
/// eligible zones' lists. Node-wide sizes are the sums over the node's zones.
public final class LRUVec: @unchecked Sendable {
    /// `enum lru_list`: LRU_INACTIVE_ANON, LRU_ACTIVE_ANON, LRU_INACTIVE_FILE, LRU_ACTIVE_FILE.
    public enum List: Int, CaseIterable, Sendable {
        case inactiveAnon = 0, activeAnon = 1, inactiveFile = 2, activeFile = 3
        public var isFile: Bool { rawValue >= 2 }
        public var isActive: Bool { rawValue & 1 == 1 }
        public static func of(kind: PageKind, active: Bool) -> List {
            List(rawValue: (kind == .file ? 2 : 0) + (active ? 1 : 0))!
        }
        /// The name /proc/vmstat gives the list's size.
        public var statName: String {
            ["nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file"][rawValue]
        }
    }

    /// `lruvec->lru_lock`
    public let lock = SpinLock()
    let lists: UnsafeMutablePointer<PageList>

    init() {
        lists = .allocate(capacity: 4)
        lists.initialize(repeating: PageList(), count: 4)
    }

    deinit { lists.deallocate() }

    /// Pages (blocks of any order count 1 << order) are counted by `size`; lists count blocks.
    public func count(_ l: List) -> Int { lists[l.rawValue].count }
}
