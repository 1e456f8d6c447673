#pragma once
// The HubSpot side: contacts read with the search API (changes) and batch read (by id), written with
// batch upsert/update/archive, paced by the rolling 10-second window and the search API's own limit.

#include "connectors/hubspot/client.hpp"
#include "connectors/hubspot/settings.hpp"
#include "core/connector.hpp"
#include "core/http_client.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <string>
#include <vector>

namespace spdlog {
class logger;
}

namespace crmsync::hubspot {

struct connector_options {
    double max_share = 0.8;
    // Contact properties the mapping reads or writes; requested on every read and checked by prepare().
    std::vector<std::string> properties;
    // The subset the daemon writes; prepare() checks they exist and are writable.
    std::vector<std::string> written_properties;
};

class hubspot_connector final : public crmsync::connector {
public:
    hubspot_connector(boost::asio::any_io_executor ex, settings s, http_client& http, const clock& clk,
                      connector_options opts, std::shared_ptr<spdlog::logger> log);

    std::string_view name() const override { return "hubspot"; }
    const field_catalog& catalog() const override { return hubspot::catalog(); }
    boost::asio::awaitable<outcome<void>> prepare() override;
    boost::asio::awaitable<outcome<std::vector<std::string>>> check() override;
    boost::asio::awaitable<outcome<change_page>> fetch_changes(change_query q) override;
    boost::asio::awaitable<outcome<std::vector<record>>> fetch_by_ids(std::span<const std::string> ids,
                                                                     priority prio) override;
    boost::asio::awaitable<outcome<id_page>> list_ids(std::string page) override;
    std::size_t max_batch() const override { return 100; }
    std::string batch_group(const write_op& op) const override;
    boost::asio::awaitable<std::vector<write_result>> apply(std::span<const write_op> ops) override;
    std::vector<const request_gate*> gates() const override { return {window_gate_.get(), search_gate_.get()}; }

private:
    struct batch_input {
        const write_op* op;
        std::string key; // the id HubSpot echoes for this input (record id or idProperty value)
    };
    boost::asio::awaitable<void> gdpr_delete(const batch_input& in, std::vector<write_result>& out);
    boost::asio::awaitable<void> archive_batch(std::vector<batch_input> inputs, std::vector<write_result>& out);
    boost::asio::awaitable<void> write_batch(std::string_view verb, std::string_view id_property,
                                             std::vector<batch_input> inputs, std::vector<write_result>& out);
    boost::asio::awaitable<outcome<void>> ensure_group();
    // The written properties against the portal's: which are missing but ours to create, missing, read-only.
    struct property_survey {
        std::vector<std::string> to_create, missing, read_only;
    };
    boost::asio::awaitable<outcome<property_survey>> survey_properties();

    settings settings_;
    const clock& clock_;
    connector_options opts_;
    std::shared_ptr<spdlog::logger> log_;
    std::unique_ptr<request_gate> window_gate_;
    std::unique_ptr<request_gate> search_gate_;
    client client_;
};

} // namespace crmsync::hubspot
