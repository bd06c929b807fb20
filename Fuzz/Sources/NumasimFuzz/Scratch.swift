import Foundation

/// A private directory for the readers that take a path (vmstat, sysfs trees), one per process
/// (libFuzzer's -jobs/-workers run several).
enum Scratch {
    static let dir: String = {
        let d = NSTemporaryDirectory() + "numasim-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: Scratch.dir) }
        return d
    }()

    static func path(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }

    /// Writes `text` to `p`, a path in the scratch directory, and returns it.
    static func write(_ text: String, to p: String) -> String {
        guard FileManager.default.createFile(atPath: p, contents: Data(text.utf8)) else { fatalError("cannot write \(p)") }
        return p
    }
}
