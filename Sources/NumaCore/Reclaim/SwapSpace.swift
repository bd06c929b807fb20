import Synchronization

/// Swap space: anonymous pages can be reclaimed only while it has free slots (`get_swap_page`).
public final class SwapSpace: @unchecked Sendable {
    public let totalPages: Int
    let usedAtomic = Atomic<Int>(0)
    public init(totalPages: Int) { self.totalPages = totalPages }
    public var usedPages: Int { usedAtomic.load(ordering: .relaxed) }
    public var hasFreeSlots: Bool { usedPages < totalPages }
    /// Takes a slot; false when swap is full.
    func take() -> Bool {
        var used = usedAtomic.load(ordering: .relaxed)
        while used < totalPages {
            let r = usedAtomic.compareExchange(expected: used, desired: used + 1, ordering: .relaxed)
            if r.exchanged { return true }
            used = r.original
        }
        return false
    }
    func release() { usedAtomic.wrappingSubtract(1, ordering: .relaxed) }
}
