/// The result of a software walk: one step per level (folded ones included) down to where it ended.
public struct Walk: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public let level: PageTableLevel
        /// A level the hardware does not have; its "entry" is the one of the level above.
        public let folded: Bool
        public let index: Int
        public let entry: PageTableEntry
        /// The pfn of the table page holding the entry (nil for a slab or kernel-image pgd).
        public let tablePfn: Int?
    }

    public enum Outcome: Sendable, Equatable {
        case translated(physicalAddress: UInt64, pfn: Int)
        /// The entry at this level was not present: the hardware would raise a page fault.
        case notPresent(level: PageTableLevel)
    }

    public let mode: PagingMode
    public let virtualAddress: UInt64
    public let steps: [Step]
    public let outcome: Outcome

    public var physicalAddress: UInt64? {
        if case let .translated(pa, _) = outcome { return pa }
        return nil
    }

    public var pfn: Int? {
        if case let .translated(_, pfn) = outcome { return pfn }
        return nil
    }

    public var faultLevel: PageTableLevel? {
        if case let .notPresent(level) = outcome { return level }
        return nil
    }

    public func step(_ level: PageTableLevel) -> Step? { steps.first { $0.level == level } }
}
