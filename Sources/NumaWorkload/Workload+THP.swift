import NumaCore
import NumaTopology
import Yams

/// `thp: fault|madvise` on a thread group: its order-9 anonymous allocations are transparent
/// huge page faults of an anonymous area (NumaCore/THP, mm/huge_memory.c Linux 6.1) — without
/// MADV_HUGEPAGE (`fault`) or with it (`madvise`) — instead of plain buddy blocks: THP allowed
/// by `transparent_hugepage` (`madvise` mode takes only `thp: madvise` groups), the GFP mask of
/// `vma_thp_gfp_mask` under `transparent_hugepage_defrag`, the node by `vma_alloc_folio`'s
/// hugepage rules with the group's policy, and on failure the fallback the fault takes: 512
/// order-0 pages with the group's `gfp` (THP_FAULT_FALLBACK). A THP is one LRU folio: reclaim
/// splits it before swap-out, demotion moves it whole.
extension Workload {
    public enum THPFault: String, Sendable, Equatable {
        case fault, madvise
        /// VM_HUGEPAGE on the group's area.
        public var madvised: Bool { self == .madvise }
    }

    static func thpFault(_ m: [String: Yams.Node], _ path: String, _ spec: ThreadSpec, _ r: YAMLReader) throws -> THPFault? {
        guard let n = m["thp"] else { return nil }
        let text = try r.scalar(n, "\(path).thp", "fault or madvise")
        guard let mode = THPFault(rawValue: text) else { throw r.fail(n, "\(path).thp", "expected fault or madvise, got '\(text)'") }
        guard spec.kind == .anon, spec.file == nil else {
            throw r.fail(n, "\(path).thp", "transparent huge pages back anonymous memory; this group is \(spec.kind) (give kind: anon)")
        }
        guard spec.orders.contains(where: { $0.order == TransparentHugepage.order }) else {
            throw r.fail(n, "\(path).thp", "a THP is an order-\(TransparentHugepage.order) allocation; give order: 9 (or a map with 9 in it)")
        }
        return mode
    }
}
