import Foundation
import Yams

/// Walks a composed YAML tree, keeping the key path for error messages. Shared by every YAML
/// input format (topologies, workloads).
public struct YAMLReader {
    public let file: String
    /// The cgroups a workload file declared (`cgroups:`, read first) by name, with their
    /// `cpuset.cpus` (nil: every CPU), so that a later `cgroup: NAME` is checked where it is read.
    public var declaredCgroups: [(name: String, cpus: [Int]?)] = []
    public init(file: String) { self.file = file }

    public func fail(_ node: Yams.Node?, _ path: String, _ message: String) -> InputError {
        InputError(file: file, line: node?.mark?.line, column: node?.mark?.column, key: path, message)
    }

    public func mapping(_ node: Yams.Node, _ path: String, allowed: Set<String>) throws -> [String: Yams.Node] {
        guard case .mapping(let map) = node else {
            throw fail(node, path, "expected a mapping of keys (\(allowed.sorted().joined(separator: ", ")))")
        }
        var result: [String: Yams.Node] = [:]
        for (k, v) in map {
            guard let key = k.string else { throw fail(k, path, "expected a text key") }
            guard allowed.contains(key) else {
                throw fail(k, path.isEmpty ? key : "\(path).\(key)",
                           "unknown key; expected one of \(allowed.sorted().joined(separator: ", "))")
            }
            result[key] = v
        }
        return result
    }

    public func sequence(_ node: Yams.Node, _ path: String, _ what: String) throws -> [Yams.Node] {
        guard case .sequence(let seq) = node else { throw fail(node, path, "expected a list of \(what)") }
        return Array(seq)
    }

    public func scalar(_ node: Yams.Node, _ path: String, _ what: String) throws -> String {
        guard case .scalar(let s) = node else { throw fail(node, path, "expected \(what)") }
        return s.string
    }

    public func int(_ node: Yams.Node, _ path: String, range: ClosedRange<Int>? = nil) throws -> Int {
        let text = try scalar(node, path, "an integer")
        let value: Int? = text.lowercased().hasPrefix("0x") ? Int(text.dropFirst(2), radix: 16) : Int(text)
        guard let v = value else { throw fail(node, path, "expected an integer, got '\(text)'") }
        if let range, !range.contains(v) {
            throw fail(node, path, "expected an integer in \(range.lowerBound)...\(range.upperBound), got \(v)")
        }
        return v
    }

    public func bytes(_ node: Yams.Node, _ path: String) throws -> UInt64 {
        let text = try scalar(node, path, "a size such as 1GiB")
        guard let v = ByteSize.parse(text) else {
            throw fail(node, path, "expected a size such as 1GiB, 512MiB, 4096KiB or a number of bytes, got '\(text)'")
        }
        return v
    }

    public func bool(_ node: Yams.Node, _ path: String) throws -> Bool {
        let text = try scalar(node, path, "true or false").lowercased()
        switch text {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw fail(node, path, "expected true or false, got '\(text)'")
        }
    }
}
