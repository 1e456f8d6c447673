#pragma once
// Integration harness: the real engine, connectors, HTTP client and state store against both
// emulators served by real HTTP servers on 127.0.0.1:0 — all on one io_context driven by the test
// thread, so a test can stop, inspect and restart the engine between steps.

#include "config/config.hpp"
#include "connectors/shopify/connector.hpp"
#include "core/engine.hpp"
#include "core/http_client.hpp"
#include "core/http_server.hpp"
#include "core/mapping.hpp"
#include "core/state_store.hpp"
#include "sandbox/hubspot/emulator.hpp"
#include "sandbox/shopify/emulator.hpp"
#include "tests/fakes/temp_dir.hpp"

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <string>

namespace crmsync::test {

struct harness_options {
    std::string sync_yaml = "  direction: shopify_to_crm\n"; // lines under `sync:`
    std::string shopify_yaml;                                  // more lines under `shopify:`
    retry_policy retry{.base = std::chrono::milliseconds{20}, .cap = std::chrono::milliseconds{200}, .max_attempts = 3};
    std::chrono::milliseconds poll_interval{200};
    // The HubSpot emulator's clock (its lastmodifieddate stamps), when a test needs to place them; the
    // engine and the connectors keep the system clock.
    const clock* hubspot_clock = nullptr;
};

class engine_harness {
public:
    explicit engine_harness(harness_options opts = {});
    ~engine_harness();

    boost::asio::io_context& io() { return ioc_; }
    sandbox::shopify::emulator& shopify() { return *shopify_; }
    sandbox::hubspot::emulator& hubspot() { return *hubspot_; }
    state_store& store() { return *store_; }
    engine& eng() { return *engine_; }
    shopify::shopify_connector& shopify_connector() { return static_cast<shopify::shopify_connector&>(*shopify_conn_); }
    // Called with every GraphQL document the Shopify connector sends, across restarts.
    void observe_shopify_documents(std::function<void(std::string_view)> f);
    const config& cfg() const { return cfg_; }

    // Starts the engine (prepare both connectors, then run).
    void start();
    // Runs the loop until `pred` holds; false after `limit`.
    bool run_until(const std::function<bool()>& pred, std::chrono::milliseconds limit = std::chrono::seconds{30});
    // Cancels the engine and waits for it to end.
    void stop();
    // stop(), then a new engine and connectors over the same state file (a daemon restart).
    void restart();
    // True once the outbox is empty, nothing is dirty and every source side finished a poll after `since`.
    bool settled();

private:
    void build();

    harness_options opts_;
    temp_dir dir_;
    boost::asio::io_context ioc_{1};
    std::unique_ptr<sandbox::shopify::emulator> shopify_;
    std::unique_ptr<sandbox::hubspot::emulator> hubspot_;
    std::unique_ptr<http_server> shopify_server_;
    std::unique_ptr<http_server> hubspot_server_;
    config cfg_;
    http_client_ptr http_;
    std::unique_ptr<field_mapping> mapping_;
    std::unique_ptr<state_store> store_;
    std::unique_ptr<connector> shopify_conn_;
    std::unique_ptr<connector> crm_conn_;
    std::unique_ptr<engine> engine_;
    std::unique_ptr<boost::asio::cancellation_signal> cancel_; // one per run: a signal is bound to one operation
    bool running_ = false;
    std::exception_ptr failure_;
    std::function<void(std::string_view)> document_observer_;
};

} // namespace crmsync::test
