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
