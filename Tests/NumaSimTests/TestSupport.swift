import Foundation
import XCTest
@testable import NumaCore
@testable import NumaTopology

enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
    static func text(_ relative: String) throws -> String { try String(contentsOfFile: path(relative), encoding: .utf8) }
}

func boot(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) throws -> BootedMachine {
    let t = try TopologyFile.parse(yaml, file: "test.yaml")
    return try BootedMachine(topology: t, file: "test.yaml")
}

extension BootedMachine {
    func z(_ node: Int, _ name: String) -> BootZone {
        zones[node]!.first { $0.name == name }!
    }
}

/// Values of one zone as the kernel printed them in /proc/zoneinfo (parsed here independently of
/// the importer so the comparison does not trust numasim's own parser).
struct KernelZone {
    var node: Int
    var name: String
    var fields: [String: Int] = [:]
    var protection: [Int] = []
    var pcpHigh: Int?
    var pcpBatch: Int?
    var threshold: Int?
}

func parseKernelZoneinfo(_ text: String) -> [KernelZone] {
    var zones: [KernelZone] = []
    for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
        let line = String(raw)
        if line.hasPrefix("Node ") {
            let parts = line.replacingOccurrences(of: ",", with: "").split(separator: " ")
            zones.append(KernelZone(node: Int(parts[1])!, name: String(parts[3])))
            continue
        }
        guard !zones.isEmpty else { continue }
        let t = line.trimmingCharacters(in: .whitespaces)
        let words = t.split(separator: " ").map(String.init)
        if t.hasPrefix("protection: (") {
            let inner = t.dropFirst("protection: (".count).dropLast()
            zones[zones.count - 1].protection = inner.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces))! }
        } else if t.hasPrefix("pages free") {
            zones[zones.count - 1].fields["free"] = Int(words[2])
        } else if ["min", "low", "high", "spanned", "present", "managed", "boost"].contains(words.first ?? ""), words.count == 2 {
            zones[zones.count - 1].fields[words[0]] = Int(words[1])
        } else if t.hasPrefix("high:") && zones[zones.count - 1].pcpHigh == nil {
            zones[zones.count - 1].pcpHigh = Int(words[1])
        } else if t.hasPrefix("batch:") && zones[zones.count - 1].pcpBatch == nil {
            zones[zones.count - 1].pcpBatch = Int(words[1])
        } else if t.hasPrefix("vm stats threshold:") && zones[zones.count - 1].threshold == nil {
            zones[zones.count - 1].threshold = Int(words[3])
        } else if t.hasPrefix("start_pfn:") {
            zones[zones.count - 1].fields["start_pfn"] = Int(words[1])
        }
    }
    return zones
}
