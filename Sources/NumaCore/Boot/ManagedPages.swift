import NumaTopology

/// Which present pages the buddy allocator gets (`managed_pages`), and the earlier estimate
/// `free_area_init_core` makes of it.
///
/// The kernel's managed count is whatever `memblock_free_all` releases, which depends on every
/// early reservation; numasim models the deterministic parts and lets a real machine's figures
/// override the rest:
/// * x86 reserves the whole first MiB (`x86_reserve_low`): the 158 present pages below 1 MiB on a
///   PC, which is why DMA has present 3998 and managed 3840 on every x86-64 sample.
/// * `mem_map` (64 bytes per page on x86-64, 32 on i386) for every memory section the node
///   touches, allocated top-down on the node, so taken from its highest zone first.
/// * The node's `reserved:` bytes, also from the top.
/// * A node `managed:` total (sysfs MemTotal) adjusts the highest zone to match exactly.
enum ManagedPages {
    static func structPageBytes(_ arch: Arch) -> Int { arch == .x86_64 ? 64 : 32 }

    /// Memory sections that `ranges` (pfns) touch, each counted once: the ranges' section
    /// intervals merged, in O(ranges · log ranges) whatever the size (a 2^50-byte machine has
    /// 8 M sections of 128 MiB).
    static func sectionCount(_ ranges: [Range<Int>], sectionPages: Int) -> Int {
        let spans = ranges.filter { !$0.isEmpty }
            .map { ($0.lowerBound / sectionPages, ($0.upperBound - 1) / sectionPages) }
            .sorted { $0.0 < $1.0 }
        var count = 0
        var current: (Int, Int)?
        for (lo, hi) in spans {
            if let (clo, chi) = current, lo <= chi + 1 {
                current = (clo, max(chi, hi))
            } else {
                if let (clo, chi) = current { count += chi - clo + 1 }
                current = (lo, hi)
            }
        }
        if let (clo, chi) = current { count += chi - clo + 1 }
        return count
    }

    /// Assigns `managed` to each zone of `node` (indexed by zone type).
    static func assign(zones: inout [BootZone], node: NodeSpec, layout: ZoneLayout, arch: Arch,
                       legacyHoles: Bool) throws(BootError) {
        for i in zones.indices { zones[i].managed = zones[i].present }
        if legacyHoles {
            for i in zones.indices where zones[i].present > 0 && zones[i].startPfn < 256 {
                let z = zones[i]
                let low = layout.presentPages(node: node.id, in: z.startPfn..<min(z.startPfn + z.spanned, 256))
                zones[i].managed -= low
            }
        }
        let ranges = layout.nodeRanges[node.id] ?? []
        let sectionPages = Int(arch.sectionBytes >> ZoneLayout.pageShift)
        let sections = sectionCount(ranges, sectionPages: sectionPages)
        let memmapPages = (sections * sectionPages * structPageBytes(arch) + 4095) / 4096
        var fromTop = memmapPages + Int((node.reserved + 4095) >> ZoneLayout.pageShift)
        for i in zones.indices.reversed() where fromTop > 0 && zones[i].managed > 0 {
            let take = min(fromTop, zones[i].managed)
            zones[i].managed -= take
            fromTop -= take
        }
        if let target = node.managed {
            let want = Int(target >> ZoneLayout.pageShift)
            let present = zones.reduce(0) { $0 + $1.present }
            guard want <= present else {
                throw .nodeManagedAbovePresent(node: node.id, managed: want, present: present)
            }
            var diff = want - zones.reduce(0) { $0 + $1.managed }
            for i in zones.indices.reversed() where diff != 0 && zones[i].present > 0 {
                if diff > 0 {
                    let add = min(diff, zones[i].present - zones[i].managed)
                    zones[i].managed += add; diff -= add
                } else {
                    let take = min(-diff, zones[i].managed)
                    zones[i].managed -= take; diff += take
                }
            }
        }
    }

    /// `calc_memmap_size` (mm/page_alloc.c).
    static func calcMemmapSize(spanned: Int, present: Int, arch: Arch) -> Int {
        var pages = spanned
        if spanned > present + (present >> 4) { pages = present }
        return (pages * structPageBytes(arch) + 4095) >> 12
    }

    /// `free_area_init_core`'s seed for `managed_pages`: present − memmap (not for highmem) −
    /// `dma_reserve` (zone 0 only), where x86's `memblock_find_dma_reserve` counts the reserved
    /// pages below 16 MiB.
    static func bootEstimate(zone z: BootZone, dmaReserve: Int, arch: Arch) -> Int {
        var free = z.present
        let memmap = calcMemmapSize(spanned: z.spanned, present: z.present, arch: arch)
        if !z.isHighmem && free >= memmap { free -= memmap }
        if z.index == 0 && free > dmaReserve { free -= dmaReserve }
        return free
    }
}
