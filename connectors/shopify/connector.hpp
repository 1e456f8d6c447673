#pragma once
// The Shopify side: customers read and written through the Admin GraphQL API, paced by the
// calculated-cost bucket. Writing is in writes.hpp.

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
    boost::asio::awaitable<outcome<change_page>> fetch_changes(change_query q) override;
    boost::asio::awaitable<outcome<std::vector<record>>> fetch_by_ids(std::span<const std::string> ids,
                                                                     priority prio) override;
    boost::asio::awaitable<outcome<id_page>> list_ids(std::string page) override;
    std::size_t max_batch() const override { return 50; }
    boost::asio::awaitable<std::vector<write_result>> apply(std::span<const write_op> ops) override;
    std::vector<const request_gate*> gates() const override { return {gate_.get()}; }

    const settings& config() const { return settings_; }

private:
    outcome<std::vector<record>> read_nodes(const boost::json::value* nodes, std::string_view what);

    settings settings_;
    std::shared_ptr<spdlog::logger> log_;
    std::unique_ptr<request_gate> gate_;
    client client_;
    bool writes_ = false;
    int page_size_ = 250;
    double page_cost_ = 0; // requestedQueryCost Shopify charged for the last page query (0 = unknown yet)
    double ids_cost_ = 0;  // the same for the id listing
};

} // namespace crmsync::shopify
