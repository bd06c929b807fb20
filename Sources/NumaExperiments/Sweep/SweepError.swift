/// A sweep-level error: the message names the parameter (or option) and the bad value.
public struct SweepError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
