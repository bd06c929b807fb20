import Foundation

/// An error in user input: a topology file, a sysfs tree, numactl output, a zoneinfo file.
///
/// Every error names where it happened (file, and line/column or key when known) and what
/// was expected, so a user can fix the input without reading numasim's sources.
public struct InputError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var key: String?
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, key: String? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    public var description: String {
        var location = file
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        if let key { return "\(location): \(key): \(message)" }
        return "\(location): \(message)"
    }
}

/// An error in a topology found after it was read — by the validator, the boot or the
/// allocator's limits — that names the key holding the bad value and what was expected, but not
/// the file: the model never sees files. Where a file is read, `InputError.labelling(file:)`
/// adds its name and the text becomes `FILE: KEY: MESSAGE`.
public protocol TopologyProblem: Error, CustomStringConvertible {
    /// The topology key that holds the bad value (`nodes[1].cpus`, `nodes (id 3).managed`).
    var key: String { get }
    /// What is wrong and what was expected.
    var message: String { get }
}

extension TopologyProblem {
    public var description: String { "\(key): \(message)" }
}

extension InputError {
    /// `problem` as found in `file` (no line: the problem was found after reading).
    public init(file: String, _ problem: any TopologyProblem) {
        self.init(file: file, key: problem.key, problem.message)
    }

    /// Runs `body`, turning a `TopologyProblem` it throws into an `InputError` naming `file`;
    /// other errors pass unchanged.
    public static func labelling<T>(file: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let problem as any TopologyProblem {
            throw InputError(file: file, problem)
        }
    }
}

/// Something in user input the kernel accepts but that is probably a firmware or copy defect
/// (a CPU in two nodes' cpulist, a node meminfo without MemFree). The importer goes on with what
/// the kernel would do and returns one of these; the command line prints `warning: FILE: message`
/// to standard error.
public struct InputWarning: CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var line: Int?
    public var key: String?
    public var message: String

    public init(file: String, line: Int? = nil, key: String? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// `FILE[:LINE]: [KEY: ]MESSAGE`, as `InputError` prints.
    public var description: String {
        InputError(file: file, line: line, key: key, message).description
    }
}

/// Reading an input file as text: regular files, and pipes, FIFOs and `/dev/fd/N` paths (as
/// `--zoneinfo <(cat /proc/zoneinfo)` gives), which `FileManager.contents(atPath:)` cannot read;
/// `-` is standard input (`numactl -H | numasim topology import --numactl -`), read once.
public enum InputText {
    /// Standard input, read to its end the first time a `-` path is read.
    static let standardInput: Data = (try? FileHandle.standardInput.readToEnd() ?? Data()) ?? Data()

    /// How errors name the input: `<stdin>` for `-`, else the path.
    public static func name(_ path: String) -> String { path == "-" ? "<stdin>" : path }

    /// The file's bytes; `what` names the file in the error ("the workload file").
    public static func data(_ path: String, what: String = "the file") throws -> Data {
        if path == "-" { return standardInput }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw InputError(file: path, "cannot read \(what): it does not exist")
        }
        guard !isDir.boolValue else { throw InputError(file: path, "is a directory; expected a file") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InputError(file: path, "cannot read \(what) (is it readable?)")
        }
        defer { try? handle.close() }
        do {
            return try handle.readToEnd() ?? Data()
        } catch {
            throw InputError(file: path, "cannot read \(what): \(error.localizedDescription)")
        }
    }

    /// The file as UTF-8 text.
    public static func read(_ path: String, what: String = "the file") throws -> String {
        let data = try data(path, what: what)
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError(file: name(path), "\(what) is not UTF-8 text")
        }
        return text
    }
}
