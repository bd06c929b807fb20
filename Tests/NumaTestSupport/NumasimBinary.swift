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

    /// Runs numasim with `args` from the repository root (or `directory`), with `environment`
    /// added to this process's; `input`, if given, is its standard input (for `-` paths).
    public static func run(_ args: [String], in directory: URL? = nil, environment: [String: String] = [:],
                           stdin input: String? = nil) throws -> (status: Int32, out: String, err: String) {
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            XCTFail("numasim is not built at \(url.path); run `swift build` before `swift test`")
            return (-1, "", "")
        }
        let p = Process()
        p.executableURL = url
        p.arguments = args
        p.currentDirectoryURL = directory ?? root
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new } }
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        p.standardOutput = out
        p.standardError = err
        if input != nil { p.standardInput = inPipe }
        try p.run()
        // Read stderr on another thread so a full pipe cannot block the child.
        let errData = UnsafeSendableBox(Data())
        let g = DispatchGroup()
        g.enter()
        DispatchQueue.global().async { errData.value = err.fileHandleForReading.readDataToEndOfFile(); g.leave() }
        if let input {
            inPipe.fileHandleForWriting.write(Data(input.utf8))
            try inPipe.fileHandleForWriting.close()
        }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        g.wait()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: errData.value, as: UTF8.self))
    }

    /// Runs numasim from the repository root like `numasim ARGS > out 2>&1; echo "exit $?" >> out`
    /// (stdout and stderr in one file, in the order written), with `exit N` appended.
    public static func runCombined(_ args: [String]) throws -> Data {
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            XCTFail("numasim is not built at \(url.path); run `swift build` before `swift test`")
            throw CocoaError(.fileNoSuchFile)
        }
        let p = try startCombined(args)
        return try p.finish()
    }

    /// A numasim started with stdout and stderr going to one temporary file (so that several
    /// can run at once without a pipe filling up); `finish` waits and returns the bytes.
    public struct Started {
        let process: Process
        let output: URL
        let handle: FileHandle

        public func finish() throws -> Data {
            process.waitUntilExit()
            try? handle.close()
            var out = try Data(contentsOf: output)
            try? FileManager.default.removeItem(at: output)
            // The shell's $?: the exit status, or 128 + the signal that ended the process.
            let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
            out.append(Data("exit \(status)\n".utf8))
            return out
        }
    }

    public static func startCombined(_ args: [String]) throws -> Started {
        let output = URL(fileURLWithPath: try temp("combined.out"))
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        let p = Process()
        p.executableURL = url
        p.arguments = args
        p.currentDirectoryURL = root
        p.standardOutput = handle  // one file for both: the order of `2>&1`
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return Started(process: p, output: output, handle: handle)
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
