#include "tests/fakes/engine_harness.hpp"

#include "connectors/registry.hpp"
#include "daemon/app.hpp"
#include "tests/fakes/http_test_loop.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

namespace crmsync::test {

namespace asio = boost::asio;

namespace {

// Silent unless CRMSYNC_TEST_LOG is set (then debug lines go to stderr, for diagnosing a failure).
std::shared_ptr<spdlog::logger> quiet_logger(const std::string& name)
{
    if (std::getenv("CRMSYNC_TEST_LOG")) {
        auto l = std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::stderr_sink_mt>());
        l->set_level(spdlog::level::debug);
        return l;
    }
    return std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::null_sink_mt>());
}

} // namespace

engine_harness::engine_harness(harness_options opts) : opts_(std::move(opts))
{
    sandbox::shopify::emulator_options so;
    so.access_token = "shpat_it";
    so.client_secret = "it_secret";
    shopify_ = std::make_unique<sandbox::shopify::emulator>(system_clock(), so);
    sandbox::hubspot::options ho;
    ho.access_tokens = {"pat-na1-it"};
    hubspot_ = std::make_unique<sandbox::hubspot::emulator>(opts_.hubspot_clock ? *opts_.hubspot_clock : system_clock(), ho);
    shopify_server_ = std::make_unique<http_server>(ioc_.get_executor(), http_server_settings{.max_body_bytes = 16 << 20},
                                                    [this](http_server_request& r) { return shopify_->handle(r); });
    hubspot_server_ = std::make_unique<http_server>(ioc_.get_executor(), http_server_settings{.max_body_bytes = 16 << 20},
                                                    [this](http_server_request& r) { return hubspot_->handle(r); });
    if (!shopify_server_->start() || !hubspot_server_->start())
        throw std::runtime_error("cannot start the emulators' servers");
    // Bulk export files are served by the emulator itself, at its own address.
    shopify_->set_base_url(fmt::format("http://127.0.0.1:{}", shopify_server_->port()));
    auto yaml = fmt::format(R"(state:
  path: {}
shopify:
  shop: it.myshopify.com
  base_url: http://127.0.0.1:{}
  access_token: shpat_it
  client_secret: it_secret
  poll_interval: 1s
{}
crm:
  type: hubspot
  base_url: http://127.0.0.1:{}
  access_token: pat-na1-it
  poll_interval: 1s
sync:
{})",
                            dir_.file("state.db"), shopify_server_->port(), opts_.shopify_yaml, hubspot_server_->port(),
                            opts_.sync_yaml);
    auto parsed = parse_config(yaml, "harness.yaml", [](std::string_view) { return std::nullopt; });
    if (!parsed.value) {
        std::string all;
        for (const auto& e : parsed.errors)
            all += e.to_string() + "\n";
        throw std::runtime_error("harness config: " + all);
    }
    cfg_ = *parsed.value;
    http_ = make_http_client(ioc_.get_executor());
    mapping_ = std::make_unique<field_mapping>(cfg_.sync.fields);
    build();
}

engine_harness::~engine_harness()
{
    if (running_)
        stop();
}

void engine_harness::build()
{
    auto opened = state_store::open(cfg_.state.path, {.exclusive = true});
    if (!opened)
        throw std::runtime_error(opened.error().message);
    store_ = std::move(*opened);
    shopify_conn_ = std::make_unique<shopify::shopify_connector>(ioc_.get_executor(), cfg_.shopify, *http_,
                                                                 system_clock(),
                                                                 shopify_options(cfg_),
                                                                 quiet_logger("shopify"));
    if (document_observer_)
        static_cast<shopify::shopify_connector&>(*shopify_conn_).observe_documents(document_observer_);
    const auto* reg = find_crm_connector(cfg_.crm.type);
    crm_conn_ = reg->make(cfg_.crm.settings, connector_env{ioc_.get_executor(), *http_, system_clock(), cfg_.sync.max_share,
                                                           crm_properties(cfg_.sync, false),
                                                           crm_properties(cfg_.sync, true), quiet_logger("hubspot")});
    engine_settings es;
    es.sync = cfg_.sync;
    es.sweep_interval = cfg_.sync.reconcile_interval;
    es.shopify_poll_interval = opts_.poll_interval;
    es.crm_poll_interval = opts_.poll_interval;
    es.retry = opts_.retry;
    es.seed = 1;
    engine_ = std::make_unique<engine>(ioc_.get_executor(), *store_, *shopify_conn_, *crm_conn_, *mapping_, es,
                                       system_clock(), quiet_logger("engine"));
}

void engine_harness::observe_shopify_documents(std::function<void(std::string_view)> f)
{
    document_observer_ = std::move(f);
    static_cast<shopify::shopify_connector&>(*shopify_conn_).observe_documents(document_observer_);
}

void engine_harness::start()
{
    running_ = true;
    cancel_ = std::make_unique<asio::cancellation_signal>();
    auto task = [](engine_harness* self) -> asio::awaitable<void> {
        auto r = co_await self->engine_->prepare();
        if (!r)
            throw std::runtime_error("prepare: " + r.error().message);
        co_await self->engine_->run();
    };
    asio::co_spawn(ioc_, task(this), asio::bind_cancellation_slot(cancel_->slot(), [this](std::exception_ptr e) {
                       running_ = false;
                       try {
                           if (e)
                               std::rethrow_exception(e);
                       } catch (const boost::system::system_error& se) {
                           if (se.code() != asio::error::operation_aborted)
                               failure_ = e;
                       } catch (...) {
                           failure_ = e;
                       }
                   }));
}

bool engine_harness::run_until(const std::function<bool()>& pred, std::chrono::milliseconds limit)
{
    bool ok = test::run_until(ioc_, [&] { return failure_ || pred(); }, limit);
    if (failure_)
        std::rethrow_exception(failure_);
    return ok;
}

void engine_harness::stop()
{
    if (!running_)
        return;
    cancel_->emit(asio::cancellation_type::terminal);
    test::run_until(ioc_, [&] { return !running_; }, std::chrono::seconds{10});
    if (running_)
        throw std::runtime_error("engine did not stop");
}

void engine_harness::restart()
{
    stop();
    engine_.reset();
    crm_conn_.reset();
    shopify_conn_.reset();
    store_.reset();
    build();
    start();
}

bool engine_harness::settled()
{
    // The cheap checks first: predicates run after every handler, and counting scans the state tables.
    if (!engine_->initial_sync_complete() || engine_->busy())
        return false;
    auto c = store_->counts();
    return c.pending == 0 && c.dirty == 0;
}

} // namespace crmsync::test
