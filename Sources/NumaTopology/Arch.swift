/// The architecture a topology boots: x86-64, or 32-bit x86 with or without PAE (its zones:
/// `Arch+Zones.swift`).
public enum Arch: String, Sendable, CaseIterable, Codable {
    case x86_64
    /// 32-bit x86 without PAE: 2-level page tables, 4 MiB huge pages (pageblock order 10).
    case i386
    /// 32-bit x86 with PAE: 3-level page tables, 2 MiB huge pages (pageblock order 9).
    case i386PAE = "i386-pae"

    public var is32Bit: Bool { self != .x86_64 }
}
