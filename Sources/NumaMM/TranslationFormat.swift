import Foundation

/// Text and JSON views of a page-table walk (`Walk`), one line or object per level.
///
/// The kernel has no single file for this; the text form borrows the flag names of
/// arch/x86/mm/dump_pagetables.c and the shape of the page-fault oops lines (`PGD … P4D … PUD …`,
/// `dump_pagetable` in arch/x86/mm/fault.c), which print each level's entry in hex.
public enum TranslationFormat {
    /// One header line, one line per level (level, index, entry in hex, flags), then the result:
    ///
    ///     x86-64 4-level walk of 0x00007f1234567abc
    ///     level  index  entry               flags
    ///     pgd      254  0x0000000001001067  P RW USR A D
    ///     p4d        -  (folded into pgd)
    ///     …
    ///     => pfn 0x12345, physical address 0x0000000012345abc
    public static func text(_ walk: Walk) -> String {
        let mode = walk.mode
        let entryWidth = 2 + mode.entryBytes * 2
        let vaDigits = mode.arch.is32Bit ? 8 : 16
        var lines = ["\(mode) walk of \(hexString(walk.virtualAddress, digits: vaDigits))"]
        lines.append("level  index  " + pad("entry", entryWidth) + "  flags")
        var above = PageTableLevel.pgd
        for step in walk.steps {
            let name = pad(step.level.rawValue, 5)
            if step.folded {
                lines.append("\(name)  " + leftPad("-", 5) + "  (folded into \(above))")
                continue
            }
            above = step.level
            let flags = step.entry.isNone ? "(none)" : step.entry.flags(in: mode).description
            lines.append(
                "\(name)  " + leftPad(String(step.index), 5) + "  " + pad(step.entry.hex(in: mode), entryWidth)
                    + "  " + flags)
        }
        switch walk.outcome {
        case let .translated(pa, pfn):
            let paDigits = mode.arch == .i386 ? 8 : 16
            lines.append("=> pfn \(hexString(UInt64(pfn))), physical address \(hexString(pa, digits: paDigits))")
        case let .notPresent(level):
            lines.append("=> not present at \(level): page fault")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The JSON form of a walk (schema `numasim.walk/1`). Addresses and entries are hex strings
    /// because JSON numbers lose precision above 2^53.
    public struct WalkJSON: Codable, Equatable, Sendable {
        public struct Level: Codable, Equatable, Sendable {
            public var level: String
            public var folded: Bool
            /// nil for a folded level (it has no index bits of its own).
            public var index: Int?
            public var entry: String
            public var flags: [String]
            public var tablePfn: Int?

            enum CodingKeys: String, CodingKey {
                case level, folded, index, entry, flags
                case tablePfn = "table_pfn"
            }
        }

        public var schema: String
        public var mode: String
        public var virtualAddress: String
        public var levels: [Level]
        public var translated: Bool
        public var physicalAddress: String?
        public var pfn: Int?
        public var faultLevel: String?

        enum CodingKeys: String, CodingKey {
            case schema, mode, levels, translated, pfn
            case virtualAddress = "virtual_address", physicalAddress = "physical_address", faultLevel = "fault_level"
        }
    }

    public static let schemaVersion = "numasim.walk/1"

    public static func jsonValue(_ walk: Walk) -> WalkJSON {
        let mode = walk.mode
        return WalkJSON(
            schema: schemaVersion,
            mode: mode.arch.rawValue,
            virtualAddress: hex64(walk.virtualAddress),
            levels: walk.steps.map { step in
                WalkJSON.Level(
                    level: step.level.rawValue, folded: step.folded, index: step.folded ? nil : step.index,
                    entry: step.entry.hex(in: mode), flags: step.entry.flags(in: mode).names, tablePfn: step.tablePfn)
            },
            translated: walk.physicalAddress != nil,
            physicalAddress: walk.physicalAddress.map(hex64),
            pfn: walk.pfn,
            faultLevel: walk.faultLevel?.rawValue)
    }

    /// Pretty-printed JSON with sorted keys, as the other numasim JSON outputs.
    public static func json(_ walk: Walk) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(jsonValue(walk)), as: UTF8.self) + "\n"
    }

    private static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    private static func leftPad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }
}
