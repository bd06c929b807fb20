import Foundation
import NumaCore
import NumaTopology

/// Where a stress result came from (`provenance` of `numasim stress --json`, docs/json.md):
/// the numasim, the command line, the topology (name and SHA-256), the workload (its text), the
/// costs file, the sysctls in force at the end and the seed and engine — enough to rerun it, and
/// for `numasim compare` to say how two results' inputs differ before it compares numbers.
///
/// Deterministic like the rest of the result: no host path of the binary, no time, no host
/// name. The command line is argv as given, with argv[0] written as `numasim`.
public struct StressProvenance: Codable, Sendable, Equatable {
    /// A topology, workload or costs file the run read.
    public struct Input: Codable, Sendable, Equatable {
        /// The topology's `name:`; for a workload the file name without `.yaml`.
        public var name: String?
        /// The path as given on the command line; nil for a machine that was not read from a file.
        public var path: String?
        /// SHA-256 (FIPS 180-4, `SHA256`) as hex: of the file's bytes when `hashed` is `file`,
        /// of `TopologyWriter`'s canonical form when it is `canonical`.
        public var sha256: String
        public var hashed: String
        /// The workload's text (absent for the topology and the costs).
        public var text: String?

        public init(name: String?, path: String?, sha256: String, hashed: String, text: String? = nil) {
            self.name = name; self.path = path; self.sha256 = sha256; self.hashed = hashed; self.text = text
        }

        /// A file as read: its bytes hashed, the text kept when `keepText`.
        public static func file(_ path: String, bytes: Data, name: String?, keepText: Bool = false) -> Input {
            Input(name: name, path: path, sha256: SHA256.hex(bytes), hashed: "file",
                  text: keepText ? String(decoding: bytes, as: UTF8.self) : nil)
        }

        /// A machine that was not read from a file: the hash of its canonical written form.
        public static func canonical(_ t: Topology) -> Input {
            Input(name: t.name, path: nil, sha256: SHA256.hex(TopologyWriter.yaml(t)), hashed: "canonical")
        }
    }

    public var numasim_version: String
    public var command_line: [String]
    public var topology: Input
    public var workload: Input
    /// `--costs FILE`; absent without it.
    public var costs: Input?
    /// Every sysctl in force at the end of the run — the topology's, after `--sysctl` and the
    /// workload's `sysctl:` steps and `swappiness:` — under the names `--sysctl` takes
    /// (`Sysctls.settings`).
    public var sysctls: [String: String]
    /// The part of `sysctls` that differs from Linux 6.1's defaults on this machine.
    public var changed_sysctls: [String: String]
    public var seed: UInt64
    public var engine: String
    public var threads: Int

    /// The provenance of `run`: `commandLine` is argv without argv[0].
    public init(run: StressRun, commandLine: [String], topology: Input, workload: Input, costs: Input? = nil) {
        let m = run.allocator.machine
        let s = m.topology.sysctl
        numasim_version = NumasimVersion.number
        command_line = ["numasim"] + commandLine
        self.topology = topology
        self.workload = workload
        self.costs = costs
        sysctls = Dictionary(uniqueKeysWithValues: s.settings(arch: m.topology.arch, onlineNodesAtBoot: m.nodesOnlineAtBoot)
            .map { ($0.name, $0.value) })
        changed_sysctls = Dictionary(uniqueKeysWithValues: s.nonDefaultSettings(arch: m.topology.arch, onlineNodesAtBoot: m.nodesOnlineAtBoot)
            .map { ($0.name, $0.value) })
        seed = run.seed
        engine = run.engine
        threads = run.threads
    }

    /// `zone-reclaim` for `workloads/zone-reclaim.yaml`.
    public static func workloadName(path: String) -> String {
        let file = (path as NSString).lastPathComponent
        for ext in [".yaml", ".yml"] where file.hasSuffix(ext) { return String(file.dropLast(ext.count)) }
        return file
    }
}
