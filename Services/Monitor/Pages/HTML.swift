import Contracts
import FoundationEssentials

/// Small builders for server-rendered HTML; every piece of data goes through `escape`.
enum HTML {
    /// Text safe inside elements and quoted attributes.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    /// A time in UTC that the page's script rewrites to the viewer's zone.
    static func time(_ date: Date?) -> String {
        guard let date else { return "<span class=\"muted\">–</span>" }
        let iso = ISO8601.format(date)
        let text = String(iso.prefix(19)).replacing("T", with: " ") + " UTC"
        return "<time datetime=\"\(escape(iso))\">\(escape(text))</time>"
    }

    /// `3.2 s`, `4 min 10 s`, `2 h 5 min`.
    static func duration(_ seconds: Double?) -> String {
        guard let seconds else { return "–" }
        if seconds < 60 { return seconds < 10 ? "\(Double(Int(seconds * 10)) / 10) s" : "\(Int(seconds)) s" }
        if seconds < 3600 { return "\(Int(seconds) / 60) min \(Int(seconds) % 60) s" }
        if seconds < 86400 { return "\(Int(seconds) / 3600) h \(Int(seconds) % 3600 / 60) min" }
        return "\(Int(seconds) / 86400) d \(Int(seconds) % 86400 / 3600) h"
    }

    /// A progress bar with succeeded and failed parts.
    static func progress(done: Int, failed: Int, total: Int, id: String? = nil) -> String {
        let okShare = total == 0 ? 100 : Double(done - failed) * 100 / Double(total)
        let failShare = total == 0 ? 0 : Double(failed) * 100 / Double(total)
        let idAttribute = id.map { " data-progress=\"\(escape($0))\"" } ?? ""
        return """
            <div class="bar"\(idAttribute) role="progressbar" aria-valuemin="0" aria-valuemax="\(total)" aria-valuenow="\(done)">\
            <span class="ok" style="width:\(format(okShare))%"></span><span class="bad" style="width:\(format(failShare))%"></span></div>\
            <span class="bar-label">\(done)/\(total)</span>
            """
    }

    static func format(_ value: Double) -> String {
        String(Double(Int(max(0, min(100, value)) * 10)) / 10)
    }

    /// A table from a header row and rows of already-escaped cells.
    static func table(_ headers: [String], _ rows: [[String]], empty: String = "nothing here") -> String {
        guard !rows.isEmpty else { return "<p class=\"muted\">\(escape(empty))</p>" }
        let head = headers.map { "<th>\(escape($0))</th>" }.joined()
        let body = rows.map { "<tr>" + $0.map { "<td>\($0)</td>" }.joined() + "</tr>" }.joined(separator: "\n")
        return "<table><thead><tr>\(head)</tr></thead><tbody>\n\(body)\n</tbody></table>"
    }

    /// A link whose target and text are escaped.
    static func link(_ href: String, _ text: String) -> String {
        "<a href=\"\(escape(href))\">\(escape(text))</a>"
    }

    /// A status word styled by its meaning.
    static func badge(_ status: String) -> String {
        let tone: String
        switch status {
        case "succeeded", "alive", "finished", "active": tone = "ok"
        case "failed", "dead", "lost", "reauth_required": tone = "bad"
        case "retrying", "paused", "dispatching": tone = "warn"
        default: tone = "info"
        }
        return "<span class=\"badge \(tone)\">\(escape(status))</span>"
    }

    /// A query-string value, percent-encoded.
    static func query(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            if (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || [45, 46, 95, 126].contains(byte) {
                result.append(Character(Unicode.Scalar(byte)))
            } else {
                result += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return result
    }
}
