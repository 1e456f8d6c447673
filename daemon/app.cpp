#include "daemon/app.hpp"

#include "connectors/registry.hpp"
#include "connectors/shopify/connector.hpp"
#include "core/engine.hpp"
#include "core/http_server.hpp"
#include "core/mapping.hpp"
#include "core/planner.hpp"
#include "core/state_store.hpp"
#include "daemon/cli.hpp"
#include "daemon/http_api.hpp"
#include "daemon/logging.hpp"
#include "daemon/sd_notify.hpp"
#include "daemon/status.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <charconv>
#include <csignal>
#include <filesystem>
#include <spdlog/spdlog.h>

namespace crmsync {

namespace asio = boost::asio;

shopify::connector_options shopify_options(const config& cfg)
{
    auto dir = std::filesystem::path(cfg.state.path).parent_path();
    return {.max_share = cfg.sync.max_share,
            .scratch_dir = dir.empty() ? std::string(".") : dir.string(),
            .writes = direction_allows(cfg.sync.direction, side::crm, side::shopify)};
}

std::vector<std::string> crm_properties(const sync_settings& sync, bool written_only)
{
    std::vector<std::string> out;
    for (const auto& f : sync.fields) {
        if (written_only &&
            !(field_mapping::flows_to(f, side::crm) && direction_allows(sync.direction, side::shopify, side::crm)))
            continue;
        out.push_back(f.crm);
    }
    return out;
}

http_server_reply receive_webhook(engine& eng, const connector& conn, side s, http_server_request& req,
                                  spdlog::logger& log)
{
    http_server_reply reply;
    reply.response.headers.add("Content-Type", "application/json");
    auto verified = conn.verify_webhook(req);
    if (!verified) {
        ++eng.mutable_status(s).webhooks_rejected;
        log.warn("webhook from {} refused ({}): {}", req.remote_address, verified.error().http_status,
                 verified.error().message);
        reply.response.status = verified.error().http_status ? verified.error().http_status : 400;
        reply.response.body = "{\"error\":\"refused\"}\n";
        return reply;
    }
    // Stored in the inbox (durably) before answering: processing happens after the acknowledgement.
    eng.accept_webhook(s, *verified);
    reply.response.status = 200;
    reply.response.body = "{\"ok\":true}\n";
    return reply;
}

engine_settings engine_settings_for(const config& cfg, bool dry_run)
{
    engine_settings es;
    es.sync = cfg.sync;
    es.sweep_interval = cfg.sync.reconcile_interval;
    es.shopify_poll_interval = cfg.shopify.poll_interval;
    es.crm_poll_interval = std::visit([](const auto& s) { return s.poll_interval; }, cfg.crm.settings);
    es.dry_run = dry_run;
    return es;
}

namespace {

// Everything the running daemon owns, in construction order (destroyed in reverse).
struct daemon_app {
    asio::io_context ioc{1};
    const config& cfg;
    bool dry_run;
    std::shared_ptr<spdlog::logger> log = make_logger("crmsyncd");
    sd_notifier notifier;
    daemon_facts facts;
    metrics_registry metrics; // before `http`, whose request observer feeds it
    std::unique_ptr<state_store> store;
    http_client_ptr http;
    std::unique_ptr<connector> shopify;
    std::unique_ptr<connector> crm;
    std::unique_ptr<field_mapping> mapping;
    std::unique_ptr<engine> eng;
    std::unique_ptr<http_server> server;
    asio::cancellation_signal engine_cancel;
    int exit_code = exit_code::ok;
    bool stopping = false;

    daemon_app(const config& c, bool dry) : cfg(c), dry_run(dry) {}

    void shutdown(int code, std::string_view why)
    {
        if (stopping)
            return;
        stopping = true;
        exit_code = code;
        log->info("stopping: {}", why);
        notifier.stopping();
        engine_cancel.emit(asio::cancellation_type::terminal);
        if (server)
            server->stop();
        // Second phase: whatever has not finished within the drain window is abandoned; the state store
        // is transactional, so nothing committed is lost and uncommitted work is redone at the next start.
        auto deadline = std::make_shared<asio::steady_timer>(ioc, std::chrono::seconds{20});
        deadline->async_wait([this, deadline](boost::system::error_code ec) {
            if (!ec) {
                log->warn("drain deadline passed; stopping the event loop");
                ioc.stop();
            }
        });
    }

    asio::awaitable<void> start_sync()
    {
        // Credentials and remote prerequisites (HubSpot properties) must be good before READY=1.
        facts.not_ready_reason = "checking access to both APIs";
        auto prepared = co_await eng->prepare();
        if (!prepared) {
            log->error("{}", prepared.error().message);
            shutdown(exit_code::unavailable, "a remote prerequisite failed");
            co_return;
        }
        facts.ready = true;
        facts.not_ready_reason.clear();
        notifier.ready(fmt::format("syncing ({})", to_string(cfg.sync.direction)));
        log->info("ready: status at http://{}:{}/status", cfg.http.host, server->port());
        co_await eng->run();
    }

    // STATUS= lines for `systemctl status`: the first-sync progress, then what is linked and waiting; sent
    // every 5 s when they change. Built from /status, so both say the same.
    asio::awaitable<void> status_lines()
    {
        if (!notifier.enabled())
            co_return;
        asio::steady_timer t(ioc);
        std::string last;
        for (;;) {
            t.expires_after(std::chrono::seconds{5});
            co_await t.async_wait(asio::use_awaitable);
            if (!facts.ready || stopping)
                continue;
            const auto s = status_json(facts, system_clock(), true);
            auto num = [&](const boost::json::object& o, std::string_view k) {
                const auto* v = o.if_contains(k);
                return v && v->is_number() ? boost::json::serialize(*v) : std::string("?");
            };
            std::string line;
            const auto* p = s.if_contains("initial_sync");
            if (p && p->is_object() && p->as_object().contains("complete") && !p->as_object().at("complete").as_bool())
                line = fmt::format("first sync: {} of {} records scanned, {} writes pending", num(p->as_object(), "scanned"),
                                   num(p->as_object(), "total"), num(s, "pending"));
            else
                line = fmt::format("{}: {} linked, {} writes pending, {} conflicts, {} dead letters",
                                   boost::json::value_to<std::string>(s.at("state")), num(s, "links"), num(s, "pending"),
                                   num(s, "conflicts"), num(s, "dead_letters"));
            if (line != last)
                notifier.status(line);
            last = std::move(line);
        }
    }

    asio::awaitable<void> watchdog()
    {
        // WATCHDOG=1 only while the engine's loops and the HTTP server make progress, or while idle and
        // waiting is all there is to do (the event loop itself answering this timer proves it turns).
        auto interval = notifier.watchdog_interval();
        if (!interval)
            co_return;
        asio::steady_timer t(ioc);
        std::uint64_t last_beat = 0;
        auto last_change = std::chrono::steady_clock::now();
        for (;;) {
            t.expires_after(*interval / 2);
            co_await t.async_wait(asio::use_awaitable);
            auto beat = eng ? eng->heartbeat() : 0;
            auto now = std::chrono::steady_clock::now();
            if (beat != last_beat) {
                last_beat = beat;
                last_change = now;
            }
            // Engine loops wake at least once a minute even when idle; silence for longer is a hang.
            if (now - last_change < std::chrono::minutes{3})
                notifier.watchdog();
        }
    }

    // SIGHUP: the file is read and validated as a whole; a bad one changes nothing (the metric says so), a
    // good one applies its live keys at once and names the sections whose other changes wait for a restart.
    void reload()
    {
        notifier.reloading();
        auto loaded = load_config(cfg.source);
        if (!loaded.value) {
            for (const auto& e : loaded.errors)
                log->error("reload: {}", e.to_string());
            log->error("reload: {} has {} error(s); the running configuration stays", cfg.source,
                       loaded.errors.empty() ? 1 : loaded.errors.size());
            facts.config_reload_ok = false;
        } else {
            const auto& next = *loaded.value;
            set_log_level(next.log.level);
            if (eng)
                eng->apply_live_settings(engine_settings_for(next, dry_run));
            facts.config_reload_ok = true;
            // Against the text the daemon started with: that is what the restart-only keys still run with.
            auto waiting = restart_required_sections(cfg.text, next.text);
            if (waiting.empty())
                log->info("reload: {} applied", cfg.source);
            else
                log->warn("reload: {} applied its log level, poll intervals and sync policies; changes to {} "
                          "need a restart",
                          cfg.source, fmt::join(waiting, ", "));
        }
        const auto* said = facts.config_reload_ok ? "configuration reloaded" : "configuration reload failed";
        if (facts.ready)
            notifier.ready(said); // ends RELOADING=1
        else
            notifier.status(said);
    }

    asio::awaitable<void> signals()
    {
        asio::signal_set sigs(ioc, SIGINT, SIGTERM, SIGHUP);
        for (;;) {
            int sig = co_await sigs.async_wait(asio::use_awaitable);
            if (sig == SIGHUP) {
                reload();
                continue;
            }
            shutdown(exit_code::ok, sig == SIGTERM ? "SIGTERM" : "SIGINT");
            co_return;
        }
    }
};

// Fault injection for the end-to-end crash walk (tests/e2e/commit_walk_test.cpp, DEVELOPERS.md):
// CRMSYNC_KILL_AT_COMMIT=N makes the daemon SIGKILL itself just before its N-th commit to the state file,
// "N:after" just after it. Nothing else reads it; unset, the hook is not installed.
void install_kill_at_commit(state_store& store, const std::shared_ptr<spdlog::logger>& log)
{
    const char* spec = std::getenv("CRMSYNC_KILL_AT_COMMIT");
    if (!spec || !*spec)
        return;
    const std::string_view s(spec);
    const bool after = s.ends_with(":after");
    long n = 0;
    const auto digits = s.substr(0, after ? s.size() - 6 : s.size());
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc{} || end != digits.data() + digits.size() || n < 1) {
        log->warn("CRMSYNC_KILL_AT_COMMIT='{}' ignored: expected N or N:after, N >= 1", s);
        return;
    }
    log->warn("fault injection: killing this process {} state commit {}", after ? "after" : "before", n);
    store.set_commit_hook([n, after, seen = 0L](bool committed) mutable {
        if (!committed)
            ++seen;
        if (seen == n && committed == after)
            ::raise(SIGKILL);
    });
}

} // namespace

int run_daemon(const config& cfg, bool dry_run)
{
    set_log_level(cfg.log.level);
    daemon_app app(cfg, dry_run);
    auto& log = app.log;
    app.facts.started = std::chrono::steady_clock::now();
    app.facts.started_unix_ms = to_unix_ms(system_clock().wall_now());
    app.facts.dry_run = dry_run;
    app.facts.not_ready_reason = "starting";

    auto store = state_store::open(cfg.state.path, {.exclusive = true});
    if (!store) {
        log->error("{}", store.error().message);
        return exit_code::io_error;
    }
    app.store = std::move(*store);
    app.facts.store = app.store.get();
    install_kill_at_commit(*app.store, log);

    const auto* reg = find_crm_connector(cfg.crm.type);
    if (!reg) {
        log->error("crm.type: unknown connector '{}'", cfg.crm.type);
        return exit_code::config;
    }
    app.http = make_http_client(app.ioc.get_executor());
    declare_api_request_metrics(app.metrics);
    app.http->set_request_observer([&m = app.metrics](const api_request_report& r) { record_api_request(m, r); });
    app.facts.metrics = &app.metrics;
    app.mapping = std::make_unique<field_mapping>(cfg.sync.fields);
    app.shopify = std::make_unique<shopify::shopify_connector>(app.ioc.get_executor(), cfg.shopify, *app.http,
                                                               system_clock(), shopify_options(cfg),
                                                               make_logger("shopify"));
    app.crm = reg->make(cfg.crm.settings, connector_env{app.ioc.get_executor(), *app.http, system_clock(),
                                                        cfg.sync.max_share, crm_properties(cfg.sync, false),
                                                        crm_properties(cfg.sync, true), make_logger(reg->type)});
    const auto es = engine_settings_for(cfg, dry_run);
    app.eng = std::make_unique<engine>(app.ioc.get_executor(), *app.store, *app.shopify, *app.crm, *app.mapping, es,
                                       system_clock(), make_logger("engine"));
    app.facts.eng = app.eng.get();

    http_server_settings hs;
    hs.host = cfg.http.host;
    hs.port = cfg.http.port;
    hs.max_body_bytes = 1024 * 1024; // Shopify's deliveries are far smaller; anything bigger is refused (413)
    http_api_options api{cfg.http.token, {}};
    api.webhooks.push_back({cfg.shopify.webhooks.path, [&app](http_server_request& req) {
                                return receive_webhook(*app.eng, *app.shopify, side::shopify, req, *app.log);
                            }});
    app.server = std::make_unique<http_server>(app.ioc.get_executor(), hs,
                                               make_http_api(app.facts, system_clock(), std::move(api)));
    if (auto r = app.server->start(); !r) {
        log->error("http.listen: cannot listen on {}: {}", cfg.http.listen, r.error().message());
        return exit_code::os_error;
    }
    log->info("crmsyncd {} starting: state {}, HTTP on {}:{}{}", CRMSYNC_VERSION, cfg.state.path, cfg.http.host,
              app.server->port(), dry_run ? ", dry run" : "");
    app.notifier.status("starting");

    auto on_done = [&app](const char* what) {
        return [&app, what](std::exception_ptr e) {
            if (!e)
                return;
            try {
                std::rethrow_exception(e);
            } catch (const boost::system::system_error& se) {
                if (se.code() == asio::error::operation_aborted && app.stopping)
                    return;
                app.log->critical("{} failed: {}", what, se.what());
            } catch (const std::exception& ex) {
                app.log->critical("{} failed: {}", what, ex.what());
            }
            app.shutdown(exit_code::failure, "internal failure");
        };
    };
    asio::co_spawn(app.ioc, app.signals(), on_done("signal handler"));
    asio::co_spawn(app.ioc, app.watchdog(), on_done("watchdog"));
    asio::co_spawn(app.ioc, app.status_lines(), on_done("status lines"));
    asio::co_spawn(app.ioc, app.start_sync(),
                   asio::bind_cancellation_slot(app.engine_cancel.slot(), [&app, done = on_done("sync engine")](
                                                                              std::exception_ptr e) {
                       done(e);
                       // The engine ended (cancelled, or failed): nothing is left to wait for.
                       if (!app.stopping)
                           app.shutdown(app.exit_code, "sync engine ended");
                       app.ioc.stop();
                   }));
    app.ioc.run();
    log->info("stopped");
    return app.exit_code;
}

} // namespace crmsync
