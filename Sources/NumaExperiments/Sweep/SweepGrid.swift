import Foundation
import NumaTopology
import NumaWorkload

/// A parameter grid for `numasim sweep`: every combination of the listed values, each one an
/// independent `numasim stress` run.
///
/// Parameters are `topology`, `workload`, `threads`, `seed`, or a sysctl as `--sysctl` takes it
/// (`vm.watermark_scale_factor`, `zone_reclaim_mode`, …). Points are numbered row-major in the
/// order the parameters were given: the first parameter varies slowest, the last fastest, as
/// nested loops would — so a job's index names the same point wherever the grid is expanded.
public struct SweepGrid: Sendable, Equatable {
    public struct Parameter: Sendable, Equatable {
        /// As the user wrote it (shown as a column heading).
        public var name: String
        public var kind: Kind
        public var values: [String]
    }

    public enum Kind: Sendable, Equatable {
        case topology, workload, threads, seed
        /// The sysctl's name without `vm.` (what `Sysctls.apply` keys on).
        case sysctl(String)
    }

    /// What every point shares unless a parameter overrides it.
    public struct Base: Sendable, Equatable {
        public var topology: String?
        public var workload: String?
        public var seed: UInt64 = 1
        /// nil = the deterministic engine.
        public var threads: Int?
        /// `vm.NAME=VALUE` applied to every point before the grid's own sysctls.
        public var sysctls: [String] = []
        /// Every run also reports host wall-clock time (`stress --timing`).
        public var timing = false
        public init(topology: String? = nil, workload: String? = nil, seed: UInt64 = 1, threads: Int? = nil, sysctls: [String] = [],
                    timing: Bool = false) {
            self.topology = topology; self.workload = workload; self.seed = seed; self.threads = threads; self.sysctls = sysctls
            self.timing = timing
        }
    }

    public var base: Base
    public var parameters: [Parameter]

    /// `threads` values that select the deterministic engine.
    public static let deterministicWords: Set<String> = ["det", "deterministic"]

    /// Parses `--param NAME=V1,V2,...` specs. Values are split at commas (a sysctl that takes a
    /// list, `lowmem_reserve_ratio`, takes its ratios separated by spaces inside one value).
    public init(base: Base, specs: [String]) throws {
        self.base = base
        var params: [Parameter] = []
        for spec in specs {
            guard let eq = spec.firstIndex(of: "=") else {
                throw SweepError("--param '\(spec)': expected NAME=V1,V2,... (e.g. vm.watermark_scale_factor=10,100)")
            }
            let name = spec[..<eq].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { throw SweepError("--param '\(spec)': the parameter name is empty") }
            let list = String(spec[spec.index(after: eq)...])
            let values = list.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard values.contains(where: { !$0.isEmpty }) else {
                throw SweepError("--param \(name): empty value list; expected \(name)=V1,V2,...")
            }
            if values.contains("") { throw SweepError("--param \(name): an empty value in '\(list)' (two commas, or a comma at an end)") }
            if Set(values).count != values.count { throw SweepError("--param \(name): a value is listed twice in '\(list)'") }
            let kind = Self.kind(of: name)
            if let other = params.first(where: { $0.kind == kind }) {
                throw SweepError("--param \(name): given twice (also as \(other.name)); list all its values in one --param")
            }
            switch kind {
            case .threads:
                for v in values where !Self.deterministicWords.contains(v) {
                    guard let n = Int(v), (1...256).contains(n) else {
                        throw SweepError("--param \(name): value '\(v)': expected host threads 1…256, or 'det' for the deterministic engine")
                    }
                }
            case .seed:
                for v in values where UInt64(v) == nil {
                    throw SweepError("--param \(name): value '\(v)': expected a seed (an unsigned integer)")
                }
            default: break
            }
            params.append(Parameter(name: name, kind: kind, values: values))
        }
        parameters = params
    }

    static func kind(of name: String) -> Kind {
        switch name {
        case "topology", "t": return .topology
        case "workload", "w": return .workload
        case "threads": return .threads
        case "seed": return .seed
        default: return .sysctl(name.hasPrefix("vm.") ? String(name.dropFirst(3)) : name)
        }
    }

    /// Number of points (the product of the value counts; 1 with no parameters).
    public var count: Int { parameters.reduce(1) { $0 * $1.values.count } }

    /// Point `index` (0 ≤ index < count), row-major with the last parameter fastest.
    public func point(_ index: Int) -> SweepPoint {
        var rest = index
        var chosen = [String](repeating: "", count: parameters.count)
        for (i, p) in parameters.enumerated().reversed() {
            chosen[i] = p.values[rest % p.values.count]
            rest /= p.values.count
        }
        var point = SweepPoint(index: index, values: zip(parameters, chosen).map { ($0.name, $1) },
                               topology: base.topology ?? "", workload: base.workload ?? "", seed: base.seed,
                               threads: base.threads, sysctls: base.sysctls, timing: base.timing)
        for (p, v) in zip(parameters, chosen) {
            switch p.kind {
            case .topology: point.topology = v
            case .workload: point.workload = v
            case .threads: point.threads = Self.deterministicWords.contains(v) ? nil : Int(v)
            case .seed: point.seed = UInt64(v)!
            case .sysctl(let s): point.sysctls.append("vm.\(s)=\(v)")
            }
        }
        return point
    }

    public var points: [SweepPoint] { (0..<count).map(point) }

    /// Checks everything a run would reject, before any run starts: a topology and a workload
    /// for every point, every file readable and valid, every sysctl value accepted for every
    /// topology (`lowmem_reserve_ratio` has one ratio per zone of the arch).
    public func validate() throws {
        let topologies = parameters.first { $0.kind == .topology }?.values ?? base.topology.map { [$0] } ?? []
        let workloads = parameters.first { $0.kind == .workload }?.values ?? base.workload.map { [$0] } ?? []
        guard !topologies.isEmpty else { throw SweepError("no topology: give -t FILE or --param topology=FILE1,FILE2") }
        guard !workloads.isEmpty else { throw SweepError("no workload: give -w FILE or --param workload=FILE1,FILE2") }
        let topoParam = parameters.first { $0.kind == .topology }?.name ?? "-t"
        let workParam = parameters.first { $0.kind == .workload }?.name ?? "-w"
        for path in topologies {
            var t: Topology
            do { t = try TopologyFile.load(path: path) } catch { throw SweepError("\(topoParam): \(error)") }
            for s in base.sysctls {
                do { try t.sysctl.apply(assignment: s, arch: t.arch) } catch { throw SweepError("--sysctl \(s): \(error)") }
            }
            for p in parameters {
                guard case .sysctl(let key) = p.kind else { continue }
                for v in p.values {
                    var probe = t.sysctl
                    do { try probe.apply(assignment: "vm.\(key)=\(v)", arch: t.arch, source: "--param") } catch let e as InputError {
                        if e.message.hasPrefix("unknown sysctl") { throw SweepError("--param \(p.name): \(e.message)") }
                        throw SweepError("--param \(p.name): value '\(v)' (topology \(path)): \(e.message)")
                    }
                }
            }
            for w in workloads {
                do { _ = try Workload.load(path: w, topology: t) } catch { throw SweepError("\(workParam): \(error)") }
            }
        }
    }
}
