/// A physical address range `[start, start + size)` in bytes.
public struct MemoryRange: Equatable, Hashable, Sendable, Codable {
    public var start: UInt64
    public var size: UInt64
    public init(start: UInt64, size: UInt64) { self.start = start; self.size = size }
    public var end: UInt64 { start + size }
}

extension MemoryRange {
    /// `start + size`, or nil when it does not fit in 64 bits (`end` would trap).
    public var checkedEnd: UInt64? {
        let (e, overflow) = start.addingReportingOverflow(size)
        return overflow ? nil : e
    }
}
