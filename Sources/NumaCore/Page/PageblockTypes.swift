import Synchronization

/// The migratetype of every pageblock of a zone: the kernel's `pageblock_flags` — the `usemap`
/// SPARSEMEM keeps per memory section, read and written by `get_pfnblock_flags_mask` and
/// `set_pfnblock_flags_mask` (mm/page_alloc.c, Linux 6.1) — costing host memory only where a
/// type was changed.
///
/// `memmap_init` marks every pageblock MIGRATE_MOVABLE, and on a big machine almost every
/// pageblock stays so: only fallback stealing, the highatomic reserve, hotplug and a recorded
/// layout change a type. The table is one byte per pageblock in reserved address space
/// (`ReservedAddressSpace`, as the page records are), stored XOR MOVABLE so that a byte never
/// written — zero, as the host supplies it — reads MOVABLE. Nothing is written at boot; the
/// host commits memory a **chunk** at a time — `chunkBlocks` (4096) consecutive pageblocks,
/// aligned to absolute pageblock numbers, one 4 KiB host page covering 8 GiB of 4 KiB pages
/// with 2 MiB pageblocks — when a type other than MOVABLE is first stored in it. A flag per
/// chunk records that, so scans skip the chunks never written without reading them (which
/// would map the host's zero page under the whole table) and storing MOVABLE into such a
/// chunk writes nothing.
///
/// Costs:
/// - `type`: one byte load and an XOR, O(1) — the single load of a dense byte array (a
///   two-level table of chunk pointers measured 5 % slower on `bench`'s order-0 bursts, whose
///   frees read the type behind a dependent load; docs/benchmarks.md, "Sparse pageblock
///   migratetypes"). The byte's address is `base` + the absolute pageblock number: no
///   subtraction. A never-written chunk's first read maps the host's zero page (no memory);
/// - `set`: O(1);
/// - host memory: a flag byte per chunk (128 KiB for 2^50 bytes of memory) plus `chunkBlocks`
///   bytes per chunk written, instead of one byte per pageblock written at boot (512 MiB for
///   2^50 bytes); address space: a byte per pageblock;
/// - `firstBlock(in:notOf:)` and `counts(of:)`: O(chunks in the range + pageblocks of the
///   written chunks in it).
///
/// Readers on other CPUs load bytes without the zone lock (the free path's
/// `get_pfnblock_migratetype`), so the bytes are relaxed atomics; writers, and the scans, hold
/// the zone lock, as `set_pageblock_migratetype` does. Freed with the zone (`deallocate`).
///
/// A struct of pointers and integers, stored inline in `MemMap` (and so in its `Zone`).
public struct PageblockTypes: @unchecked Sendable {
    typealias Byte = Atomic<UInt8>

    /// log2 of the pageblocks per chunk: a 4 KiB host page of bytes, or a whole host page where
    /// the host's pages are bigger (the host commits no less).
    public static let chunkShift = Swift.max(12, ReservedAddressSpace.hostPage.trailingZeroBitCount)
    /// Pageblocks per chunk.
    public static let chunkBlocks = 1 << chunkShift
    /// What `memmap_init` marks every pageblock, and what a byte never written reads as.
    public static let defaultType = MigrateType.movable

    /// The address the byte of absolute pageblock 0 would have: the byte of pageblock b is at
    /// `base + b` (an integer, so only in-bounds addresses are ever formed as pointers).
    let base: Int
    let pageblockOrder: Int
    /// The absolute chunk number of the table's first chunk.
    let firstChunk: Int
    /// Chunks in the table.
    public let chunkCount: Int
    /// The reserved bytes: `chunkCount` whole chunks from absolute chunk `firstChunk`.
    let mapping: UnsafeMutableRawPointer
    /// Per chunk: a type other than MOVABLE was stored in it (its host page is committed).
    let written: UnsafeMutablePointer<Atomic<Bool>>

    /// A table for the absolute pageblock numbers `blocks`, every one MOVABLE. O(chunks), for
    /// the flags; the bytes are only reserved.
    init(blocks: ClosedRange<Int>, pageblockOrder: Int) {
        self.pageblockOrder = pageblockOrder
        firstChunk = blocks.lowerBound >> PageblockTypes.chunkShift
        chunkCount = (blocks.upperBound >> PageblockTypes.chunkShift) - firstChunk + 1
        mapping = ReservedAddressSpace.reserve(chunkCount << PageblockTypes.chunkShift,
                                               for: "the migratetypes of \(blocks.count) pageblocks", hugePages: false)
        base = Int(bitPattern: mapping) - firstChunk << PageblockTypes.chunkShift
        written = .allocate(capacity: chunkCount)
        for k in 0..<chunkCount { (written + k).initialize(to: Atomic(false)) }
    }

    /// Releases the bytes and frees the flags. O(chunks).
    func deallocate() {
        ReservedAddressSpace.release(mapping, chunkCount << PageblockTypes.chunkShift)
        written.deinitialize(count: chunkCount).deallocate()
    }

    /// The byte of absolute pageblock `b` (in the table).
    @inline(__always) private func byte(block b: Int) -> UnsafeMutablePointer<Byte> {
        UnsafeMutablePointer(bitPattern: base &+ b).unsafelyUnwrapped
    }

    /// Whether absolute chunk `c` (in the table) was ever written.
    @inline(__always) private func isWritten(chunk c: Int) -> Bool {
        written[c &- firstChunk].load(ordering: .relaxed)
    }

    /// `get_pfnblock_migratetype`: the migratetype of the pageblock holding `pfn` (no range
    /// checks: the caller's pfn is in the zone). O(1).
    @inline(__always) public func type(pfn: Int) -> MigrateType {
        MigrateType(stored: byte(block: pfn &>> pageblockOrder)[0].load(ordering: .relaxed) ^ PageblockTypes.defaultType.rawValue)
    }

    /// `set_pfnblock_flags_mask(page, migratetype, pfn, MIGRATETYPE_MASK)`. O(1); the first
    /// type other than MOVABLE stored in a chunk commits its host page.
    @inline(__always) public func set(pfn: Int, _ mt: MigrateType) {
        let b = pfn &>> pageblockOrder, c = b &>> PageblockTypes.chunkShift
        if !isWritten(chunk: c) {
            if mt == PageblockTypes.defaultType { return }
            written[c &- firstChunk].store(true, ordering: .relaxed)
        }
        byte(block: b)[0].store(mt.rawValue ^ PageblockTypes.defaultType.rawValue, ordering: .relaxed)
    }

    /// Calls `body(written, blocks)` for each piece of the absolute pageblock numbers `blocks`
    /// that lies in one chunk, in order, while it returns nil; returns the first non-nil result.
    /// A chunk never written holds only MOVABLE blocks. O(chunks in `blocks`).
    private func forEachChunk<R>(_ blocks: Range<Int>, _ body: (Bool, Range<Int>) -> R?) -> R? {
        var b = blocks.lowerBound
        while b < blocks.upperBound {
            let c = b >> PageblockTypes.chunkShift
            let end = Swift.min(blocks.upperBound, (c + 1) << PageblockTypes.chunkShift)
            if let r = body(isWritten(chunk: c), b..<end) { return r }
            b = end
        }
        return nil
    }

    /// The first of the absolute pageblock numbers `blocks` whose migratetype is not `mt` (nil:
    /// all are). O(chunks in `blocks` + blocks of written chunks scanned).
    public func firstBlock(in blocks: Range<Int>, notOf mt: MigrateType) -> Int? {
        forEachChunk(blocks) { written, piece -> Int? in
            guard written else { return mt == PageblockTypes.defaultType ? nil : piece.lowerBound }
            return piece.first { type(pfn: $0 << pageblockOrder) != mt }
        }
    }

    /// Pageblocks of each migratetype among the absolute pageblock numbers `blocks`, indexed by
    /// `MigrateType.rawValue`. O(chunks in `blocks` + blocks of written chunks in it).
    public func counts(of blocks: Range<Int>) -> [Int] {
        var count = [Int](repeating: 0, count: MigrateType.count)
        let _: Never? = forEachChunk(blocks) { written, piece in
            if written {
                for b in piece { count[Int(type(pfn: b << pageblockOrder).rawValue)] += 1 }
            } else {
                count[Int(PageblockTypes.defaultType.rawValue)] += piece.count
            }
            return nil
        }
        return count
    }

    /// Chunks written (their host pages committed). O(chunks).
    public var materialisedChunks: Int {
        (0..<chunkCount).reduce(0) { $0 + (written[$1].load(ordering: .relaxed) ? 1 : 0) }
    }

    /// Host memory the table holds: the flags and the written chunks. O(chunks).
    public var storageBytes: Int {
        chunkCount * MemoryLayout<Atomic<Bool>>.stride + materialisedChunks * PageblockTypes.chunkBlocks
    }
}
