/// The addresses of one touch step: `count` accesses from `start` every `stride` bytes, ascending
/// or in a seeded permutation (an affine map `i → (a·i + c) mod count` with `a` coprime to
/// `count`: every address once per pass, no table of them kept) — or, for a step with a
/// `pattern:`, a stream of pages drawn from its distribution (`TouchSampler`), `ops` of them
/// (unbounded when only a duration ends it).
public struct TouchPlan: Sendable {
    let sampler: TouchSampler?
    let start: UInt64
    let stride: UInt64
    let count: Int
    let passes: Int
    public let write: Bool
    let multiplier: Int
    let increment: Int

    public init(start: UInt64, end: UInt64, spec: Workload.TouchSpec, rng: inout SplitMix64) {
        self.start = start
        stride = spec.stride
        count = Int((end - start + spec.stride - 1) / spec.stride)
        passes = spec.passes
        write = spec.write
        sampler = spec.distribution.map { TouchSampler($0, count: Int((end - start + 4095) >> 12)) }
        opsLimit = spec.ops
        if spec.random && count > 1 {
            var a = Int(rng.next() % UInt64(count - 1)) + 1
            while gcd(a, count) != 1 { a = a % (count - 1) + 1 }
            multiplier = a
            increment = Int(rng.next() % UInt64(count))
        } else {
            multiplier = 1
            increment = 0
        }
    }

    /// The pages a `pattern:` touch concentrates on: the hot prefix for `pattern: hot`, the
    /// whole range otherwise; nil for passes.
    public var hotSet: (start: UInt64, pages: Int)? {
        guard let sampler else { return nil }
        if case .hotSet(let size, _) = sampler.distribution { return (start, size.pages(of: sampler.count)) }
        return (start, sampler.count)
    }

    public var total: Int { sampler == nil ? count * passes : (opsLimit ?? Int.max) }
    var opsLimit: Int?

    /// The address of access `k`: from the passes, or the next draw of the distribution.
    public func address(_ k: Int, rng: inout SplitMix64) -> UInt64 {
        guard let sampler else { return address(k) }
        return start + UInt64(sampler.next(&rng)) << 12
    }

    public func address(_ k: Int) -> UInt64 {
        let i = UInt64(k % count)
        let n = UInt64(count)
        // (a·i + c) mod n without overflow: a, i < n so the product's high word is below n.
        let product = n.dividingFullWidth(UInt64(multiplier).multipliedFullWidth(by: i)).remainder
        let j = product >= n - UInt64(increment) ? product - (n - UInt64(increment)) : product + UInt64(increment)
        return start + j * stride
    }
}

private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

