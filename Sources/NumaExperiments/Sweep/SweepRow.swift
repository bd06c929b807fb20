import Foundation

/// One row of a sweep: a grid point and what its `stress --json` run reported (schema
/// `numasim.stress/2` or later, docs/json.md), reduced to the figures a sweep compares.
public struct SweepRow: Sendable {
    public var index: Int
    /// Values in the grid's parameter order.
    public var values: [String]
    /// The run's exit status (nil when the result came from a directory, where it is unknown).
    public var exitStatus: Int32?
    /// Why the row has no result, or why its run failed (first line of its standard error).
    public var error: String?
    public var summary: Summary?
    /// The run's JSON as it printed it.
    public var result: Data?

    public init(index: Int, values: [String], exitStatus: Int32? = nil, error: String? = nil, summary: Summary? = nil, result: Data? = nil) {
        self.index = index; self.values = values; self.exitStatus = exitStatus; self.error = error
        self.summary = summary; self.result = result
    }

    /// A run failed if it exited non-zero, printed nothing usable, broke an invariant, or stopped early.
    public var failed: Bool {
        error != nil || (exitStatus ?? 0) != 0 || summary?.invariantsOK == false || summary?.stopReason != nil || summary == nil
    }

    public struct Summary: Sendable, Equatable {
        public var engine: String
        public var topology: String
        public var seed: UInt64
        public var threads: Int
        public var ops: Int
        /// Simulated time of the run (`simulated_time_ns`; deterministic).
        public var simulatedNs: Int
        /// Operations per host second: present only in results of `stress --timing`.
        public var opsPerSecond: Double?
        public var numaHit: Int
        public var numaMiss: Int
        public var localNode: Int
        public var otherNode: Int
        public var kswapdWakeups: Int
        /// pgscan_kswapd + pgscan_direct, pgsteal_kswapd + pgsteal_direct.
        public var pgscan: Int
        public var pgsteal: Int
        /// Σ allocstall_<zone>.
        public var allocstall: Int
        public var failures: Int
        public var invariantsOK: Bool
        /// Why the run stopped before the end of its workload (`stop_reason`), if it did.
        public var stopReason: String? = nil

        /// local_node / (local_node + other_node) over all nodes: the share of pages that
        /// came from the allocating CPU's node.
        public var localShare: Double? {
            localNode + otherNode > 0 ? Double(localNode) / Double(localNode + otherNode) : nil
        }
    }

    /// Reads a `numasim.stress/N` document; the error says what is missing.
    public static func summary(fromStressJSON data: Data) throws -> Summary {
        guard let object = try? JSONSerialization.jsonObject(with: data), let j = object as? [String: Any] else {
            throw SweepError(data.isEmpty ? "no output" : "not JSON")
        }
        guard let schema = j["schema"] as? String, schema.hasPrefix("numasim.stress/") else {
            throw SweepError("not a numasim stress result (schema \(j["schema"].map { "\($0)" } ?? "missing"))")
        }
        func int(_ v: Any?) -> Int { (v as? NSNumber)?.intValue ?? 0 }
        func sum(_ dict: Any?, _ key: String) -> Int {
            ((dict as? [String: Any]) ?? [:]).values.reduce(0) { $0 + int(($1 as? [String: Any])?[key]) }
        }
        let vmstat = (j["vmstat"] as? [String: Any]) ?? [:]
        return Summary(
            engine: j["engine"] as? String ?? "?", topology: j["topology"] as? String ?? "?",
            seed: (j["seed"] as? NSNumber)?.uint64Value ?? 0, threads: int(j["threads"]), ops: int(j["ops"]),
            simulatedNs: int(j["simulated_time_ns"]), opsPerSecond: (j["ops_per_second"] as? NSNumber)?.doubleValue,
            numaHit: sum(j["numastat"], "numa_hit"), numaMiss: sum(j["numastat"], "numa_miss"),
            localNode: sum(j["numastat"], "local_node"), otherNode: sum(j["numastat"], "other_node"),
            kswapdWakeups: sum(j["kswapd"], "wakeups"),
            pgscan: int(vmstat["pgscan_kswapd"]) + int(vmstat["pgscan_direct"]),
            pgsteal: int(vmstat["pgsteal_kswapd"]) + int(vmstat["pgsteal_direct"]),
            allocstall: vmstat.filter { $0.key.hasPrefix("allocstall_") }.values.reduce(0) { $0 + int($1) },
            failures: ((j["failures"] as? [String: Any]) ?? [:]).values.reduce(0) { $0 + int($1) },
            invariantsOK: ((j["invariants"] as? [String: Any])?["ok"] as? Bool) ?? false,
            stopReason: j["stop_reason"] as? String)
    }
}
