import NumaProcess

/// The text and JSON views of what process phases did (`numasim stress`: the address-spaces
/// lines and `address_spaces` in `--json`).
extension AddressSpaceReport {
    /// The stress command's text lines for process phases (empty without processes).
    public var summaryText: String {
        guard !processes.isEmpty else { return "" }
        var out = "\naddress spaces: \(processes.count) process(es), pgfault \(faults), pgmajfault \(majorFaults)"
        out += ", TLB hits \(tlb.hits) misses \(tlb.misses), mm switches \(contextSwitches) (\(contextSwitchFlushes) flushing)\n"
        let f = tlbFlushes
        out += "  TLB flushes (CONFIG_DEBUG_TLBFLUSH names): nr_tlb_local_flush_one \(f.localFlushOne), nr_tlb_local_flush_all \(f.localFlushAll), "
            + "nr_tlb_remote_flush \(f.remoteFlush), nr_tlb_remote_flush_received \(f.remoteFlushReceived)\n"
        for p in processes {
            let s = p.stats
            out += "  \(p.name): \(s.accesses) accesses, \(s.faults) faults (\(s.majorFaults) major, \(s.zeroPageFaults) zero-page, "
                + "\(s.wpFaults) copy-on-write), data pages \(s.pagesAllocated) allocated / \(s.pagesFreed) freed, "
                + "page-table pages \(s.tablePagesAllocated) / \(s.tablePagesFreed)"
            if s.migrated + s.migrateFailed > 0 { out += ", migrated \(s.migrated) (failed \(s.migrateFailed))" }
            let m = s.moveRequests
            if m != SimulatedProcess.MoveOutcome() {
                out += ", move requests: \(m.moved) moved, \(m.alreadyThere) already there, \(m.notPresent) not present (-ENOENT), \(m.failed) not moved"
            }
            if s.mappedAccesses > 0 {
                out += String(format: ", mean memory latency %.1f ns over %d mapped accesses (%.1f %% on the top tier)",
                              Double(s.accessLatencyNanoseconds) / Double(s.mappedAccesses), s.mappedAccesses,
                              Double(s.topTierAccesses) * 100 / Double(s.mappedAccesses))
            }
            if s.thpFaults + s.thpFallbacks + s.hugeZeroPageFaults > 0 {
                out += ", THP: \(s.thpFaults) faulted, \(s.thpFallbacks) fell back to 4 KiB (\(s.thpFallbacksCharge) at the memcg charge), "
                    + "\(s.hugeZeroPageFaults) huge-zero-page, \(s.thpSplits) split"
                let byNode = p.thpsByNode
                if !byNode.isEmpty { out += ", mapped by node: " + byNode.keys.sorted().map { "N\($0)=\(byNode[$0]!)" }.joined(separator: " ") }
            }
            if s.numaPteUpdates + s.numaHintFaults > 0 {
                out += ", NUMA balancing: \(s.numaPteUpdates) PTEs scanned, \(s.numaHintFaults) hinting faults, \(s.numaMigrated) pages moved"
            }
            if let served = p.placement?.fallback.servedPages {
                out += ", pages allocated by node: " + served.keys.sorted().map { "N\($0)=\(served[$0]!)" }.joined(separator: " ")
            }
            out += p.exited ? (p.killed ? ", OOM-killed" : ", exited") : ", alive: \(p.residentPages) pages mapped, \(p.tablePages) table pages"
            out += "\n"
        }
        return out + tiersText
    }

    /// The JSON view (`address_spaces` in `numasim stress --json`).
    public struct JSON: Codable, Sendable {
        public struct Process: Codable, Sendable {
            public var name: String
            public var accesses, faults, major_faults, zero_page_faults, cow_faults: Int
            public var pages_allocated, pages_freed, table_pages_allocated, table_pages_freed: Int
            public var migrated, migrate_failed, resident_pages, table_pages: Int
            public var numa_pte_updates, numa_hint_faults, numa_pages_migrated: Int
            /// migrate / migrate_pages / mbind-with-move steps in move_pages terms.
            public var moves_moved, moves_already_there, moves_not_present, moves_failed: Int
            /// Pages its faults and page tables allocated, by serving node id.
            /// Accesses that found their page mapped, those on a top-tier node, their summed latency (ns).
            public var mapped_accesses, top_tier_accesses, access_latency_ns: Int
            public var pages_by_node: [String: Int]
            public var exited, oom_killed: Bool
            /// Its PID in numasim's numbering (`NumaMapsFormat.pid`) and /proc/PID/numa_maps at the
            /// end of the run (empty once exited); absent from results before numasim had them.
            public var pid: Int? = nil
            public var numa_maps: [NumaMapsEntry]? = nil
            /// Transparent huge pages (docs/thp.md): faults that mapped a THP, those that fell back
            /// to 4 KiB pages (of them at the memcg charge), read faults on the huge zero page,
            /// THPs split, and the THPs mapped at the end by node id; absent before THP faults.
            public var thp_faults: Int? = nil
            public var thp_fallbacks: Int? = nil
            public var thp_fallbacks_charge: Int? = nil
            public var huge_zero_page_faults: Int? = nil
            public var thp_splits: Int? = nil
            public var thps_by_node: [String: Int]? = nil
        }
        public var processes: [Process]
        /// Memory tiers over simulated time, and where `pattern:` touches' hot sets ended.
        public var tiers: TiersJSON?
        public var hot_sets: [HotSetJSON]
        public var pgfault, pgmajfault: Int
        public var tlb_hits, tlb_misses, tlb_evictions, mm_switches, mm_switch_flushes: Int
        public var nr_tlb_local_flush_one, nr_tlb_local_flush_all, nr_tlb_remote_flush, nr_tlb_remote_flush_received: Int
    }

    public var json: JSON {
        JSON(processes: processes.enumerated().map { index, p in
            let s = p.stats
            return JSON.Process(
                name: p.name, accesses: s.accesses, faults: s.faults, major_faults: s.majorFaults,
                zero_page_faults: s.zeroPageFaults, cow_faults: s.wpFaults, pages_allocated: s.pagesAllocated,
                pages_freed: s.pagesFreed, table_pages_allocated: s.tablePagesAllocated,
                table_pages_freed: s.tablePagesFreed, migrated: s.migrated, migrate_failed: s.migrateFailed,
                resident_pages: p.residentPages, table_pages: p.exited ? 0 : p.tablePages,
                numa_pte_updates: s.numaPteUpdates, numa_hint_faults: s.numaHintFaults, numa_pages_migrated: s.numaMigrated,
                moves_moved: s.moveRequests.moved, moves_already_there: s.moveRequests.alreadyThere,
                moves_not_present: s.moveRequests.notPresent, moves_failed: s.moveRequests.failed,
                mapped_accesses: s.mappedAccesses, top_tier_accesses: s.topTierAccesses,
                access_latency_ns: s.accessLatencyNanoseconds,
                pages_by_node: Dictionary(uniqueKeysWithValues: (p.placement?.fallback.servedPages ?? [:]).map { (String($0.key), $0.value) }),
                exited: p.exited, oom_killed: p.killed, pid: NumaMapsFormat.pid(index: index), numa_maps: p.numaMaps,
                thp_faults: s.thpFaults, thp_fallbacks: s.thpFallbacks, thp_fallbacks_charge: s.thpFallbacksCharge,
                huge_zero_page_faults: s.hugeZeroPageFaults, thp_splits: s.thpSplits,
                thps_by_node: Dictionary(uniqueKeysWithValues: p.thpsByNode.map { (String($0.key), $0.value) }))
        }, tiers: tiersJSON, hot_sets: hotSetsJSON, pgfault: faults, pgmajfault: majorFaults, tlb_hits: tlb.hits, tlb_misses: tlb.misses,
             tlb_evictions: tlb.evictions, mm_switches: contextSwitches, mm_switch_flushes: contextSwitchFlushes,
             nr_tlb_local_flush_one: tlbFlushes.localFlushOne, nr_tlb_local_flush_all: tlbFlushes.localFlushAll,
             nr_tlb_remote_flush: tlbFlushes.remoteFlush, nr_tlb_remote_flush_received: tlbFlushes.remoteFlushReceived)
    }
}
