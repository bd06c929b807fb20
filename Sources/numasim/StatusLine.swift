import NumaEngine
import Foundation
import NumaReports
import NumaWorkload

/// The live status line of `stress` on a terminal (stderr): operations and their rate, the
/// fallback rate since the previous sample, and the nodes under memory pressure, worst first
/// (`NodePressure`: free below the high watermark or kswapd awake; free and watermarks in MiB);
/// redrawn in place with a carriage return.
final class StatusLine: @unchecked Sendable {
    let enabled: Bool
    private let lock = NSLock()
    private var done = 0
    private var total = 0
    private var lastOps = 0
    private var lastMs = 0.0
    private var rate = 0.0
    private var drawn = false

    init(enabled: Bool) { self.enabled = enabled }

    /// The engines' (pages done, pages planned) callback.
    func progress(_ done: Int, _ total: Int) {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        self.done = done
        self.total = total
    }

    func show(_ s: TimelineSample, _ t: Timeline) {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        if s.ms > lastMs { rate = Double(s.ops - lastOps) * 1000 / (s.ms - lastMs) }
        lastOps = s.ops
        lastMs = s.ms
        let line = StatusLine.render(s, t, opsPerSecond: rate, done: done, total: total)
        FileHandle.standardError.write(Data(("\r" + StatusLine.clip(line, StatusLine.columns()) + "\u{1B}[K").utf8))
        drawn = true
    }

    func clear() {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        drawn = false
    }

    static func render(_ s: TimelineSample, _ t: Timeline, opsPerSecond: Double, done: Int, total: Int) -> String {
        var parts = [String(format: "%6.1fs %@ ops %@/s", s.ms / 1000, human(Double(s.ops)), human(opsPerSecond))]
        if total > 0 { parts[0] += " \(done * 100 / total)%" }
        parts.append(s.fallbackRate.map { String(format: "fallback %.1f%%", $0 * 100) } ?? "fallback -")
        parts.append(NodePressure.statusText(s, t))
        return parts.joined(separator: " | ")
    }

    static func human(_ x: Double) -> String {
        switch x {
        case ..<10_000: return String(format: "%.0f", x)
        case ..<10_000_000: return String(format: "%.1fk", x / 1000)
        default: return String(format: "%.1fM", x / 1_000_000)
        }
    }

    /// A redrawn line must not wrap (a wrapped line cannot be overwritten with `\r`).
    static func clip(_ line: String, _ width: Int) -> String {
        line.count < width ? line : String(line.prefix(Swift.max(10, width - 1)))
    }

    static func columns() -> Int {
        var w = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 0 { return Int(w.ws_col) }
        return 120
    }
}
