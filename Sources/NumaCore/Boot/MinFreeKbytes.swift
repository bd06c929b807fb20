/// `min_free_kbytes`: the global reserve the watermarks are cut from.
///
/// `calculate_min_free_kbytes` (mm/page_alloc.c) gives 4·√(lowmem kB) clamped to 128 kB…256 MiB;
/// with THP enabled, `set_recommended_min_free_kbytes` (mm/khugepaged.c) raises it to
/// 11 pageblocks per populated lowmem zone, at most 5% of lowmem.
public enum MinFreeKbytes {
    /// `calculate_min_free_kbytes` for `nr_free_buffer_pages()` = `lowmemPages`.
    public static func calculated(lowmemPages: Int, userMinFreeKbytes: Int = -1, current: Int = 1024) -> Int {
        let lowmemKbytes = UInt64(lowmemPages) * 4
        let new = Int(KernelMath.intSqrt(lowmemKbytes * 16))
        if new > userMinFreeKbytes { return KernelMath.clamp(new, 128, 262_144) }
        return current
    }

    /// `set_recommended_min_free_kbytes`: the THP recommendation in kB (before comparing it
    /// with the current value). `nrZones` counts populated zones with index ≤ gfp_zone(GFP_USER).
    public static func thpRecommended(nrZones: Int, pageblockPages: Int, freeBufferPages: Int) -> Int {
        let migratePCPTypes = 3
        var recommended = pageblockPages * nrZones * 2
        recommended += pageblockPages * nrZones * migratePCPTypes * migratePCPTypes
        recommended = min(recommended, freeBufferPages / 20)
        return recommended << 2
    }
}
