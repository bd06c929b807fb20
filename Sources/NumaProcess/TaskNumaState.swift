import NumaCore

/// The NUMA-balancing fields of a `task_struct` and the arithmetic kernel/sched/fair.c (Linux
/// 6.1) does on them: the scan period (`task_scan_min`, `task_scan_max`, `task_scan_start`,
/// `update_task_scan_period`), the fault statistics (`task_numa_fault`) and the preferred node
/// (`task_numa_placement`). Numbers are the kernel's: periods in ms, NUMA_PERIOD_SLOTS 10,
/// NUMA_PERIOD_THRESHOLD 7, MAX_SCAN_WINDOW 2560 MB/s.
///
/// Not modelled: `numa_group` (tasks that share pages are never grouped, so a shared fault is
/// treated as the kernel treats one before the group exists) and task migration to the
/// preferred node (`task_numa_migrate`): process threads are bound to one CPU, where the kernel
/// would not move them either. The CPU-side buffers (`NUMA_CPU`/`NUMA_CPUBUF`) only feed
/// groups and task migration, so they are left out too.
public struct TaskNumaState: Sendable, Equatable {
    /// `pid` (the low 8 bits go into a page's last_cpupid).
    public let pid: Int
    /// `node_stamp`: runtime (ns) at which the next scan is due.
    var nodeStamp = 0
    /// `numa_scan_period` (ms); `init_numa_balancing` starts it at the scan delay.
    public internal(set) var scanPeriod: Int
    /// `numa_scan_period_max` (ms).
    var scanPeriodMax = 0
    /// `numa_scan_seq`: the mm's scan pass this task last accounted.
    var scanSeq = 0
    /// `numa_preferred_nid` (nil: NUMA_NO_NODE).
    public internal(set) var preferredNid: Int?
    /// `numa_faults[NUMA_MEM]` and `[NUMA_MEMBUF]`, by `node * 2 + priv`.
    var faultsMem: [Int]
    var faultsMembuf: [Int]
    /// `numa_faults_locality`: remote, local, migration failed.
    var locality = [0, 0, 0]
    public internal(set) var totalFaults = 0
    /// `numa_pages_migrated`.
    public internal(set) var pagesMigrated = 0
    /// `numa_migrate_retry` (jiffies): placement runs on faults after it.
    var migrateRetry: UInt64 = 0

    public init(pid: Int, nodeIDs: Int, scanDelayMs: Int) {
        self.pid = pid
        scanPeriod = scanDelayMs
        faultsMem = [Int](repeating: 0, count: 2 * nodeIDs)
        faultsMembuf = faultsMem
    }

    /// What the period arithmetic reads: the sysctls and the mm's RSS in pages.
    public struct ScanInputs: Sendable {
        public var scanSizeMB: Int, periodMinMs: Int, periodMaxMs: Int
        public var rssPages: Int
        public init(scanSizeMB: Int, periodMinMs: Int, periodMaxMs: Int, rssPages: Int) {
            self.scanSizeMB = scanSizeMB
            self.periodMinMs = periodMinMs
            self.periodMaxMs = periodMaxMs
            self.rssPages = rssPages
        }

        /// `task_nr_scan_windows`: the RSS in scan-size windows, rounded up (an empty mm: 1).
        var scanWindows: Int {
            let scanPages = max(1, scanSizeMB << (20 - 12))
            let rss = rssPages == 0 ? scanPages : rssPages
            return (rss + scanPages - 1) / scanPages
        }

        /// `task_scan_min`: the minimum period over the windows, floored so that no more than
        /// MAX_SCAN_WINDOW MB are scanned a second.
        public var scanMin: Int {
            var windows = 1
            if scanSizeMB < 2560 && scanSizeMB > 0 { windows = 2560 / scanSizeMB }
            let floor = 1000 / windows
            return max(floor, periodMinMs / scanWindows)
        }

        /// `task_scan_max` (no numa_group): the maximum period over the windows, at least the minimum.
        public var scanMax: Int { max(scanMin, periodMaxMs / scanWindows) }

        /// `task_scan_start` (no numa_group).
        public var scanStart: Int { scanMin }
    }

    /// `task_numa_fault`'s bookkeeping for `pages` hinting faults on memory of node `memNode`
    /// (`priv`: the page was last touched by this task; `local`: TNF_FAULT_LOCAL). Runs
    /// `task_numa_placement` first when the mm's scan sequence moved on.
    @discardableResult
    mutating func recordFault(memNode: Int, priv: Bool, local: Bool, migrated: Bool, migrateFailed: Bool, pages: Int,
                              now: UInt64, mmScanSeq: Int, inputs: ScanInputs, cpuNodes: Set<Int>,
                              distance: (Int, Int) -> Int) -> Bool {
        var placed = false
        // Retry to migrate task to preferred node periodically (time_after(jiffies, retry)).
        if Jiffies.isBefore(migrateRetry, now) {
            placed = placement(mmScanSeq: mmScanSeq, inputs: inputs, cpuNodes: cpuNodes, distance: distance)
            // numa_migrate_preferred: the next retry; `task_numa_migrate` cannot move a thread
            // bound to one CPU, so nothing else happens.
            if preferredNid != nil {
                migrateRetry = now &+ min(UInt64(Jiffies.hz), Jiffies.fromMilliseconds(scanPeriod) / 16)
            }
        }
        if migrated { pagesMigrated += pages }
        if migrateFailed { locality[2] += pages }
        let i = memNode * 2 + (priv ? 1 : 0)
        if i < faultsMembuf.count { faultsMembuf[i] += pages }
        locality[local ? 1 : 0] += pages
        return placed
    }

    /// `task_numa_placement` without a group: once per scan pass, decay the fault statistics
    /// (halve, add the pass's faults), pick the node with the most as the preferred one (the
    /// nearest node with CPUs if it has none), and adapt the scan period. Returns whether it ran.
    @discardableResult
    mutating func placement(mmScanSeq: Int, inputs: ScanInputs, cpuNodes: Set<Int>, distance: (Int, Int) -> Int) -> Bool {
        guard scanSeq != mmScanSeq else { return false }
        scanSeq = mmScanSeq
        scanPeriodMax = inputs.scanMax
        var faultTypes = [0, 0]
        var maxFaults = 0
        var maxNid: Int?
        for nid in 0..<(faultsMem.count / 2) {
            var faults = 0
            for priv in 0..<2 {
                let i = nid * 2 + priv
                let diff = faultsMembuf[i] - faultsMem[i] / 2
                faultTypes[priv] += faultsMembuf[i]
                faultsMembuf[i] = 0
                faultsMem[i] += diff
                faults += faultsMem[i]
                totalFaults += diff
            }
            if faults > maxFaults {
                maxFaults = faults
                maxNid = nid
            }
        }
        // Cannot migrate task to CPU-less node: the nearest node with CPUs.
        if let m = maxNid, !cpuNodes.contains(m) {
            var near = m, best = Int.max
            for nid in cpuNodes.sorted() where distance(m, nid) < best {
                near = nid
                best = distance(m, nid)
            }
            maxNid = near
        }
        if maxFaults > 0, let m = maxNid, m != preferredNid { preferredNid = m }  // sched_setnuma
        updateScanPeriod(shared: faultTypes[0], private: faultTypes[1], inputs: inputs)
        return true
    }

    /// `update_task_scan_period`: scan slower when the pass saw no local or shared faults or a
    /// migration failed (double, up to the max); else by slots of a tenth of the period, slower
    /// when at least 7 in 10 faults were private or shared, faster otherwise.
    mutating func updateScanPeriod(shared: Int, private: Int, inputs: ScanInputs) {
        let remote = locality[0], local = locality[1]
        if local + shared == 0 || locality[2] != 0 {
            scanPeriod = min(scanPeriodMax, scanPeriod << 1)
            pendingNextScanMs = scanPeriod
            return
        }
        let slots = 10, threshold = 7
        let periodSlot = (scanPeriod + slots - 1) / slots
        let lrRatio = local * slots / (local + remote)
        let psRatio = `private` * slots / (`private` + shared)
        let spRatio = shared * slots / (`private` + shared)
        let diff: Int
        if psRatio >= threshold {
            diff = max(1, psRatio - threshold) * periodSlot
        } else if spRatio >= threshold {
            diff = max(1, spRatio - threshold) * periodSlot
        } else {
            diff = -(threshold - max(lrRatio, psRatio)) * periodSlot
        }
        scanPeriod = min(max(scanPeriod + diff, inputs.scanMin), inputs.scanMax)
        locality = [0, 0, 0]
    }

    /// Set when `update_task_scan_period` pushed `mm->numa_next_scan` out (ms from now); the
    /// caller applies it to the mm and clears it.
    var pendingNextScanMs: Int?
}
