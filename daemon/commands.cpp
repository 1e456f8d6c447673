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
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <iostream>

namespace crmsync {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// One request to a running daemon, with CRMSYNC_HTTP_TOKEN as the bearer token when set.
boost::system::result<http_response> call_daemon(const std::string& url, std::string method, std::string path)
{
    asio::io_context ioc;
    auto http = make_http_client(ioc.get_executor());
    std::string base = url;
    while (!base.empty() && base.back() == '/')
        base.pop_back();
    http_request req;
    req.method = std::move(method);
    req.url = base + path;
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
    return result;
}

} // namespace

int status_command(const std::string& url, bool as_json)
{
    auto result = call_daemon(url, "GET", "/status");
    if (!result) {
        std::cerr << "crmsyncd status: cannot reach " << url << ": " << result.error().message() << "\n";
        return exit_code::unavailable;
    }
    if (result->status != 200) {
        std::cerr << "crmsyncd status: " << url << " answered HTTP " << result->status << "\n";
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

int admin_command(const command& cmd)
{
    const bool conflicts = cmd.kind == command_kind::conflicts;
    const bool resync = cmd.kind == command_kind::resync;
    const bool audit = cmd.kind == command_kind::audit;
    const std::string verb = resync  ? std::string("crmsyncd resync")
                             : audit ? std::string("crmsyncd audit")
                                     : fmt::format("crmsyncd {} {}", conflicts ? "conflicts" : "dead-letters", cmd.action);
    std::string method = "GET", path = conflicts ? "/conflicts" : "/dead-letters";
    if (audit) {
        path = fmt::format("/audit?{}={}", cmd.side_name, cmd.who);
    } else if (resync) {
        method = "POST";
        path = "/resync";
        std::vector<std::string> q;
        if (!cmd.side_name.empty())
            q.push_back("side=" + cmd.side_name);
        if (cmd.full)
            q.push_back("full=1");
        if (!q.empty())
            path += "?" + fmt::format("{}", fmt::join(q, "&"));
    } else if (cmd.action == "list" && cmd.all)
        path += "?all=1";
    else if (cmd.action == "show")
        path += fmt::format("/{}", cmd.id);
    else if (cmd.action == "resolve")
        method = "POST", path += fmt::format("/{}/resolve?take={}", cmd.id, cmd.take);
    else if (cmd.action == "retry")
        method = "POST", path += fmt::format("/{}/retry", cmd.id);
    auto result = call_daemon(cmd.url, method, path);
    if (!result) {
        std::cerr << verb << ": cannot reach " << cmd.url << ": " << result.error().message() << "\n";
        return exit_code::unavailable;
    }
    boost::system::error_code ec;
    auto v = json::parse(result->body, ec);
    if (result->status != 200) {
        const auto* e = !ec && v.is_object() ? v.as_object().if_contains("error") : nullptr;
        std::cerr << verb << ": HTTP " << result->status << ": "
                  << (e && e->is_string() ? std::string(e->as_string()) : result->body.substr(0, 200)) << "\n";
        return result->status == 401 ? exit_code::unavailable : exit_code::failure;
    }
    if (cmd.json || ec || !v.is_object()) {
        std::cout << result->body;
        return exit_code::ok;
    }
    const auto& o = v.as_object();
    auto text = [](const json::value* x) {
        return !x || x->is_null() ? std::string("-") : x->is_string() ? std::string(x->as_string()) : json::serialize(*x);
    };
    auto conflict_line = [&](const json::object& c) {
        std::cout << fmt::format("conflict {} (link {}) {}: shopify '{}' / crm '{}' -> {} ({})\n", text(c.if_contains("id")),
                                 text(c.if_contains("link")), text(c.if_contains("field")), text(c.if_contains("shopify")),
                                 text(c.if_contains("crm")), c.at("winner").is_null() ? "open" : text(c.if_contains("winner")),
                                 text(c.if_contains("reason")));
    };
    if (audit) {
        std::cout << fmt::format("link {} (shopify {}, crm {}), newest first:\n", text(o.if_contains("link")),
                                 text(o.if_contains("shopify_id")), text(o.if_contains("crm_id")));
        for (const auto& e : o.at("entries").as_array()) {
            const auto& x = e.as_object();
            const auto at = x.at("at").as_int64();
            std::cout << fmt::format("  {:%Y-%m-%d %H:%M:%S} UTC  {}\n",
                                     std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(at)),
                                     text(x.if_contains("entry")));
        }
    } else if (resync) {
        std::cout << fmt::format("resync of {} asked{}: polls and the id reconciliation run now\n",
                                 cmd.side_name.empty() ? "both sides" : cmd.side_name,
                                 cmd.full ? " (full: every record is read again)" : "");
    } else if (cmd.action == "resolve") {
        std::cout << fmt::format("conflict {} resolved: {} wins; the value is written on the next push\n", cmd.id, cmd.take);
    } else if (cmd.action == "retry") {
        std::cout << fmt::format("dead letter {} retried: its person is planned again\n", cmd.id);
    } else if (cmd.action == "show") {
        conflict_line(o);
    } else if (conflicts) {
        const auto& arr = o.at("conflicts").as_array();
        for (const auto& c : arr)
            conflict_line(c.as_object());
        std::cout << arr.size() << (cmd.all ? " conflicts\n" : " open conflicts\n");
    } else {
        const auto& arr = o.at("dead_letters").as_array();
        for (const auto& d : arr) {
            const auto& x = d.as_object();
            std::cout << fmt::format("dead letter {} (link {}): {} to {} after {} attempts: {}\n", text(x.if_contains("id")),
                                     text(x.if_contains("link")), text(x.if_contains("kind")), text(x.if_contains("target")),
                                     text(x.if_contains("attempts")), text(x.if_contains("error")));
        }
        std::cout << arr.size() << " dead letters\n";
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
