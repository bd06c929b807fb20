import Foundation
import Yams

/// Reads and writes the topology YAML format (see docs/topology-format.md).
///
/// The reader walks the YAML node tree itself rather than using `Decodable`, so every error can
/// name the file, the line and column, and the key path (`nodes[1].cpus`) with what was expected.
public enum TopologyFile {
    /// Reads the topology file at `path` (docs/topology-format.md).
    ///
    /// - Throws: `InputError` naming the file, the line and column, the key path
    ///   (`nodes[1].cpus`) and what was expected.
    public static func load(path: String) throws -> Topology {
        try parse(try InputText.read(path), file: InputText.name(path))
    }

    /// Reads a topology from `text` (the contents of a topology file); `file` names it in errors.
    ///
    /// - Throws: `InputError`, as `load(path:)`.
    public static func parse(_ text: String, file: String = "<topology>") throws -> Topology {
        let root = try compose(text, file: file, expected: "a topology mapping with 'nodes:'")
        let reader = YAMLReader(file: file)
        return try reader.topology(root)
    }

    /// The YAML tree of `text`; an empty file or a YAML error is an `InputError` naming `file`.
    static func compose(_ text: String, file: String, expected: String) throws -> Yams.Node {
        do {
            guard let node = try Yams.compose(yaml: text) else { throw InputError(file: file, "the file is empty; expected \(expected)") }
            return node
        } catch let error as InputError {
            throw error
        } catch let error as YamlError {
            throw inputError(error, text: text, file: file)
        }
    }

    /// A Yams error as an `InputError` with the line and column it names. A duplicate key is
    /// reported at the duplicate (Yams marks the key's first occurrence).
    public static func inputError(_ error: YamlError, text: String, file: String) -> InputError {
        if case .duplicatedKeysInMapping(let keys, let context) = error, let key = keys.first {
            let first = context.mark
            if let dup = duplicateLocation(of: key, after: first, in: text) {
                return InputError(file: file, line: dup.line, column: dup.column, key: key,
                                  "duplicate key (first at line \(first.line)); expected each key once in a mapping")
            }
            return InputError(file: file, line: first.line, column: first.column, key: key,
                              "duplicate key; expected each key once in a mapping")
        }
        let location = yamlLocation(error)
        return InputError(file: file, location.line, location.column, "not valid YAML: \(error)")
    }

    /// Where `key` occurs again after its first occurrence at `first` (1-based line and column):
    /// later on the same line (a flow mapping), else on a later line at the same indentation,
    /// before the mapping ends (a non-blank, non-comment line indented less).
    static func duplicateLocation(of key: String, after first: Mark, in text: String) -> (line: Int, column: Int)? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array(String($0).replacingOccurrences(of: "\r", with: "")) }
        guard first.line >= 1, first.line <= lines.count else { return nil }
        let spellings = [key, "\"\(key)\"", "'\(key)'"].map { Array($0) }
        func keyAt(_ line: [Character], _ col: Int) -> Bool {
            spellings.contains { sp in
                guard col + sp.count <= line.count, Array(line[col..<(col + sp.count)]) == sp else { return false }
                let rest = line[(col + sp.count)...].drop { $0 == " " || $0 == "\t" }
                return rest.first == ":"
            }
        }
        let firstLine = lines[first.line - 1]
        let start = max(0, first.column - 1)
        // Flow mapping: a later `key:` on the same line, after a '{' or ','.
        var i = start + 1
        while i < firstLine.count {
            let before = firstLine[..<i].last { $0 != " " && $0 != "\t" }
            if (before == "," || before == "{"), keyAt(firstLine, i) { return (first.line, i + 1) }
            i += 1
        }
        for n in first.line..<lines.count {
            let line = lines[n]
            let indent = line.prefix { $0 == " " }.count
            let content = line.drop { $0 == " " || $0 == "\t" }
            if content.isEmpty || content.first == "#" { continue }
            if indent < start { return nil }
            if indent == start, keyAt(line, start) { return (n + 1, start + 1) }
            // A flow mapping spread over lines: the key after a comma.
            var j = indent
            while j < line.count {
                let before = line[..<j].last { $0 != " " && $0 != "\t" }
                if (before == "," || before == "{"), j > indent, keyAt(line, j) { return (n + 1, j + 1) }
                j += 1
            }
        }
        return nil
    }

    private static func yamlLocation(_ error: YamlError) -> (line: Int?, column: Int?) {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return (mark.line, mark.column)
        case .reader(_, let offset?, _, let yaml):
            // A character libyaml's reader refuses (a control character): its offset in characters.
            let before = yaml.prefix(offset)
            let line = before.reduce(1) { $1.isNewline ? $0 + 1 : $0 }
            return (line, before.reversed().prefix { !$0.isNewline }.count + 1)
        default:
            return (nil, nil)
        }
    }
}

extension InputError {
    init(file: String, _ line: Int?, _ column: Int?, _ message: String) {
        self.init(file: file, line: line, column: column, key: nil, message)
    }
}

/// Applies one sysctl value with the kernel's accepted range; shared by the YAML reader and
/// `--sysctl vm.NAME=VALUE` on the command line.
struct SysctlSetter {
    let reader: YAMLReader

    func set(_ s: inout Sysctls, key: String, node: Yams.Node, arch: Arch, path: String) throws {
        switch key {
        case "min_free_kbytes":
            let text = try reader.scalar(node, path, "'auto' or a number of kB")
            s.minFreeKbytes = text == "auto" ? nil : try reader.int(node, path, range: 0...Int(Int32.max))
        case "watermark_scale_factor":
            s.watermarkScaleFactor = try reader.int(node, path, range: 1...3000)
        case "watermark_boost_factor":
            s.watermarkBoostFactor = try reader.int(node, path, range: 0...Int(Int32.max))
        case "lowmem_reserve_ratio":
            let cells: [Yams.Node]
            if case .scalar = node {
                let text = try reader.scalar(node, path, "ratios")
                cells = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }).map {
                    Yams.Node(String($0))
                }
            } else {
                cells = try reader.sequence(node, path, "ratios, one per zone")
            }
            guard cells.count == arch.zoneCount else {
                throw reader.fail(node, path, "expected \(arch.zoneCount) ratios (one per zone: \(arch.zoneNames.joined(separator: ", "))), got \(cells.count)")
            }
            // lowmem_reserve_ratio_sysctl_handler: values below 1 become 0.
            s.lowmemReserveRatio = try cells.enumerated().map { max(0, try reader.int($1, "\(path)[\($0)]")) }
        case "percpu_pagelist_high_fraction":
            let v = try reader.int(node, path, range: 0...Int(Int32.max))
            guard v == 0 || v >= 8 else {
                throw reader.fail(node, path, "expected 0 or a value >= 8 (MIN_PERCPU_PAGELIST_HIGH_FRACTION), got \(v)")
            }
            s.percpuPagelistHighFraction = v
        case "zone_reclaim_mode":
            s.zoneReclaimMode = try reader.int(node, path, range: 0...7)
        case "transparent_hugepage":
            let text = try reader.scalar(node, path, "always, madvise or never").lowercased()
            switch text {
            case "true", "on", "yes": s.transparentHugepage = .always
            case "false", "off", "no": s.transparentHugepage = .never
            default:
                guard let mode = THPMode(rawValue: text) else {
                    throw reader.fail(node, path, "expected always, madvise or never, got '\(text)'")
                }
                s.transparentHugepage = mode
            }
        case "transparent_hugepage_defrag":
            let text = try reader.scalar(node, path, "always, defer, defer+madvise, madvise or never").lowercased()
            guard let mode = THPDefrag(rawValue: text) else {
                throw reader.fail(node, path, "expected always, defer, defer+madvise, madvise or never, got '\(text)'")
            }
            s.transparentHugepageDefrag = mode
        case "min_unmapped_ratio":
            s.minUnmappedRatio = try reader.int(node, path, range: 0...100)
        case "min_slab_ratio":
            s.minSlabRatio = try reader.int(node, path, range: 0...100)
        case "swappiness":
            // vm_swappiness: proc_dointvec_minmax, 0…200 (6.1).
            s.swappiness = try reader.int(node, path, range: 0...200)
        case "nr_hugepages":
            // hugetlb_sysctl_handler: proc_doulongvec_minmax, any unsigned long.
            s.nrHugepages = try reader.int(node, path, range: 0...Int.max)
        case "extfrag_threshold":
            // sysctl_extfrag_threshold: proc_dointvec_minmax, 0…1000 (6.1).
            s.extfragThreshold = try reader.int(node, path, range: 0...1000)
        case "compaction_proactiveness":
            // compaction_proactiveness_sysctl_handler: 0…100 (6.1).
            s.compactionProactiveness = try reader.int(node, path, range: 0...100)
        default:
            guard try setTiering(&s, key: key, node: node, path: path) else {
                throw reader.fail(node, path, "unknown sysctl; expected one of \(Sysctls.names.joined(separator: ", "))")
            }
        }
    }
}

extension Sysctls {
    /// Applies `vm.NAME=VALUE` (or `NAME=VALUE`) as given on the command line.
    public mutating func apply(assignment: String, arch: Arch, source: String = "--sysctl") throws {
        guard let eq = assignment.firstIndex(of: "=") else {
            throw InputError(file: source, key: assignment, "expected vm.NAME=VALUE")
        }
        var name = String(assignment[..<eq]).trimmingCharacters(in: .whitespaces)
        if name.hasPrefix("vm.") { name.removeFirst(3) }
        if name.hasPrefix("kernel.") { name.removeFirst(7) }
        // The sysfs files' names, /sys/kernel/mm/transparent_hugepage/{enabled,defrag}, as dotted paths.
        if name == "mm.transparent_hugepage.defrag" || name == "thp_defrag" { name = "transparent_hugepage_defrag" }
        if name == "mm.transparent_hugepage.enabled" || name == "mm.transparent_hugepage" || name == "thp" { name = "transparent_hugepage" }
        let value = String(assignment[assignment.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
        let node = Yams.Node(value)
        let prefix = TieringSysctls.names.contains(name) ? "" : "vm."
        try SysctlSetter(reader: YAMLReader(file: source)).set(&self, key: name, node: node, arch: arch, path: "\(prefix)\(name)")
    }
}
