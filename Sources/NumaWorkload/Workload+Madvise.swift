import NumaTopology
import Yams

/// The process step `madvise: {vma, offset, length, advice, select}` (madvise(2), mm/madvise.c
/// Linux 6.1): `advice: dontneed` (MADV_DONTNEED, `madvise_dontneed_single_vma` →
/// `zap_page_range`), `hugepage` and `nohugepage` (MADV_HUGEPAGE / MADV_NOHUGEPAGE,
/// `hugepage_madvise`: VM_HUGEPAGE / VM_NOHUGEPAGE on the range's VMAs). With `dontneed`,
/// `select: odd_pfn|even_pfn` drops only the pages whose frame number is odd/even — not a
/// kernel option, the classic way to leave a node full of order-0 holes that cannot merge (the
/// kernel's own tests do it page by page).
extension Workload {
    public struct MadviseSpec: Sendable, Equatable {
        public enum Advice: String, Sendable, Equatable { case dontneed, hugepage, nohugepage }
        public enum Select: String, Sendable, Equatable {
            case all, oddPfn = "odd_pfn", evenPfn = "even_pfn"
            /// Whether a page at frame `pfn` is one to drop.
            public func matches(pfn: Int) -> Bool {
                switch self {
                case .all: return true
                case .oddPfn: return pfn & 1 == 1
                case .evenPfn: return pfn & 1 == 0
                }
            }
        }
        public var range: RangeRef
        public var advice: Advice
        public var select: Select
        public init(range: RangeRef, advice: Advice = .dontneed, select: Select = .all) {
            self.range = range
            self.advice = advice
            self.select = select
        }
    }

    static func madvise(_ body: Yams.Node, _ sp: String, _ r: YAMLReader) throws -> MadviseSpec {
        let m = try r.mapping(body, sp, allowed: ["vma", "offset", "length", "advice", "select"])
        guard let a = m["advice"] else { throw r.fail(body, "\(sp).advice", "missing; expected dontneed, hugepage or nohugepage") }
        let text = try r.scalar(a, "\(sp).advice", "an advice")
        guard let advice = MadviseSpec.Advice(rawValue: text) else {
            throw r.fail(a, "\(sp).advice", "expected dontneed, hugepage or nohugepage, got '\(text)'")
        }
        var spec = MadviseSpec(range: try range(m, body, sp, r), advice: advice)
        if let s = m["select"] {
            guard advice == .dontneed else { throw r.fail(s, "\(sp).select", "select applies to advice: dontneed only") }
            let st = try r.scalar(s, "\(sp).select", "all, odd_pfn or even_pfn")
            guard let sel = MadviseSpec.Select(rawValue: st) else {
                throw r.fail(s, "\(sp).select", "expected all, odd_pfn or even_pfn, got '\(st)'")
            }
            spec.select = sel
        }
        return spec
    }
}
