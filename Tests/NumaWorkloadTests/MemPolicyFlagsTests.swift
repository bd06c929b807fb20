import XCTest
import NumaTestSupport
@testable import NumaCore
@testable import NumaTopology
@testable import NumaWorkload

/// MPOL_F_STATIC_NODES / MPOL_F_RELATIVE_NODES and cpuset rebinding. Every expected value is
/// worked by hand from the 6.1 rules (mm/mempolicy.c `mpol_set_nodemask`,
/// `mpol_rebind_*`; lib/bitmap.c `bitmap_fold`, `bitmap_onto`, `bitmap_remap`).
final class MemPolicyFlagsTests: XCTestCase {
    func make(_ mode: MemPolicy.Mode, _ nodes: [Int], _ flags: MemPolicy.Flags = [], weights: [Int: Int] = [:],
              allowed: [Int], file: StaticString = #filePath, line: UInt = #line) throws -> MemPolicy {
        try XCTUnwrap(try? MemPolicy.make(mode, nodes: nodes, flags: flags, weights: weights, allowed: allowed).get(),
                      "make(\(mode), \(nodes), \(flags.kernelNames), allowed: \(allowed)) failed", file: file, line: line)
    }

    func error(_ mode: MemPolicy.Mode, _ nodes: [Int], _ flags: MemPolicy.Flags = [], allowed: [Int]) -> PolicyError? {
        if case .failure(let e) = MemPolicy.make(mode, nodes: nodes, flags: flags, allowed: allowed) { return e }
        return nil
    }

    // MARK: - lib/bitmap.c primitives

    /// fold by 4: 1→1, 5→1, 7→3. onto {3,5,8}: bit 0 → 3, bit 2 → 8, bit 9 has no 9th node.
    func testFoldAndOnto() {
        XCTAssertEqual(nodesFold([1, 5, 7], size: 4), [1, 3])
        XCTAssertEqual(nodesOnto([0, 2, 9], relativeTo: [8, 3, 5]), [3, 8])
    }

    /// w = weight(allowed), fold user by w, then bit k → the k-th allowed node (from 0).
    func testRelativeMapHandWorked() {
        // w = 3; {0,1} folds to itself; 0th, 1st of {2,3,5} → {2,3}.
        XCTAssertEqual(relativeMap(user: [0, 1], onto: [2, 3, 5]), [2, 3])
        // w = 2; 4 mod 2 = 0, so {0,4} folds to {0}; the 0th of {1,3} → {1}.
        XCTAssertEqual(relativeMap(user: [0, 4], onto: [1, 3]), [1])
        // w = 1: everything folds to 0, the only allowed node.
        XCTAssertEqual(relativeMap(user: [0, 2, 5], onto: [6]), [6])
        // w = 3; 1, 2 stay; 3 folds to 0: {0,1,2} → all of {0,4,7}.
        XCTAssertEqual(relativeMap(user: [1, 2, 3], onto: [7, 0, 4]), [0, 4, 7])
        XCTAssertEqual(relativeMap(user: [0, 1], onto: []), [], "nothing to map onto")
    }

    /// bitmap_remap's own example: old 4-7, new 12-15, src {1,5,7} → {1,13,15} (1 is not in
    /// old, so it maps to itself). With w(new) = 2 the ordinals wrap: 0,1,2,3 → 8,9,8,9.
    func testRemapHandWorked() {
        XCTAssertEqual(nodesRemap([1, 5, 7], from: [4, 5, 6, 7], to: [12, 13, 14, 15]), [1, 13, 15])
        XCTAssertEqual(nodesRemap([0, 1, 2, 3], from: [0, 1, 2, 3], to: [8, 9]), [8, 9])
        XCTAssertEqual(nodesRemap([2], from: [0, 1, 2, 3], to: [8, 9]), [8], "ordinal 2 mod 2 = 0")
        XCTAssertEqual(nodesRemap([0, 1], from: [0, 1], to: []), [0, 1], "empty new: identity")
    }

    // MARK: - mpol_new + mpol_set_nodemask

    /// RELATIVE: nodes = relative_map(user, allowed); the user mask is remembered, not the
    /// cpuset. STATIC: user ∩ allowed. No flags: user ∩ allowed, cpuset mems remembered.
    func testCreate() throws {
        let rel = try make(.bind, [0, 1], .relative, allowed: [2, 3, 5])
        XCTAssertEqual(rel.nodes, [2, 3])
        XCTAssertEqual(rel.userNodemask, [0, 1])
        XCTAssertNil(rel.cpusetMemsAllowed)

        XCTAssertEqual(try make(.interleave, [0, 4], .relative, allowed: [1, 3]).nodes, [1])

        let st = try make(.bind, [0, 3], .static, allowed: [0, 1, 2])
        XCTAssertEqual(st.nodes, [0], "{0,3} ∩ {0,1,2}")
        XCTAssertEqual(st.userNodemask, [0, 3], "node 3 is kept for a later cpuset that allows it")

        let plain = try make(.bind, [0, 3], allowed: [0, 1, 2])
        XCTAssertEqual(plain.nodes, [0])
        XCTAssertEqual(plain.cpusetMemsAllowed, [0, 1, 2])
        XCTAssertNil(plain.userNodemask)

        // PREFERRED keeps only first_node(effective): +1,2 onto {4,6,9} is {6,9} → 6.
        let pref = try make(.preferred, [1, 2], .relative, allowed: [4, 6, 9])
        XCTAssertEqual(pref.nodes, [6])
        XCTAssertEqual(pref.getMempolicyNodemask, [1, 2], "get_mempolicy reports the user mask of a flagged policy")
    }

    func testEINVAL() {
        XCTAssertEqual(error(.bind, [0], [.static, .relative], allowed: [0, 1]), .conflictingFlags)
        XCTAssertEqual(error(.preferred, [], .static, allowed: [0, 1]), .flagsNeedNodes(.preferred, .static))
        XCTAssertEqual(error(.preferred, [], .relative, allowed: [0, 1]), .flagsNeedNodes(.preferred, .relative))
        XCTAssertEqual(error(.local, [], .relative, allowed: [0, 1]), .flagsNotAllowed(.local, .relative))
        XCTAssertEqual(error(.local, [0], allowed: [0, 1]), .nodesNotAllowed(.local))
        XCTAssertEqual(error(.interleave, [], .relative, allowed: [0, 1]), .emptyNodes(.interleave))
        // STATIC/no flags with nothing allowed: {3} ∩ {0,1,2} = {} → the mode's create fails.
        XCTAssertEqual(error(.bind, [3], .static, allowed: [0, 1, 2]), .noAllowedNodes(.bind, nodes: [3], allowed: [0, 1, 2]))
        XCTAssertEqual(error(.preferred, [3], allowed: [0, 1, 2]), .noAllowedNodes(.preferred, nodes: [3], allowed: [0, 1, 2]))
        // RELATIVE never misses while something is allowed: 7 mod 3 = 1 → node 1.
        XCTAssertNil(error(.bind, [7], .relative, allowed: [0, 1, 2]))
        XCTAssertEqual(error(.bind, [0, 1], [.static, .relative], allowed: [0]).map(\.description)?.contains("cannot be combined"), true)
    }

    /// Not EINVAL: PREFERRED with no nodes and no flags is LOCAL, and mpol_new returns no policy
    /// object for DEFAULT, so flags on it are dropped (sanitize_mpol_flags only rejects STATIC
    /// together with RELATIVE).
    func testPreferredWithoutNodesIsLocalAndDefaultIgnoresFlags() throws {
        XCTAssertEqual(try make(.preferred, [], allowed: [0, 1]), MemPolicy(.local))
        XCTAssertEqual(try make(.default, [], .static, allowed: [0, 1]), .default)
    }

    // MARK: - mpol_rebind_policy

    /// STATIC: nodes = user ∩ new each time; an empty intersection falls back to the new mems.
    func testStaticRebind() throws {
        var p = try make(.bind, [0, 3], .static, allowed: [0, 1, 2])
        XCTAssertEqual(p.nodes, [0])
        p.rebind(allowed: [0, 3])
        XCTAssertEqual(p.nodes, [0, 3])
        p.rebind(allowed: [1, 2])
        XCTAssertEqual(p.nodes, [1, 2], "{0,3} ∩ {1,2} is empty → use the new mems")
        p.rebind(allowed: [3])
        XCTAssertEqual(p.nodes, [3])
        XCTAssertEqual(p.userNodemask, [0, 3], "BIND's rebind never touches the user mask")
    }

    /// RELATIVE: relative_map(user, new) each time. +0,1 onto {2,3,5} → {2,3}; onto {1,4} →
    /// {1,4}; onto {7} (w = 1, both fold to 0) → {7}.
    func testRelativeRebind() throws {
        var p = try make(.interleave, [0, 1], .relative, allowed: [2, 3, 5])
        XCTAssertEqual(p.nodes, [2, 3])
        p.rebind(allowed: [1, 4])
        XCTAssertEqual(p.nodes, [1, 4])
        p.rebind(allowed: [7])
        XCTAssertEqual(p.nodes, [7])
    }

    /// No flags: nodes_remap(nodes, old cpuset → new). {0,1} under {0,1} moved to {2,3}:
    /// ordinals 0,1 → 2,3. Then {2,3} under {2,3} moved to {1,2,3,4}: ordinals 0,1 → 1,2.
    /// Then {1,2} under {1,2,3,4} moved to {5}: ordinals 0,1 both → 5 (mod 1).
    func testDefaultRebindRemaps() throws {
        var p = try make(.bind, [0, 1], allowed: [0, 1])
        p.rebind(allowed: [2, 3])
        XCTAssertEqual(p.nodes, [2, 3])
        XCTAssertEqual(p.cpusetMemsAllowed, [2, 3])
        p.rebind(allowed: [1, 2, 3, 4])
        XCTAssertEqual(p.nodes, [1, 2])
        p.rebind(allowed: [5])
        XCTAssertEqual(p.nodes, [5])
        // Same mems again: mpol_rebind_policy returns early.
        let before = p
        p.rebind(allowed: [5])
        XCTAssertEqual(p, before)
    }

    /// A policy built without an allowed set remembers no cpuset mems, so bitmap_remap maps
    /// its nodes to themselves — the first rebind only records the mems.
    func testRebindWithoutRememberedMemsKeepsNodes() {
        var p = MemPolicy(.bind, nodes: [0, 1])
        p.rebind(allowed: [2, 3])
        XCTAssertEqual(p.nodes, [0, 1])
        XCTAssertEqual(p.cpusetMemsAllowed, [2, 3])
        p.rebind(allowed: [4, 5])
        XCTAssertEqual(p.nodes, [0, 1], "0 and 1 are still not in the remembered {2,3}")
    }

    /// 6.1 mpol_rebind_preferred only stores the new mems in w — the node stays, and for a
    /// flagged policy the union's user nodemask is overwritten (get_mempolicy then reports the
    /// cpuset mems). LOCAL is never rebound.
    func testPreferredRebindKeepsNodeAndOverwritesUserMask() throws {
        var p = try make(.preferred, [1, 2], .static, allowed: [0, 1, 2, 3])
        XCTAssertEqual(p.nodes, [1])
        p.rebind(allowed: [2, 3])
        XCTAssertEqual(p.nodes, [1], "6.1 does not move a PREFERRED node")
        XCTAssertEqual(p.userNodemask, [2, 3])
        XCTAssertEqual(p.getMempolicyNodemask, [2, 3])

        var many = try make(.preferredMany, [0, 1], allowed: [0, 1, 2])
        many.rebind(allowed: [2])
        XCTAssertEqual(many.nodes, [0, 1])
        XCTAssertEqual(many.cpusetMemsAllowed, [2])

        var local = MemPolicy(.local)
        local.rebind(allowed: [1])
        XCTAssertEqual(local, MemPolicy(.local))
    }

    /// Weights stay on physical nodes (the sysfs table they stand for), except under RELATIVE
    /// where a weight belongs to its index: +0=3,1=1 onto {2,5} gives 2:3, 5:1; onto {4,6,7}
    /// gives 4:3, 6:1. Folding +0=3,2=1 onto {4,6}: 0 and 2 both land on 4; index 0 decides.
    func testWeightedInterleaveRebind() throws {
        var rel = try make(.weightedInterleave, [0, 1], .relative, weights: [0: 3, 1: 1], allowed: [2, 5])
        XCTAssertEqual(rel.nodes, [2, 5])
        XCTAssertEqual([rel.weight(2), rel.weight(5)], [3, 1])
        rel.rebind(allowed: [4, 6, 7])
        XCTAssertEqual(rel.nodes, [4, 6])
        XCTAssertEqual([rel.weight(4), rel.weight(6)], [3, 1])
        XCTAssertEqual(try make(.weightedInterleave, [0, 2], .relative, weights: [0: 3, 2: 1], allowed: [4, 6]).weights, [4: 3])

        var plain = try make(.weightedInterleave, [0, 1], weights: [0: 3, 1: 2], allowed: [0, 1, 2, 3])
        plain.rebind(allowed: [2, 3])
        XCTAssertEqual(plain.nodes, [2, 3])
        XCTAssertEqual([plain.weight(2), plain.weight(3)], [1, 1], "node 2 and 3 have no weight of their own")
    }

    // MARK: - Parser

    static let fourNodes = """
        name: four
        legacy_holes: false
        nodes:
          - {id: 0, cpus: "0", ranges: [{start: 4GiB, size: 64MiB}]}
          - {id: 1, cpus: "1", ranges: [{start: 8GiB, size: 64MiB}]}
          - {id: 2, cpus: "2", ranges: [{start: 12GiB, size: 64MiB}]}
          - {id: 3, cpus: "3", ranges: [{start: 16GiB, size: 64MiB}]}
        distances: [[10, 21, 31, 31], [21, 10, 31, 31], [31, 31, 10, 21], [31, 31, 21, 10]]
        sysctl: {transparent_hugepage: never, min_free_kbytes: 4096}
        """

    func testParseFlagsAndRoundTrip() throws {
        let t = try boot(Self.fourNodes).topology
        let texts = ["bind:=0,2", "bind:+0,2", "interleave:+0-3", "interleave:+5", "preferred:=1", "preferred:+2-3",
                     "preferred_many:=0,3", "weighted_interleave:=0=3,2=1", "weighted_interleave:+0=3,1=1",
                     "bind:0,2", "preferred:1", "local", "default", "weighted_interleave:0=3,1=1"]
        for text in texts {
            let p = try PolicyParser.parse(text, topology: t)
            XCTAssertEqual(p.description, text)
            XCTAssertEqual(try PolicyParser.parse(p.description, topology: t), p, text)
        }
        // Node lists print in the kernel's %*pbl form, where adjacent nodes are a range.
        XCTAssertEqual(try PolicyParser.parse("bind:+0,1", topology: t).description, "bind:+0-1")
        // All four nodes have memory, so allowed = {0,1,2,3}: +5 folds to 1 → node 1.
        XCTAssertEqual(try PolicyParser.parse("interleave:+5", topology: t).nodes, [1])
        let st = try PolicyParser.parse("bind:=all", topology: t)
        XCTAssertEqual(st.flags, .static)
        XCTAssertEqual(st.nodes, [0, 1, 2, 3])
        XCTAssertEqual(try PolicyParser.parse(st.description, topology: t), st)
    }

    func testParseErrorsNameWhatWasExpected() throws {
        let t = try boot(Self.fourNodes).topology
        func message(_ text: String, line: UInt = #line) -> String {
            do { _ = try PolicyParser.parse(text, topology: t) } catch let e as PolicyParser.Error { return e.message } catch {
                XCTFail("\(error)", line: line)
            }
            XCTFail("'\(text)' parsed", line: line)
            return ""
        }
        XCTAssertTrue(message("preferred:+").contains("needs a node after it, such as preferred:+0"), message("preferred:+"))
        XCTAssertTrue(message("preferred:=").contains("preferred:=0"))
        XCTAssertTrue(message("local:+").contains("write just 'local'"), message("local:+"))
        XCTAssertTrue(message("local:=0").contains("MPOL_F_STATIC_NODES"))
        XCTAssertTrue(message("default:+0").contains("write just 'default'"))
        XCTAssertTrue(message("bind:=+0").contains("cannot be combined"))
        XCTAssertTrue(message("bind:++0").contains("twice"))
        XCTAssertTrue(message("bind:+").contains("such as bind:+0,1"), message("bind:+"))
        XCTAssertTrue(message("weighted_interleave:=").contains("weighted_interleave:=0=3,1=1"))
        XCTAssertTrue(message("interleave:+all").contains("not a relative node list"))
        XCTAssertTrue(message("bind:+1024").contains("MAX_NUMNODES"))
        XCTAssertTrue(message("bind:=7").contains("node 7 is not in the topology"), "static nodes are node IDs")
        XCTAssertTrue(message("bind:+x").contains("relative nodes such as +0,1"))
    }

    // MARK: - Allocation

    /// A cpuset of {1,2,3}: +0,2 are its 0th and 2nd nodes, {1,3}. Bound from CPU 0, more pages
    /// than node 1 holds (64 MiB = 16384 pages) must spill to node 3 — never to 0 or 2.
    func testRelativeBindAllocatesOnMappedNodes() throws {
        let a = PageAllocator(machine: try boot(Self.fourNodes))
        let p = try make(.bind, [0, 2], .relative, allowed: [1, 2, 3])
        XCTAssertEqual(p.nodes, [1, 3])
        var s = InterleaveState()
        var placed: [Int: Int] = [:]
        for _ in 0..<20000 {
            placed[try a.allocPages(gfp: .highUserMovable, order: 0, policy: p, cpu: 0, state: &s).get().node, default: 0] += 1
        }
        XCTAssertEqual(Set(placed.keys), [1, 3], "\(placed)")
        XCTAssertEqual(placed.values.reduce(0, +), 20000)
    }

    /// The parsed relative interleave on the whole machine: +1,3 → {1,3}, alternating; after the
    /// cpuset shrinks to {2,3} the same +1,3 folds to {1} → node 3 only.
    func testRelativeInterleaveFollowsRebind() throws {
        let a = PageAllocator(machine: try boot(Self.fourNodes))
        var p = try PolicyParser.parse("interleave:+1,3", topology: a.machine.topology)
        var s = InterleaveState()
        let first = try (0..<4).map { _ in try a.allocPages(gfp: .kernel, order: 0, policy: p, cpu: 0, state: &s).get().node }
        XCTAssertEqual(first, [1, 3, 1, 3])
        p.rebind(allowed: [2, 3])
        let after = try (0..<3).map { _ in try a.allocPages(gfp: .kernel, order: 0, policy: p, cpu: 0, state: &s).get().node }
        XCTAssertEqual(after, [3, 3, 3])
    }
}
