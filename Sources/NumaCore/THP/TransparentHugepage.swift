import NumaTopology
import Synchronization

/// Transparent huge pages' policy decisions (mm/huge_memory.c, Linux 6.1), written once for
/// every caller: whether a fault may map a PMD-size folio (`hugepage_vma_check` with
/// `in_pf` and `enforce_sysfs`, `transhuge_vma_suitable`) and the GFP mask it allocates with
/// (`vma_thp_gfp_mask`). A THP is an order-9 (HPAGE_PMD_ORDER) compound block of 512 pages.
public enum TransparentHugepage {
    /// HPAGE_PMD_ORDER on x86_64 (PMD_SHIFT 21 − PAGE_SHIFT 12).
    public static let order = 9
    /// HPAGE_PMD_NR.
    public static let pages = 1 << order
    /// HPAGE_PMD_SIZE.
    public static let size: UInt64 = 1 << 21

    /// `hugepage_vma_check(vma, vm_flags, smaps=false, in_pf=true, enforce_sysfs=true)` for an
    /// anonymous VMA: not VM_NOHUGEPAGE, and THP `enabled` is `always`, or `madvise` with
    /// VM_HUGEPAGE set. (`hugepage_flags_enabled`, `hugepage_flags_always`; file and shmem
    /// VMAs take no THP at fault here.) O(1).
    public static func vmaAllowed(enabled: THPMode, anonymous: Bool, vmHugepage: Bool, vmNohugepage: Bool) -> Bool {
        guard anonymous, !vmNohugepage else { return false }
        switch enabled {
        case .always: return true
        case .madvise: return vmHugepage
        case .never: return false
        }
    }

    /// `transhuge_vma_suitable(vma, haddr)` for an anonymous VMA (whose `vm_pgoff` is its start
    /// page, so the offset check always passes): the 2 MiB range at `haddr` lies wholly inside
    /// `[start, end)`. nil when it does not; else `haddr`.
    public static func suitableRange(faultAddress va: UInt64, vmaStart: UInt64, vmaEnd: UInt64) -> UInt64? {
        let haddr = va & ~(size - 1)
        guard haddr >= vmaStart, haddr + size <= vmaEnd else { return nil }
        return haddr
    }

    /// `vma_thp_gfp_mask(vma)` (mm/huge_memory.c 6.1), by the `defrag` setting:
    ///
    /// | defrag | VM_HUGEPAGE area | other area |
    /// |---|---|---|
    /// | always | GFP_TRANSHUGE | GFP_TRANSHUGE \| __GFP_NORETRY |
    /// | defer | GFP_TRANSHUGE_LIGHT \| __GFP_KSWAPD_RECLAIM | the same |
    /// | defer+madvise | GFP_TRANSHUGE_LIGHT \| __GFP_DIRECT_RECLAIM | GFP_TRANSHUGE_LIGHT \| __GFP_KSWAPD_RECLAIM |
    /// | madvise | GFP_TRANSHUGE_LIGHT \| __GFP_DIRECT_RECLAIM | GFP_TRANSHUGE_LIGHT |
    /// | never | GFP_TRANSHUGE_LIGHT | GFP_TRANSHUGE_LIGHT |
    public static func gfpMask(defrag: THPDefrag, vmaMadvised: Bool) -> GFP {
        switch defrag {
        case .always:
            return vmaMadvised ? .transHuge : GFP.transHuge.union(.noretry)
        case .defer:
            return GFP.transHugeLight.union(.kswapdReclaim)
        case .deferMadvise:
            return GFP.transHugeLight.union(vmaMadvised ? .directReclaim : .kswapdReclaim)
        case .madvise:
            return vmaMadvised ? GFP.transHugeLight.union(.directReclaim) : .transHugeLight
        case .never:
            return .transHugeLight
        }
    }
}

extension PageAllocator {
    /// THP `enabled` as the machine has it: `never` when `hugepage_init` left THP off (under
    /// 512 MiB of RAM: `transparent_hugepage_flags = 0`).
    public var thpEnabledMode: THPMode {
        machine.thpEnabled ? machine.topology.sysctl.transparentHugepage : .never
    }

    /// `vma_thp_gfp_mask` under the machine's `defrag` setting.
    public func thpFaultGFP(vmaMadvised: Bool) -> GFP {
        TransparentHugepage.gfpMask(defrag: machine.topology.sysctl.transparentHugepageDefrag, vmaMadvised: vmaMadvised)
    }
}

/// Machine-wide THP state: NR_ANON_THPS per node (`nr_anon_transparent_hugepages`, the
/// node meminfo's AnonHugePages) and whether the huge zero page exists. Counters are atomics:
/// owners map and free THPs on their own threads while reclaim splits them on kswapd's.
public final class THPState: @unchecked Sendable {
    private let anon: AtomicCounters
    /// `huge_zero_page` was allocated (`get_huge_zero_page`; THP_ZERO_PAGE_ALLOC once).
    let hugeZeroPageAllocated = Atomic<Bool>(false)

    /// Split entries: for each THP reclaim split while its owner held it, the owner's stale
    /// handle → the 512 order-0 handles of its pages (as a migration entry leads to a moved
    /// page). Taken by the owner at its next use of the THP.
    private let splitLock = SpinLock()
    @exclusivity(unchecked) private var splits: [AllocatedBlock: [AllocatedBlock]] = [:]
    private let liveSplits = Atomic<Int>(0)

    init(nodes: Int) { anon = AtomicCounters(count: nodes) }

    func recordSplit(_ old: AllocatedBlock, _ parts: [AllocatedBlock]) {
        splitLock.withLock {
            if splits.updateValue(parts, forKey: old) == nil { liveSplits.wrappingAdd(1, ordering: .relaxed) }
        }
    }

    /// The pages of the THP `old` was the handle of, if reclaim split it (the entry is consumed
    /// unless `peek`).
    func split(of old: AllocatedBlock, peek: Bool = false) -> [AllocatedBlock]? {
        guard liveSplits.load(ordering: .relaxed) > 0 else { return nil }
        return splitLock.withLock {
            if peek { return splits[old] }
            guard let parts = splits.removeValue(forKey: old) else { return nil }
            liveSplits.wrappingSubtract(1, ordering: .relaxed)
            return parts
        }
    }

    /// NR_ANON_THPS of node index `n`: PMD-mapped anonymous THPs there.
    public func anonTHPs(nodeIndex n: Int) -> Int { anon[n] }
    func addAnon(nodeIndex n: Int, _ delta: Int) { anon.add(n, delta) }
}
