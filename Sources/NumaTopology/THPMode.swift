/// `/sys/kernel/mm/transparent_hugepage/enabled`; Debian's kernel defaults to `always`.
public enum THPMode: String, Sendable, CaseIterable, Codable {
    case always, madvise, never
    public var enabled: Bool { self != .never }
}
