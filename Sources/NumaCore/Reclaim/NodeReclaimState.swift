import Synchronization

/// The reclaim fields of `pg_data_t` (include/linux/mmzone.h): the pending kswapd request
/// (`kswapd_order`, `kswapd_highest_zoneidx`), `kswapd_failures`, whether kswapd sleeps, and the
/// node's workingset and swap bookkeeping. Any CPU posts requests lock-free (the kernel uses
/// WRITE_ONCE and a wait queue); kswapd consumes them.
public final class NodeReclaimState: @unchecked Sendable {
    /// MAX_NR_ZONES means "no request pending".
    public let noRequest: Int
    let kswapdOrderAtomic = Atomic<Int>(0)
    let kswapdHighestZoneAtomic: Atomic<Int>
    let failuresAtomic = Atomic<Int>(0)
    /// kswapd is asleep on `kswapd_wait` (true until its first wake-up).
    let sleepingAtomic = Atomic<Bool>(true)
    /// Wake-ups delivered while kswapd was napping (the "remaining > 0" of its 100 ms nap).
    let wokenDuringNapAtomic = Atomic<Bool>(false)
    /// PGDAT_RECLAIM_LOCKED: one node_reclaim at a time.
    let reclaimLocked = Atomic<Bool>(false)
    /// Which of several preferred demotion targets is next (`next_demotion_node`).
    let demotionTurn = Atomic<Int>(0)
    /// Pages demoted from this node (its share of `pgdemote_*`; the kernel counts those per
    /// node too, as node statistics).
    let demotedAtomic = Atomic<Int>(0)
    public var demoted: Int { demotedAtomic.load(ordering: .relaxed) }
    /// NR_FILE_DIRTY of the node (pages).
    let dirtyFileAtomic = Atomic<Int>(0)
    /// WORKINGSET_REFAULT_ANON, WORKINGSET_REFAULT_FILE and NR_WRITTEN of the node (pages): the
    /// node-stat items /proc/vmstat sums and `/sys/devices/system/node/nodeN/vmstat` prints per
    /// node. (WORKINGSET_ACTIVATE_* are the lruvec's, `LRUVec.workingsetActivate`.)
    let refaultAnonAtomic = Atomic<Int>(0)
    let refaultFileAtomic = Atomic<Int>(0)
    let writtenAtomic = Atomic<Int>(0)
    /// The classzone kswapd worked for last (`highest_zoneidx` carried between iterations of
    /// `kswapd()`); nil before its first request. Touched only by the node's kswapd.
    var kswapdClasszone: Int?

    init(maxNrZones: Int) {
        noRequest = maxNrZones
        kswapdHighestZoneAtomic = Atomic(maxNrZones)
    }

    public var kswapdFailures: Int { failuresAtomic.load(ordering: .relaxed) }
    public var isKswapdSleeping: Bool { sleepingAtomic.load(ordering: .acquiring) }
    public var dirtyFilePages: Int { dirtyFileAtomic.load(ordering: .relaxed) }
    func addDirty(_ d: Int) { dirtyFileAtomic.wrappingAdd(d, ordering: .relaxed) }
    /// WORKINGSET_REFAULT_{ANON,FILE} of the node.
    public func workingsetRefaults(file: Bool) -> Int {
        file ? refaultFileAtomic.load(ordering: .relaxed) : refaultAnonAtomic.load(ordering: .relaxed)
    }
    func addRefaults(file: Bool, _ pages: Int) {
        if file { refaultFileAtomic.wrappingAdd(pages, ordering: .relaxed) } else { refaultAnonAtomic.wrappingAdd(pages, ordering: .relaxed) }
    }
    /// NR_WRITTEN of the node: dirty page cache written back by reclaim.
    public var writtenPages: Int { writtenAtomic.load(ordering: .relaxed) }
    func addWritten(_ pages: Int) { writtenAtomic.wrappingAdd(pages, ordering: .relaxed) }

    /// Merge a request into the pending one (`wakeup_kswapd`'s first half).
    func post(order: Int, highestZone: Int) {
        var cur = kswapdHighestZoneAtomic.load(ordering: .relaxed)
        while cur == noRequest || cur < highestZone {
            let r = kswapdHighestZoneAtomic.compareExchange(expected: cur, desired: highestZone, ordering: .relaxed)
            if r.exchanged { break }
            cur = r.original
        }
        var o = kswapdOrderAtomic.load(ordering: .relaxed)
        while o < order {
            let r = kswapdOrderAtomic.compareExchange(expected: o, desired: order, ordering: .relaxed)
            if r.exchanged { break }
            o = r.original
        }
    }

    /// The engine's kswapd marks itself asleep or awake (`kswapd_wait` membership).
    public func setSleeping(_ v: Bool) { sleepingAtomic.store(v, ordering: .releasing) }

    /// kswapd takes the pending request (order, classzone or nil) and clears it.
    public func consumeRequest() -> (order: Int, highestZone: Int?) { consume() }

    func consume() -> (order: Int, highestZone: Int?) {
        let o = kswapdOrderAtomic.exchange(0, ordering: .relaxed)
        let hz = kswapdHighestZoneAtomic.exchange(noRequest, ordering: .relaxed)
        return (o, hz == noRequest ? nil : hz)
    }
}
