/// Per-CPU vmstat thresholds (mm/vmstat.c `calculate_normal_threshold`,
/// `calculate_pressure_threshold`, `refresh_zone_stat_thresholds`).
public enum VMStatThreshold {
    /// 2 · fls(online CPUs) · (1 + fls(managed in 128 MiB units)), at most 125.
    public static func normal(managed: Int, onlineCPUs: Int) -> Int {
        let mem = managed >> (27 - 12)
        return min(125, 2 * KernelMath.fls(onlineCPUs) * (1 + KernelMath.fls(mem)))
    }

    /// Used while kswapd runs: (low − min) / online CPUs, 1…125.
    public static func pressure(low: Int, min lowMin: Int, onlineCPUs: Int) -> Int {
        min(125, max(1, (low - lowMin) / onlineCPUs))
    }

    /// `percpu_drift_mark`: high + CPUs·threshold when that drift exceeds low − min, else 0.
    public static func driftMark(watermark w: ZoneWatermarks, threshold: Int, onlineCPUs: Int) -> Int {
        let tolerate = w.lowPages - w.minPages
        let maxDrift = onlineCPUs * threshold
        return maxDrift > tolerate ? w.highPages + maxDrift : 0
    }
}
