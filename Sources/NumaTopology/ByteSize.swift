import Foundation

/// Memory sizes as people write them in topology files: `1GiB`, `512 MiB`, `4096KiB`,
/// `1.5GiB`, `2TiB`, a plain number of bytes, or `0x40000000`.
///
/// Decimal suffixes (`KB`, `MB`, `GB`, `TB`) are accepted as binary units too, the way
/// `numactl` and `/proc/meminfo` use them ("kB" = 1024 bytes): `4GB` is 4 GiB. Deliberate —
/// the importers read those tools' sizes — and documented in docs/topology-format.md
/// (`nodes[].memory`) and docs/workload-format.md (`allocate`).
public enum ByteSize {
    public static let units: [(String, UInt64)] = [
        ("tib", 1 << 40), ("tb", 1 << 40), ("t", 1 << 40),
        ("gib", 1 << 30), ("gb", 1 << 30), ("g", 1 << 30),
        ("mib", 1 << 20), ("mb", 1 << 20), ("m", 1 << 20),
        ("kib", 1 << 10), ("kb", 1 << 10), ("k", 1 << 10),
        ("b", 1),
    ]

    /// Returns nil when the text is not a size; callers turn that into an `InputError`.
    public static func parse(_ raw: String) -> UInt64? {
        let text = raw.trimmingCharacters(in: CharacterSet(charactersIn: " \t")).lowercased()
        if text.isEmpty { return nil }
        if text.hasPrefix("0x") { return UInt64(text.dropFirst(2).replacingOccurrences(of: "_", with: ""), radix: 16) }
        var number = Substring(text)
        var multiplier: UInt64 = 1
        for (suffix, value) in units where text.hasSuffix(suffix) {
            number = text.dropLast(suffix.count)
            multiplier = value
            break
        }
        let digits = number.trimmingCharacters(in: CharacterSet(charactersIn: " \t")).replacingOccurrences(of: "_", with: "")
        if let whole = UInt64(digits) {
            let (product, overflow) = whole.multipliedReportingOverflow(by: multiplier)
            return overflow ? nil : product
        }
        guard multiplier > 1, let fractional = Double(digits), fractional >= 0, fractional.isFinite else { return nil }
        let bytes = fractional * Double(multiplier)
        guard bytes < 1.8e19 else { return nil }
        return UInt64(bytes.rounded())
    }

    /// Renders bytes with the largest binary unit that divides it exactly (`1GiB`, `1536MiB`).
    public static func format(_ bytes: UInt64) -> String {
        if bytes == 0 { return "0" }
        for (suffix, value) in [("TiB", UInt64(1) << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        where bytes % value == 0 {
            return "\(bytes / value)\(suffix)"
        }
        return "\(bytes)"
    }
}
