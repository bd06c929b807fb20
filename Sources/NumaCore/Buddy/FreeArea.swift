import Synchronization

/// `struct free_area` for all orders of a zone: a free list per order and migratetype, and
/// `nr_free` (blocks, not pages) per order (include/linux/mmzone.h).
///
/// Lists and counts change under the zone lock. The watermark check of order > 0 requests looks
/// at which lists are non-empty without the lock (as `free_area_empty` does in the kernel), so
/// a per-order bit mask of non-empty migratetypes is kept as a relaxed atomic beside the lists.
public final class FreeArea: @unchecked Sendable {
    /// MAX_ORDER in 6.1 (exclusive): orders 0…10.
    public static let maxOrder = 11
    let lists: UnsafeMutablePointer<PageList>
    let nrFreeStorage: UnsafeMutablePointer<Int>
    let nonEmpty: UnsafeMutablePointer<Atomic<UInt8>>

    public init() {
        lists = .allocate(capacity: FreeArea.maxOrder * MigrateType.count)
        lists.initialize(repeating: PageList(), count: FreeArea.maxOrder * MigrateType.count)
        nrFreeStorage = .allocate(capacity: FreeArea.maxOrder)
        nrFreeStorage.initialize(repeating: 0, count: FreeArea.maxOrder)
        nonEmpty = .allocate(capacity: FreeArea.maxOrder)
        for o in 0..<FreeArea.maxOrder { (nonEmpty + o).initialize(to: Atomic(0)) }
    }

    deinit {
        lists.deallocate()
        nrFreeStorage.deallocate()
        nonEmpty.deinitialize(count: FreeArea.maxOrder).deallocate()
    }

    @inline(__always) static func slot(_ order: Int, _ mt: MigrateType) -> Int { order * MigrateType.count + Int(mt.rawValue) }

    public func list(order: Int, _ mt: MigrateType) -> PageList { lists[FreeArea.slot(order, mt)] }

    /// `nr_free` of one order.
    @inline(__always) public func nrFree(order: Int) -> Int { nrFreeStorage[order] }
    /// `nr_free` of every order (what /proc/buddyinfo prints).
    public var nrFree: [Int] { (0..<FreeArea.maxOrder).map { nrFreeStorage[$0] } }

    @inline(__always) func adjust(order: Int, by delta: Int) { nrFreeStorage[order] += delta }

    /// Migratetypes with a non-empty list at `order`, as a bit mask (1 << rawValue); lock-free.
    @inline(__always) func nonEmptyTypes(order: Int) -> UInt8 { nonEmpty[order].load(ordering: .relaxed) }

    /// Refreshes the non-empty bit of one list after it changed (under the zone lock).
    @inline(__always) func noteChange(order: Int, _ mt: MigrateType) {
        let bit = UInt8(1) << mt.rawValue
        let old = nonEmpty[order].load(ordering: .relaxed)
        let new = lists[FreeArea.slot(order, mt)].isEmpty ? old & ~bit : old | bit
        if new != old { nonEmpty[order].store(new, ordering: .relaxed) }
    }
}
