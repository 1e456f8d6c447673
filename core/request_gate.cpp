#include "core/request_gate.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <set>

namespace crmsync {

namespace asio = boost::asio;

struct request_gate::waiter {
    double cost;
    priority prio;
    std::uint64_t seq;
    asio::steady_timer timer;
};

struct request_gate::queue {
    struct order {
        bool operator()(const waiter* a, const waiter* b) const
        {
            return a->prio != b->prio ? a->prio < b->prio : a->seq < b->seq;
        }
    };
    std::set<waiter*, order> waiting;
};

request_gate::request_gate(asio::any_io_executor ex, const clock& clk, std::unique_ptr<rate_budget> budget,
                           std::string name)
    : ex_(std::move(ex)), clock_(clk), budget_(std::move(budget)), name_(std::move(name)),
      queue_(std::make_unique<queue>())
{
}

request_gate::~request_gate() = default;

void request_gate::wake_head()
{
    if (!queue_->waiting.empty())
        (*queue_->waiting.begin())->timer.cancel();
}

asio::awaitable<void> request_gate::acquire(double cost, priority p)
{
    waiter w{cost, p, next_seq_++, asio::steady_timer(ex_)};
    queue_->waiting.insert(&w);
    struct leave {
        request_gate* gate;
        waiter* w;
        ~leave()
        {
            gate->queue_->waiting.erase(w);
            gate->wake_head();
        }
    } guard{this, &w};

    const auto started = clock_.now();
    for (;;) {
        if (*queue_->waiting.begin() == &w) {
            auto now = clock_.now();
            auto d = budget_->delay(cost, now);
            if (hold_until_ > now)
                d = std::max(d, std::chrono::duration_cast<std::chrono::milliseconds>(hold_until_ - now));
            if (d.count() <= 0) {
                budget_->spend(cost, now);
                ++stats_.requests;
                stats_.waited += std::chrono::duration_cast<std::chrono::milliseconds>(now - started);
                co_return;
            }
            w.timer.expires_after(d);
        } else {
            w.timer.expires_at(asio::steady_timer::time_point::max());
        }
        co_await w.timer.async_wait(asio::as_tuple(asio::use_awaitable));
        // A cancelled timer is either a wake-up from wake_head() or the coroutine itself being
        // cancelled; only the latter ends the wait.
        auto cs = co_await asio::this_coro::cancellation_state;
        if (cs.cancelled() != asio::cancellation_type::none)
            throw boost::system::system_error(asio::error::operation_aborted);
    }
}

void request_gate::observe(const budget_observation& o)
{
    if (o.throttled)
        ++stats_.throttled;
    budget_->observe(o, clock_.now());
    wake_head();
}

void request_gate::hold_for(std::chrono::milliseconds d)
{
    hold_until_ = std::max(hold_until_, clock_.now() + d);
    wake_head();
}

budget_state request_gate::state() const
{
    return budget_->state(clock_.now());
}

} // namespace crmsync
