#include "core/http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <optional>
#include <unordered_map>

namespace crmsync {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::uint32_t max_header_bytes = 16 * 1024;
// Bounds on reading what a refused client is still sending (see linger_close).
constexpr std::size_t drain_limit_bytes = 1024 * 1024;
constexpr std::chrono::milliseconds drain_time{1000};
constexpr std::chrono::milliseconds accept_backoff{50};
constexpr std::size_t slow_body_parts = 8;

using request_type = http::request<http::string_body>;
using response_type = http::response<http::string_body>;

std::string json_error(std::string_view message)
{
    return std::string(R"({"error":")") + std::string(message) + "\"}";
}

// Read errors that deserve an answer before closing; the rest (EOF, reset, timeout) just close.
std::optional<std::pair<int, std::string_view>> answer_for(const error_code& ec)
{
    if (ec == http::error::body_limit)
        return std::pair{413, std::string_view("payload too large")};
    if (ec == http::error::header_limit)
        return std::pair{431, std::string_view("request header too large")};
    if (ec.category() == make_error_code(http::error::bad_target).category() && ec != http::error::end_of_stream &&
        ec != http::error::partial_message)
        return std::pair{400, std::string_view("bad request")};
    return std::nullopt;
}

bool wants_continue(const http::request_parser<http::string_body>& parser)
{
    auto it = parser.get().find(http::field::expect);
    return it != parser.get().end() && iequals(it->value(), "100-continue") && !parser.is_done() &&
           parser.get().version() >= 11;
}

bool reply_closes(const http_headers& headers)
{
    auto connection = headers.get("Connection");
    return connection && iequals(*connection, "close");
}

std::string remote_address_of(beast::tcp_stream& stream)
{
    error_code ec;
    auto ep = stream.socket().remote_endpoint(ec);
    return ec ? std::string() : ep.address().to_string();
}

void log_escaped(std::exception_ptr e, const char* where)
{
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        spdlog::error("http server: {}: {}", where, ex.what());
    } catch (...) {
        spdlog::error("http server: {}: unknown exception", where);
    }
}

} // namespace

struct http_server::impl : std::enable_shared_from_this<impl> {
    struct session {
        explicit session(tcp::socket socket) : stream(std::move(socket)) {}
        beast::tcp_stream stream;
        asio::cancellation_signal cancel;
    };

    impl(asio::any_io_executor ex, http_server_settings settings, http_handler handler)
        : ex_(ex), settings_(std::move(settings)), handler_(std::move(handler)), acceptor_(ex), backoff_(ex)
    {
    }

    boost::system::result<void> start();
    void stop();
    // `self` keeps the server state alive as long as the coroutine runs.
    asio::awaitable<void> accept_loop(std::shared_ptr<impl> self);
    void launch(tcp::socket socket);
    void refuse(tcp::socket& socket);
    asio::awaitable<void> run_session(std::shared_ptr<impl> self, session& s);
    asio::awaitable<std::optional<http_server_reply>> call_handler(http_server_request& req);
    asio::awaitable<bool> write_reply(beast::tcp_stream& stream, const request_type& req, http_server_reply& reply,
                                      bool keep_alive);
    asio::awaitable<void> answer_and_close(beast::tcp_stream& stream, int status, std::string_view message);
    asio::awaitable<void> linger_close(beast::tcp_stream& stream);

    asio::any_io_executor ex_;
    http_server_settings settings_;
    http_handler handler_;
    tcp::acceptor acceptor_;
    asio::steady_timer backoff_;
    std::uint16_t port_ = 0;
    bool started_ = false;
    bool stopped_ = false;
    std::uint64_t next_session_ = 0;
    std::unordered_map<std::uint64_t, std::unique_ptr<session>> sessions_;
    std::atomic<std::uint64_t> served_{0};
};

boost::system::result<void> http_server::impl::start()
{
    if (started_ || stopped_)
        return error_code(asio::error::already_open);
    error_code ec;
    auto address = asio::ip::make_address(settings_.host == "localhost" ? "127.0.0.1" : settings_.host, ec);
    if (ec)
        return ec;
    tcp::endpoint endpoint(address, settings_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec)
        acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec)
        acceptor_.bind(endpoint, ec);
    if (!ec)
        acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec)
        port_ = acceptor_.local_endpoint(ec).port();
    if (ec) {
        error_code ignored;
        acceptor_.close(ignored);
        return ec;
    }
    started_ = true;
    auto self = shared_from_this();
    asio::co_spawn(ex_, accept_loop(self), [self](std::exception_ptr e) {
        if (e && !self->stopped_)
            log_escaped(e, "accept loop");
    });
    return {};
}

void http_server::impl::stop()
{
    if (stopped_)
        return;
    stopped_ = true;
    error_code ignored;
    acceptor_.close(ignored);
    backoff_.cancel();
    // Erasure is posted by each session's completion, so iterating here is safe.
    for (auto& [id, s] : sessions_) {
        s->cancel.emit(asio::cancellation_type::terminal);
        s->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        s->stream.close();
    }
}

asio::awaitable<void> http_server::impl::accept_loop([[maybe_unused]] std::shared_ptr<impl> self)
{
    while (!stopped_) {
        auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
        if (stopped_ || ec == asio::error::operation_aborted)
            co_return;
        if (ec) {
            // Out of descriptors and the like: back off instead of spinning; the listener stays.
            spdlog::warn("http server: accept failed: {}", ec.message());
            backoff_.expires_after(accept_backoff);
            co_await backoff_.async_wait(use_tuple);
            continue;
        }
        if (sessions_.size() >= settings_.max_connections)
            refuse(socket);
        else
            launch(std::move(socket));
    }
}

void http_server::impl::launch(tcp::socket socket)
{
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto id = next_session_++;
    auto& s = *sessions_.emplace(id, std::make_unique<session>(std::move(socket))).first->second;
    auto self = shared_from_this();
    asio::co_spawn(ex_, run_session(self, s),
                   asio::bind_cancellation_slot(s.cancel.slot(), [self, id](std::exception_ptr e) {
                       if (e && !self->stopped_)
                           log_escaped(e, "connection");
                       // Posted so that the signal outlives the coroutine's use of its slot.
                       asio::post(self->ex_, [self, id] { self->sessions_.erase(id); });
                   }));
}

void http_server::impl::refuse(tcp::socket& socket)
{
    // Best effort, without waiting: a fresh socket's send buffer is empty.
    auto body = json_error("too many connections");
    auto text = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    error_code ignored;
    socket.non_blocking(true, ignored);
    socket.write_some(asio::buffer(text), ignored);
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
}

asio::awaitable<void> http_server::impl::run_session([[maybe_unused]] std::shared_ptr<impl> self, session& s)
{
    auto& stream = s.stream;
    beast::flat_buffer buffer;
    auto remote = remote_address_of(stream);
    while (!stopped_) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(max_header_bytes);
        parser.body_limit(settings_.max_body_bytes);
        stream.expires_after(settings_.read_timeout);
        auto [ec, header_bytes] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
        if (!ec && wants_continue(parser)) {
            static constexpr std::string_view interim = "HTTP/1.1 100 Continue\r\n\r\n";
            stream.expires_after(settings_.read_timeout);
            std::tie(ec, std::ignore) = co_await asio::async_write(stream, asio::buffer(interim), use_tuple);
        }
        if (!ec && !parser.is_done()) {
            stream.expires_after(settings_.read_timeout);
            std::tie(ec, std::ignore) = co_await http::async_read(stream, buffer, parser, use_tuple);
        }
        if (ec) {
            auto answer = answer_for(ec);
            if (answer && !stopped_)
                co_await answer_and_close(stream, answer->first, answer->second);
            co_return;
        }

        auto req = parser.release();
        http_server_request sreq;
        sreq.method = std::string(req.method_string());
        sreq.target = std::string(req.target());
        for (const auto& field : req)
            sreq.headers.add(std::string(field.name_string()), std::string(field.value()));
        sreq.body = std::move(req.body());
        sreq.remote_address = remote;

        auto reply = co_await call_handler(sreq);
        if (stopped_)
            co_return;
        if (!reply) {
            reply.emplace();
            reply->response.status = 500;
            reply->response.headers.set("Content-Type", "application/json");
            reply->response.body = json_error("internal error");
        }
        bool keep_alive = req.keep_alive() && !reply_closes(reply->response.headers);
        bool open = co_await write_reply(stream, req, *reply, keep_alive);
        served_.fetch_add(1, std::memory_order_relaxed);
        if (!open)
            co_return;
        if (!keep_alive) {
            error_code ignored;
            stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
            stream.close();
            co_return;
        }
    }
}

asio::awaitable<std::optional<http_server_reply>> http_server::impl::call_handler(http_server_request& req)
{
    // A handler bug must cost one 500, not the process. (No co_await is allowed in a catch block,
    // hence the optional.)
    try {
        co_return co_await handler_(req);
    } catch (const std::exception& e) {
        if (!stopped_)
            spdlog::error("http server: handler for {} {} threw: {}", req.method, req.target, e.what());
    } catch (...) {
        if (!stopped_)
            spdlog::error("http server: handler for {} {} threw a non-exception", req.method, req.target);
    }
    co_return std::nullopt;
}

// Returns whether the connection is still usable for another request.
asio::awaitable<bool> http_server::impl::write_reply(beast::tcp_stream& stream, const request_type& req,
                                                       http_server_reply& reply, bool keep_alive)
{
    error_code ignored;
    if (reply.fault == reply_fault::reset_before_reply) {
        // SO_LINGER 0: the close sends RST, like a crashed or overloaded upstream.
        stream.socket().set_option(asio::socket_base::linger(true, 0), ignored);
        stream.close();
        co_return false;
    }
    auto& r = reply.response;
    response_type res;
    res.version(req.version());
    res.result(r.status >= 100 && r.status <= 599 ? static_cast<unsigned>(r.status) : 500U);
    for (const auto& [name, value] : r.headers.items()) {
        // Framing is the server's business.
        if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") || iequals(name, "Connection"))
            continue;
        res.insert(name, value);
    }
    res.keep_alive(keep_alive);
    auto status = res.result_int();
    bool bodyless = status < 200 || status == 204 || status == 304;
    if (!bodyless) {
        res.content_length(r.body.size());
        res.body() = std::move(r.body);
    }
    bool header_only = bodyless || req.method() == http::verb::head;

    stream.expires_after(settings_.read_timeout);
    if (reply.fault == reply_fault::normal && !header_only) {
        auto [ec, n] = co_await http::async_write(stream, res, use_tuple);
        co_return !ec;
    }
    http::response_serializer<http::string_body> serializer(res);
    auto [ec, n] = co_await http::async_write_header(stream, serializer, use_tuple);
    if (ec || header_only)
        co_return !ec;

    const auto& body = res.body();
    if (reply.fault == reply_fault::truncate_body) {
        co_await asio::async_write(stream, asio::buffer(body.data(), body.size() / 2), use_tuple);
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream.close();
        co_return false;
    }
    // slow_body: the body in `slow_body_parts` pieces, so the total delay does not depend on its size.
    auto part = std::max<std::size_t>(1, (body.size() + slow_body_parts - 1) / slow_body_parts);
    asio::steady_timer pause(ex_);
    for (std::size_t offset = 0; offset < body.size(); offset += part) {
        if (offset > 0) {
            pause.expires_after(reply.slow_chunk_delay);
            auto [wait_ec] = co_await pause.async_wait(use_tuple);
            if (wait_ec)
                co_return false;
        }
        stream.expires_after(settings_.read_timeout);
        auto [write_ec, written] = co_await asio::async_write(
            stream, asio::buffer(body.data() + offset, std::min(part, body.size() - offset)), use_tuple);
        if (write_ec)
            co_return false;
    }
    co_return true;
}

asio::awaitable<void> http_server::impl::answer_and_close(beast::tcp_stream& stream, int status,
                                                            std::string_view message)
{
    response_type res(static_cast<http::status>(status), 11);
    res.set(http::field::content_type, "application/json");
    res.body() = json_error(message);
    res.keep_alive(false);
    res.prepare_payload();
    stream.expires_after(settings_.read_timeout);
    auto [ec, n] = co_await http::async_write(stream, res, use_tuple);
    if (!ec)
        co_await linger_close(stream);
    stream.close();
}

asio::awaitable<void> http_server::impl::linger_close(beast::tcp_stream& stream)
{
    // Closing with unread input makes the kernel answer with RST, which can destroy the reply before
    // the client has read it (a 413 sent while the body is still arriving). So: stop sending, read and
    // discard what the client still sends, within bounds, then close.
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.expires_after(std::min<std::chrono::milliseconds>(settings_.read_timeout, drain_time));
    std::array<char, 4096> sink{};
    std::size_t drained = 0;
    while (drained < drain_limit_bytes && !stopped_) {
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), use_tuple);
        if (ec)
            break;
        drained += n;
    }
}

http_server::http_server(asio::any_io_executor ex, http_server_settings settings, http_handler handler)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(settings), std::move(handler)))
{
}

http_server::~http_server()
{
    impl_->stop();
}

boost::system::result<void> http_server::start()
{
    return impl_->start();
}

std::uint16_t http_server::port() const
{
    return impl_->port_;
}

void http_server::stop()
{
    impl_->stop();
}

std::uint64_t http_server::requests_served() const
{
    return impl_->served_.load(std::memory_order_relaxed);
}

} // namespace crmsync
