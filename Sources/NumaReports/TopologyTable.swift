import Foundation
import NumaCore

/// Human tables of a booted machine (not a kernel format).
public enum TopologyTable {
    public static func zones(_ m: BootedMachine) -> String {
        var out = "min_free_kbytes: \(m.minFreeKbytes)"
        if m.thpEnabled, let rec = m.thpRecommendedMinFreeKbytes {
            out += " (calculated \(m.calculatedMinFreeKbytes), THP recommends \(rec))"
        } else {
            out += " (calculated \(m.calculatedMinFreeKbytes); THP \(m.topology.sysctl.transparentHugepage.enabled ? "off: under 512 MiB" : "never"))"
        }
        out += "   totalreserve_pages: \(m.totalReservePages)   policy zone: \(m.zoneNames[m.policyZone])\n\n"
        let header = ["node", "zone", "start_pfn", "spanned", "present", "managed", "min", "low", "high",
                      "pcp high", "batch", "protection"]
        var rows: [[String]] = []
        for id in m.nodeIDs {
            let populated = m.zones[id]!.filter(\.isPopulated)
            if populated.isEmpty { rows.append(["\(id)", "(no memory)", "", "", "", "", "", "", "", "", "", ""]) }
            for z in populated {
                rows.append(["\(id)", z.name, "\(z.startPfn)", "\(z.spanned)", "\(z.present)", "\(z.managed)",
                             "\(z.watermark.minPages)", "\(z.watermark.lowPages)", "\(z.watermark.highPages)",
                             "\(z.pcpHigh)", "\(z.pcpBatch)",
                             "(" + z.lowmemReserve.map(String.init).joined(separator: ", ") + ")"])
            }
        }
        return out + table(header: header, rows: rows)
    }

    /// Left-aligned text columns, numbers right-aligned.
    public static func table(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        func isNumber(_ s: String) -> Bool { !s.isEmpty && s.allSatisfy(\.isNumber) }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                let fill = String(repeating: " ", count: widths[i] - c.count)
                return isNumber(c) ? fill + c : c + fill
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n"
        }
        return line(header) + line(widths.map { String(repeating: "-", count: $0) }) + rows.map(line).joined()
    }
}
