import Foundation
import XCTest

/// The built `numasim` binary and small files for the inspect tests (stress reports, compare,
/// the live line).
public enum NumasimBinary {
    public static var url: URL {
        if let bundle = Bundle.allBundles.first(where: { $0.bundlePath.hasSuffix(".xctest") }) {
            return bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("numasim")
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("numasim")
    }

    /// The repository root (for shipped topologies, workloads and docs).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            XCTFail("numasim is not built at \(url.path); run `swift build` before `swift test`")
            return (-1, "", "")
        }
        let p = Process()
        p.executableURL = url
        p.arguments = args
        p.currentDirectoryURL = root
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read stderr on another thread so a full pipe cannot block the child.
        let errData = UnsafeSendableBox(Data())
        let g = DispatchGroup()
        g.enter()
        DispatchQueue.global().async { errData.value = err.fileHandleForReading.readDataToEndOfFile(); g.leave() }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        g.wait()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: errData.value, as: UTF8.self))
    }

    public static func temp(_ name: String, _ text: String? = nil) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("numasim-\(UUID().uuidString)-\(name)").path
        if let text { try text.write(toFile: path, atomically: true, encoding: .utf8) }
        return path
    }

    /// Two nodes of 128 MiB, node 0 small enough that a first touch of 40k pages overflows it.
    public static let twoNodes = """
        name: two-small
        nodes:
          - {id: 0, cpus: "0-1", memory: 128MiB}
          - {id: 1, cpus: "2-3", memory: 128MiB}
        distances: [[10, 21], [21, 10]]
        sysctl: {transparent_hugepage: never}
        """

    public static func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text.prefix(300).description)
    }
}

public final class UnsafeSendableBox<T>: @unchecked Sendable {
    public var value: T
    public init(_ v: T) { value = v }
}
