import NumaCore
import NumaTopology
import NumaWorkload

/// The free lists of every timeline zone at one sample: what `/proc/buddyinfo` prints (`nr_free`
/// of each `free_area`, mm/vmstat.c `frag_show_print`) and the "Free pages count per migrate
/// type at order" table of `/proc/pagetypeinfo` (`pagetypeinfo_showfree_print`), for orders
/// 0…MAX_ORDER-1.
///
/// Both are read per zone under `zone->lock`, as `walk_zones_in_node` takes it for the two
/// files: 11 `nr_free` words and 55 list lengths (each list keeps its count, so no list is
/// walked; untouched order-10 blocks are counted as `Zone.freeBlocks` counts them), with the
/// zone's NR_FREE_PAGES read under the same lock, so a sample's `free` and its free lists agree
/// even while the concurrent engine's CPUs run.
///
/// Held compactly: one array of counts per zone, in the order of `Timeline.zones`, and a zone
/// whose counts did not change since the previous sample shares that sample's array (copy on
/// write), so a long run on a wide machine costs memory only for the zones that moved. The JSON
/// keys them by node id, then zone name (then migratetype name), as docs/json.md describes.
public struct FreeAreaCounts: Sendable, Equatable {
    /// What each zone's array holds: `nr_free` per order, or free blocks per migratetype
    /// (`MigrateType.allCases` order) then order.
    public enum Kind: Sendable, Equatable { case buddyinfo, pagetypeinfo }

    public var kind: Kind
    /// `node:Zone` of each zone (the timeline's `zones`; one copy shared by every sample).
    public var zones: [String]
    /// Per zone: `FreeArea.maxOrder` counts (buddyinfo) or `MigrateType.count` × that (pagetypeinfo).
    public var counts: [[Int]]

    public init(kind: Kind, zones: [String], counts: [[Int]]) {
        self.kind = kind; self.zones = zones; self.counts = counts
    }

    /// Counts per zone.
    public var width: Int { kind == .buddyinfo ? FreeArea.maxOrder : MigrateType.count * FreeArea.maxOrder }

    /// Free blocks of each order in zone `z` (buddyinfo), or of migratetype `mt` (pagetypeinfo).
    public func blocks(zone z: Int, _ mt: MigrateType? = nil) -> [Int] {
        let base = mt.map { Int($0.rawValue) * FreeArea.maxOrder } ?? 0
        return Array(counts[z][base..<(base + FreeArea.maxOrder)])
    }

    /// Σ blocks × 2^order of zone `z`: its free pages as its free lists hold them (equal to
    /// NR_FREE_PAGES while no MIGRATE_ISOLATE list holds pages, which `__free_one_page` does not
    /// count in NR_FREE_PAGES).
    public func pages(zone z: Int) -> Int {
        counts[z].enumerated().reduce(0) { $0 + $1.element << ($1.offset % FreeArea.maxOrder) }
    }
}

extension FreeAreaCounts: Codable {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// `{"0": {"DMA32": "n0 n1 … n10"}}` (buddyinfo) or `{"0": {"DMA32": {"Movable": "n0 … n10"}}}`
    /// (pagetypeinfo; a migratetype with no free block at any order is left out): each row's
    /// 11 counts as one string of space-separated numbers, as the /proc files print them — a
    /// pretty-printed array would cost a line per count, and a long run's timeline holds
    /// thousands of rows.
    public func encode(to encoder: Encoder) throws {
        var byNode = encoder.container(keyedBy: Key.self)
        var z = 0
        while z < zones.count {
            let node = Self.node(of: zones[z])
            var byZone = byNode.nestedContainer(keyedBy: Key.self, forKey: Key(node))
            while z < zones.count, Self.node(of: zones[z]) == node {
                let name = Self.zoneName(of: zones[z])
                switch kind {
                case .buddyinfo:
                    try byZone.encode(Self.row(counts[z][...]), forKey: Key(name))
                case .pagetypeinfo:
                    var byType = byZone.nestedContainer(keyedBy: Key.self, forKey: Key(name))
                    for mt in MigrateType.allCases {
                        let b = blocks(zone: z, mt)
                        if b.contains(where: { $0 != 0 }) { try byType.encode(Self.row(b[...]), forKey: Key(mt.description)) }
                    }
                }
                z += 1
            }
        }
    }

    /// Reads either form back; zones in node id order, then zone index order (`ZoneType`).
    public init(from decoder: Decoder) throws {
        let byNode = try decoder.container(keyedBy: Key.self)
        var zones: [String] = [], counts: [[Int]] = []
        var kind = Kind.buddyinfo
        let rank = { (name: String) in ZoneType.allCases.firstIndex { $0.rawValue == name } ?? ZoneType.allCases.count }
        for node in byNode.allKeys.sorted(by: { (Int($0.stringValue) ?? 0, $0.stringValue) < (Int($1.stringValue) ?? 0, $1.stringValue) }) {
            let byZone = try byNode.nestedContainer(keyedBy: Key.self, forKey: node)
            for zone in byZone.allKeys.sorted(by: { (rank($0.stringValue), $0.stringValue) < (rank($1.stringValue), $1.stringValue) }) {
                zones.append("\(node.stringValue):\(zone.stringValue)")
                if let text = try? byZone.decode(String.self, forKey: zone) {
                    counts.append(try Self.counts(text, byZone, zone))
                } else {
                    kind = .pagetypeinfo
                    let byType = try byZone.nestedContainer(keyedBy: Key.self, forKey: zone)
                    var row = [Int](repeating: 0, count: MigrateType.count * FreeArea.maxOrder)
                    for mt in MigrateType.allCases {
                        guard let text = try byType.decodeIfPresent(String.self, forKey: Key(mt.description)) else { continue }
                        let c = try Self.counts(text, byType, Key(mt.description))
                        for (o, n) in c.prefix(FreeArea.maxOrder).enumerated() { row[Int(mt.rawValue) * FreeArea.maxOrder + o] = n }
                    }
                    counts.append(row)
                }
            }
        }
        self.init(kind: kind, zones: zones, counts: counts)
    }

    /// A row as JSON carries it: the counts joined by single spaces.
    static func row(_ counts: ArraySlice<Int>) -> String { counts.map(String.init).joined(separator: " ") }

    /// A row read back: 11 non-negative counts.
    static func counts(_ text: String, _ container: KeyedDecodingContainer<Key>, _ key: Key) throws -> [Int] {
        let c = text.split(separator: " ").compactMap { Int($0) }
        guard c.count == FreeArea.maxOrder, c.allSatisfy({ $0 >= 0 }) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container,
                debugDescription: "expected \(FreeArea.maxOrder) counts separated by spaces, got '\(text)'")
        }
        return c
    }

    /// The node id and the zone name of a `node:Zone` timeline zone.
    public static func node(of zone: String) -> String { String(zone.prefix { $0 != ":" }) }
    public static func zoneName(of zone: String) -> String { String(zone.drop { $0 != ":" }.dropFirst()) }
}

extension StressObserver {
    /// Both tables of every timeline zone, and each zone's NR_FREE_PAGES read under the same
    /// lock. `previous`: the last kept sample's tables, whose arrays an unchanged zone reuses
    /// (the counts are read into a stack buffer and compared first, so such a zone allocates
    /// nothing). O(zones × 66), one uncontended lock per zone.
    func captureFreeAreas(previous: TimelineSample?) -> (free: [Int], buddyinfo: FreeAreaCounts, pagetypeinfo: FreeAreaCounts) {
        let orders = FreeArea.maxOrder, width = FreeArea.maxOrder * (1 + MigrateType.count), types = MigrateType.allCases
        var free: [Int] = [], byOrder: [[Int]] = [], byType: [[Int]] = []
        free.reserveCapacity(zoneRefs.count); byOrder.reserveCapacity(zoneRefs.count); byType.reserveCapacity(zoneRefs.count)
        let before = (orders: previous?.buddyinfo?.counts ?? [], types: previous?.pagetypeinfo?.counts ?? [])
        withUnsafeTemporaryAllocation(of: Int.self, capacity: width) { buf in
            for (i, zone) in zoneRefs.enumerated() {
                free.append(zone.lock.withLock {
                    for order in 0..<orders { buf[order] = zone.freeArea.nrFree(order: order) }
                    for (k, mt) in types.enumerated() {
                        for order in 0..<orders { buf[orders * (1 + k) + order] = zone.freeBlocks(order: order, mt) }
                    }
                    return zone.nrFreePages
                })
                let o = UnsafeBufferPointer(rebasing: buf[0..<orders]), t = UnsafeBufferPointer(rebasing: buf[orders..<width])
                byOrder.append(i < before.orders.count && before.orders[i].elementsEqual(o) ? before.orders[i] : Array(o))
                byType.append(i < before.types.count && before.types[i].elementsEqual(t) ? before.types[i] : Array(t))
            }
        }
        return (free, FreeAreaCounts(kind: .buddyinfo, zones: timeline.zones, counts: byOrder),
                FreeAreaCounts(kind: .pagetypeinfo, zones: timeline.zones, counts: byType))
    }

    /// Phase `phase` is done. After a step that changes the machine's free memory with no task
    /// running (`compact_memory`, `hugepages:`, `hotplug:`), a sample: the timeline then shows
    /// what it did to the free lists (as the workload's last phase it would otherwise leave no
    /// sample after it). Task and process phases close with their own sample (`endPhase`).
    func phaseDone(_ phase: Workload.Phase, _ a: PageAllocator, clock: @escaping () -> Int, kswapdRuns: @escaping () -> [Int]) {
        switch phase {
        case .compactMemory, .hugepages, .hotplug: break
        default: return
        }
        self.clock = clock
        runs = kswapdRuns
        setUpZones(a)
        sample(force: true)
    }
}
