#pragma once
// Shared pieces of the fuzz targets: splitting an input into parts, a logger that formats every message
// and drops it, an HTTP client that answers every request with the same (fuzzed) response, and a way to
// run a connector's coroutine without ever waiting on a real timer.
//
// Input layout of the HTTP response targets (see fuzz/corpus/*/ for examples):
//   byte 0     what to call (target-specific)
//   byte 1     the HTTP status, an index into a table of interesting ones
//   lines      "Name: value" response headers, up to the first empty line
//   the rest   the response body

#include "core/http_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace crmsync::fuzz {

// Consumes an input from the front.
class input {
public:
    input(const std::uint8_t* data, std::size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}

    std::uint8_t byte()
    {
        if (rest_.empty())
            return 0;
        auto b = static_cast<std::uint8_t>(rest_.front());
        rest_.remove_prefix(1);
        return b;
    }
    // Up to the next '\n' (not included); the whole rest when there is none.
    std::string_view line()
    {
        auto nl = rest_.find('\n');
        auto out = rest_.substr(0, nl);
        rest_.remove_prefix(nl == std::string_view::npos ? rest_.size() : nl + 1);
        return out;
    }
    // "Name: value" lines up to the first empty one.
    http_headers headers()
    {
        http_headers h;
        while (!rest_.empty()) {
            auto l = line();
            if (l.empty())
                break;
            auto colon = l.find(':');
            auto value = colon == std::string_view::npos ? std::string_view{} : l.substr(colon + 1);
            while (!value.empty() && value.front() == ' ')
                value.remove_prefix(1);
            h.add(std::string(l.substr(0, colon)), std::string(value));
        }
        return h;
    }
    std::string_view rest() const { return rest_; }

private:
    std::string_view rest_;
};

inline int status_of(std::uint8_t selector)
{
    static constexpr std::array<int, 16> statuses{200, 200, 200, 200, 201, 204, 207, 400,
                                                  401, 403, 404, 409, 423, 429, 500, 503};
    return statuses[selector % statuses.size()];
}

// Every message is formatted (that is code under test too) and dropped.
inline std::shared_ptr<spdlog::logger> null_logger(const std::string& name)
{
    auto log = std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::null_sink_st>());
    log->set_level(spdlog::level::trace);
    return log;
}

// Answers every request with `response`; after `max_calls` it fails them as a transport error, so
// that no code path can keep a fuzz run busy by asking again and again.
class canned_http_client final : public http_client {
public:
    http_response response;
    int max_calls = 16;
    int calls = 0;

    boost::asio::awaitable<boost::system::result<http_response>> send(http_request) override
    {
        if (++calls > max_calls)
            co_return boost::system::error_code(boost::asio::error::connection_reset);
        co_return response;
    }
    // Bulk export files are the bulk_jsonl target's business: a download here fails like a network error.
    boost::asio::awaitable<boost::system::result<http_response>> download(http_request, std::string,
                                                                          std::uint64_t) override
    {
        ++calls;
        co_return boost::system::error_code(boost::asio::error::connection_reset);
    }
    http_client_stats stats() const override { return {}; }
};

// Runs `task` on `ioc` until it finishes or has nothing left to do but wait on a timer (a request gate
// holding after a 429 or THROTTLED answer, a budget the fuzzed headers said is spent): the run stops
// there, as the daemon would simply be waiting. Exceptions escaping the task are bugs and abort.
template <class Awaitable> void run_until_idle(boost::asio::io_context& ioc, Awaitable task)
{
    bool finished = false;
    boost::asio::co_spawn(ioc, std::move(task), [&](std::exception_ptr e, auto&&...) {
        finished = true;
        if (e)
            std::rethrow_exception(e);
    });
    while (!finished && ioc.poll() > 0) {
    }
    // Whatever is still suspended is destroyed with the io_context, which must therefore go before the
    // objects those coroutines use (the connector and its gates).
}

} // namespace crmsync::fuzz
