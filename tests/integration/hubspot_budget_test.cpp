// HubSpot pacing in virtual time: the connector's real client and request gates send to the real
// emulator (its rate limiter, headers and 429 bodies) through an in-process transport with network
// latency, and one manual clock drives both. Ten simulated minutes take a second or two.
#include "connectors/hubspot/client.hpp"
#include "sandbox/hubspot/emulator.hpp"
#include "tests/fakes/manual_clock.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <doctest/doctest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <map>

using namespace crmsync;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace hs = crmsync::sandbox::hubspot;

namespace {

// Sleeps in virtual time: a timer that only the driving loop fires, once the manual clock reaches it.
class virtual_time {
public:
    virtual_time(asio::io_context& io, test::manual_clock& clk) : io_(io), clk_(clk) {}

    asio::awaitable<void> sleep(std::chrono::milliseconds d)
    {
        asio::steady_timer t(io_, asio::steady_timer::time_point::max());
        sleepers_.emplace(clk_.now() + d, &t);
        boost::system::error_code ec;
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        std::erase_if(sleepers_, [&](const auto& e) { return e.second == &t; }); // cancelled from outside
    }

    // One millisecond on: fires the sleepers that are due.
    void step()
    {
        clk_.advance(1ms);
        while (!sleepers_.empty() && sleepers_.begin()->first <= clk_.now()) {
            auto* t = sleepers_.begin()->second;
            sleepers_.erase(sleepers_.begin());
            t->cancel();
        }
    }

private:
    asio::io_context& io_;
    test::manual_clock& clk_;
    std::multimap<steady_time, asio::steady_timer*> sleepers_;
};

// The transport: `latency` each way, the emulator's handler in between.
class emulated_http final : public http_client {
public:
    emulated_http(hs::emulator& em, virtual_time& vt, std::chrono::milliseconds latency)
        : em_(em), vt_(vt), latency_(latency)
    {
    }

    asio::awaitable<boost::system::result<http_response>> send(http_request req) override
    {
        co_await vt_.sleep(latency_);
        http_server_request in;
        in.method = req.method;
        in.target = req.url.substr(req.url.find('/', req.url.find("//") + 2));
        in.headers = req.headers;
        in.body = req.body;
        in.remote_address = "127.0.0.1";
        auto reply = co_await em_.handle(in);
        co_await vt_.sleep(latency_);
        ++stats_.requests;
        co_return http_response{reply.response.status, reply.response.headers, reply.response.body};
    }

    asio::awaitable<boost::system::result<http_response>> download(http_request, std::string, std::uint64_t) override
    {
        co_return boost::system::error_code(asio::error::operation_not_supported);
    }

    http_client_stats stats() const override { return stats_; }

private:
    hs::emulator& em_;
    virtual_time& vt_;
    std::chrono::milliseconds latency_;
    http_client_stats stats_;
};

struct run_result {
    std::uint64_t ok = 0;        // answered 2xx
    std::uint64_t throttled = 0; // answered 429
    std::uint64_t other = 0;
};

// `workers` coroutines send list requests back to back through the client for `duration` of virtual
// time, after `warmup` (not counted); the other apps of the portal use `other_share` of the window.
run_result run(double max_share, double other_share, std::chrono::milliseconds duration, int workers = 6,
               std::chrono::milliseconds warmup = 10s)
{
    test::manual_clock clk;
    asio::io_context io;
    virtual_time vt(io, clk);
    hs::options o;
    o.limits = hs::rate_limits::for_tier("starter");
    hs::emulator em(clk, o);
    em.set_other_app_share(other_share);
    emulated_http http(em, vt, 40ms);

    hubspot::settings s;
    s.base_url = "http://127.0.0.1:1";
    s.access_token = o.access_tokens.front();
    auto window_gate = hubspot::make_window_gate(io.get_executor(), clk, s.tier_hint, max_share);
    auto search_gate = hubspot::make_search_gate(io.get_executor(), clk, max_share);
    hubspot::client client(s, http, clk, *window_gate, *search_gate,
                           std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>()));

    const auto counted_from = clk.now() + warmup;
    const auto end = counted_from + duration;
    run_result r;
    bool stop = false;
    int running = workers;
    for (int i = 0; i < workers; ++i)
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                while (!stop) {
                    auto res = co_await client.call("GET", client.objects_path() + "?limit=1", "",
                                                    hubspot::endpoint_class::standard, priority::backfill, "list");
                    if (clk.now() < counted_from || clk.now() > end)
                        continue;
                    if (res)
                        ++(res->status / 100 == 2 ? r.ok : r.other);
                    else if (res.error().http_status == 429)
                        ++r.throttled;
                    else
                        ++r.other;
                }
                --running;
            },
            asio::detached);
    while (clk.now() <= end) {
        io.poll();
        vt.step();
        window_gate->wake();
        search_gate->wake();
    }
    stop = true;
    while (running > 0) {
        io.poll();
        vt.step();
        window_gate->wake();
    }
    return r;
}

} // namespace

TEST_CASE("at 100 requests per 10 s the connector sustains at least 95% of the rate with no 429")
{
    const auto r = run(1.0, 0.0, 600s);
    const double allowed = 100.0 * 60; // ten minutes of 100 per 10 s
    MESSAGE("max_share 1: " << r.ok << " requests answered in 600 s (" << 100.0 * r.ok / allowed << "% of the limit), "
                            << r.throttled << " 429");
    CHECK(r.ok >= 0.95 * allowed);
    CHECK(r.ok <= allowed);
    CHECK(r.throttled == 0);
    CHECK(r.other == 0);

    // The default headroom for the portal's other apps: the same, of the share.
    const auto d = run(0.9, 0.0, 600s);
    MESSAGE("max_share 0.9: " << d.ok << " requests answered (" << 100.0 * d.ok / (0.9 * allowed) << "% of the share), "
                              << d.throttled << " 429");
    CHECK(d.ok >= 0.95 * 0.9 * allowed);
    CHECK(d.ok <= 0.9 * allowed);
    CHECK(d.throttled == 0);
}

TEST_CASE("with another app using half the window the connector backs off: under 1% 429s, most of the rest used")
{
    const auto r = run(1.0, 0.5, 600s);
    const auto total = r.ok + r.throttled + r.other;
    MESSAGE("other app at 50%: " << r.ok << " answered, " << r.throttled << " 429 (" << 100.0 * r.throttled / total
                                 << "%), " << 100.0 * r.ok / (50.0 * 60) << "% of what is left");
    REQUIRE(total > 0);
    CHECK(r.throttled < 0.01 * total);
    CHECK(r.other == 0);
    CHECK(r.ok >= 0.9 * 50 * 60);
    CHECK(r.ok <= 50 * 60);
}
