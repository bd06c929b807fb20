import NumaCore

/// The THP fault case: order-9 alloc+free through the fault's allocation path
/// (`vma_thp_gfp_mask` + `vma_alloc_folio(…, hugepage=true)`: the this-node attempt with
/// `__GFP_THISNODE | __GFP_NORETRY`), the folio on the LRU (`lru_cache_add`, NR_ANON_THPS) and
/// its release (off the LRU, `free_unref_page` of an order-9 block: the pcp's THP list) —
/// everything a process's THP fault does but the 512 PTEs.
extension Bench {
    /// The best ns per THP fault + free pair.
    func thpFault() throws -> BenchResult {
        let name = "THP fault alloc+free (order 9)"
        guard machine.thpEnabled, machine.topology.sysctl.transparentHugepage != .never else {
            return BenchResult(name: name, note: "not run: THP is off on this machine (transparent_hugepage: never, or under 512 MiB of RAM)")
        }
        var best = Double.infinity
        let rounds = max(1, pairs / 16)
        for _ in 0..<runs {
            let a = PageAllocator(machine: machine)
            let gfp = a.thpFaultGFP(vmaMadvised: false)
            let clock = ContinuousClock()
            let start = clock.now
            for i in 0..<rounds {
                guard case .success(let b) = a.allocHugepageVMA(gfp: gfp, policy: .default, cpu: cpu, hugeOffset: i).result else {
                    throw BenchError("\(name): the THP allocation failed during the benchmark")
                }
                a.addToLRU(b, kind: .anon)
                guard a.release(b, cpu: cpu) else { throw BenchError("\(name): the THP was not freed") }
            }
            best = min(best, Self.nanoseconds(clock.now - start) / Double(rounds))
        }
        return BenchResult(name: name, nsPerPair: best, nsPerOp: best / 2)
    }
}
