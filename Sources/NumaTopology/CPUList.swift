import Foundation

/// A set of CPU (or node) numbers in the kernel's list syntax, as in
/// `/sys/devices/system/node/node0/cpulist` (`0-3,8-11`), printed by `bitmap_print_to_pagebuf`
/// with `%*pbl`.
///
/// Stored as sorted, unique numbers. Parsing is O(n) in the listed numbers.
public struct CPUList: Hashable, Sendable, Codable, CustomStringConvertible {
    public private(set) var members: [Int]

    public init<S: Sequence>(_ members: S) where S.Element == Int {
        self.members = Array(Set(members)).sorted()
    }

    public static let empty = CPUList([Int]())

    public var isEmpty: Bool { members.isEmpty }
    public var count: Int { members.count }
    public func contains(_ n: Int) -> Bool { binarySearch(n) }

    private func binarySearch(_ n: Int) -> Bool {
        var lo = 0, hi = members.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if members[mid] == n { return true }
            if members[mid] < n { lo = mid + 1 } else { hi = mid }
        }
        return false
    }

    /// Largest id accepted in a list: the kernel's NR_CPUS on Debian is 8192; nodes stop at 1024.
    public static let maximumID = 1 << 20

    /// Parses `0-3,8-11`, `5`, `0-31:2` is *not* accepted (the kernel's sysfs never prints strides).
    /// An empty or whitespace-only string is the empty set. Trailing NUL bytes and newlines
    /// (as in some saved sysfs copies) are ignored.
    public static func parse(_ text: String) throws(CPUListParseError) -> CPUList {
        let trimmed = text.trimmingCharacters(in: CharacterSet(charactersIn: " \t\r\n\0"))
        if trimmed.isEmpty { return .empty }
        var result: [Int] = []
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let piece = part.trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
            if piece.isEmpty { throw CPUListParseError(text: trimmed, reason: "empty element between commas") }
            let bounds = piece.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count <= 2, let first = Int(bounds[0]), first >= 0 else {
                throw CPUListParseError(text: trimmed, reason: "'\(piece)' is not a number or a range a-b")
            }
            var last = first
            if bounds.count == 2 {
                guard let l = Int(bounds[1]), l >= first else {
                    throw CPUListParseError(text: trimmed, reason: "'\(piece)' is not a range a-b with a <= b")
                }
                last = l
            }
            guard last < maximumID else {
                throw CPUListParseError(text: trimmed, reason: "\(last) exceeds the largest id \(maximumID - 1)")
            }
            result.append(contentsOf: first...last)
        }
        return CPUList(result)
    }

    /// Parses the hexadecimal mask format of `cpumap` (`00000000,0000ffff`: 32-bit groups,
    /// most significant first).
    public static func parseMask(_ text: String) throws(CPUListParseError) -> CPUList {
        let trimmed = text.trimmingCharacters(in: CharacterSet(charactersIn: " \t\r\n\0"))
        if trimmed.isEmpty { return .empty }
        var result: [Int] = []
        let groups = trimmed.split(separator: ",", omittingEmptySubsequences: false)
        for (index, group) in groups.reversed().enumerated() {
            guard !group.isEmpty, group.count <= 8, let word = UInt32(group, radix: 16) else {
                throw CPUListParseError(text: trimmed, reason: "'\(group)' is not a group of up to 8 hex digits")
            }
            for bit in 0..<32 where word & (1 << UInt32(bit)) != 0 {
                result.append(index * 32 + bit)
            }
        }
        return CPUList(result)
    }

    /// The kernel's `%*pbl` rendering: runs collapsed to `a-b`, joined by commas; empty → "".
    public var description: String { CPUList.rangeText(members) }

    /// `%*pbl` (`bitmap_print_to_pagebuf` → `bitmap_list_string`) of numbers in the order given:
    /// each run of consecutive ascending numbers becomes `a-b`, the rest stand alone, joined by
    /// commas. For CPU lists and node lists (policies' nodemasks) alike.
    public static func rangeText(_ ids: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        while i < ids.count {
            var j = i
            while j + 1 < ids.count && ids[j + 1] == ids[j] + 1 { j += 1 }
            parts.append(i == j ? "\(ids[i])" : "\(ids[i])-\(ids[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    /// The `cpumap` rendering: hex 32-bit groups, most significant first, comma separated,
    /// `groups` groups wide (the kernel uses nr_cpu_ids to size it).
    public func maskDescription(groups: Int? = nil) -> String {
        let needed = max(1, ((members.last ?? 0) / 32) + 1)
        let n = max(groups ?? needed, needed)
        var words = [UInt32](repeating: 0, count: n)
        for m in members { words[m / 32] |= 1 << UInt32(m % 32) }
        return words.reversed().enumerated().map { index, w in
            let hex = String(w, radix: 16)
            return index == 0 && groups == nil ? hex : String(repeating: "0", count: 8 - hex.count) + hex
        }.joined(separator: ",")
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try CPUList.parse(text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

public struct CPUListParseError: Error, CustomStringConvertible, Sendable {
    public var text: String
    public var reason: String
    public var description: String { "expected a cpulist such as 0-3,8-11, got '\(text)' (\(reason))" }
}
