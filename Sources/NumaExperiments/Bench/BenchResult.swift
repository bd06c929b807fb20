import Foundation

/// One bench case's figures; fields that do not apply are nil (and left out of the JSON).
public struct BenchResult: Encodable, Sendable {
    public var name: String
    public var nsPerPair: Double?
    public var nsPerOp: Double?
    public var nsPerAlloc: Double?
    public var nsPerFree: Double?
    public var threads: Int?
    public var pairsPerSecond: Double?
    public var speedup: Double?
    public var bootMilliseconds: Double?
    public var allocatorMilliseconds: Double?
    public var residentBytes: Int?
    public var residentBytesPerTouchedPage: Double?
    public var note: String?

    public init(name: String, nsPerPair: Double? = nil, nsPerOp: Double? = nil, nsPerAlloc: Double? = nil,
                nsPerFree: Double? = nil, threads: Int? = nil, pairsPerSecond: Double? = nil, speedup: Double? = nil,
                note: String? = nil) {
        self.name = name; self.nsPerPair = nsPerPair; self.nsPerOp = nsPerOp; self.nsPerAlloc = nsPerAlloc
        self.nsPerFree = nsPerFree; self.threads = threads; self.pairsPerSecond = pairsPerSecond; self.speedup = speedup
        self.note = note
    }

    enum CodingKeys: String, CodingKey {
        case name, nsPerPair = "ns_per_pair", nsPerOp = "ns_per_op", nsPerAlloc = "ns_per_alloc", nsPerFree = "ns_per_free"
        case threads, pairsPerSecond = "pairs_per_second", speedup, note
        case bootMilliseconds = "boot_ms", allocatorMilliseconds = "allocator_ms", residentBytes = "resident_bytes"
        case residentBytesPerTouchedPage = "resident_bytes_per_touched_page"
    }

    /// The figures that apply, each with the format the text line prints it in.
    var figures: [String] {
        let formatted: [(Double?, String)] = [
            (nsPerPair, "%8.1f ns per pair"), (nsPerOp, "%8.1f ns per op"), (nsPerAlloc, "%8.1f ns per alloc"),
            (nsPerFree, "%8.1f ns per free"), (pairsPerSecond.map { $0 / 1e6 }, "%8.2f M pairs/s"),
            (speedup, "%.2f× one thread"), (bootMilliseconds, "boot numbers %.1f ms"),
            (allocatorMilliseconds, "allocator %.1f ms"), (residentBytes.map { Double($0) / 1048576 }, "+%.1f MiB resident"),
            (residentBytesPerTouchedPage, "%.2f bytes per touched page"),
        ]
        return formatted.compactMap { value, format in value.map { String(format: format, $0) } } + (note.map { [$0] } ?? [])
    }

    /// The text line: the name padded to `width`, then the figures.
    public func line(width: Int) -> String {
        name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + figures.joined(separator: "  ")
    }

    /// Every result's line, names padded to the longest.
    public static func lines(_ results: [BenchResult]) -> [String] {
        let width = results.map(\.name.count).max() ?? 0
        return results.map { $0.line(width: width) }
    }
}

/// `numasim bench --json` (schema `numasim.bench/2`, docs/json.md).
public struct BenchReport: Encodable, Sendable {
    public static let schemaID = "numasim.bench/2"
    public var schema: String
    public var topology: String
    public var cpu: Int
    public var node: Int
    public var pairs: Int
    public var runs: Int
    public var cases: [BenchResult]
}
