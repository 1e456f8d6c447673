#include "connectors/shopify/connector.hpp"

#include "connectors/shopify/mapping.hpp"
#include "connectors/shopify/webhooks.hpp"
#include "connectors/shopify/writes.hpp"
#include "core/iso8601.hpp"
#include "core/metrics.hpp"
#include "core/retry_policy.hpp"

#include <boost/json.hpp>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

namespace crmsync::shopify {

namespace json = boost::json;

namespace {

const std::string changes_query = fmt::format(
    "query crmsync_changes($first: Int!, $after: String, $query: String) {{\n"
    "  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{\n"
    "    pageInfo {{ hasNextPage endCursor }}\n"
    "    nodes {{ {} }}\n"
    "  }}\n"
    "}}",
    customer_selection);

const std::string nodes_query = fmt::format("query crmsync_customers($ids: [ID!]!) {{\n"
                                            "  nodes(ids: $ids) {{ ... on Customer {{ {} }} }}\n"
                                            "}}",
                                            customer_selection);

constexpr std::string_view ids_query =
    "query crmsync_ids($after: String) { customers(first: 250, after: $after, sortKey: ID) { "
    "pageInfo { hasNextPage endCursor } nodes { id } } }";

constexpr std::string_view probe_query = "query crmsync_probe { customers(first: 1) { nodes { id } } }";
constexpr std::string_view scopes_query = "query crmsync_scopes { currentAppInstallation { accessScopes { handle } } }";

// Before Shopify has told us what a page costs, reserve what the classic rule would charge for a page
// (2 + first x 2 for the node and its address); afterwards, what it actually requested last time.
double page_estimate(int page_size, double observed)
{
    return observed > 0 ? observed : 2.0 + 2.0 * page_size;
}

} // namespace

shopify_connector::shopify_connector(boost::asio::any_io_executor ex, settings s, http_client& http, const clock& clk,
                                     connector_options opts, std::shared_ptr<spdlog::logger> log)
    : settings_(std::move(s)), http_(http), log_(std::move(log)),
      gate_(std::make_unique<request_gate>(
          ex, clk,
          std::make_unique<cost_bucket>(bucket_size_for(settings_.plan_hint), restore_rate_for(settings_.plan_hint),
                                        opts.max_share),
          "shopify")),
      client_(settings_, http, clk, *gate_, log_), writes_(opts.writes), scratch_dir_(opts.scratch_dir)
{
    // Exports left by a daemon that stopped in the middle of one are of no use any more.
    for (auto name : {"crmsync-bulk-changes.jsonl", "crmsync-bulk-sweep.jsonl"})
        if (!scratch_dir_.empty())
            std::filesystem::remove(std::filesystem::path(scratch_dir_) / name, ignored_);
    version_warning_ = api_version_warning(settings_.api_version, clk.wall_now());
    if (!version_warning_.empty())
        log_->warn("Shopify: {}", version_warning_);
}

boost::asio::awaitable<outcome<void>> shopify_connector::prepare()
{
    auto r = co_await client_.execute(probe_query, {}, 3, priority::live, "access check");
    if (!r)
        co_return r.error();
    if (writes_) {
        auto defined = co_await ensure_custom_id_definition(client_);
        if (!defined)
            co_return defined.error();
    }
    if (!settings_.webhooks.public_url.empty())
        co_return co_await ensure_subscriptions();
    co_return outcome<void>{};
}

boost::asio::awaitable<outcome<std::vector<std::string>>> shopify_connector::check()
{
    auto r = co_await client_.execute(probe_query, {}, 3, priority::live, "access check");
    if (!r)
        co_return r.error();
    auto s = co_await client_.execute(scopes_query, {}, 2, priority::live, "access scopes");
    if (!s)
        co_return s.error();
    std::vector<std::string> granted;
    if (auto app = s->data.if_contains("currentAppInstallation"); app && app->is_object())
        if (auto list = app->as_object().if_contains("accessScopes"); list && list->is_array())
            for (const auto& a : list->as_array())
                if (auto h = a.is_object() ? a.as_object().if_contains("handle") : nullptr; h && h->is_string())
                    granted.emplace_back(h->as_string());
    std::vector<std::string> missing;
    for (std::string_view need : {"read_customers", "write_customers"}) {
        if (need == "write_customers" && !writes_)
            continue;
        if (std::find(granted.begin(), granted.end(), need) == granted.end())
            missing.emplace_back(need);
    }
    if (!missing.empty())
        co_return paused(fmt::format("Shopify: the app's access token lacks the scope(s) {} (granted: {}); add them to "
                                     "the app's configuration and reinstall it",
                                     fmt::join(missing, ", "), granted.empty() ? "none" : fmt::format("{}", fmt::join(granted, ", "))),
                         {}, 403);
    std::vector<std::string> notes{fmt::format("Shopify: access works; scopes {} granted", writes_ ? "read_customers and write_customers" : "read_customers")};
    if (const auto& served = client_.served_version(); !served.empty() && served != settings_.api_version)
        notes.push_back(fmt::format("Shopify: API version {} is no longer served (Shopify answered with {}): update "
                                    "shopify.api_version",
                                    settings_.api_version, served));
    else if (!served.empty())
        notes.push_back(fmt::format("Shopify: API version {} is served", served));
    if (!client_.deprecation().empty())
        notes.push_back(fmt::format("Shopify: deprecated API use reported: {}", client_.deprecation()));
    if (writes_) {
        auto defined = co_await has_custom_id_definition(client_);
        if (!defined)
            co_return defined.error();
        if (!*defined)
            notes.emplace_back(fmt::format("Shopify: the customer metafield definition {}.{} does not exist yet; "
                                           "crmsyncd creates it at start",
                                           custom_id_namespace, custom_id_key));
    }
    co_return notes;
}

outcome<std::vector<record>> shopify_connector::read_nodes(const json::value* nodes, std::string_view what)
{
    if (!nodes || !nodes->is_array())
        return permanent(fmt::format("Shopify {}: response without nodes", what));
    std::vector<record> out;
    out.reserve(nodes->as_array().size());
    for (const auto& n : nodes->as_array()) {
        if (!n.is_object())
            continue;
        auto r = customer_from_json(n.as_object());
        if (!r) {
            // One bad node must not hide the others; say which and go on.
            log_->warn("{}: {}", what, r.error().message);
            continue;
        }
        out.push_back(std::move(*r));
    }
    return out;
}

boost::asio::awaitable<outcome<shopify_connector::bulk_step>> shopify_connector::bulk_export(const std::string& page,
                                                                         const std::string& file, jsonl_export& reader)
{
    bulk_step step;
    if (page.empty() || page == "restart") {
        auto started = co_await start_bulk_query(client_, customers_bulk_query());
        if (!started)
            co_return started.error();
        log_->info("Shopify bulk export {} started", started->id);
        step.next = "bulk:" + started->id;
        step.not_before = std::chrono::seconds{1};
        co_return step;
    }
    if (page.starts_with("bulk:")) {
        auto st = co_await bulk_operation(client_, page.substr(5));
        if (!st)
            co_return st.error();
        if (st->status == "CREATED" || st->status == "RUNNING" || st->status == "CANCELING") {
            step.next = page;
            step.not_before = std::chrono::seconds{st->object_count > 10'000 ? 5 : 1};
            co_return step;
        }
        if (st->status != "COMPLETED") {
            log_->warn("Shopify bulk export {} ended {} ({}); starting another", st->id, st->status, st->error_code);
            step.next = "restart";
            step.not_before = std::chrono::seconds{30};
            co_return step;
        }
        step.created_at_ms = st->created_at_ms;
        if (st->url.empty()) // nothing matched: Shopify gives no file
            co_return step;
        http_request req;
        req.url = st->url;
        req.timeout = std::chrono::minutes{30};
        const auto sent = std::chrono::steady_clock::now();
        auto got = co_await http_.download(std::move(req), file, 10ULL << 30);
        http_.report({side::shopify, "bulk_download", got ? outcome_of_status(got->status) : request_outcome::network,
                      std::chrono::steady_clock::now() - sent});
        if (!got)
            co_return transport_failure(got.error(), "Shopify bulk export download");
        if (got->status != 200)
            co_return retryable(fmt::format("Shopify bulk export download: HTTP {}", got->status));
        if (auto opened = reader.open(file); !opened)
            co_return opened.error();
        log_->info("Shopify bulk export {} downloaded: {} objects", st->id, st->object_count);
        step.next = fmt::format("file:0:{}", st->created_at_ms);
        co_return step;
    }
    // "file:<offset>:<created ms>"
    auto colon = page.find(':', 5);
    std::uint64_t at = std::stoull(page.substr(5, colon - 5));
    step.created_at_ms = std::stoll(page.substr(colon + 1));
    auto batch = reader.read(at, 250);
    if (!batch)
        co_return batch.error();
    for (const auto& o : batch->objects) {
        auto rec = customer_from_json(o);
        if (rec)
            step.records.push_back(std::move(*rec));
        else
            log_->warn("Shopify bulk export: {}", rec.error().message);
    }
    if (batch->done)
        std::filesystem::remove(file, ignored_);
    else
        step.next = fmt::format("file:{}:{}", batch->next, step.created_at_ms);
    co_return step;
}

boost::asio::awaitable<outcome<change_page>> shopify_connector::fetch_changes(change_query q)
{
    // The first sync reads everything: one bulk export instead of thousands of pages.
    if (q.cursor.empty() && !scratch_dir_.empty() && !q.page.starts_with("page:")) {
        auto step = co_await bulk_export(q.page, (std::filesystem::path(scratch_dir_) / "crmsync-bulk-changes.jsonl").string(),
                                         changes_export_);
        if (!step) {
            if (step.error().kind != failure_kind::permanent)
                co_return step.error();
            // Bulk exports refused (scopes, token type): page through the customers query instead.
            log_->warn("{}; reading customers page by page instead", step.error().message);
            q.page = "page:";
            co_return co_await paged_changes(q);
        }
        change_page page;
        page.records = std::move(step->records);
        page.next_page = step->next;
        page.not_before = step->not_before;
        if (q.page.starts_with("file:") || step->next.starts_with("file:"))
            page.total = changes_export_.objects();
        // Changes made while the export ran are read again by the incremental polls that follow.
        page.cursor = step->created_at_ms > 0 ? format_iso8601(step->created_at_ms) : q.cursor;
        co_return page;
    }
    co_return co_await paged_changes(q);
}

boost::asio::awaitable<outcome<change_page>> shopify_connector::paged_changes(change_query q)
{
    if (q.page.starts_with("page:"))
        q.page = q.page.substr(5);
    json::object vars;
    vars["first"] = page_size_;
    vars["after"] = q.page.empty() ? json::value(nullptr) : json::value(q.page);
    if (!q.cursor.empty()) {
        auto ms = parse_iso8601_ms(q.cursor);
        if (!ms)
            co_return permanent(fmt::format("Shopify poll: stored cursor '{}' is not a timestamp", q.cursor));
        vars["query"] = fmt::format("updated_at:>='{}'", format_iso8601(*ms - q.overlap.count()));
    } else {
        vars["query"] = nullptr;
    }
    auto r = co_await client_.execute(changes_query, vars, page_estimate(page_size_, page_cost_), q.prio,
                                      "customers page");
    if (!r) {
        if (r.error().message.find("MAX_COST_EXCEEDED") != std::string::npos && page_size_ > 10) {
            page_size_ /= 2;
            page_cost_ = 0;
            log_->warn("Shopify customers page too expensive; page size lowered to {}", page_size_);
            co_return retryable(r.error().message);
        }
        co_return r.error();
    }
    page_cost_ = r->requested_cost;
    auto conn = r->data.if_contains("customers");
    if (!conn || !conn->is_object())
        co_return permanent("Shopify customers page: response without customers");
    auto records = read_nodes(conn->as_object().if_contains("nodes"), "Shopify customers page");
    if (!records)
        co_return records.error();
    change_page page;
    page.cursor = q.cursor;
    std::int64_t newest = q.cursor.empty() ? 0 : parse_iso8601_ms(q.cursor).value_or(0);
    for (const auto& rec : *records)
        newest = std::max(newest, rec.updated_at_ms);
    if (newest > 0)
        page.cursor = format_iso8601(newest);
    page.records = std::move(*records);
    if (auto info = conn->as_object().if_contains("pageInfo"); info && info->is_object()) {
        auto more = info->as_object().if_contains("hasNextPage");
        auto end = info->as_object().if_contains("endCursor");
        if (more && more->is_bool() && more->as_bool() && end && end->is_string())
            page.next_page = "page:" + std::string(end->as_string());
    }
    co_return page;
}

boost::asio::awaitable<outcome<std::vector<record>>> shopify_connector::fetch_by_ids(std::span<const std::string> ids,
                                                                                    priority prio)
{
    std::vector<record> out;
    for (std::size_t at = 0; at < ids.size(); at += 250) {
        auto chunk = ids.subspan(at, std::min<std::size_t>(250, ids.size() - at));
        json::array gids;
        for (const auto& id : chunk)
            gids.emplace_back(customer_gid(id));
        json::object vars;
        vars["ids"] = std::move(gids);
        auto r = co_await client_.execute(nodes_query, std::move(vars), 2.0 + 3.0 * static_cast<double>(chunk.size()),
                                          prio, "customers by id");
        if (!r)
            co_return r.error();
        auto nodes = r->data.if_contains("nodes");
        if (!nodes || !nodes->is_array())
            co_return permanent("Shopify customers by id: response without nodes");
        const auto& arr = nodes->as_array();
        for (std::size_t i = 0; i < arr.size() && i < chunk.size(); ++i) {
            if (arr[i].is_null()) {
                out.push_back(record{chunk[i], 0, {}, true});
                continue;
            }
            if (!arr[i].is_object())
                continue;
            auto rec = customer_from_json(arr[i].as_object());
            if (rec)
                out.push_back(std::move(*rec));
            else
                log_->warn("Shopify customers by id: {}", rec.error().message);
        }
    }
    co_return out;
}

boost::asio::awaitable<outcome<id_page>> shopify_connector::list_ids(std::string page)
{
    // The reconciliation exports whole customers: missed deletions and missed updates are both found.
    if (!scratch_dir_.empty() && !page.starts_with("page:")) {
        auto step = co_await bulk_export(page, (std::filesystem::path(scratch_dir_) / "crmsync-bulk-sweep.jsonl").string(),
                                         sweep_export_);
        if (!step && step.error().kind != failure_kind::permanent)
            co_return step.error();
        if (step) {
            id_page out;
            for (const auto& r : step->records)
                out.ids.push_back(r.id);
            out.records = std::move(step->records);
            out.next_page = step->next;
            out.not_before = step->not_before;
            co_return out;
        }
        log_->warn("{}; listing customer ids page by page instead", step.error().message);
        page.clear();
    }
    if (page.starts_with("page:"))
        page = page.substr(5);
    json::object vars;
    vars["after"] = page.empty() ? json::value(nullptr) : json::value(page);
    auto r = co_await client_.execute(ids_query, std::move(vars), ids_cost_ > 0 ? ids_cost_ : 60, priority::backfill,
                                      "customer ids");
    if (!r)
        co_return r.error();
    ids_cost_ = r->requested_cost;
    id_page out;
    auto conn = r->data.if_contains("customers");
    if (!conn || !conn->is_object())
        co_return permanent("Shopify customer ids: response without customers");
    if (auto nodes = conn->as_object().if_contains("nodes"); nodes && nodes->is_array())
        for (const auto& n : nodes->as_array())
            if (n.is_object())
                if (auto id = n.as_object().if_contains("id"); id && id->is_string())
                    out.ids.push_back(legacy_id(id->as_string()));
    if (auto info = conn->as_object().if_contains("pageInfo"); info && info->is_object()) {
        auto more = info->as_object().if_contains("hasNextPage");
        auto end = info->as_object().if_contains("endCursor");
        if (more && more->is_bool() && more->as_bool() && end && end->is_string())
            out.next_page = "page:" + std::string(end->as_string());
    }
    co_return out;
}

boost::asio::awaitable<std::vector<write_result>> shopify_connector::apply(std::span<const write_op> ops)
{
    co_return co_await apply_writes(client_, ops);
}

} // namespace crmsync::shopify

namespace crmsync::shopify {

outcome<inbound_webhook> shopify_connector::verify_webhook(const http_server_request& req) const
{
    return verify_delivery(req, settings_);
}

outcome<webhook_hint> shopify_connector::interpret_webhook(const inbound_webhook& w) const
{
    return interpret_delivery(w);
}

} // namespace crmsync::shopify
