/// One grid point: the parameter values that define it and the complete `stress` run.
public struct SweepPoint: Sendable, Equatable {
    public var index: Int
    /// (parameter name, value) in the grid's parameter order.
    public var values: [(String, String)]
    public var topology: String
    public var workload: String
    public var seed: UInt64
    public var threads: Int?
    public var sysctls: [String]
    /// `stress --timing`: the run's JSON also has host wall-clock figures.
    public var timing = false

    public init(index: Int, values: [(String, String)], topology: String, workload: String, seed: UInt64, threads: Int?,
                sysctls: [String], timing: Bool = false) {
        self.index = index; self.values = values; self.topology = topology; self.workload = workload; self.seed = seed
        self.threads = threads; self.sysctls = sysctls; self.timing = timing
    }

    public static func == (a: SweepPoint, b: SweepPoint) -> Bool {
        a.index == b.index && a.values.map(\.0) == b.values.map(\.0) && a.values.map(\.1) == b.values.map(\.1)
            && a.topology == b.topology && a.workload == b.workload && a.seed == b.seed && a.threads == b.threads
            && a.sysctls == b.sysctls && a.timing == b.timing
    }

    /// Arguments of `numasim` for this run (after the executable), JSON on stdout.
    public var stressArguments: [String] {
        var args = ["stress", "-t", topology, "-w", workload, "--seed", String(seed)]
        if let threads { args += ["--threads", String(threads)] }
        for s in sysctls { args += ["--sysctl", s] }
        if timing { args.append("--timing") }
        return args + ["--json", "--quiet"]
    }
}
