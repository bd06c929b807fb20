import Foundation
import NumaTopology

/// The sysfs reader's input: a tree of files serialized as records `PATH\0CONTENT\0`
/// (scripts/fuzz.sh packs the samples so). Paths are relative to the tree's root, components
/// of `[A-Za-z0-9._+-]` other than `.` and `..`; a record that is not one is skipped. The tree is
/// unpacked into a scratch directory and read with `SysfsImporter.load(path:warnings:)`, as
/// `topology import --sysfs DIR` does.
enum Sysfs {
    static let root = Scratch.path("sysfs")

    static let maxRecords = 256

    /// The records of an archive, as (path components, content).
    static func records(_ bytes: [UInt8]) -> [([String], [UInt8])] {
        let fields = bytes.split(separator: 0, omittingEmptySubsequences: false)
        var out: [([String], [UInt8])] = []
        var i = 0
        while i + 1 < fields.count, out.count < maxRecords {
            defer { i += 2 }
            guard let path = String(validating: fields[i], as: UTF8.self) else { continue }
            let parts = path.split(separator: "/").map(String.init)
            let ok = !parts.isEmpty && parts.count <= 8 && parts.allSatisfy { p in
                p != "." && p != ".." && p.count <= 64
                    && p.unicodeScalars.allSatisfy { c in
                        CharacterSet.alphanumerics.contains(c) && c.isASCII || "._+-".unicodeScalars.contains(c)
                    }
            }
            if ok { out.append((parts, Array(fields[i + 1]))) }
        }
        return out
    }

    static func run(_ bytes: [UInt8]) {
        let fm = FileManager.default
        try? fm.removeItem(atPath: root)
        do { try fm.createDirectory(atPath: root, withIntermediateDirectories: true) } catch { fatalError("scratch: \(error)") }
        for (parts, content) in records(bytes) {
            let path = root + "/" + parts.joined(separator: "/")
            // A path under a file, or a file where a directory is, is skipped (a tree has neither).
            try? fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = fm.createFile(atPath: path, contents: Data(content))
        }
        Oracle.expectLabelled(file: root, tree: true) {
            var warnings: [InputWarning] = []
            let t = try SysfsImporter.load(path: root, warnings: &warnings)
            try Oracle.bootAndStress(t, file: root)
        }
    }
}
