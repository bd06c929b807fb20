import NumaTopology

/// Memory the dax/kmem driver hot-adds after boot (drivers/dax/kmem.c `dev_dax_kmem_probe` →
/// `add_memory_driver_managed`, then mm/memory_hotplug.c `online_pages` for each memory block),
/// for nodes with `memory_type: dax_kmem` or an explicit `adistance:`.
///
/// The boot (steps 1–5 of `Boot.swift`) runs without that memory: the boot zonelists, "Total
/// pages" and the first `init_per_zone_wmark_min` see only the boot memory, and
/// `memory_tier_init` puts only the boot memory nodes in tiers. Then, node by node in ascending
/// id and block by block in ascending pfn, as `online_pages` does:
///
/// 1. the block joins its zone (`move_pfn_range_to_zone`, `adjust_present_page_count`, its pages
///    freed to the buddy); the node joins N_MEMORY with its first block
///    (`node_states_set_node`);
/// 2. if the zone was unpopulated, `build_all_zonelists(NULL)`: `__build_all_zonelists` zeroes
///    `node_load` and rebuilds every node's zonelist, now seeing each node's CPUs and this node's
///    memory;
/// 3. `init_per_zone_wmark_min()` (with the high watermarks of the moment);
/// 4. `memory_notify(MEM_ONLINE)`: with the node's first block (`status_change_nid` set),
///    `memtier_hotplug_callback` → `set_node_memory_tier`, `establish_demotion_targets`, which
///    reads the `node_load` the rebuild of step 2 left.
///
/// So after the last hot-added node, the live zonelists are a full rebuild with every memory
/// node and every CPU mask (`rebuiltZonelists`), `node_load` is that build's, and the demotion
/// targets were established from it. (The node's own `hotadd_init_pgdat` build of its zonelist,
/// `build_all_zonelists(pgdat)` for a node not yet online, zeroes `node_load` too, but the
/// rebuild of step 2 follows before anything reads it.)
///
/// The memmap of hot-added memory lives in boot memory (no `memmap_on_memory`), so every page
/// of a block is managed; a topology that keeps some reserved (`managed:` below the memory) has
/// them taken from its last blocks.
extension BootedMachine {
    mutating func hotAddDriverMemory(_ plugged: [Int: [BootZone]]) {
        let size = memoryBlockPages
        for id in plugged.keys.sorted() {
            for final in plugged[id]! where final.present > 0 {
                let i = final.index
                let end = final.startPfn + final.spanned
                var presentLeft = final.present, managedLeft = final.managed
                var block = final.startPfn / size * size
                while block < end && presentLeft > 0 {
                    let span = Swift.max(block, final.startPfn)..<Swift.min(block + size, end)
                    block += size
                    let last = block >= end
                    let present = last ? presentLeft : Swift.min(presentLeft, layout.presentPages(node: id, in: span))
                    guard present > 0 else { continue }
                    let managed = last ? managedLeft : Swift.min(managedLeft, present)
                    presentLeft -= present
                    managedLeft -= managed
                    let wasPopulated = zones[id]![i].isPopulated
                    let hadMemory = hasMemory(id)
                    adjustZone(node: id, zone: i, pages: present, managed: managed, span: span)
                    if !wasPopulated { rebuildAllZonelists() }
                    initPerZoneWmarkMin()
                    if !hadMemory { memoryTiers = establishedMemoryTiers() }
                }
                // The zone as the topology describes it (its span; `free:` of a recorded machine).
                zones[id]![i].startPfn = final.startPfn
                zones[id]![i].spanned = final.spanned
                zones[id]![i].free = final.free
            }
        }
    }
}

extension BootedMachine {
    /// `nr_online_nodes` during boot: every node but those whose only memory a driver hot-adds
    /// later and that have no CPUs (free_area_init leaves such a possible node offline until
    /// `hotadd_init_pgdat`).
    public var nodesOnlineAtBoot: Int {
        topology.nodes.filter { !($0.isHotAdded && $0.cpus.isEmpty) }.count
    }
}

extension BootedMachine {
    /// Hot-added memory must lie where the layout puts it in ZONE_NORMAL or above: below that,
    /// `default_kernel_zone_for_pfn` would online it in ZONE_NORMAL (the node's DMA/DMA32 are
    /// empty), while numasim's layout would make it DMA/DMA32 pages.
    static func checkHotAddedZones(_ zones: [BootZone], node: NodeSpec, index i: Int, arch: Arch) throws(BootError) {
        guard let normal = arch.zoneIndex(.normal),
              let low = zones.first(where: { $0.index < normal && $0.present > 0 }) else { return }
        throw .invalidTopology(TopologyIssue(
            place: .nodeKey(i, "memory_type"), key: "nodes[\(i)].memory_type",
            message: "node \(node.id)'s memory is hot-added after boot (memory_type: \(node.memoryType.name)) but lies in \(low.name) (from pfn \(low.startPfn)); expected memory above the \(low.name) limit, where hot-added memory goes (give ranges: above 4 GiB, or list the node after the boot memory)"))
    }
}

extension BootZone {
    /// The zone of a node whose memory is not online yet: no span, no pages.
    var unpopulated: BootZone {
        var z = self
        z.startPfn = 0
        z.spanned = 0
        z.present = 0
        z.managed = 0
        z.bootEstimate = 0
        z.free = 0
        return z
    }
}
