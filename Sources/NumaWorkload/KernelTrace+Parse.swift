import Foundation
import NumaCore
import NumaTopology

/// Reading a page-allocation trace (`KernelTrace`): the text of `perf script` after
/// `perf record -e kmem:mm_page_alloc -e kmem:mm_page_free -a`, or of ftrace's `trace` /
/// `trace_pipe` with those two events enabled. Every error names the file, the line and what was
/// expected.
///
/// ```
/// perf script:  COMM PID [CPU] SECONDS: kmem:mm_page_alloc: page=… pfn=0x… order=N migratetype=N gfp_flags=F
/// ftrace:       COMM-PID [CPU] FLAGS SECONDS: mm_page_alloc: page=… pfn=0x… order=N migratetype=N gfp_flags=F
/// ```
///
/// Blank lines, `#` comments (ftrace's header) and ftrace's `CPU:N [LOST M EVENTS]` notes are
/// passed over; lines of other tracepoints are counted (`otherTracepoints`) and not replayed.
extension KernelTrace {
    /// Reads `path`, or standard input for `-`.
    public static func load(path: String) throws -> KernelTrace {
        if path == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            guard let text = String(data: data, encoding: .utf8) else { throw InputError(file: "-", "the trace on standard input is not UTF-8 text") }
            return try parse(text, file: "-")
        }
        return try parse(try InputText.read(path, what: "the trace file"), file: path)
    }

    static let expectedLine = "expected a perf script line (COMM PID [CPU] SECONDS: kmem:mm_page_alloc: FIELDS) or an ftrace line (COMM-PID [CPU] FLAGS SECONDS: mm_page_alloc: FIELDS)"

    public static func parse(_ text: String, file: String) throws -> KernelTrace {
        var trace = KernelTrace(file: file, events: [])
        var lineNumber = 0
        var sawText = false
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let tokens = raw.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard let first = tokens.first else { continue }
            sawText = true
            if first.hasPrefix("#") { continue }
            if first.hasPrefix("CPU:"), raw.contains("[LOST ") { continue }
            try parseLine(tokens, line: lineNumber, into: &trace)
        }
        guard sawText else { throw InputError(file: file, "the file is empty; \(expectedLine)") }
        guard trace.eventCount > 0 else {
            throw InputError(file: file, line: lineNumber, "no trace events in the file; \(expectedLine) (perf record -e kmem:mm_page_alloc -e kmem:mm_page_free -a, then perf script)")
        }
        return trace
    }

    /// One non-comment line: an event of ours, another tracepoint's (counted), or an error.
    static func parseLine(_ tokens: [Substring], line: Int, into trace: inout KernelTrace) throws {
        let file = trace.file
        func fail(_ key: String?, _ message: String) -> InputError { InputError(file: file, line: line, key: key, message) }
        guard let ts = tokens.firstIndex(where: isTimestamp) else {
            throw fail(nil, "\(expectedLine), got '\(clip(tokens.joined(separator: " ")))'")
        }
        guard let cpuToken = tokens[..<ts].last(where: { $0.hasPrefix("[") && $0.hasSuffix("]") }),
              let cpu = Int(cpuToken.dropFirst().dropLast()), cpu >= 0, cpu < (1 << 20) else {
            throw fail(nil, "no CPU ([NNN]) before the timestamp; expected perf script of a system-wide recording (perf record -a) or ftrace's trace")
        }
        guard ts + 1 < tokens.count, tokens[ts + 1].hasSuffix(":"), tokens[ts + 1].count > 1 else {
            throw fail(nil, "expected the event name (kmem:mm_page_alloc:, mm_page_free:, …) after the timestamp '\(tokens[ts])'")
        }
        let name = tokens[ts + 1].dropLast()
        let kind: Kind
        switch name {
        case "kmem:mm_page_alloc", "mm_page_alloc": kind = .alloc
        case "kmem:mm_page_free", "mm_page_free": kind = .free
        default:
            trace.otherTracepoints[String(name), default: 0] += 1
            return
        }
        let keys = kind == .alloc ? ["page", "pfn", "order", "migratetype", "gfp_flags"] : ["page", "pfn", "order"]
        let format = kind == .alloc ? "page=PTR pfn=0xHEX order=N migratetype=N gfp_flags=FLAGS (6.1's mm_page_alloc)"
                                    : "page=PTR pfn=0xHEX order=N (6.1's mm_page_free)"
        let fields = tokens[(ts + 2)...]
        var values: [Substring] = []
        for (key, token) in zip(keys, fields) {
            guard token.hasPrefix(key + "=") else { throw fail(nil, "expected \(format), got '\(clip(token))' where \(key)= belongs") }
            values.append(token.dropFirst(key.count + 1))
        }
        guard fields.count == keys.count else {
            throw fail(nil, "expected \(format): \(keys.count) fields, got \(fields.count)")
        }
        guard values[1].hasPrefix("0x"), let pfn64 = UInt64(values[1].dropFirst(2), radix: 16), pfn64 < (1 << 52) else {
            throw fail("pfn", "expected a page frame number in hex below 2^52 (0x1e2436), got '\(clip(values[1]))'")
        }
        guard let order = Int(values[2]), order >= 0, order <= Int(Int32.max) else {
            throw fail("order", "expected an order, a number 0 or more, got '\(clip(values[2]))'")
        }
        var event = Event(line: line, kind: kind, cpu: cpu, pfn: Int(pfn64), order: order)
        if kind == .alloc {
            guard let mt = Int(values[3]), mt >= Int(Int32.min), mt <= Int(Int32.max) else {
                throw fail("migratetype", "expected a number (0 unmovable, 1 movable, 2 reclaimable), got '\(clip(values[3]))'")
            }
            event.migratetype = mt
            event.gfp = try gfpFlags(values[4], fail: { fail("gfp_flags", $0) }, notModelled: &trace.gfpNotModelled)
        }
        trace.events.append(event)
    }

    /// `show_gfp_flags` text: names joined by `|`, hex leftovers, or `none`. Names 6.1 prints map
    /// to the model's bits (those it does not model are carried and recorded); names of later
    /// kernels and hex leftovers are recorded only.
    static func gfpFlags(_ text: Substring, fail: (String) -> InputError, notModelled: inout [String: Int]) throws -> GFP {
        if text == "none" { return [] }
        var gfp: GFP = []
        for part in text.split(separator: "|", omittingEmptySubsequences: false) {
            let name = String(part)
            if let bits = gfpByName[name] {
                gfp.formUnion(bits)
                if GFP.notModelled.contains(name) { notModelled[name, default: 0] += 1 }
            } else if laterKernelGFPNames.contains(name) {
                notModelled[name, default: 0] += 1
            } else if name.hasPrefix("0x"), name.count > 2, UInt64(name.dropFirst(2), radix: 16) != nil {
                notModelled[name, default: 0] += 1
            } else {
                throw fail("unknown flag '\(clip(part))' in '\(clip(text))'; expected the names Linux 6.1 prints (GFP_KERNEL, GFP_HIGHUSER_MOVABLE, __GFP_COMP, … as include/trace/events/mmflags.h lists them) joined by |, hex bits (0x…), or none")
            }
        }
        return gfp
    }

    /// `GFP.names` as a table (a trace has a few names per line, millions of lines).
    static let gfpByName: [String: GFP] = Dictionary(GFP.names, uniquingKeysWith: { first, _ in first })

    /// `32688.152132:` — seconds with a fraction, then a colon.
    static func isTimestamp(_ t: Substring) -> Bool {
        guard t.count >= 4, t.last == ":" else { return false }
        let body = t.dropLast()
        guard let dot = body.firstIndex(of: "."), dot != body.startIndex, body.index(after: dot) != body.endIndex else { return false }
        return body[..<dot].allSatisfy(\.isASCIIDigit) && body[body.index(after: dot)...].allSatisfy(\.isASCIIDigit)
    }

    /// At most 60 characters of input in a message.
    static func clip<S: StringProtocol>(_ s: S) -> String { s.count > 60 ? String(s.prefix(57)) + "..." : String(s) }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
