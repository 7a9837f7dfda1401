import Contracts
import ExactDecimal
import FoundationEssentials

/// Server-rendered SVG for the portfolio views: a line chart of totals over time and horizontal allocation bars.
/// Coordinates come from `ChartScale` (decimal arithmetic, rounded to hundredths of a pixel), never from a `Double`.
enum PortfolioChart {
    /// One series: a line through `points` (time, value), labelled `name`.
    struct Series {
        var name: String
        var currency: String
        var points: [(at: Date, value: Decimal)]
    }

    static let colours = ["#1f6fd1", "#d1701f", "#2f9e5b", "#8a3fd1", "#d64545", "#1fa3a3", "#7a5300", "#555f73"]
    static let width: Decimal = 760
    static let height: Decimal = 260
    static let left: Decimal = 96
    static let right: Decimal = 16
    static let top: Decimal = 16
    static let bottom: Decimal = 40

    /// A line chart with axes, labels, an accessible title, one `<circle data-point>` per point.
    static func lines(id: String, title: String, series kind: String, _ series: [Series]) -> String {
        let times: [Decimal] = series.flatMap { $0.points.map { seconds($0.at) } }
        let values: [Decimal] = series.flatMap { $0.points.map(\.value) } + [0]
        let x = ChartScale(values: times, from: left, to: width - right)
        let y = ChartScale(values: values, from: height - bottom, to: top)
        var body = ""
        for tick in y.ticks(5) {
            let position = y.position(tick)
            body += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(position)\" y2=\"\(position)\" stroke=\"#e3e6ec\"/>"
            body +=
                "<text x=\"\(left - 6)\" y=\"\(position + 4)\" font-size=\"11\" text-anchor=\"end\" fill=\"#555f73\">\(HTML.escape(tick.rounded(2).exactText))</text>"
        }
        let span = (times.max() ?? 0) - (times.min() ?? 0)
        let timeTicks = times.isEmpty ? [] : x.ticks(min(4, Set(times).count))
        for (index, tick) in timeTicks.enumerated() {
            let position = x.position(tick)
            let anchor = timeTicks.count == 1 ? "middle" : index == 0 ? "start" : index == timeTicks.count - 1 ? "end" : "middle"
            let iso = ISO8601.format(date(tick))
            let label = span < 2 * 86_400_000 ? String(iso.dropFirst(5).prefix(11)).replacing("T", with: " ") : String(iso.prefix(10))
            body +=
                "<text x=\"\(position)\" y=\"\(height - bottom + 18)\" font-size=\"11\" text-anchor=\"\(anchor)\" fill=\"#555f73\">\(HTML.escape(label))</text>"
        }
        body += "<line x1=\"\(left)\" x2=\"\(left)\" y1=\"\(top)\" y2=\"\(height - bottom)\" stroke=\"#7a8396\"/>"
        body += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(height - bottom)\" y2=\"\(height - bottom)\" stroke=\"#7a8396\"/>"
        var legend = ""
        for (index, line) in series.enumerated() {
            let colour = colours[index % colours.count]
            let coordinates = line.points.map { "\(x.position(seconds($0.at))),\(y.position($0.value))" }
            body +=
                "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(coordinates.joined(separator: " "))\" data-line=\"\(HTML.escape(line.currency))\"/>"
            for point in line.points {
                let label = "\(ISO8601.format(point.at)): \(point.value.exactText) \(line.currency)"
                body +=
                    "<circle cx=\"\(x.position(seconds(point.at)))\" cy=\"\(y.position(point.value))\" r=\"2.5\" fill=\"\(colour)\" data-point=\"\(HTML.escape(kind))\" data-currency=\"\(HTML.escape(line.currency))\"><title>\(HTML.escape(label))</title></circle>"
            }
            legend += "<span class=\"legend\" style=\"color:\(colour)\">■</span> \(HTML.escape(line.name)) "
        }
        return """
            <svg class="chart" id="\(HTML.escape(id))" role="img" aria-labelledby="\(HTML.escape(id))-title" viewBox="0 0 \(width) \(height)" \
            width="\(width)" height="\(height)"><title id="\(HTML.escape(id))-title">\(HTML.escape(title))</title>\(body)</svg>
            <p class="muted">\(legend)</p>
            """
    }

    /// Horizontal bars of shares (0–100 %), one per row, with the label and percentage beside each.
    static func bars(id: String, title: String, _ rows: [(label: String, percent: Decimal)]) -> String {
        let rowHeight: Decimal = 22
        let barLeft: Decimal = 180
        let barWidth: Decimal = 480
        let total = rowHeight * Decimal(rows.count) + 8
        let scale = ChartScale(values: [0, 100], from: 0, to: barWidth)
        var body = ""
        for (index, row) in rows.enumerated() {
            let y = rowHeight * Decimal(index) + 4
            body +=
                "<text x=\"\(barLeft - 8)\" y=\"\(y + 14)\" font-size=\"12\" text-anchor=\"end\">\(HTML.escape(String(row.label.prefix(28))))</text>"
            body +=
                "<rect x=\"\(barLeft)\" y=\"\(y + 3)\" width=\"\(scale.position(row.percent))\" height=\"\(rowHeight - 8)\" fill=\"\(colours[0])\"><title>\(HTML.escape("\(row.label): \(row.percent.exactText) %"))</title></rect>"
            body +=
                "<text x=\"\(barLeft + scale.position(row.percent) + 6)\" y=\"\(y + 14)\" font-size=\"12\">\(HTML.escape(row.percent.exactText)) %</text>"
        }
        return """
            <svg class="chart" id="\(HTML.escape(id))" role="img" aria-labelledby="\(HTML.escape(id))-title" viewBox="0 0 760 \(total)" width="760" \
            height="\(total)"><title id="\(HTML.escape(id))-title">\(HTML.escape(title))</title>\(body)</svg>
            """
    }

    /// The moment of an x-axis tick (milliseconds since 1970), for its label only.
    static func date(_ milliseconds: Decimal) -> Date {
        Date(timeIntervalSince1970: Double(Int(milliseconds.rounded(0).exactText) ?? 0) / 1000)
    }

    /// Whole milliseconds since 1970, as a decimal (the x axis): totals of one run can be seconds apart.
    static func seconds(_ date: Date) -> Decimal {
        Decimal(Int((date.timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
