/// Checks of the run-time state a zone recorded (`boost`, `pcp_count`, `lru`, `free_blocks`,
/// `pageblocks`): each number must be one a Linux 6.1 zone can hold at one moment.
extension TopologyValidator {
    static func checkZoneState(_ o: ZoneOverride, node i: Int, zone: String, cpus: Int, arch: Arch) throws(TopologyIssue) {
        let base = "zones.\(zone)"
        func issue(_ key: String, _ message: String) -> TopologyIssue {
            TopologyIssue(place: .nodeKey(i, "\(base).\(key)"), key: "nodes[\(i)].\(base).\(key)", message: message)
        }
        // zoneinfo prints min/low/high with the boost included (min_wmark_pages() adds it).
        if let b = o.boost, b > 0, let m = o.min, b > m {
            throw issue("boost", "boost \(b) is above the recorded min watermark \(m); zoneinfo prints min = _watermark[WMARK_MIN] + watermark_boost, so expected boost <= min")
        }
        if let p = o.pcpCount, p.count != cpus {
            throw issue("pcp_count", "expected \(cpus) counts (one per CPU of the machine, in ascending CPU id), got \(p.count)")
        }
        if let rows = o.freeBlocks {
            if rows[PageblockTypes.isolate].contains(where: { $0 > 0 }) {
                throw issue("free_blocks.Isolate", "free pages of isolated pageblocks are a transient state (start_isolate_page_range during offlining or alloc_contig_range) numasim does not replay; expected none")
            }
            if let pages = o.freeBlockPages, let f = o.free, pages != f {
                throw issue("free_blocks", "the free blocks hold \(pages) pages, but the zone's free is \(f); expected the per order × migratetype counts to add up to NR_FREE_PAGES (files captured at the same moment)")
            }
        }
        if let counts = o.pageblocks {
            if counts[PageblockTypes.isolate] > 0 {
                throw issue("pageblocks.Isolate", "isolated pageblocks are a transient state numasim does not replay; expected 0")
            }
            if let s = o.startPfn, let n = o.spanned, n > 0 {
                let order = arch.pageblockOrder
                let blocks = ((s + n - 1) >> order) - (s >> order) + 1
                let total = counts.reduce(0, +)
                if total > blocks {
                    throw issue("pageblocks", "\(total) pageblocks, but the zone's span (pfn \(s)…\(s + n - 1)) has \(blocks) of \(1 << order) pages; expected at most \(blocks)")
                }
            }
        }
        if let m = o.managed {
            let free = o.freeBlockPages ?? o.free ?? 0
            let pcp = o.pcpCount?.reduce(0, +) ?? 0
            let lru = o.lru?.total ?? 0
            if free + pcp + lru > m {
                let key = lru > 0 ? "lru" : (pcp > 0 ? "pcp_count" : "free")
                throw issue(key, "free (\(free)) + pcp (\(pcp)) + LRU (\(lru)) pages = \(free + pcp + lru) exceed managed (\(m)); expected every page in one place")
            }
        }
    }
}
