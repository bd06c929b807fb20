import Yams

/// The memory-tiering knobs (`TieringSysctls`) with the ranges Linux 6.1 accepts.
extension SysctlSetter {
    /// Sets `key` if it is one of `TieringSysctls.names`; false if it is not.
    func setTiering(_ s: inout Sysctls, key: String, node: Yams.Node, path: String) throws -> Bool {
        switch key {
        case "demotion_enabled":
            // demotion_enabled_store: kstrtobool (y/n, 1/0, on/off; numasim also takes true/false).
            let text = try reader.scalar(node, path, "true or false").lowercased()
            switch text {
            case "1", "y", "yes", "true", "on": s.tiering.demotionEnabled = true
            case "0", "n", "no", "false", "off": s.tiering.demotionEnabled = false
            default: throw reader.fail(node, path, "expected true or false (or 1/0, y/n, on/off as kstrtobool takes), got '\(text)'")
            }
        case "numa_balancing":
            let text = try reader.scalar(node, path, "0, 1, 2 or 3")
            guard let v = Int(text), (0...3).contains(v) else {
                throw reader.fail(node, path, "expected 0 (off), 1 (NUMA_BALANCING_NORMAL), 2 (NUMA_BALANCING_MEMORY_TIERING) or 3 (both), got '\(text)'")
            }
            s.tiering.numaBalancing = v
        default:
            guard let k = TieringSysctls.integers.first(where: { $0.name == key }) else { return false }
            s.tiering[keyPath: k.key] = try reader.int(node, path, range: k.range)
        }
        return true
    }
}
