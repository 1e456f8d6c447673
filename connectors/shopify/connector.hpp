#pragma once
// The Shopify side: customers read and written through the Admin GraphQL API, paced by the
// calculated-cost bucket. Writing is in writes.hpp.

#include "connectors/shopify/bulk.hpp"
#include "connectors/shopify/client.hpp"
#include "connectors/shopify/settings.hpp"
#include "core/connector.hpp"
#include "core/http_client.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>

namespace spdlog {
class logger;
}

namespace crmsync::shopify {

struct connector_options {
    double max_share = 0.8; // sync.max_share
    // Where bulk exports are downloaded to (next to the state file). Empty: no bulk exports; the first sync
    // and the reconciliation page through the customers query instead.
    std::string scratch_dir;
    // The daemon writes customers (two-way sync): prepare() then makes sure the custom id
    // metafield definition that idempotent creates rely on exists.
    bool writes = false;
};

class shopify_connector final : public crmsync::connector {
public:
    shopify_connector(boost::asio::any_io_executor ex, settings s, http_client& http, const clock& clk,
                      connector_options opts, std::shared_ptr<spdlog::logger> log);

    std::string_view name() const override { return "shopify"; }
    const field_catalog& catalog() const override { return shopify::catalog(); }
    boost::asio::awaitable<outcome<void>> prepare() override;
    boost::asio::awaitable<outcome<std::vector<std::string>>> check() override;
    boost::asio::awaitable<outcome<change_page>> fetch_changes(change_query q) override;
    boost::asio::awaitable<outcome<std::vector<record>>> fetch_by_ids(std::span<const std::string> ids,
                                                                     priority prio) override;
    boost::asio::awaitable<outcome<id_page>> list_ids(std::string page) override;
    std::size_t max_batch() const override { return 50; }
    boost::asio::awaitable<std::vector<write_result>> apply(std::span<const write_op> ops) override;
    std::vector<const request_gate*> gates() const override { return {gate_.get()}; }
    outcome<inbound_webhook> verify_webhook(const http_server_request& req) const override;
    std::vector<std::pair<std::string, std::string>> status_notes() const override;
    outcome<webhook_hint> interpret_webhook(const inbound_webhook& w) const override;

    const settings& config() const { return settings_; }
    // Test hook: see every GraphQL document this connector sends.
    void observe_documents(std::function<void(std::string_view)> f) { client_.observe_documents(std::move(f)); }

private:
    outcome<std::vector<record>> read_nodes(const boost::json::value* nodes, std::string_view what);
    boost::asio::awaitable<outcome<void>> ensure_subscriptions();
    boost::asio::awaitable<outcome<change_page>> paged_changes(change_query q);
    // One step of a bulk export: `page` is "" (start), "bulk:<id>" (follow), "file:<offset>:<created ms>" (read).
    struct bulk_step {
        std::vector<record> records;
        std::string next;
        std::chrono::milliseconds not_before{0};
        std::int64_t created_at_ms = 0;
    };
    boost::asio::awaitable<outcome<bulk_step>> bulk_export(const std::string& page, const std::string& file,
                                                           jsonl_export& reader);

    settings settings_;
    http_client& http_;
    std::shared_ptr<spdlog::logger> log_;
    std::unique_ptr<request_gate> gate_;
    client client_;
    bool writes_ = false;
    int page_size_ = 250;
    double page_cost_ = 0; // requestedQueryCost Shopify charged for the last page query (0 = unknown yet)
    double ids_cost_ = 0;  // the same for the id listing
    std::string scratch_dir_;
    std::error_code ignored_;
    jsonl_export changes_export_;
    jsonl_export sweep_export_;
    std::string webhook_note_ = "not configured (shopify.webhooks.public_url unset): changes are found by polling";
    std::string version_warning_;
};

} // namespace crmsync::shopify
