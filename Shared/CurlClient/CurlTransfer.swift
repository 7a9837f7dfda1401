internal import CCurl

/// One request's state while the loop thread drives it.
///
/// `@unchecked Sendable`: after `HTTPClient.execute` hands it to the loop, only the loop thread
/// touches it until it resumes the continuation.
final class CurlTransfer: @unchecked Sendable {
    let request: HTTPClientRequest
    let configuration: HTTPClient.Configuration
    var continuation: CheckedContinuation<HTTPClientResponse, any Error>?
    private(set) var handle: UnsafeMutableRawPointer?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var resolveList: UnsafeMutablePointer<curl_slist>?
    private var responseHeaders: [(String, String)] = []
    private var body: [UInt8] = []
    private var headerBytes = 0
    private var tooLarge: TooLarge?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))

    /// What made a response too large to accept.
    private enum TooLarge {
        case body, headers
    }

    /// Largest body this request accepts.
    private let maximumBodySize: Int

    init(request: HTTPClientRequest, configuration: HTTPClient.Configuration) {
        self.request = request
        self.configuration = configuration
        maximumBodySize = max(0, request.maximumResponseSize ?? configuration.maximumResponseSize)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        if let headerList { curl_slist_free_all(headerList) }
        if let resolveList { curl_slist_free_all(resolveList) }
        errorBuffer.deallocate()
    }

    /// Sets every option of this request on `handle`; the transfer keeps `handle` until `detach()`.
    func attach(to handle: UnsafeMutableRawPointer) -> HTTPClientError? {
        self.handle = handle
        let context = Unmanaged.passUnretained(self).toOpaque()
        let timeout = request.timeout ?? configuration.timeout
        var failed = false
        func set(_ option: CURLoption, _ value: Int) {
            failed = failed || psync_curl_easy_setopt_long(handle, option, value) != CURLE_OK
        }
        func set(_ option: CURLoption, _ value: String) {
            failed = failed || psync_curl_easy_setopt_string(handle, option, value) != CURLE_OK
        }
        set(CURLOPT_URL, request.url)
        // Only HTTP(S), also for redirects: a URL or a Location header naming file://, ftp:// or gopher:// is refused by libcurl.
        set(CURLOPT_PROTOCOLS_STR, "http,https")
        set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        // Redirects are never followed: a 3xx is the answer, returned as it came.
        set(CURLOPT_FOLLOWLOCATION, 0)
        if !configuration.usesProxyEnvironment {
            // An empty proxy and a no-proxy list of "*" stop libcurl reading http_proxy, https_proxy and ALL_PROXY.
            set(CURLOPT_PROXY, "")
            set(CURLOPT_NOPROXY, "*")
        }
        if let resolve = request.resolve, !resolve.isEmpty {
            for entry in resolve { resolveList = curl_slist_append(resolveList, entry) }
            failed = failed || psync_curl_easy_setopt_pointer(handle, CURLOPT_RESOLVE, resolveList.map { UnsafeMutableRawPointer($0) }) != CURLE_OK
        }
        set(CURLOPT_NOSIGNAL, 1)
        set(CURLOPT_TCP_KEEPALIVE, 1)
        set(CURLOPT_CONNECTTIMEOUT_MS, configuration.connectTimeout.milliseconds)
        set(CURLOPT_TIMEOUT_MS, timeout.milliseconds)
        set(CURLOPT_SSL_VERIFYPEER, configuration.verifyTLS ? 1 : 0)
        set(CURLOPT_SSL_VERIFYHOST, configuration.verifyTLS ? 2 : 0)
        set(CURLOPT_USERAGENT, configuration.userAgent)
        set(CURLOPT_ACCEPT_ENCODING, "")
        // A declared Content-Length over the limit is refused before the body is read; an undeclared one is cut off in `receiveBody`.
        failed =
            failed
            || psync_curl_easy_setopt_offset(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(clamping: maximumBodySize)) != CURLE_OK
        _ = psync_curl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        _ = psync_curl_easy_setopt_callback(
            handle, CURLOPT_WRITEFUNCTION,
            { data, size, count, context in
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
                return transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: size * count))
            })
        _ = psync_curl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        _ = psync_curl_easy_setopt_callback(
            handle, CURLOPT_HEADERFUNCTION,
            { data, size, count, context in
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
                return transfer.receiveHeader(UnsafeRawBufferPointer(start: data, count: size * count))
            })
        _ = psync_curl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context)

        let method = request.method.uppercased()
        switch method {
        case "GET": set(CURLOPT_HTTPGET, 1)
        case "HEAD": set(CURLOPT_NOBODY, 1)
        case "POST": set(CURLOPT_POST, 1)
        default: set(CURLOPT_CUSTOMREQUEST, method)
        }
        if let body = request.body ?? (method == "POST" ? [] : nil) {
            failed = failed || psync_curl_easy_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)) != CURLE_OK
            failed =
                failed
                || body.withUnsafeBytes { bytes in
                    psync_curl_easy_setopt_pointer(
                        handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? UnsafeRawPointer(errorBuffer)))
                } != CURLE_OK
        }
        // An empty Expect stops curl waiting for "100 Continue" before sending large bodies.
        for (name, value) in request.headers + [("Expect", "")] {
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }
        _ = psync_curl_easy_setopt_pointer(handle, CURLOPT_HTTPHEADER, headerList.map { UnsafeMutableRawPointer($0) })
        return failed ? HTTPClientError(.invalidRequest, "libcurl refused an option of the request") : nil
    }

    /// Gives the handle back for reuse and clears every pointer it held into this transfer.
    func detach() -> UnsafeMutableRawPointer? {
        defer { handle = nil }
        return handle
    }

    /// Completes the request from libcurl's result code.
    func finish(_ code: CURLcode) {
        guard let continuation else { return }
        self.continuation = nil
        guard code == CURLE_OK else {
            continuation.resume(throwing: error(for: code))
            return
        }
        var status = 0
        if let handle { _ = psync_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status) }
        continuation.resume(returning: HTTPClientResponse(status: status, headers: responseHeaders, body: body))
    }

    /// Fails the request without a libcurl result (cancelled, shut down).
    func fail(_ error: any Error) {
        guard let continuation else { return }
        self.continuation = nil
        continuation.resume(throwing: error)
    }

    /// Keeps a chunk of the (decompressed) body; returning less than its size makes libcurl abort the transfer.
    private func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard bytes.count <= maximumBodySize - body.count else {
            tooLarge = .body
            return 0
        }
        body.append(contentsOf: bytes)
        return bytes.count
    }

    /// Keeps one header line, up to `maximumHeaderSize` bytes of headers in all.
    private func receiveHeader(_ bytes: UnsafeRawBufferPointer) -> Int {
        headerBytes += bytes.count
        guard headerBytes <= configuration.maximumHeaderSize else {
            tooLarge = .headers
            return 0
        }
        let line = String(decoding: bytes, as: UTF8.self).trimmingLineEnd()
        if line.hasPrefix("HTTP/") {
            // A new status line (after a 100 Continue or a redirect) starts a new header block.
            responseHeaders.removeAll()
            return bytes.count
        }
        guard let colon = line.firstIndex(of: ":") else { return bytes.count }
        let name = String(line[..<colon])
        let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
        responseHeaders.append((name, String(value)))
        return bytes.count
    }

    private func error(for code: CURLcode) -> HTTPClientError {
        let detail = errorBuffer.pointee == 0 ? String(cString: curl_easy_strerror(code)) : String(cString: errorBuffer)
        switch code {
        case CURLE_WRITE_ERROR where tooLarge == .headers:
            return HTTPClientError(.responseTooLarge, "the response's headers are larger than \(configuration.maximumHeaderSize) bytes")
        case CURLE_WRITE_ERROR where tooLarge == .body, CURLE_FILESIZE_EXCEEDED:
            return HTTPClientError(.responseTooLarge, "the response is larger than \(maximumBodySize) bytes")
        case CURLE_OPERATION_TIMEDOUT:
            return HTTPClientError(.timeout, detail)
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return HTTPClientError(.connect, detail)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE:
            return HTTPClientError(.tls, detail)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_BAD_FUNCTION_ARGUMENT:
            return HTTPClientError(.invalidRequest, detail)
        default:
            return HTTPClientError(.transfer, detail)
        }
    }
}

extension String {
    func trimmingLineEnd() -> String {
        var text = Substring(self)
        while let last = text.last, last == "\r" || last == "\n" || last == "\r\n" { text = text.dropLast() }
        return String(text)
    }
}

extension Duration {
    /// Whole milliseconds, saturating at 0 and `Int.max` (libcurl takes a `long`).
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = Int(seconds).multipliedReportingOverflow(by: 1000)
        return overflow ? Int.max : whole.addingSaturating(Int(attoseconds / 1_000_000_000_000_000))
    }
}

extension Int {
    func addingSaturating(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
