import HTTPTypes
import Hummingbird
import NIOCore

/// Bodies no broker should send, in each broker's own shapes: the route's list with one item whose
/// numbers or times are hostile, 300 MB of items, a body that drips, JSON nested 100,000 deep.
/// Streamed bodies are generated as they are sent, never held whole.
enum HostileBody {
    /// A route's list body around its items, and one item with the given numbers and time.
    struct Shape: Sendable {
        var head: String
        var tail: String
        /// Whether the item carries a time (`year-0` answers normally when it does not).
        var hasTime: Bool
        /// The item's time in the broker's format: normal, or in year 0000.
        var time: @Sendable (_ yearZero: Bool) -> String
        var item: @Sendable (_ quantity: String, _ price: String, _ time: String) -> String
    }

    static let iso: @Sendable (Bool) -> String = { $0 ? "0000-01-01T00:00:00Z" : "2026-01-01T03:45:00Z" }
    static let ist: @Sendable (Bool) -> String = { $0 ? "0000-01-01 00:00:00" : "2026-01-01 09:15:00" }

    /// The shape of `path`'s answer in `broker`'s format (its holdings list for routes without one).
    static func shape(_ broker: Broker, _ path: String) -> Shape {
        switch (broker, path) {
        case (.kite, "/portfolio/positions"):
            Shape(head: #"{"status":"success","data":{"day":[],"net":["#, tail: "]}}", hasTime: false, time: ist) { q, p, _ in
                #"{"tradingsymbol":"HOSTILE","exchange":"NSE","instrument_token":1,"product":"CNC","quantity":\#(q),"average_price":\#(p),"last_price":\#(p)}"#
            }
        case (.kite, "/trades"):
            Shape(head: #"{"status":"success","data":["#, tail: "]}", hasTime: true, time: ist) { q, p, t in
                #"{"trade_id":"H1","order_id":"H1","exchange":"NSE","tradingsymbol":"HOSTILE","transaction_type":"BUY","quantity":\#(q),"average_price":\#(p),"fill_timestamp":"\#(t)","exchange_timestamp":"\#(t)"}"#
            }
        case (.kite, "/mf/holdings"):
            Shape(head: #"{"status":"success","data":["#, tail: "]}", hasTime: false, time: ist) { q, p, _ in
                #"{"folio":"H1","fund":"HOSTILE FUND","tradingsymbol":"INF000A01000","average_price":\#(p),"last_price":\#(p),"quantity":\#(q)}"#
            }
        case (.kite, _):
            Shape(head: #"{"status":"success","data":["#, tail: "]}", hasTime: true, time: ist) { q, p, t in
                #"{"tradingsymbol":"HOSTILE","exchange":"NSE","instrument_token":1,"isin":"INE000A01000","product":"CNC","quantity":\#(q),"t1_quantity":0,"average_price":\#(p),"last_price":\#(p),"authorised_date":"\#(t)"}"#
            }
        case (.alpaca, _) where path.hasPrefix("/v2/account/activities"):
            Shape(head: "[", tail: "]", hasTime: true, time: iso) { q, p, t in
                #"{"id":"H1","activity_type":"FILL","transaction_time":"\#(t)","symbol":"HOSTILE","side":"buy","qty":"\#(q)","price":"\#(p)"}"#
            }
        case (.alpaca, _):
            Shape(head: "[", tail: "]", hasTime: false, time: iso) { q, p, _ in
                #"{"symbol":"HOSTILE","exchange":"NASDAQ","asset_class":"us_equity","side":"long","qty":"\#(q)","avg_entry_price":"\#(p)","current_price":"\#(p)"}"#
            }
        case (.upstox, _):
            Shape(head: #"{"status":"success","data":["#, tail: "]}", hasTime: false, time: iso) { q, p, _ in
                #"{"isin":"INE000A01000","exchange":"NSE","tradingsymbol":"HOSTILE","trading_symbol":"HOSTILE","quantity":\#(q),"t1_quantity":0,"average_price":\#(p),"last_price":\#(p)}"#
            }
        case (.dhan, _):
            Shape(head: "[", tail: "]", hasTime: false, time: iso) { q, p, _ in
                #"{"exchange":"NSE","tradingSymbol":"HOSTILE","securityId":"1","isin":"INE000A01000","totalQty":\#(q),"t1Qty":0,"collateralQty":0,"avgCostPrice":\#(p)}"#
            }
        case (.sandbox, "/sandbox/v1/transactions"):
            Shape(head: #"{"transactions":["#, tail: #"],"next_cursor":"day-0"}"#, hasTime: true, time: iso) { q, p, t in
                #"{"id":"H1","type":"buy","symbol":"HOSTILE","quantity":"\#(q)","price":"\#(p)","amount":"\#(p)","currency":"INR","executed_at":"\#(t)"}"#
            }
        case (.sandbox, _):
            Shape(head: #"{"account":"SBX-HOSTILE","as_of":"\#(iso(false))","holdings":["#, tail: "]}", hasTime: true, time: iso) {
                q, p, _ in
                #"{"symbol":"HOSTILE","exchange":"NSE","isin":"INE000A01000","asset_type":"stock","quantity":"\#(q)","average_price":"\#(p)","last_price":"\#(p)","currency":"INR"}"#
            }
        }
    }

    /// The route's answer carrying `value`; `nil` when the route has nowhere to put it (a time on Upstox).
    static func response(_ value: HostileValue, broker: Broker, path: String) -> Response? {
        var shape = shape(broker, path)
        if broker == .sandbox, !path.hasPrefix("/sandbox/v1/transactions"), value == .yearZero {
            shape.head = #"{"account":"SBX-HOSTILE","as_of":"\#(iso(true))","holdings":["#
        } else if value == .yearZero, !shape.hasTime {
            return nil
        }
        let (quantity, price): (String, String) =
            switch value {
            case .hugeNumbers: ("-" + String(repeating: "9", count: 38), String(repeating: "9", count: 38))
            case .tinyNumbers: ("0." + String(repeating: "0", count: 69) + "1", "0." + String(repeating: "0", count: 69) + "1")
            case .exponent400: ("1e400", "1")
            case .longDecimal: ("1", "1." + String(repeating: "7", count: 4999))
            case .yearZero: ("1", "1")
            }
        return BrokerResponse.json(.ok, text: shape.head + shape.item(quantity, price, shape.time(value == .yearZero)) + shape.tail)
    }

    /// `{"status":"success","data":[[[…]]]}`, 100,000 arrays deep.
    static let deep: ByteBuffer = {
        var buffer = ByteBuffer()
        buffer.writeString(#"{"status":"success","data":"#)
        buffer.writeRepeatingByte(UInt8(ascii: "["), count: deepLevels)
        buffer.writeRepeatingByte(UInt8(ascii: "]"), count: deepLevels)
        buffer.writeString("}")
        return buffer
    }()

    static let deepLevels = 100_000

    /// About `hugeSize` bytes of the route's items, in 64 KiB chunks written as the client reads them.
    static func huge(broker: Broker, path: String) -> Response {
        let shape = shape(broker, path)
        let item = shape.item("1", "1", shape.time(false))
        var buffer = ByteBuffer()
        while buffer.readableBytes < 64 << 10 { buffer.writeString("," + item) }
        let chunk = buffer
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: shape.head + item))
            var written = 0
            while written < hugeSize {
                try await writer.write(chunk)
                written += chunk.readableBytes
            }
            try await writer.write(ByteBuffer(string: shape.tail))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: body)
    }

    static let hugeSize = 300_000_000

    /// The route's answer, one byte every `dripInterval`: its head, spaces, then one item and the tail after 10 minutes.
    static func drip(broker: Broker, path: String) -> Response {
        let shape = shape(broker, path)
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: shape.head))
            let space = ByteBuffer(string: " ")
            for _ in 0..<dripBytes {
                try await Task.sleep(for: dripInterval)
                try await writer.write(space)
            }
            try await writer.write(ByteBuffer(string: shape.item("1", "1", shape.time(false)) + shape.tail))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: body)
    }

    static let dripInterval = Duration.milliseconds(250)
    /// 10 minutes' worth.
    static let dripBytes = 2400

    /// Kite's `POST /session/token` answer whose access token carries CR/LF and a header after them.
    static let kiteSessionWithCRLF =
        #"{"status":"success","data":{"user_id":"HOSTILE","user_name":"Hostile","api_key":"k","public_token":"p","access_token":"kite-hostile\r\nX-Injected: 1","refresh_token":""}}"#
}
