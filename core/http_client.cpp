#include "core/http_client.hpp"

#include "core/http_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <optional>
#include <stdexcept>

namespace crmsync {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using steady = std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

class http_client_category_impl : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "crmsync.http_client"; }
    std::string message(int ev) const override
    {
        switch (static_cast<http_client_errc>(ev)) {
        case http_client_errc::insecure_url:
            return "plain http:// is only allowed to loopback hosts";
        case http_client_errc::bad_url:
            return "bad URL";
        case http_client_errc::response_too_large:
            return "response larger than the configured limit";
        case http_client_errc::timeout:
            return "request timed out";
        }
        return "unknown http client error";
    }
};

struct exchange_result {
    error_code ec;
    bool nothing_received = false; // the failure happened before any response byte arrived
    bool write_failed = false;     // the request never reached the server whole
    http_response response;
    bool reusable = false;
};

bool is_body_verb(std::string_view method)
{
    return iequals(method, "POST") || iequals(method, "PUT") || iequals(method, "PATCH");
}

bool has_close_token(std::string_view connection)
{
    // Connection is a comma-separated token list; "close" anywhere means the same.
    std::size_t pos = 0;
    while (pos <= connection.size()) {
        auto end = connection.find(',', pos);
        auto token = connection.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
            token.remove_prefix(1);
        while (!token.empty() && (token.back() == ' ' || token.back() == '\t'))
            token.remove_suffix(1);
        if (iequals(token, "close"))
            return true;
        if (end == std::string_view::npos)
            break;
        pos = end + 1;
    }
    return false;
}

std::string host_header(const parsed_url& url)
{
    bool ipv6 = url.host.find(':') != std::string::npos;
    std::string host = ipv6 ? "[" + url.host + "]" : url.host;
    bool default_port = (url.scheme == "https" && url.port == 443) || (url.scheme == "http" && url.port == 80);
    return default_port ? host : host + ":" + std::to_string(url.port);
}

// Writes the request and reads one complete response (1xx interim responses are skipped).
// The cap covers header and body bytes together.
template <class Stream>
asio::awaitable<exchange_result> exchange(Stream& stream, beast::flat_buffer& buffer,
                                          const http::request<http::string_body>& req, std::size_t max_bytes)
{
    exchange_result out;
    auto [wec, written] = co_await http::async_write(stream, req, use_tuple);
    if (wec) {
        out.ec = wec;
        out.nothing_received = true;
        out.write_failed = true;
        co_return out;
    }
    std::size_t received = 0;
    for (;;) {
        http::response_parser<http::string_body> parser;
        auto room = max_bytes - std::min(received, max_bytes);
        parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(room, std::numeric_limits<std::uint32_t>::max())));
        parser.body_limit(room);
        if (req.method() == http::verb::head)
            parser.skip(true);
        auto [hec, header_bytes] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
        if (hec) {
            out.ec = hec;
            out.nothing_received = received == 0 && header_bytes == 0 && buffer.size() == 0;
            co_return out;
        }
        received += header_bytes;
        auto status = parser.get().result_int();
        if (status >= 100 && status < 200 && status != 101) {
            // An interim response: its header is all there is; the final one follows.
            continue;
        }
        // A Content-Length is checked against the limit when the header is parsed, so the header's own
        // size is accounted for here; chunked bodies are counted against the new limit as they arrive.
        auto room_for_body = max_bytes - std::min(received, max_bytes);
        auto announced = parser.content_length();
        if (!parser.is_done() && announced && *announced > room_for_body) {
            out.ec = http::error::body_limit;
            co_return out;
        }
        parser.body_limit(room_for_body);
        auto [bec, body_bytes] = co_await http::async_read(stream, buffer, parser, use_tuple);
        if (bec) {
            out.ec = bec;
            co_return out;
        }
        auto msg = parser.release();
        out.response.status = static_cast<int>(msg.result_int());
        for (const auto& field : msg)
            out.response.headers.add(std::string(field.name_string()), std::string(field.value()));
        out.response.body = std::move(msg.body());
        out.reusable = msg.keep_alive() && !parser.need_eof() && buffer.size() == 0;
        co_return out;
    }
}

class beast_http_client final : public http_client {
public:
    beast_http_client(asio::any_io_executor ex, http_client_settings settings)
        : ex_(std::move(ex)),
          settings_(std::move(settings)),
          tls_(asio::ssl::context::tls_client),
          pool_(settings_.max_idle_per_host, settings_.idle_timeout)
    {
        // A CA file that cannot be loaded is a configuration error found at startup: it throws.
        tls_.set_default_verify_paths();
        if (!settings_.extra_ca_file.empty()) {
            error_code ec;
            tls_.load_verify_file(settings_.extra_ca_file, ec);
            if (ec)
                throw std::runtime_error("cannot load CA file '" + settings_.extra_ca_file + "': " + ec.message());
        }
        tls_.set_verify_mode(asio::ssl::verify_peer);
        ::SSL_CTX_set_min_proto_version(tls_.native_handle(), TLS1_2_VERSION);
    }

    asio::awaitable<boost::system::result<http_response>> send(http_request req) override;
    asio::awaitable<boost::system::result<http_response>> download(http_request req, std::string path,
                                                                   std::uint64_t max_bytes) override;

    http_client_stats stats() const override { return stats_; }

private:
    http::request<http::string_body> to_beast(http_request req, const parsed_url& url) const;
    error_code classify(error_code ec, steady::time_point deadline) const;

    asio::any_io_executor ex_;
    http_client_settings settings_;
    asio::ssl::context tls_;
    detail::http_pool pool_;
    http_client_stats stats_;
};

http::request<http::string_body> beast_http_client::to_beast(http_request req, const parsed_url& url) const
{
    http::request<http::string_body> out;
    out.version(11);
    out.method_string(req.method);
    out.target(url.target);
    out.set(http::field::host, host_header(url));
    out.set(http::field::user_agent, settings_.user_agent);
    for (const auto& [name, value] : req.headers.items()) {
        // Framing and the host come from the URL and the body, never from the caller.
        if (iequals(name, "Host") || iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding"))
            continue;
        if (iequals(name, "User-Agent"))
            out.set(http::field::user_agent, value);
        else
            out.insert(name, value);
    }
    if (!req.body.empty() || is_body_verb(req.method))
        out.content_length(req.body.size());
    out.body() = std::move(req.body);
    return out;
}

error_code beast_http_client::classify(error_code ec, steady::time_point deadline) const
{
    if (ec == beast::error::timeout || ec == asio::error::timed_out || steady::now() >= deadline)
        return http_client_errc::timeout;
    if (ec == http::error::body_limit || ec == http::error::header_limit || ec == http::error::buffer_overflow)
        return http_client_errc::response_too_large;
    return ec;
}

asio::awaitable<boost::system::result<http_response>> beast_http_client::send(http_request req)
{
    ++stats_.requests;
    auto url = parse_url(req.url);
    if (!url)
        co_return error_code(http_client_errc::bad_url);
    if (url->scheme == "http" && !is_loopback_host(url->host))
        co_return error_code(http_client_errc::insecure_url);

    auto deadline = steady::now() + req.timeout;
    auto key = url->scheme + "://" + url->host + ":" + std::to_string(url->port);
    auto connection = req.headers.get("Connection");
    bool caller_closes = connection && has_close_token(*connection);
    auto breq = to_beast(std::move(req), *url);

    // A pooled connection may have been closed by the server while idle. If it fails before any response
    // byte arrives, the request is sent once more on a fresh connection — but a non-idempotent request
    // (POST, PATCH) only when it never reached the server whole: a reset after the server received it
    // may follow a write that was applied, and whether to repeat that is the engine's decision.
    const bool idempotent = breq.method() == http::verb::get || breq.method() == http::verb::head ||
                            breq.method() == http::verb::put || breq.method() == http::verb::delete_ ||
                            breq.method() == http::verb::options;
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto conn = attempt == 0 ? pool_.take(key) : nullptr;
        bool reused = conn != nullptr;
        if (!conn) {
            auto opened = co_await detail::open_connection(ex_, tls_, *url, {deadline, settings_.connect_timeout});
            if (!opened)
                co_return classify(opened.error(), deadline);
            conn = std::move(*opened);
            ++stats_.connections_opened;
        }
        conn->tcp().expires_at(deadline);
        auto result = co_await conn->visit([&](auto& stream) {
            return exchange(stream, conn->buffer(), breq, settings_.max_response_bytes);
        });
        if (result.ec) {
            conn->close();
            if (reused && result.nothing_received && (idempotent || result.write_failed) && steady::now() < deadline)
                continue;
            co_return classify(result.ec, deadline);
        }
        conn->tcp().expires_never();
        if (result.reusable && !caller_closes)
            pool_.put(key, std::move(conn));
        else
            conn->close();
        co_return std::move(result.response);
    }
    co_return error_code(asio::error::connection_aborted); // not reached: the second attempt returns
}

// Reads one response whose body goes to `out` piece by piece (a 2xx) or into the response (otherwise).
template <class Stream>
asio::awaitable<exchange_result> exchange_to_file(Stream& stream, beast::flat_buffer& buffer,
                                                  const http::request<http::string_body>& req, std::ofstream& out,
                                                  std::uint64_t max_bytes, std::size_t max_error_body)
{
    exchange_result result;
    auto [wec, written] = co_await http::async_write(stream, req, use_tuple);
    if (wec) {
        result.ec = wec;
        co_return result;
    }
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(max_bytes);
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
    if (hec) {
        result.ec = hec;
        co_return result;
    }
    const int status = parser.get().result_int();
    const bool to_file = status >= 200 && status < 300;
    std::string small;
    char chunk[64 * 1024];
    while (!parser.is_done()) {
        parser.get().body().data = chunk;
        parser.get().body().size = sizeof(chunk);
        auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
        if (ec && ec != http::error::need_buffer) {
            result.ec = ec;
            co_return result;
        }
        const std::size_t got = sizeof(chunk) - parser.get().body().size;
        if (to_file) {
            out.write(chunk, static_cast<std::streamsize>(got));
            if (!out) {
                result.ec = make_error_code(std::errc::io_error);
                co_return result;
            }
        } else if (small.size() < max_error_body) {
            small.append(chunk, std::min(got, max_error_body - small.size()));
        }
    }
    result.response.status = status;
    for (const auto& field : parser.get())
        result.response.headers.add(std::string(field.name_string()), std::string(field.value()));
    result.response.body = std::move(small);
    co_return result;
}

asio::awaitable<boost::system::result<http_response>> beast_http_client::download(http_request req, std::string path,
                                                                                std::uint64_t max_bytes)
{
    ++stats_.requests;
    auto url = parse_url(req.url);
    if (!url)
        co_return error_code(http_client_errc::bad_url);
    if (url->scheme == "http" && !is_loopback_host(url->host))
        co_return error_code(http_client_errc::insecure_url);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out)
        co_return make_error_code(std::errc::io_error);
    auto deadline = steady::now() + req.timeout;
    auto breq = to_beast(std::move(req), *url);
    breq.set(http::field::connection, "close");
    auto opened = co_await detail::open_connection(ex_, tls_, *url, {deadline, settings_.connect_timeout});
    if (!opened)
        co_return classify(opened.error(), deadline);
    auto conn = std::move(*opened);
    ++stats_.connections_opened;
    conn->tcp().expires_at(deadline);
    auto result = co_await conn->visit([&](auto& stream) {
        return exchange_to_file(stream, conn->buffer(), breq, out, max_bytes, settings_.max_response_bytes);
    });
    conn->close();
    if (result.ec)
        co_return classify(result.ec, deadline);
    out.flush();
    if (!out)
        co_return make_error_code(std::errc::io_error);
    co_return std::move(result.response);
}

} // namespace

const boost::system::error_category& http_client_category()
{
    static const http_client_category_impl category;
    return category;
}

boost::system::error_code make_error_code(http_client_errc e)
{
    return {static_cast<int>(e), http_client_category()};
}

http_client_ptr make_http_client(asio::any_io_executor ex, http_client_settings settings)
{
    return std::make_unique<beast_http_client>(std::move(ex), std::move(settings));
}

} // namespace crmsync
