#include "daemon/commands.hpp"

#include "connectors/registry.hpp"
#include "connectors/shopify/connector.hpp"
#include "core/engine.hpp"
#include "core/http_client.hpp"
#include "core/mapping.hpp"
#include "core/state_store.hpp"
#include "daemon/app.hpp"
#include "daemon/cli.hpp"
#include "daemon/logging.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <iostream>

namespace crmsync {

namespace asio = boost::asio;
namespace json = boost::json;

int status_command(const std::string& url, bool as_json)
{
    asio::io_context ioc;
    auto http = make_http_client(ioc.get_executor());
    std::string base = url;
    while (!base.empty() && base.back() == '/')
        base.pop_back();
    http_request req;
    req.url = base + "/status";
    req.timeout = std::chrono::seconds{10};
    if (const char* token = std::getenv("CRMSYNC_HTTP_TOKEN"))
        req.headers.add("Authorization", std::string("Bearer ") + token);
    boost::system::result<http_response> result;
    asio::co_spawn(ioc, http->send(req), [&](std::exception_ptr e, boost::system::result<http_response> r) {
        if (e)
            std::rethrow_exception(e);
        result = std::move(r);
    });
    ioc.run();
    if (!result) {
        std::cerr << "crmsyncd status: cannot reach " << req.url << ": " << result.error().message() << "\n";
        return exit_code::unavailable;
    }
    if (result->status != 200) {
        std::cerr << "crmsyncd status: " << req.url << " answered HTTP " << result->status << "\n";
        return exit_code::unavailable;
    }
    if (as_json) {
        std::cout << result->body;
        return exit_code::ok;
    }
    boost::system::error_code ec;
    auto v = json::parse(result->body, ec);
    if (ec || !v.is_object()) {
        std::cerr << "crmsyncd status: unexpected answer: " << result->body.substr(0, 200) << "\n";
        return exit_code::unavailable;
    }
    const auto& o = v.as_object();
    auto str = [](const json::value* x) { return x ? (x->is_string() ? std::string(x->as_string()) : json::serialize(*x)) : std::string("-"); };
    std::cout << fmt::format("state: {}   version: {}   uptime: {}s   initial sync complete: {}\n", str(o.if_contains("state")),
                             str(o.if_contains("version")), str(o.if_contains("uptime_s")),
                             str(o.if_contains("initial_sync_complete")));
    if (o.contains("links"))
        std::cout << fmt::format("links: {}   pending: {}   conflicts: {}   dead letters: {}\n", str(o.if_contains("links")),
                                 str(o.if_contains("pending")), str(o.if_contains("conflicts")),
                                 str(o.if_contains("dead_letters")));
    for (std::string_view s : {"shopify", "crm"}) {
        auto side = o.if_contains(s);
        if (!side || !side->is_object())
            continue;
        const auto& so = side->as_object();
        std::cout << fmt::format("{:<8} role {}, last poll {}, requests {}, throttled {}, last error: {}\n", s,
                                 str(so.if_contains("role")), str(so.if_contains("last_poll_ok")),
                                 str(so.if_contains("requests")), str(so.if_contains("throttled")),
                                 str(so.if_contains("last_error")));
    }
    return exit_code::ok;
}

int check_online_command(const config& cfg)
{
    set_log_level(std::max(cfg.log.level, log_level::warn));
    const auto* reg = find_crm_connector(cfg.crm.type);
    asio::io_context ioc;
    auto http = make_http_client(ioc.get_executor());
    auto shop_opts = shopify_options(cfg);
    shop_opts.scratch_dir.clear();
    shopify::shopify_connector shop(ioc.get_executor(), cfg.shopify, *http, system_clock(), shop_opts,
                                    make_logger("shopify"));
    auto crm = reg->make(cfg.crm.settings, connector_env{ioc.get_executor(), *http, system_clock(), cfg.sync.max_share,
                                                         crm_properties(cfg.sync, false), crm_properties(cfg.sync, true),
                                                         make_logger(reg->type)});
    int rc = exit_code::ok;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            for (connector* c : {static_cast<connector*>(&shop), crm.get()}) {
                auto r = co_await c->check();
                if (!r) {
                    std::cerr << c->name() << ": " << r.error().message << "\n";
                    rc = exit_code::unavailable;
                    continue;
                }
                for (const auto& note : *r)
                    std::cout << note << "\n";
            }
        },
        [](std::exception_ptr e) {
            if (e)
                std::rethrow_exception(e);
        });
    ioc.run();
    return rc;
}

int plan_command(const config& cfg)
{
    set_log_level(std::max(cfg.log.level, log_level::warn));
    auto log = make_logger("plan");
    auto scratch = state_store::open_scratch_copy(cfg.state.path);
    if (!scratch) {
        std::cerr << "crmsyncd plan: " << scratch.error().message << "\n";
        return exit_code::io_error;
    }
    auto& store = **scratch;
    const auto* reg = find_crm_connector(cfg.crm.type);
    asio::io_context ioc;
    auto http = make_http_client(ioc.get_executor());
    field_mapping mapping(cfg.sync.fields);
    // No bulk export for a plan (it would start an operation in the shop): page through the customers.
    auto shop_opts = shopify_options(cfg);
    shop_opts.scratch_dir.clear();
    shop_opts.writes = false;
    shopify::shopify_connector shop(ioc.get_executor(), cfg.shopify, *http, system_clock(), shop_opts,
                                    make_logger("shopify"));
    auto crm = reg->make(cfg.crm.settings, connector_env{ioc.get_executor(), *http, system_clock(), cfg.sync.max_share,
                                                         crm_properties(cfg.sync, false), crm_properties(cfg.sync, true),
                                                         make_logger(reg->type)});
    engine_settings es;
    es.sync = cfg.sync;
    es.dry_run = true;
    engine eng(ioc.get_executor(), store, shop, *crm, mapping, es, system_clock(), log);
    std::optional<failure> failed;
    asio::co_spawn(ioc, eng.observe_and_plan(), [&](std::exception_ptr e, std::optional<failure> f) {
        if (e)
            std::rethrow_exception(e);
        failed = std::move(f);
    });
    ioc.run();
    if (failed) {
        std::cerr << "crmsyncd plan: " << failed->message << "\n";
        return exit_code::unavailable;
    }
    auto counts = store.counts();
    auto ids_of = [&](std::int64_t link_id) {
        auto link = store.link(link_id);
        if (!link)
            return std::string("?");
        return fmt::format("shopify {} / crm {}", link->shopify_id.empty() ? "-" : link->shopify_id,
                           link->crm_id.empty() ? "-" : link->crm_id);
    };
    std::cout << fmt::format("plan for {} (direction {}): {} people known, {} pairs, {} ambiguous, {} writes\n",
                             cfg.source, to_string(cfg.sync.direction), counts.links, eng.planned_pairs().size(),
                             counts.ambiguous, counts.pending);
    for (auto id : eng.planned_pairs())
        std::cout << "pair " << ids_of(id) << "\n";
    for (const auto& l : store.links_in_state(link_state::ambiguous, 1'000'000))
        std::cout << "ambiguous (left alone) " << ids_of(l.id) << "\n";
    for (const auto& c : store.conflicts(false, 1'000'000))
        std::cout << fmt::format("conflict [{}] {}: shopify '{}' / crm '{}' -> {} ({})\n", ids_of(c.link_id), c.field,
                                 c.shopify_value, c.crm_value, c.winner.empty() ? "parked" : c.winner, c.reason);
    for (side target : {side::crm, side::shopify}) {
        for (const auto& row : store.due(target, std::numeric_limits<std::int64_t>::max(), 1'000'000)) {
            std::vector<std::string> fields;
            for (const auto& [k, v] : row.fields)
                fields.push_back(fmt::format("{}={}", k, v));
            const char* verb = row.kind == write_kind::create ? "create in" : row.kind == write_kind::update ? "update in"
                                                                                                           : "delete in";
            std::cout << fmt::format("{} {} [{}]: {}\n", verb, to_string(target), ids_of(row.link_id),
                                     fmt::join(fields, ", "));
        }
    }
    return exit_code::ok;
}

} // namespace crmsync
