import Foundation
import XCTest
import NumaTestSupport

/// The live status line of `stress`: redrawn with carriage returns on a terminal (run here under
/// a pseudo-terminal made by util-linux `script`), absent when stderr is not a terminal or with
/// --quiet.
final class LiveStatusLineTests: XCTestCase {
    static let workload = "threads:\n  - {cpus: \"0\", allocate: 60000, free: random, live: 40000, touch: 2, kind: file}\n"

    func args(_ extra: String) throws -> [String] {
        let t = try NumasimBinary.temp("t.yaml", NumasimBinary.twoNodes)
        let w = try NumasimBinary.temp("w.yaml", Self.workload)
        return ["stress", "-t", t, "-w", w] + extra.split(separator: " ").map(String.init)
    }

    /// Runs numasim under `script`, whose own stdout carries everything the pseudo-terminal saw.
    func underPTY(_ args: [String]) throws -> String {
        let script = ["/usr/bin/script", "/bin/script"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let script else { throw XCTSkip("util-linux `script` is not installed") }
        let cmd = ([NumasimBinary.url.path] + args).map { "'\($0)'" }.joined(separator: " ")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: script)
        p.arguments = ["-qfec", cmd, "/dev/null"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        return String(decoding: data, as: UTF8.self)
    }

    /// Segments between carriage returns that are a status line: "  1.2s N ops N/s … | nodeN free …"
    /// or "… | no pressure: nodeN free …",
    /// up to the erase-to-end-of-line that follows each.
    func statusLines(_ s: String) -> [Substring] {
        s.split(separator: "\r").compactMap { seg -> Substring? in
            let line = seg.prefix { $0 != "\u{1B}" }
            return line.range(of: #"^ *[0-9]+\.[0-9]s [0-9.kM]+ ops [0-9.kM]+/s.* \| (node[0-9]+ free|no pressure: node[0-9]+ free)"#, options: .regularExpression) != nil ? line : nil
        }
    }

    func testStatusLinesOnATerminal() throws {
        let out = try underPTY(try args("--sample-every 2000"))
        let lines = statusLines(out)
        XCTAssertGreaterThanOrEqual(lines.count, 2, "redrawn several times: \(out.prefix(2000))")
        let last = try XCTUnwrap(lines.last)
        // The nodes shown are those under pressure (or the closest to it), in MiB.
        XCTAssertNotNil(last.range(of: #"node[01] free [0-9.]+ (<|≥) (low|high) [0-9.]+ MiB"#, options: .regularExpression), String(last))
        XCTAssertTrue(last.contains("fallback "), String(last))
        XCTAssertTrue(last.contains("asleep") || last.contains("awake"), String(last))
        XCTAssertTrue(out.contains("invariants: ok"), "the report follows")
        // The line is cleared before the report, so the report starts on a clean line.
        XCTAssertTrue(out.contains("\r\u{1B}[K"), "cleared")
    }

    func testQuietOnATerminalAndSilentWithoutOne() throws {
        let quiet = try underPTY(try args("--quiet"))
        XCTAssertTrue(quiet.contains("invariants: ok"))
        XCTAssertEqual(statusLines(quiet).count, 0)
        XCTAssertFalse(quiet.contains("\u{1B}[K"))

        let piped = try NumasimBinary.run(try args(""))
        XCTAssertEqual(piped.status, 0, piped.err)
        XCTAssertFalse(piped.err.contains("\r"), piped.err)
        XCTAssertFalse(piped.out.contains("\r"))
    }
}
