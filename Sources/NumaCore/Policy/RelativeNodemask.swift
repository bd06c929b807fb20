/// MPOL_F_RELATIVE_NODES' mapping (`mpol_relative_nodemask` in mm/mempolicy.c): `nodes_fold`
/// then `nodes_onto`, i.e. lib/bitmap.c `bitmap_fold(tmp, user, weight(allowed))` followed by
/// `bitmap_onto(result, tmp, allowed)`. User node n means the (n mod w)-th allowed node
/// (counted from 0), where w is the number of allowed nodes: `+0,1` onto {2,3,5} is {2,3};
/// `+0,4` onto {1,3} folds 4 to 0 and gives {1}.
///
/// Inputs are sets (order and duplicates do not matter); the result is ascending. An empty
/// `allowed` gives no nodes: the kernel never maps onto an empty mask (a cpuset with tasks
/// always has memory), and `bitmap_fold` would divide by zero.
public func relativeMap(user: [Int], onto allowed: [Int]) -> [Int] {
    let relmap = Array(Set(allowed)).sorted()
    guard !relmap.isEmpty else { return [] }
    return nodesOnto(nodesFold(user, size: relmap.count), relativeTo: relmap)
}

/// lib/bitmap.c `bitmap_fold`: bit n ↦ n mod `size`.
func nodesFold(_ orig: [Int], size: Int) -> [Int] {
    Array(Set(orig.map { $0 % size })).sorted()
}

/// lib/bitmap.c `bitmap_onto`: bit m of `orig` ↦ the m-th set bit of `relmap`; bits of `orig`
/// at or beyond weight(relmap) have no image and vanish.
func nodesOnto(_ orig: [Int], relativeTo relmap: [Int]) -> [Int] {
    let bits = Set(orig)
    return Array(Set(relmap)).sorted().enumerated().filter { bits.contains($0.offset) }.map(\.element)
}

/// lib/bitmap.c `bitmap_remap` (6.1): the n-th set bit of `old` ↦ the (n mod w)-th set bit of
/// `new` (w = weight(new)); bits not in `old`, and every bit when `new` is empty, map to
/// themselves.
func nodesRemap(_ src: [Int], from old: [Int], to new: [Int]) -> [Int] {
    let new = Array(Set(new)).sorted()
    let ordinal = Dictionary(uniqueKeysWithValues: Array(Set(old)).sorted().enumerated().map { ($0.element, $0.offset) })
    return Array(Set(src.map { bit in
        guard let n = ordinal[bit], !new.isEmpty else { return bit }
        return new[n % new.count]
    })).sorted()
}
