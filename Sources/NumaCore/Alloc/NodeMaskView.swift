/// A `nodemask_t` borrowed for one allocation: a bitmap, trivially copyable.
struct NodeMaskView {
    let words: UnsafeBufferPointer<UInt64>
    @inline(__always) func contains(_ node: Int) -> Bool {
        let w = node >> 6
        return node >= 0 && w < words.count && words[w] & (1 << UInt64(node & 63)) != 0
    }
}
