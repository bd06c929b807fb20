import Foundation

/// Runs a sweep's grid points as child `numasim stress --json` processes, `jobs` at a time, and
/// keeps every result: a child that fails is a row with the first line of its error.
public struct SweepRunner: Sendable {
    /// The numasim executable each point runs (`SweepPoint.stressArguments`).
    public var executable: String
    /// Child processes at a time.
    public var jobs: Int
    /// Where to keep each run's `<index>.json` and `<index>.err`, with the grid's `grid.json`
    /// for `SweepCollector.collect` (nil: a scratch directory, removed at the end).
    public var keepDirectory: String?
    /// Called as each run finishes, with the runs done and the runs in all (one call at a time).
    public var progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?

    public init(executable: String, jobs: Int, keepDirectory: String? = nil,
                progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) {
        self.executable = executable; self.jobs = jobs; self.keepDirectory = keepDirectory; self.progress = progress
    }

    /// One row per point, in point order.
    public func run(_ grid: SweepGrid) throws -> [SweepRow] {
        if let keepDirectory { try SweepJobs.writeManifest(grid, directory: keepDirectory) }
        let points = grid.points
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("numasim-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let state = SweepState(count: points.count, progress: progress)
        // One thread per job slot (concurrentPerform would cap the slots at the core count;
        // the children, not these threads, do the work).
        let finished = DispatchSemaphore(value: 0)
        let workers = min(jobs, points.count)
        let runner = self
        for _ in 0..<workers {
            Thread {
                while let i = state.next() { state.finish(runner.runOne(points[i], scratch: scratch)) }
                finished.signal()
            }.start()
        }
        for _ in 0..<workers { finished.wait() }
        return state.rows.compactMap { $0 }
    }

    func runOne(_ point: SweepPoint, scratch: URL) -> SweepRow {
        let values = point.values.map(\.1)
        let dir = keepDirectory.map { URL(fileURLWithPath: $0) } ?? scratch
        let outURL = dir.appendingPathComponent("\(point.index).json")
        let errURL = dir.appendingPathComponent("\(point.index).err")
        // Files rather than pipes: a child's JSON can exceed a pipe buffer, and files need no
        // reader thread per child.
        guard FileManager.default.createFile(atPath: outURL.path, contents: nil),
              FileManager.default.createFile(atPath: errURL.path, contents: nil),
              let outHandle = try? FileHandle(forWritingTo: outURL), let errHandle = try? FileHandle(forWritingTo: errURL) else {
            return SweepRow(index: point.index, values: values, error: "cannot create \(outURL.path)")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = point.stressArguments
        p.standardOutput = outHandle
        p.standardError = errHandle
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch {
            return SweepRow(index: point.index, values: values, error: "cannot start \(executable): \(error.localizedDescription)")
        }
        p.waitUntilExit()
        try? outHandle.close()
        try? errHandle.close()
        let status = p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
        return SweepCollector.row(index: point.index, values: values, exitStatus: status,
                                  output: (try? Data(contentsOf: outURL)) ?? Data(),
                                  errorText: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }
}

/// The work queue and results shared by the runner's workers.
final class SweepState: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0
    private var done = 0
    private(set) var rows: [SweepRow?]
    let count: Int
    let progress: (@Sendable (Int, Int) -> Void)?

    init(count: Int, progress: (@Sendable (Int, Int) -> Void)?) {
        self.count = count
        self.progress = progress
        rows = Array(repeating: nil, count: count)
    }

    func next() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard nextIndex < count else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }

    func finish(_ row: SweepRow) {
        lock.lock(); defer { lock.unlock() }
        rows[row.index] = row
        done += 1
        progress?(done, count)
    }
}
