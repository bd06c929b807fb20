import Foundation
import XCTest
import NumaCore
import NumaTopology

/// Tests/Fixtures: kernel samples, sysfs samples, numactl texts, golden outputs.
public enum Fixtures {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
    public static func text(_ relative: String) throws -> String { try String(contentsOfFile: path(relative), encoding: .utf8) }
}

/// This process's resident set size (/proc/self/statm), in bytes: for tests that bound the host
/// memory a machine costs.
public func residentBytes() -> Int {
    guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = s.split(separator: " ")
    return (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
}

public func boot(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) throws -> BootedMachine {
    let t = try TopologyFile.parse(yaml, file: "test.yaml")
    return try BootedMachine(topology: t)
}

extension BootedMachine {
    public func z(_ node: Int, _ name: String) -> BootZone {
        zones[node]!.first { $0.name == name }!
    }
}

/// Values of one zone as the kernel printed them in /proc/zoneinfo (parsed here independently of
/// the importer so the comparison does not trust numasim's own parser).
public struct KernelZone {
    public var node: Int
    public var name: String
    public var fields: [String: Int] = [:]
    public var protection: [Int] = []
    public var pcpHigh: Int?
    public var pcpBatch: Int?
    public var threshold: Int?
}

public func parseKernelZoneinfo(_ text: String) -> [KernelZone] {
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

/// numastat counters from a kernel-sample file (`node0.numa_hit 4685` lines).
public func parseNumastatFile(_ text: String) -> [Int: [String: Int]] {
    var out: [Int: [String: Int]] = [:]
    for line in text.split(separator: "\n") {
        let parts = line.split(separator: " ")
        guard parts.count == 2, let v = Int(parts[1]) else { continue }
        let key = parts[0].split(separator: ".")
        guard key.count == 2, let node = Int(key[0].dropFirst(4)) else { continue }
        out[node, default: [:]][String(key[1])] = v
    }
    return out
}

/// The nehalem QEMU machine with the free pages recorded before workload `wl`.
public func nehalemAllocator(before wl: String) throws -> PageAllocator {
    PageAllocator(machine: try nehalemMachine(before: wl))
}

/// The nehalem-2s machine booted with the free pages the kernel recorded before workload `wl`.
public func nehalemMachine(before wl: String) throws -> BootedMachine {
    let zi = parseKernelZoneinfo(try Fixtures.text("kernel-samples/nehalem-2s/workloads/\(wl).zoneinfo_before.txt"))
    func free(_ node: Int, _ zone: String) -> Int { zi.first { $0.node == node && $0.name == zone }!.fields["free"]! }
    let yaml = KernelSamples.nehalem
        .replacingOccurrences(of: "DMA: {managed: 3840}", with: "DMA: {managed: 3840, free: \(free(0, "DMA"))}")
        .replacingOccurrences(of: "DMA32: {managed: 242463}", with: "DMA32: {managed: 242463, free: \(free(0, "DMA32"))}")
        .replacingOccurrences(of: "DMA32: {managed: 253224}", with: "DMA32: {managed: 253224, free: \(free(1, "DMA32"))}")
    return try boot(yaml)
}

/// The two QEMU machines a real Debian 6.1 kernel ran on (Fixtures/kernel-samples), as
/// topology files: memory ranges from dmesg and e820, managed pages, min_free_kbytes, THP never.
public enum KernelSamples {
    public static let nehalem = """
        name: nehalem-2s-qemu
        nodes:
          - id: 0
            cpus: 0-1
            ranges: [{start: 0x0, size: 1GiB}]
            zones: {DMA: {managed: 3840}, DMA32: {managed: 242463}}
          - id: 1
            cpus: 2-3
            ranges: [{start: 0x40000000, end: 0x7ffdd000}]
            zones: {DMA32: {managed: 253224}}
        distances: [[10, 21], [21, 10]]
        sysctl: {transparent_hugepage: never, min_free_kbytes: 5626}
        """
    public static let big = """
        name: big-2s-qemu
        nodes:
          - id: 0
            cpus: 0-1
            ranges: [{start: 0x0, end: 0xbffe0000}]
            zones: {DMA: {managed: 3840}, DMA32: {managed: 742143}}
          - id: 1
            cpus: 2-3
            ranges: [{start: 0x100000000, size: 3GiB}]
            zones: {Normal: {managed: 769160}}
        distances: [[10, 21], [21, 10]]
        sysctl: {transparent_hugepage: never, min_free_kbytes: 9821}
        """
}
