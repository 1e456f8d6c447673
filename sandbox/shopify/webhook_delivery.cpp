#include "sandbox/shopify/webhook_delivery.hpp"

#include "core/http_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <deque>
#include <functional>
#include <mutex>
#include <random>

namespace crmsync::sandbox::shopify {
namespace asio = boost::asio;
namespace json = boost::json;
using real_clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t max_log = 500;
constexpr std::size_t max_pending = 100'000;

struct job {
    delivery_spec spec;
    std::string webhook_id, event_id, triggered_at, hmac;
    int attempts = 0;
    real_clock::time_point due;
    std::uint64_t seq = 0;
};

std::string uuid(std::mt19937_64& rng)
{
    std::uint64_t a = rng(), b = rng();
    a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
    b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx", static_cast<unsigned long long>(a >> 32),
                  static_cast<unsigned long long>((a >> 16) & 0xffff), static_cast<unsigned long long>(a & 0xffff),
                  static_cast<unsigned long long>(b >> 48), static_cast<unsigned long long>(b & 0xffffffffffffULL));
    return buf;
}

// 2025-07-10T16:15:47.000000Z
std::string triggered_at(wall_time t)
{
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(us / 1'000'000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(us % 1'000'000));
    return buf;
}

real_clock::duration scaled(milliseconds nominal, double scale)
{
    auto us = static_cast<std::int64_t>(static_cast<double>(nominal.count()) * 1000.0 * std::max(0.0, scale));
    return std::chrono::microseconds(us);
}

} // namespace

json::object delivery_stats::to_json() const
{
    return json::object{{"events", events},     {"deliveries", deliveries}, {"attempts", attempts},
                        {"retries", retries},   {"failures", failures},     {"abandoned", abandoned},
                        {"dropped", dropped},   {"duplicates", duplicates}, {"pending", pending}};
}

json::object delivery_record::to_json() const
{
    return json::object{{"webhookId", webhook_id}, {"eventId", event_id}, {"topic", topic},   {"uri", uri},
                        {"attempt", attempt},      {"status", status},    {"outcome", outcome}};
}

struct webhook_delivery::shared {
    shared(const clock& c, delivery_identity id) : clk(c), identity(std::move(id)), rng(identity.seed) {}

    // Precondition for the helpers below: `mu` held.
    void log(const job& j, int status, std::string outcome)
    {
        log_.push_back({j.webhook_id, j.event_id, j.spec.topic, j.spec.uri, j.attempts, status, std::move(outcome)});
        while (log_.size() > max_log)
            log_.pop_front();
    }

    real_clock::duration first_delay()
    {
        auto lo = settings.min_delay.count(), hi = std::max(settings.min_delay.count(), settings.max_delay.count());
        auto nominal = lo == hi ? lo : lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
        return scaled(milliseconds(nominal), settings.time_scale);
    }

    void notify()
    {
        if (wake)
            wake();
    }

    // The next due delivery (removed from the queue), or the time the earliest becomes due.
    std::optional<job> pick(real_clock::time_point now, real_clock::time_point& next_due)
    {
        next_due = real_clock::time_point::max();
        if (paused)
            return std::nullopt;
        auto best = queue.end();
        for (auto it = queue.begin(); it != queue.end(); ++it) {
            if (it->due > now) {
                next_due = std::min(next_due, it->due);
                continue;
            }
            if (best == queue.end() || (settings.reorder ? it->seq > best->seq : it->seq < best->seq))
                best = it;
        }
        if (best == queue.end())
            return std::nullopt;
        job j = std::move(*best);
        queue.erase(best);
        return j;
    }

    void settle(job j, int status, const char* failure)
    {
        ++stats.attempts;
        if (j.attempts > 1)
            ++stats.retries;
        if (!failure) {
            ++stats.deliveries;
            log(j, status, "delivered");
            return;
        }
        ++stats.failures;
        log(j, status, failure);
        if (j.attempts >= settings.max_attempts) {
            ++stats.abandoned;
            log(j, 0, "abandoned");
            return;
        }
        auto wait = settings.backoff_base * (std::int64_t{1} << std::min(j.attempts - 1, 30));
        j.due = real_clock::now() + scaled(wait, settings.time_scale);
        queue.push_back(std::move(j));
    }

    const clock& clk;
    mutable std::mutex mu;
    delivery_identity identity;
    delivery_settings settings;
    std::deque<job> queue;
    std::uint64_t seq = 0;
    bool paused = false;
    std::size_t drop = 0;
    delivery_stats stats;
    std::deque<delivery_record> log_;
    std::mt19937_64 rng;
    std::function<void()> wake; // set while the sender runs; wakes it from any thread
    bool stopping = false;
    std::uint64_t generation = 0; // start() count: an old sender exits when it sees a newer one
};

webhook_delivery::webhook_delivery(const clock& clk, delivery_identity identity)
    : s_(std::make_shared<shared>(clk, std::move(identity)))
{
}

webhook_delivery::~webhook_delivery() { stop(); }

void webhook_delivery::set_settings(const delivery_settings& settings)
{
    std::lock_guard lock(s_->mu);
    s_->settings = settings;
    s_->notify();
}

delivery_settings webhook_delivery::settings() const
{
    std::lock_guard lock(s_->mu);
    return s_->settings;
}

void webhook_delivery::set_client_secret(std::string secret)
{
    std::lock_guard lock(s_->mu);
    s_->identity.client_secret = std::move(secret);
}

std::string webhook_delivery::enqueue_event(std::vector<delivery_spec> deliveries)
{
    std::lock_guard lock(s_->mu);
    shared& s = *s_;
    std::string event_id = uuid(s.rng);
    if (deliveries.empty())
        return event_id;
    ++s.stats.events;
    std::string at = triggered_at(s.clk.wall_now());
    std::uniform_real_distribution<double> coin(0.0, 1.0);
    for (auto& spec : deliveries) {
        job j;
        j.webhook_id = uuid(s.rng);
        j.event_id = event_id;
        j.triggered_at = at;
        j.hmac = sign(spec.body, spec.forge_hmac ? "forged-" + s.identity.client_secret : s.identity.client_secret);
        j.spec = std::move(spec);
        if (s.drop > 0) {
            s.log(j, 0, "dropped");
            continue;
        }
        j.due = real_clock::now() + s.first_delay();
        j.seq = s.seq++;
        if (coin(s.rng) < s.settings.duplicate_probability) {
            job twin = j;
            twin.webhook_id = uuid(s.rng);
            twin.due = real_clock::now() + s.first_delay();
            twin.seq = s.seq++;
            ++s.stats.duplicates;
            s.queue.push_back(std::move(twin));
        }
        s.queue.push_back(std::move(j));
    }
    if (s.drop > 0) {
        --s.drop;
        ++s.stats.dropped;
    }
    while (s.queue.size() > max_pending)
        s.queue.pop_front();
    s.notify();
    return event_id;
}

void webhook_delivery::pause()
{
    std::lock_guard lock(s_->mu);
    s_->paused = true;
}

void webhook_delivery::resume()
{
    std::lock_guard lock(s_->mu);
    s_->paused = false;
    s_->notify();
}

void webhook_delivery::drop_next(std::size_t n)
{
    std::lock_guard lock(s_->mu);
    s_->drop += n;
}

delivery_stats webhook_delivery::stats() const
{
    std::lock_guard lock(s_->mu);
    delivery_stats out = s_->stats;
    out.pending = s_->queue.size();
    return out;
}

std::vector<delivery_record> webhook_delivery::recent() const
{
    std::lock_guard lock(s_->mu);
    return {s_->log_.begin(), s_->log_.end()};
}

void webhook_delivery::clear()
{
    std::lock_guard lock(s_->mu);
    s_->queue.clear();
    s_->stats = {};
    s_->log_.clear();
    s_->drop = 0;
}

void webhook_delivery::start(asio::any_io_executor ex)
{
    std::uint64_t generation;
    {
        std::lock_guard lock(s_->mu);
        s_->stopping = false;
        generation = ++s_->generation;
        s_->notify(); // an older sender wakes up and leaves
    }
    asio::co_spawn(ex, run_sender(s_, generation), asio::detached);
}

void webhook_delivery::stop()
{
    std::lock_guard lock(s_->mu);
    s_->stopping = true;
    s_->notify();
}

std::string webhook_delivery::sign(std::string_view body, std::string_view secret)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(body.data()),
         body.size(), mac, &len);
    std::string out(4 * ((len + 2) / 3), '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac, static_cast<int>(len));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

namespace {

http_request build_request(const job& j, const delivery_identity& id, real_clock::duration timeout)
{
    http_request req;
    req.method = "POST";
    req.url = j.spec.uri;
    req.body = j.spec.body;
    req.timeout = std::max(milliseconds(1), std::chrono::duration_cast<milliseconds>(timeout));
    req.headers.add("Content-Type", "application/json");
    req.headers.add("X-Shopify-Topic", j.spec.topic);
    req.headers.add("X-Shopify-Hmac-Sha256", j.hmac);
    req.headers.add("X-Shopify-Shop-Domain", id.shop_domain);
    req.headers.add("X-Shopify-API-Version", id.api_version);
    req.headers.add("X-Shopify-Webhook-Id", j.webhook_id);
    req.headers.add("X-Shopify-Event-Id", j.event_id);
    req.headers.add("X-Shopify-Triggered-At", j.triggered_at);
    if (j.spec.name)
        req.headers.add("X-Shopify-Name", *j.spec.name);
    return req;
}

} // namespace

asio::awaitable<void> webhook_delivery::run_sender(std::shared_ptr<shared> s, std::uint64_t generation)
{
    // Clears the wake-up hook however the coroutine ends (its frame is destroyed with the
    // io_context when that stops first), so nobody posts to a dead executor.
    struct wake_guard {
        std::shared_ptr<shared> s;
        std::uint64_t generation;
        ~wake_guard()
        {
            std::lock_guard lock(s->mu);
            if (s->generation == generation)
                s->wake = nullptr;
        }
    } guard{s, generation};
    auto ex = co_await asio::this_coro::executor;
    auto timer = std::make_shared<asio::steady_timer>(ex);
    http_client_settings cs;
    cs.user_agent = "Shopify-Captain-Hook";
    cs.max_idle_per_host = 0; // every delivery on its own connection, as Shopify's are
    http_client_ptr client = make_http_client(ex, cs);
    {
        std::lock_guard lock(s->mu);
        std::weak_ptr<asio::steady_timer> weak = timer;
        s->wake = [ex, weak] {
            asio::post(ex, [weak] {
                if (auto t = weak.lock())
                    t->cancel();
            });
        };
    }
    for (;;) {
        std::optional<job> next;
        real_clock::time_point next_due;
        http_request req;
        {
            std::lock_guard lock(s->mu);
            if (s->stopping || s->generation != generation)
                break;
            next = s->pick(real_clock::now(), next_due);
            if (next) {
                ++next->attempts;
                req = build_request(*next, s->identity, scaled(s->settings.timeout, s->settings.time_scale));
            }
        }
        if (!next) {
            timer->expires_at(next_due);
            boost::system::error_code ec;
            co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
        }
        auto result = co_await client->send(std::move(req));
        std::lock_guard lock(s->mu);
        if (!result)
            s->settle(std::move(*next), 0,
                      result.error() == make_error_code(http_client_errc::timeout) ? "timeout" : "connection_failed");
        else if (result->status >= 200 && result->status < 300)
            s->settle(std::move(*next), result->status, nullptr);
        else
            s->settle(std::move(*next), result->status, "http_error");
    }
}

} // namespace crmsync::sandbox::shopify
