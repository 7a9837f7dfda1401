/// An aligned text table: a header row, then one row per item; numeric columns right-aligned.
struct Table {
    /// A column: its heading and whether its cells are numbers (right-aligned).
    struct Column {
        let title: String
        let numeric: Bool
        init(_ title: String, numeric: Bool = false) {
            self.title = title
            self.numeric = numeric
        }
    }

    let columns: [Column]
    private(set) var rows: [[String]] = []

    init(_ columns: [Column]) {
        self.columns = columns
    }

    init(_ titles: String...) {
        columns = titles.map { Column($0) }
    }

    mutating func append(_ cells: [String]) {
        rows.append(cells)
    }

    /// Rows whose numeric columns show every number with the column's longest fraction (`2424.2` → `2424.20`),
    /// so decimal points line up; the value is unchanged, only trailing zeros are added.
    private func alignedDecimals() -> [[String]] {
        var rows = rows
        for (index, column) in columns.enumerated() where column.numeric {
            let scale = rows.compactMap { index < $0.count ? Self.fractionDigits($0[index]) : nil }.max() ?? 0
            guard scale > 0 else { continue }
            for row in rows.indices where index < rows[row].count {
                guard let digits = Self.fractionDigits(rows[row][index]), digits < scale else { continue }
                rows[row][index] += (digits == 0 ? "." : "") + String(repeating: "0", count: scale - digits)
            }
        }
        return rows
    }

    /// Digits after the point of a plain decimal such as `-12.5`; `nil` for anything else.
    private static func fractionDigits(_ cell: String) -> Int? {
        let body = cell.hasPrefix("-") ? cell.dropFirst() : Substring(cell)
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard !body.isEmpty, parts.count <= 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else {
            return nil
        }
        return parts.count == 2 ? parts[1].count : 0
    }

    /// The table as lines; `empty` instead when it has no rows.
    func render(empty: String = "(none)") -> String {
        guard !rows.isEmpty else { return empty + "\n" }
        let rows = alignedDecimals()
        var widths = columns.map(\.title.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (index, column) in columns.enumerated() {
                let cell = index < cells.count ? cells[index] : ""
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                parts.append(column.numeric ? pad + cell : (index == columns.count - 1 ? cell : cell + pad))
            }
            return parts.joined(separator: "  ")
        }
        return ([line(columns.map(\.title))] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}

/// `label: value` lines, labels aligned: how `show` commands print one thing.
struct Details {
    private var pairs: [(String, String)] = []

    mutating func add(_ label: String, _ value: String) {
        pairs.append((label, value))
    }

    func render() -> String {
        let width = pairs.map(\.0.count).max() ?? 0
        return pairs.map { $0.0 + ":" + String(repeating: " ", count: width - $0.0.count + 1) + $0.1 }.joined(separator: "\n") + "\n"
    }
}
