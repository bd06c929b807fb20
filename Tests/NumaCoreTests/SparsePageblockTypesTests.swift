import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaTopology

/// The sparse pageblock migratetypes (`PageblockTypes`, the kernel's `pageblock_flags`): every
/// pageblock reads MOVABLE until another type is stored, a chunk of 4096 pageblocks is written
/// (its host page committed) only then, and host memory follows the chunks touched, not the
/// machine.
final class SparsePageblockTypesTests: XCTestCase {
    /// Stores and loads across chunk boundaries, from a table whose first pageblock is not
    /// chunk-aligned (as a zone starting mid-chunk): what is stored is read back, every other
    /// pageblock reads MOVABLE, storing MOVABLE into an untouched chunk materialises nothing,
    /// and the scans see exactly the stored types.
    func testTypesRoundTripAcrossChunkBoundaries() {
        let c = PageblockTypes.chunkBlocks
        let first = c - 6, last = 3 * c + 5            // chunks 0…3, the first and last partial
        let order = 9
        let t = PageblockTypes(blocks: first...last, pageblockOrder: order)
        defer { t.deallocate() }
        XCTAssertEqual(t.chunkCount, 4)
        XCTAssertEqual(t.materialisedChunks, 0)
        let empty = t.storageBytes
        XCTAssertLessThanOrEqual(empty, 4 * 8, "only the per-chunk bookkeeping before any store")
        func pfn(_ block: Int) -> Int { (block << order) + 17 }   // any pfn inside the block

        t.set(pfn: pfn(2 * c + 100), .movable)
        XCTAssertEqual(t.materialisedChunks, 0, "MOVABLE is what an untouched chunk already reads")

        let stored: [Int: MigrateType] = [c - 1: .unmovable, c: .reclaimable, 2 * c - 1: .highAtomic,
                                          3 * c: .isolate, 3 * c + 5: .unmovable]
        for (b, mt) in stored { t.set(pfn: pfn(b), mt) }
        XCTAssertEqual(t.materialisedChunks, 3, "chunks 0, 1 and 3; chunk 2 untouched")
        XCTAssertEqual(t.storageBytes, empty + 3 * c)
        for b in first...last {
            XCTAssertEqual(t.type(pfn: pfn(b)), stored[b] ?? .movable, "block \(b)")
            XCTAssertEqual(t.type(pfn: b << order), stored[b] ?? .movable, "block \(b), first pfn")
        }

        XCTAssertEqual(t.firstBlock(in: first..<(last + 1), notOf: .movable), c - 1)
        XCTAssertEqual(t.firstBlock(in: c..<(last + 1), notOf: .movable), c)
        XCTAssertEqual(t.firstBlock(in: (c + 1)..<(2 * c - 1), notOf: .movable), nil)
        XCTAssertEqual(t.firstBlock(in: (2 * c)..<(3 * c), notOf: .movable), nil, "an untouched chunk")
        XCTAssertEqual(t.firstBlock(in: (2 * c + 7)..<(3 * c), notOf: .unmovable), 2 * c + 7,
                       "an untouched chunk is all MOVABLE")
        XCTAssertEqual(t.firstBlock(in: (2 * c - 1)..<(2 * c + 1), notOf: .highAtomic), 2 * c)

        var expected = [Int](repeating: 0, count: MigrateType.count)
        expected[Int(MigrateType.movable.rawValue)] = last - first + 1 - stored.count
        for mt in stored.values { expected[Int(mt.rawValue)] += 1 }
        XCTAssertEqual(t.counts(of: first..<(last + 1)), expected)
        XCTAssertEqual(t.counts(of: (2 * c)..<(3 * c)), [0, c, 0, 0, 0])

        // Back to MOVABLE: the chunk keeps its bytes, and reads as the default again.
        for b in stored.keys { t.set(pfn: pfn(b), .movable) }
        XCTAssertEqual(t.firstBlock(in: first..<(last + 1), notOf: .movable), nil)
        XCTAssertEqual(t.materialisedChunks, 3)
    }

    /// 2^50 bytes (256 nodes × 4 TiB, 5-level paging): after boot no pageblock chunk is
    /// written, and after unmovable and reclaimable allocations on a few nodes (which steal
    /// pageblocks, `steal_suitable_fallback`) only the chunks holding the stolen pageblocks are.
    /// A dense table would hold one byte per pageblock, written at boot: 512 MiB.
    func testPebibyteMachineStoresOnlyTouchedChunks() throws {
        var g = TopologyGenerator(nodes: 256, cpusPerNode: 1, memoryPerNode: 4 << 40)
        g.paging = .fiveLevel
        let t = try g.topology()
        let m = try BootedMachine(topology: t)
        let before = residentBytes()
        let a = PageAllocator(machine: m)
        XCTAssertLessThan(residentBytes() - before, 128 << 20, "host memory after boot (the pagesets: 25 MiB)")
        let zones = a.allZones
        let pageblocks = zones.reduce(0) { $0 + $1.memmap.pageblockCount }
        XCTAssertGreaterThan(pageblocks, (1 << 29) - (1 << 20), "2^50 bytes are about 2^29 pageblocks")
        XCTAssertEqual(zones.reduce(0) { $0 + $1.memmap.pageblockTypes.materialisedChunks }, 0, "after boot")
        let directory = zones.reduce(0) { $0 + $1.memmap.pageblockTypes.storageBytes }
        XCTAssertLessThan(directory, 1 << 20, "the per-chunk flags: a byte per 8 GiB")

        var held: [AllocatedBlock] = []
        for (k, id) in a.nodeIDs.enumerated() where k % 64 == 0 {
            let cpu = t.nodes[k].cpus.members[0]
            for i in 0..<4000 {
                let gfp: GFP = i % 3 == 0 ? [.kernel, .reclaimable] : .kernel
                guard case .success(let b) = a.allocPages(gfp: gfp, order: i % 8 == 0 ? 3 : 0, preferredNode: id, cpu: cpu) else {
                    return XCTFail("allocation failed on node \(id)")
                }
                held.append(b)
            }
        }
        for b in held.prefix(held.count / 2) { a.freePages(b, cpu: t.nodes[a.nodeIndex[b.node]!].cpus.members[0]) }

        var notMovable = 0, chunks = 0, bytes = 0
        for z in zones {
            let counts = z.memmap.pageblockTypeCounts(from: z.startPfn, blocks: z.memmap.pageblockCount)
            XCTAssertEqual(counts.reduce(0, +), z.memmap.pageblockCount)
            notMovable += z.memmap.pageblockCount - counts[Int(MigrateType.movable.rawValue)]
            chunks += z.memmap.pageblockTypes.materialisedChunks
            bytes += z.memmap.pageblockTypes.storageBytes
        }
        XCTAssertGreaterThan(notMovable, 0, "the unmovable allocations stole pageblocks")
        XCTAssertGreaterThan(chunks, 0)
        XCTAssertLessThanOrEqual(chunks, notMovable, "only chunks holding a non-MOVABLE pageblock")
        XCTAssertLessThan(bytes, directory + 64 * PageblockTypes.chunkBlocks, "a few 4 KiB chunks beside the flags")
        for n in [0, 64, 255] { for z in a.nodes[n].zones { let r = z.checkInvariants(); XCTAssertTrue(r.ok, "\(r.violations)") } }
    }
}
