import XCTest
import NumaTestSupport
@testable import NumaCore

/// The page cache's xarray nodes (lib/xarray.c `xas_create`/`xas_expand`) and the
/// `radix_tree_node` slab that holds them (mm/slub.c `allocate_slab`).
final class XArrayNodeSlabTests: XCTestCase {
    static let twoNodes = """
        name: two
        nodes: [{id: 0, cpus: "0-1", memory: 1GiB}, {id: 1, cpus: "2-3", memory: 1GiB}]
        distances: [[10, 21], [21, 10]]
        sysctl: {transparent_hugepage: never}
        """

    /// Storing indexes 0…N−1 in order: one leaf per 64 indexes, one level-2 node per 4096,
    /// one level-3 node per 262144, plus the new top node each time the tree grows a level.
    /// The kernel samples' 157184-page file: 2456 leaves + 39 + 1 = 2496 nodes.
    func testSequentialStoresAddOneNodePerChunkAtEveryLevel() {
        let file = PageCache().file("f")
        var total = 0
        var added: [Int: [Int]] = [:]
        for i in 0..<157_184 {
            let n = file.newXArrayNodes(storing: i)
            total += n
            if n > 1 { added[n, default: []].append(i) }
        }
        XCTAssertEqual(total, 2456 + 39 + 1)
        // Index 64 needs a second level (a new top node over leaf 0, and leaf 1); index 4096 a
        // third (a new top node over the level-2 node 0, a level-2 node 1, and leaf 64); every
        // later multiple of 4096 a level-2 node and a leaf.
        XCTAssertEqual(added[3], [4096])
        XCTAssertEqual(added[2], [64] + stride(from: 8192, to: 157_184, by: 4096))
        // Storing again, or storing where a node exists, adds nothing.
        XCTAssertEqual(file.newXArrayNodes(storing: 100), 0)
        XCTAssertEqual(file.newXArrayNodes(storing: 157_183), 0)
    }

    /// A first store far from 0 makes the whole path at once, with no node for an old tree.
    func testFirstStoreBuildsItsPathOnly() {
        let file = PageCache().file("g")
        // 5000 needs three levels: leaf 78, level-2 node 1, and the top node.
        XCTAssertEqual(file.newXArrayNodes(storing: 5000), 3)
        // Then index 0 under the same top node: leaf 0 and level-2 node 0.
        XCTAssertEqual(file.newXArrayNodes(storing: 0), 2)
    }

    /// 28 nodes per order-2 slab, taken on the reading CPU's node, and a reclaimable
    /// allocation: 2496 nodes need 90 slabs = 360 pages on node 1 for a reader on CPU 2 (the
    /// kernel samples' wl6 read grew node 0's nr_slab_reclaimable by 393 pages, inodes and
    /// dentries included).
    func testSlabPagesComeOrderTwoReclaimableFromTheReadersNode() throws {
        let a = PageAllocator(machine: try boot(Self.twoNodes))
        let slab = XArrayNodeSlab()
        func reclaimableBlocks() -> Int {
            a.nodes[1].zones.reduce(0) { n, z in
                n + stride(from: z.startPfn, to: z.endPfn, by: z.pageblockPages).filter { z.memmap.pageblockMigrateType(pfn: $0) == .reclaimable }.count
            }
        }
        let reclaimableBefore = reclaimableBlocks()
        slab.allocate(2496, allocator: a, cpu: 2)
        XCTAssertEqual(slab.slabPages(), [1: 360])
        XCTAssertEqual(slab.failedAllocations, 0)
        // The first order-2 reclaimable allocation found no reclaimable free block and stole one.
        XCTAssertGreaterThan(reclaimableBlocks(), reclaimableBefore)
        for r in a.checkInvariants() { XCTAssertTrue(r.ok, "\(r.violations)") }
    }
}
