/// How a node's physical memory is given: a size laid out after the previous node, or explicit
/// ranges.
public enum NodeMemory: Equatable, Sendable {
    /// A size; the node is placed right after the previous node (skipping `holes`).
    case size(UInt64)
    /// Explicit physical ranges (as in the SRAT / `Early memory node ranges`).
    case ranges([MemoryRange])

    public var isEmpty: Bool {
        switch self {
        case .size(let s): return s == 0
        case .ranges(let r): return r.allSatisfy { $0.size == 0 }
        }
    }
}
