/// `struct free_area` for all orders of a zone: a free list per order and migratetype, and
/// `nr_free` (blocks, not pages) per order (include/linux/mmzone.h).
public struct FreeArea: Sendable, Equatable {
    /// MAX_ORDER in 6.1 (exclusive): orders 0…10.
    public static let maxOrder = 11
    var lists: [PageList]
    public private(set) var nrFree: [Int]

    public init() {
        lists = [PageList](repeating: PageList(), count: FreeArea.maxOrder * MigrateType.count)
        nrFree = [Int](repeating: 0, count: FreeArea.maxOrder)
    }

    @inline(__always) static func slot(_ order: Int, _ mt: MigrateType) -> Int { order * MigrateType.count + Int(mt.rawValue) }

    public func list(order: Int, _ mt: MigrateType) -> PageList { lists[FreeArea.slot(order, mt)] }
    mutating func adjust(order: Int, by delta: Int) { nrFree[order] += delta }
}
