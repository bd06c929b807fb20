import Foundation

/// A problem found while a command runs — a file that cannot be read or written, a result that
/// is not one, a bench case that cannot run — as opposed to a usage error. ArgumentParser prints
/// it as one `Error: …` line on standard error and exits 1; a `ValidationError` (wrong or
/// missing options) prints the usage text too and exits 64 (EX_USAGE).
struct RuntimeError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// What the command line says on standard error besides its result.
enum Diagnostics {
    /// `numasim: warning: TEXT` — the command goes on.
    static func warn(_ text: String) {
        FileHandle.standardError.write(Data("numasim: warning: \(text)\n".utf8))
    }

    /// `Error: TEXT`, as ArgumentParser prints a `RuntimeError`, for a problem after which the
    /// command still finishes what it can (and then exits non-zero).
    static func error(_ text: String) {
        FileHandle.standardError.write(Data("Error: \(text)\n".utf8))
    }
}
