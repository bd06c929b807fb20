/// What differs between the inputs of two stress results (their `provenance`, docs/json.md):
/// `numasim compare` prints it before the numbers, so that a difference in the numbers can be
/// read against what was changed — a sysctl, the workload, the topology, the seed, the engine,
/// the numasim that ran it.
extension StressCompare {
    /// One input that differs: its name and the two values as text (nil: absent from that side).
    public struct InputDifference: Codable, Sendable, Equatable {
        public var key: String
        public var a: String?
        public var b: String?
    }

    /// The inputs of `x` and `y` that differ, in a fixed order: version, topology, workload,
    /// costs, each sysctl, seed, engine, threads. Results written before provenance was
    /// recorded still compare by version, topology name, seed, engine and threads.
    static func inputDifferences(_ x: StressReport, _ y: StressReport) -> [InputDifference] {
        var out: [InputDifference] = []
        func add(_ key: String, _ a: String?, _ b: String?) { if a != b { out.append(InputDifference(key: key, a: a, b: b)) } }
        let px = x.provenance, py = y.provenance
        add("numasim version", x.numasim_version ?? px?.numasim_version, y.numasim_version ?? py?.numasim_version)
        add("topology", x.topology, y.topology)
        func hash(_ i: StressProvenance.Input?) -> String? { i.map { "sha256 \($0.sha256.prefix(12))…" + ($0.hashed == "file" ? "" : " (\($0.hashed))") } }
        // Files compare by content: two paths to the same bytes are the same input.
        func file(_ i: StressProvenance.Input?) -> String? { i.map { "\($0.path ?? $0.name ?? "") (\(hash($0)!))" } }
        func addFile(_ key: String, _ a: StressProvenance.Input?, _ b: StressProvenance.Input?) {
            if a?.sha256 != b?.sha256 { out.append(InputDifference(key: key, a: file(a), b: file(b))) }
        }
        if let px, let py {
            addFile("topology file", px.topology, py.topology)
            addFile("workload", px.workload, py.workload)
            addFile("costs file", px.costs, py.costs)
            for name in Set(px.sysctls.keys).union(py.sysctls.keys).sorted() {
                add("sysctl \(name)", px.sysctls[name], py.sysctls[name])
            }
        }
        add("seed", String(x.seed), String(y.seed))
        add("engine", x.engine, y.engine)
        add("threads", String(x.threads), String(y.threads))
        return out
    }

    /// The inputs section of the text: the differences, or that the inputs are the same; and
    /// which side has no provenance to compare.
    func renderInputs(color: Bool, keyWidth kw: Int) -> String {
        var out = "\n" + (color ? "\u{1B}[1m" : "") + "  " + pad("inputs", kw) + "what differs" + (color ? "\u{1B}[0m" : "") + "\n"
        if let missing = inputs_missing {
            out += "  (\(missing): no provenance, written before numasim recorded it; compared: version, topology name, seed, engine, threads)\n"
        }
        if inputs.isEmpty {
            out += "  " + pad("(the same)", kw) + "numasim, topology, workload, sysctls, seed, engine and threads\n"
        }
        for d in inputs {
            let line = pad(d.key, kw) + "A: \(d.a ?? "-")   B: \(d.b ?? "-")"
            out += color ? "  \u{1B}[33m" + line + "\u{1B}[0m\n" : "* " + line + "\n"
        }
        return out
    }
}
