import Foundation

/// The table of numactl 2.0.16's numastat.c (`vtab_t`), with the routines that decide its
/// layout: `fmt_cell_data`, `display_justified_cell`, `auto_set_col_width` (`-c`),
/// `sort_rows_descending_by_col` (`-s`) and `display_table` (rows and columns without data
/// skipped, all-zero ones too with `-z`, columns folded into sections of at most the screen
/// width). Kept cell for cell, quirks included, so the text matches the tool's byte for byte:
/// a column's width counts its gutter, a dashes cell is one narrower than its column, a column
/// whose width was never set prints nothing, the fold looks at the next column's width even when
/// that column will be skipped, and the sort is the tool's selection sort (ties can swap).
public struct NumastatTable: Sendable {
    public enum Cell: Sendable, Equatable {
        case null
        case number(Double)
        case string(String)
        /// CELL_TYPE_REPCHAR '-': a rule under a column header.
        case dashes
    }

    enum Justify: Sendable { case left, right, center }

    public let headerRows: Int
    public let headerCols: Int
    var cells: [[Cell]]
    var width: [Int]
    var decimals: [Int]
    var justify: [Justify]
    /// `row_ix_map`: display order of the rows.
    var rowOrder: [Int]
    /// Rows with ROW_FLAG_ALWAYS_SHOW (the process table's rule above Total): shown even
    /// without data.
    var alwaysShowRows: Set<Int> = []

    var rowCount: Int { cells.count }
    var colCount: Int { cells.first?.count ?? 0 }

    /// `init_table`: every cell null, every width 0 (not displayed), center-justified (flags 0).
    init(headerRows: Int, headerCols: Int, dataRows: Int, dataCols: Int) {
        self.headerRows = headerRows
        self.headerCols = headerCols
        let rows = headerRows + dataRows, cols = headerCols + dataCols
        cells = Array(repeating: Array(repeating: .null, count: cols), count: rows)
        width = Array(repeating: 0, count: cols)
        decimals = Array(repeating: 0, count: cols)
        justify = Array(repeating: .center, count: cols)
        rowOrder = Array(0..<rows)
    }

    subscript(row: Int, col: Int) -> Cell {
        get { cells[row][col] }
        set { cells[row][col] = newValue }
    }

    /// `double_addto`
    mutating func add(_ v: Double, row: Int, col: Int) {
        if case .number(let d) = cells[row][col] { cells[row][col] = .number(d + v) } else { cells[row][col] = .number(v) }
    }

    /// `fmt_cell_data`: the cell's text, cut to `maxWidth` characters.
    static func format(_ c: Cell, maxWidth: Int, decimals: Int) -> String {
        let s: String
        switch c {
        case .null: s = ""
        case .number(let d): s = String(format: "%.*f", decimals, d)
        case .string(let t): s = t
        case .dashes: s = String(repeating: "-", count: max(0, maxWidth - 1))
        }
        return String(s.prefix(max(0, maxWidth)))
    }

    /// `display_justified_cell`
    func justified(row: Int, col: Int) -> String {
        let w = width[col]
        let p = NumastatTable.format(cells[row][col], maxWidth: w, decimals: decimals[col])
        let fill = w - p.count
        switch justify[col] {
        case .left: return p + String(repeating: " ", count: fill)
        case .right: return String(repeating: " ", count: fill) + p
        case .center:
            let before = (fill + 1) / 2
            return String(repeating: " ", count: before) + p + String(repeating: " ", count: fill - before)
        }
    }

    /// `auto_set_col_width(table, col, min, max)`: the widest cell (dashes aside) plus the gutter,
    /// at most `max`.
    mutating func autoWidth(col: Int, min minWidth: Int = 4, max maxWidth: Int = 16) {
        var w = minWidth
        for row in 0..<rowCount where cells[row][col] != .dashes {
            w = Swift.max(w, NumastatTable.format(cells[row][col], maxWidth: maxWidth, decimals: decimals[col]).count)
        }
        width[col] = Swift.min(w + 1, maxWidth)
    }

    static func value(_ c: Cell) -> Double { if case .number(let d) = c { return d } else { return 0 } }

    /// `sort_rows_descending_by_col` over display positions `rows`.
    mutating func sortDescending(rows: ClosedRange<Int>, byColumn col: Int) {
        for ix in rows {
            var biggest = ix
            var iy = ix + 1
            while iy <= rows.upperBound {
                if NumastatTable.value(cells[rowOrder[biggest]][col]) < NumastatTable.value(cells[rowOrder[iy]][col]) { biggest = iy }
                iy += 1
            }
            if biggest != ix { rowOrder.swapAt(ix, biggest) }
        }
    }

    /// The data rows and columns `display_table` shows (`show_unseen_*` off, `show_zero_*` as
    /// given): rows in display order, columns in order. nil when it prints "Table has no data."
    /// or "Table has no non-zero data." instead.
    public struct Shown: Sendable { public var rows: [Int]; public var cols: [Int] }

    /// Seen (any cell other than null and dashes) and non-zero flags of data rows and columns.
    func flags() -> (seenRow: [Bool], nonZeroRow: [Bool], seenCol: [Bool], nonZeroCol: [Bool]) {
        var seenRow = Array(repeating: false, count: rowCount), nonZeroRow = seenRow
        var seenCol = Array(repeating: false, count: colCount), nonZeroCol = seenCol
        for row in headerRows..<rowCount {
            for col in headerCols..<colCount {
                let c = cells[row][col]
                guard c != .null && c != .dashes else { continue }
                seenRow[row] = true; seenCol[col] = true
                // `c_ptr->l != 0`: the cell's bits, so any string counts as non-zero.
                if case .number(let d) = c, d.bitPattern == 0 { continue }
                nonZeroRow[row] = true; nonZeroCol[col] = true
            }
        }
        return (seenRow, nonZeroRow, seenCol, nonZeroCol)
    }

    public func shown(showZero: Bool) -> Shown? {
        let f = flags()
        guard f.seenRow.contains(true) else { return nil }
        guard showZero || f.nonZeroRow.contains(true) else { return nil }
        let rows = rowOrder.filter { $0 >= headerRows && (alwaysShowRows.contains($0) || f.seenRow[$0] && (showZero || f.nonZeroRow[$0])) }
        let cols = (headerCols..<colCount).filter { f.seenCol[$0] && (showZero || f.nonZeroCol[$0]) }
        return Shown(rows: rows, cols: cols)
    }

    /// `display_table(table, screen_width, 0, 0, showZero, showZero)`.
    public func render(screenWidth: Int, showZero: Bool) -> String {
        let f = flags()
        guard f.seenRow.contains(true) else { return "Table has no data.\n" }
        guard showZero || f.nonZeroRow.contains(true) else { return "Table has no non-zero data.\n" }
        let shows = { (col: Int) in f.seenCol[col] && (showZero || f.nonZeroCol[col]) }
        var out = ""
        var col = -1
        var dataCol = headerCols
        while dataCol < colCount {
            guard shows(dataCol) else { dataCol += 1; continue }
            if col > 0 { out += "\n" }
            for row in rowOrder {
                if row >= headerRows && !alwaysShowRows.contains(row) && (!f.seenRow[row] || (!showZero && !f.nonZeroRow[row])) { continue }
                var lineWidth = 0
                for c in 0..<headerCols { out += justified(row: row, col: c); lineWidth += width[c] }
                col = dataCol
                while true {
                    if shows(col) { out += justified(row: row, col: col); lineWidth += width[col] }
                    col += 1
                    if col >= colCount || lineWidth + width[col] > screenWidth { break }
                }
                out += "\n"
            }
            dataCol = col
        }
        return out
    }
}
