import NumaCore

/// `/sys/devices/system/node/nodeN/meminfo` as Linux 6.1 prints it (drivers/base/node.c
/// `node_read_meminfo`, then mm/hugetlb.c `hugetlb_report_node_meminfo`): every field of a
/// Debian x86_64 kernel, in the kernel's order and spacing (`Node %d Name:  %8lu kB`; the
/// HighTotal/HighFree/LowTotal/LowFree lines of CONFIG_HIGHMEM on an architecture with a
/// HighMem zone; no ShadowCallStack, which is arm64's). Checked against the kernel samples'
/// node meminfo files.
///
/// Values come from the allocator (`NodeCounters`): MemTotal (the node's managed pages), MemFree
/// (NR_FREE_PAGES), MemUsed, the LRU sizes (Active, Inactive and their anon/file halves), Dirty,
/// FilePages, AnonPages, KReclaimable/Slab/SReclaimable (the page cache's xarray-node slab), and
/// on i386 the HighMem zones' managed and free pages. What numasim does not model is 0:
/// SwapCached (no swap cache), Unevictable, Mlocked, Writeback (synchronous here), Mapped, Shmem,
/// KernelStack, PageTables, SecPageTables, Bounce, WritebackTmp, SUnreclaim and the shmem/file THP
/// lines. AnonHugePages is NR_ANON_THPS (PMD-mapped anonymous THPs, NumaCore/THP).
/// HugePages_Total/Free/Surp are the default (2 MiB) hstate's per-node counts
/// (`nr_huge_pages_node`, `free_huge_pages_node`, `surplus_huge_pages_node`), in pages.
public enum NodeMeminfoFormat {
    /// Field names in the kernel's order. `withHighmem`: CONFIG_HIGHMEM's four lines after
    /// Mlocked.
    public static func fieldNames(withHighmem: Bool) -> [String] {
        ["MemTotal", "MemFree", "MemUsed", "SwapCached", "Active", "Inactive", "Active(anon)", "Inactive(anon)",
         "Active(file)", "Inactive(file)", "Unevictable", "Mlocked"]
            + (withHighmem ? ["HighTotal", "HighFree", "LowTotal", "LowFree"] : [])
            + ["Dirty", "Writeback", "FilePages", "Mapped", "AnonPages", "Shmem", "KernelStack", "PageTables",
               "SecPageTables", "NFS_Unstable", "Bounce", "WritebackTmp", "KReclaimable", "Slab", "SReclaimable",
               "SUnreclaim", "AnonHugePages", "ShmemHugePages", "ShmemPmdMapped", "FileHugePages", "FilePmdMapped",
               "HugePages_Total", "HugePages_Free", "HugePages_Surp"]
    }

    /// The fields of node index `n` in kernel order: kB, except HugePages_* (pages of the
    /// default huge page size).
    public static func fields(_ a: PageAllocator, nodeIndex n: Int) -> [(String, Int)] {
        let zones = a.nodes[n].zones
        let high = zones.filter { $0.name == "HighMem" }
        let total = zones.reduce(0) { $0 + $1.managed }, free = zones.reduce(0) { $0 + $1.nrFreePages }
        let totalHigh = high.reduce(0) { $0 + $1.managed }, freeHigh = high.reduce(0) { $0 + $1.nrFreePages }
        let s = NodeCounters.node(a, nodeIndex: n)
        let v = { (item: String) in s[item] ?? 0 }
        // K(x): pages to kB (PAGE_SHIFT 12 on x86_64 and i386).
        var kB: [String: Int] = [
            "MemTotal": total, "MemFree": free, "MemUsed": total - free,
            "Active": v("nr_active_anon") + v("nr_active_file"), "Inactive": v("nr_inactive_anon") + v("nr_inactive_file"),
            "Active(anon)": v("nr_active_anon"), "Inactive(anon)": v("nr_inactive_anon"),
            "Active(file)": v("nr_active_file"), "Inactive(file)": v("nr_inactive_file"),
            "HighTotal": totalHigh, "HighFree": freeHigh, "LowTotal": total - totalHigh, "LowFree": free - freeHigh,
            "Dirty": v("nr_dirty"), "FilePages": v("nr_file_pages"), "AnonPages": v("nr_anon_pages"),
            "KReclaimable": v("nr_slab_reclaimable"), "Slab": v("nr_slab_reclaimable"), "SReclaimable": v("nr_slab_reclaimable"),
        ]
        // AnonHugePages: K(NR_ANON_THPS), 512 pages a THP.
        kB["AnonHugePages"] = v("nr_anon_transparent_hugepages") * 512
        for (k, pages) in kB { kB[k] = pages * 4 }
        // hugetlb_report_node_meminfo: default_hstate's per-node counts, in pages.
        let h = a.hugetlb.defaultHState
        kB["HugePages_Total"] = h.nrHugePagesNode[n]
        kB["HugePages_Free"] = h.freeHugePagesNode[n]
        kB["HugePages_Surp"] = h.surplusHugePagesNode[n]
        return fieldNames(withHighmem: a.machine.topology.arch.zoneNames.contains("HighMem")).map { ($0, kB[$0] ?? 0) }
    }

    /// One line as the kernel's format strings print it: `Node %d ` and the name with its colon
    /// padded to 16 columns, then `%8lu kB` — except `FileHugePages: ` and `FilePmdMapped: `,
    /// whose format strings have one space fewer, and HugePages_* (`%-17s%5u`, no unit).
    public static func line(node: Int, _ name: String, _ value: Int) -> String {
        if name.hasPrefix("HugePages_") { return "Node \(node) " + NumastatFormat.left(name + ":", 17) + NumastatFormat.right("\(value)", 5) + "\n" }
        let width = name == "FileHugePages" || name == "FilePmdMapped" ? 15 : 16
        return "Node \(node) " + NumastatFormat.left(name + ":", width) + NumastatFormat.right("\(value)", 8) + " kB\n"
    }

    /// The file of node `id` from its fields (`fields`, or a stress result's `node_meminfo` in
    /// `fieldNames` order).
    public static func render(node id: Int, _ fields: [(String, Int)]) -> String {
        fields.map { line(node: id, $0.0, $0.1) }.joined()
    }

    public static func render(_ a: PageAllocator, nodeIndex n: Int) -> String {
        render(node: a.nodeIDs[n], fields(a, nodeIndex: n))
    }

    /// `node_meminfo` of a stress result (name → value) back in the kernel's order.
    public static func ordered(_ fields: [String: Int]) -> [(String, Int)] {
        fieldNames(withHighmem: fields["HighTotal"] != nil).compactMap { name in fields[name].map { (name, $0) } }
    }
}
