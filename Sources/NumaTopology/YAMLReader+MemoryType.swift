import Yams

/// A node's `memory_type:` and `adistance:` (docs/tiering.md): how its memory comes online and
/// its abstract distance for memory tiering (mm/memory-tiers.c, drivers/dax/kmem.c).
extension YAMLReader {
    /// Reads the two keys of node mapping `m` at `path` into `spec`.
    ///
    /// - `memory_type: dram` (the default): memory present at boot, in `default_dram_type`
    ///   (abstract distance 576); an `adistance:` other than 576 contradicts it.
    /// - `memory_type: dax_kmem`: hot-added after boot by dax/kmem, abstract distance 2880
    ///   unless `adistance:` gives another (a driver registering its own memory type).
    /// - `adistance: N` alone: driver-managed memory hot-added after boot, as `dax_kmem`.
    func memoryType(_ m: [String: Yams.Node], _ path: String, into spec: inout NodeSpec) throws {
        var type: MemoryType? = nil
        if let t = m["memory_type"] {
            let text = try scalar(t, "\(path).memory_type", "dram or dax_kmem")
            guard let parsed = MemoryType(rawValue: text.lowercased()) else {
                throw fail(t, "\(path).memory_type",
                           "unknown memory type '\(text)'; expected dram (memory present at boot, abstract distance \(MemoryType.dramAdistance)) or dax_kmem (hot-added by the dax/kmem driver, abstract distance \(MemoryType.defaultDaxAdistance))")
            }
            type = parsed
        }
        if let a = m["adistance"] {
            let key = "\(path).adistance"
            let r = MemoryType.adistanceRange
            let text = try scalar(a, key, "an abstract distance")
            guard let v = Int(text) else { throw fail(a, key, "expected an abstract distance (an integer), got '\(text)'") }
            guard r.contains(v) else {
                throw fail(a, key, "expected an abstract distance in \(r.lowerBound)...\(r.upperBound) (DRAM is \(MemoryType.dramAdistance), dax/kmem \(MemoryType.defaultDaxAdistance)), got \(v)")
            }
            if type == .dram && v != MemoryType.dramAdistance {
                throw fail(a, key, "memory_type: dram is memory present at boot, which Linux 6.1 puts in default_dram_type (abstract distance \(MemoryType.dramAdistance)); got \(v). Give memory_type: dax_kmem (or no memory_type) for memory a driver hot-adds with its own abstract distance")
            }
            spec.adistance = v
            if type == nil { type = .daxKmem }
        }
        spec.memoryType = type ?? .dram
    }
}
