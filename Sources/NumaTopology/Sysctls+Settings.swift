/// The sysctls as a flat list of `name → value`, for a run's provenance (`stress --json`
/// `provenance.sysctls`), the HTML report's title and `numasim compare`.
extension Sysctls {
    /// Every sysctl under the name `--sysctl NAME=VALUE` takes (`vm.…` for /proc/sys/vm,
    /// `kernel.numa_balancing`, `transparent_hugepage`, the tiering knobs bare), its value as
    /// `--sysctl` would take it back, in the order of `Sysctls.names`. Defaults that depend on
    /// the machine are resolved: `lowmem_reserve_ratio` from `arch`, `numa_balancing` from the
    /// nodes online at boot; `min_free_kbytes` stays `auto` when the kernel computes it.
    public func settings(arch: Arch, onlineNodesAtBoot: Int) -> [(name: String, value: String)] {
        var out: [(name: String, value: String)] = [
            ("vm.min_free_kbytes", minFreeKbytes.map(String.init) ?? "auto"),
            ("vm.watermark_scale_factor", String(watermarkScaleFactor)),
            ("vm.watermark_boost_factor", String(watermarkBoostFactor)),
            ("vm.lowmem_reserve_ratio", (lowmemReserveRatio ?? arch.defaultLowmemReserveRatio).map(String.init).joined(separator: " ")),
            ("vm.percpu_pagelist_high_fraction", String(percpuPagelistHighFraction)),
            ("vm.zone_reclaim_mode", String(zoneReclaimMode)),
            ("transparent_hugepage", transparentHugepage.rawValue),
            ("transparent_hugepage_defrag", transparentHugepageDefrag.rawValue),
            ("vm.min_unmapped_ratio", String(minUnmappedRatio)),
            ("vm.min_slab_ratio", String(minSlabRatio)),
            ("vm.swappiness", String(swappiness)),
            ("vm.nr_hugepages", String(nrHugepages)),
            ("vm.extfrag_threshold", String(extfragThreshold)),
            ("vm.compaction_proactiveness", String(compactionProactiveness)),
            ("demotion_enabled", tiering.demotionEnabled ? "true" : "false"),
            ("kernel.numa_balancing", String(tiering.numaBalancingMode(onlineNodesAtBoot: onlineNodesAtBoot))),
        ]
        for k in TieringSysctls.integers { out.append((k.name, String(tiering[keyPath: k.key]))) }
        return out
    }

    /// The settings that differ from Linux 6.1's defaults on the same machine.
    public func nonDefaultSettings(arch: Arch, onlineNodesAtBoot: Int) -> [(name: String, value: String)] {
        let defaults = Dictionary(uniqueKeysWithValues: Sysctls().settings(arch: arch, onlineNodesAtBoot: onlineNodesAtBoot)
            .map { ($0.name, $0.value) })
        return settings(arch: arch, onlineNodesAtBoot: onlineNodesAtBoot).filter { defaults[$0.name] != $0.value }
    }
}
