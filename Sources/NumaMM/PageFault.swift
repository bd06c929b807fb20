/// A page fault raised by `PageTable.touch`.
public struct PageFault: Error, Sendable, Equatable {
    public enum Reason: String, Sendable, Codable {
        case notPresent = "not-present"
        case protection
    }
    public let address: UInt64
    /// The level whose entry was missing, or the highest level that denied the access.
    public let level: PageTableLevel
    public let reason: Reason
    public let errorCode: X86PFErrorCode
}
