#pragma once
// HTTP(S) client used by the connectors. One instance per io_context; not thread-safe (it lives on the
// daemon's single event loop). It must outlive every send() in progress.
//
// A pooled connection that turns out dead before any response byte arrives (the server closed it
// while idle) is replaced and the request sent once more, whatever its method: the usual browser
// and curl behaviour. Writes must therefore tolerate a duplicate delivery, as they must anyway.
//
// Error policy: transport problems (DNS, connect, TLS verification, reset, timeout, oversized response,
// refused insecure URL) are returned as an error_code; any HTTP status, 4xx/5xx included, is a
// successful exchange and is returned as a response. Classifying statuses is the caller's job
// (see core/retry_policy.hpp).

#include "core/http.hpp"
#include "core/url.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace crmsync {

struct api_request_report; // core/metrics.hpp

struct http_client_settings {
    // TCP connect plus TLS handshake; the request's own timeout still bounds the whole exchange.
    std::chrono::milliseconds connect_timeout{10'000};
    std::size_t max_response_bytes = 64 * 1024 * 1024;
    // Extra PEM CA bundle trusted in addition to the system store (tests, corporate proxies).
    std::string extra_ca_file;
    // Idle keep-alive connections kept per scheme://host:port; older ones are closed. Expired ones
    // are closed when the client is next used. Concurrent sends are not limited: each opens a
    // connection if none is idle (concurrency is the rate budget's business). 0 disables reuse.
    std::size_t max_idle_per_host = 4;
    std::chrono::milliseconds idle_timeout{60'000};
    std::string user_agent = "crmsync/" CRMSYNC_VERSION;
};

enum class http_client_errc {
    insecure_url = 1,       // http:// to a host that is not loopback
    bad_url,                // unparsable, unsupported scheme, missing host
    response_too_large,     // body or header over max_response_bytes
    timeout,                // the request's total timeout (connect included) expired
};
const boost::system::error_category& http_client_category();
boost::system::error_code make_error_code(http_client_errc e);

struct http_client_stats {
    std::size_t requests = 0;
    std::size_t connections_opened = 0; // new TCP(+TLS) connections; reuse does not count
};

class http_client {
public:
    virtual ~http_client() = default;
    // Sends one request and reads the whole response. Safe to call concurrently from several
    // coroutines on the same executor; each exchange gets its own (pooled) connection.
    virtual boost::asio::awaitable<boost::system::result<http_response>> send(http_request req) = 0;
    // Like send, but a 2xx body is streamed into the file at `path` (created or truncated) in small pieces,
    // never held in memory: for bulk exports of any size. The returned response has an empty body (for a
    // non-2xx answer the body is returned as usual, capped). `max_bytes` bounds the file.
    virtual boost::asio::awaitable<boost::system::result<http_response>>
    download(http_request req, std::string path, std::uint64_t max_bytes) = 0;
    virtual http_client_stats stats() const = 0;

    // The API clients built on this one (the connectors') report every API request here once they have
    // classified the answer: only they can tell a THROTTLED answer inside an HTTP 200 from a success, or
    // name the endpoint class. The daemon counts and times them for /metrics. Set before the first
    // send(); the observer runs on the caller's executor and must be cheap.
    using request_observer = std::function<void(const api_request_report&)>;
    void set_request_observer(request_observer f) { observer_ = std::move(f); }
    void report(const api_request_report& r) const
    {
        if (observer_)
            observer_(r);
    }

private:
    request_observer observer_;
};

using http_client_ptr = std::unique_ptr<http_client>;

// Beast + OpenSSL implementation: peer verification on, SNI, host-name verification, system CA store,
// keep-alive pooling per scheme://host:port, plain HTTP refused unless the host is loopback.
http_client_ptr make_http_client(boost::asio::any_io_executor ex, http_client_settings settings = {});

} // namespace crmsync

namespace boost::system {
template <> struct is_error_code_enum<crmsync::http_client_errc> : std::true_type {};
} // namespace boost::system
