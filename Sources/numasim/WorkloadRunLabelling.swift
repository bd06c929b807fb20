import Foundation
import NumaEngine
import NumaTopology

/// Runs an engine over the workload read from `path`; a problem found while it runs (an engine
/// that cannot run a phase, a process step that failed) is reported as the reader's own errors
/// are: the file, the line of the key, the key and what went wrong.
func labellingWorkloadErrors<T>(path: String, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let problem as WorkloadRunError {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        throw InputError(file: path, text: text, problem)
    }
}
