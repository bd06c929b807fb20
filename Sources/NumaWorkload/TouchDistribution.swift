import Foundation

/// Which page of a touch step's range each access picks when the step is a stream of accesses
/// (`ops:` or `duration:`) rather than passes over every page: the access patterns that make
/// pages hot or cold for NUMA balancing and reclaim (docs/workload-format.md, "touch").
public enum TouchDistribution: Sendable, Equatable {
    /// Every page equally likely.
    case uniform
    /// The first `size` of the range (its hot set) takes `share` (0…1) of the accesses,
    /// uniformly; the rest of the range takes the remainder, uniformly.
    case hotSet(size: HotSize, share: Double)
    /// Zipf with exponent `s` over the pages by rank: the range's first page is the hottest,
    /// page k (from 0) is picked with probability ∝ 1/(k+1)^s.
    case zipf(s: Double)
}

extension TouchDistribution {
    /// A hot set's size: bytes, or a percentage of the touched range.
    public enum HotSize: Sendable, Equatable {
        case bytes(UInt64)
        case percent(Double)

        /// In pages of a range of `count` pages: at least one, at most all.
        func pages(of count: Int) -> Int {
            switch self {
            case .bytes(let b): return Int(min(UInt64(count), max(1, b >> 12)))
            case .percent(let p): return min(count, max(1, Int((Double(count) * p / 100).rounded())))
            }
        }
    }
}

/// Seeded sampling for `TouchDistribution` over `count` pages. Zipf uses rejection-inversion
/// (W. Hörmann, G. Derflinger, "Rejection-inversion to generate variates from monotone
/// discrete distributions", 1996): O(1) per sample with no table, for any range size.
struct TouchSampler: Sendable {
    let distribution: TouchDistribution
    let count: Int
    private let hIntegralX1: Double, hIntegralN: Double, zipfS: Double

    init(_ distribution: TouchDistribution, count: Int) {
        self.distribution = distribution
        self.count = max(1, count)
        if case .zipf(let s) = distribution {
            let n = Double(self.count)
            hIntegralX1 = TouchSampler.hIntegral(1.5, s) - 1
            hIntegralN = TouchSampler.hIntegral(n + 0.5, s)
            zipfS = 2 - TouchSampler.hIntegralInverse(TouchSampler.hIntegral(2.5, s) - TouchSampler.h(2, s), s)
        } else {
            hIntegralX1 = 0
            hIntegralN = 0
            zipfS = 0
        }
    }

    /// A page index in 0..<count.
    func next(_ rng: inout SplitMix64) -> Int {
        switch distribution {
        case .uniform:
            return below(count, &rng)
        case .hotSet(let size, let share):
            let hot = size.pages(of: count)
            if hot == count || unit(&rng) < share { return below(hot, &rng) }
            return hot + below(count - hot, &rng)
        case .zipf(let s):
            while true {
                let u = hIntegralN + unit(&rng) * (hIntegralX1 - hIntegralN)
                let x = TouchSampler.hIntegralInverse(u, s)
                var k = Int(x + 0.5)
                if k < 1 { k = 1 } else if k > count { k = count }
                if Double(k) - x <= zipfS || u >= TouchSampler.hIntegral(Double(k) + 0.5, s) - TouchSampler.h(Double(k), s) {
                    return k - 1
                }
            }
        }
    }

    /// Uniform in 0..<n (n ≥ 1) by the high word of a 64×64 product (Lemire's method without
    /// the rejection step: bias below 2⁻³² for n < 2³²).
    private func below(_ n: Int, _ rng: inout SplitMix64) -> Int {
        Int(rng.next().multipliedFullWidth(by: UInt64(n)).high)
    }

    /// Uniform in [0, 1) from the top 53 bits.
    private func unit(_ rng: inout SplitMix64) -> Double { Double(rng.next() >> 11) * 0x1p-53 }

    static func h(_ x: Double, _ s: Double) -> Double { exp(-s * log(x)) }
    static func hIntegral(_ x: Double, _ s: Double) -> Double {
        let logX = log(x)
        return helper2((1 - s) * logX) * logX
    }
    static func hIntegralInverse(_ x: Double, _ s: Double) -> Double {
        var t = x * (1 - s)
        if t < -1 { t = -1 }
        return exp(helper1(t) * x)
    }
    /// log(1+x)/x, continuous at 0.
    static func helper1(_ x: Double) -> Double { abs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x)) }
    /// (exp(x)-1)/x, continuous at 0.
    static func helper2(_ x: Double) -> Double { abs(x) > 1e-8 ? expm1(x) / x : 1 + x * 0.5 * (1 + x / 3 * (1 + 0.25 * x)) }
}
