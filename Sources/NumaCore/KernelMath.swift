/// Integer helpers with the kernel's exact semantics (include/linux/math.h, lib/math/int_sqrt.c,
/// include/linux/bitops.h, include/linux/log2.h).
public enum KernelMath {
    /// `int_sqrt(x)`: ⌊√x⌋.
    public static func intSqrt(_ x: UInt64) -> UInt64 {
        if x < 2 { return x }
        var r = UInt64(Double(x).squareRoot())
        while r * r > x { r -= 1 }
        while (r + 1) * (r + 1) <= x { r += 1 }
        return r
    }

    /// `fls(x)`: 1-based index of the most significant set bit; fls(0) = 0.
    public static func fls(_ x: Int) -> Int {
        x <= 0 ? 0 : Int.bitWidth - x.leadingZeroBitCount
    }

    /// `rounddown_pow_of_two(x)` for x ≥ 1.
    public static func rounddownPowOfTwo(_ x: Int) -> Int {
        precondition(x >= 1)
        return 1 << (fls(x) - 1)
    }

    /// `mult_frac(x, n, d)` = (x/d)*n + ((x%d)*n)/d, truncating.
    public static func multFrac(_ x: Int, _ n: Int, _ d: Int) -> Int {
        (x / d) * n + ((x % d) * n) / d
    }

    public static func clamp(_ v: Int, _ lo: Int, _ hi: Int) -> Int { min(max(v, lo), hi) }
}
