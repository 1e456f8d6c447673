#pragma once
// Both emulators behind real HTTP listeners, on their own thread and io_context: what crmsync-sandbox
// runs for the demo and what end-to-end tests start in-process while they spawn crmsyncd. The
// emulators' C++ control APIs are thread-safe, so tests poke them directly from the test thread.

#include "core/clock.hpp"
#include "sandbox/hubspot/emulator.hpp"
#include "sandbox/shopify/emulator.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace crmsync::sandbox {

struct sandbox_options {
    std::string host = "127.0.0.1";
    std::uint16_t shopify_port = 0; // 0 = any free port
    std::uint16_t hubspot_port = 0;
    shopify::emulator_options shopify;
    hubspot::options hubspot;
};

class sandbox_server {
public:
    explicit sandbox_server(sandbox_options opts = {}, const clock& clk = system_clock());
    ~sandbox_server();
    sandbox_server(const sandbox_server&) = delete;
    sandbox_server& operator=(const sandbox_server&) = delete;

    // Binds both listeners and starts serving on a background thread, Shopify webhook delivery
    // included (the emulator learns its own URL for bulk result files). Throws std::runtime_error
    // when a port cannot be bound.
    void start();
    void stop();

    std::string shopify_url() const; // "http://127.0.0.1:PORT"
    std::string hubspot_url() const;
    std::uint16_t shopify_port() const;
    std::uint16_t hubspot_port() const;

    shopify::emulator& shopify() { return *shopify_; }
    hubspot::emulator& hubspot() { return *hubspot_; }

    // Seeds `customers` Shopify customers and `contacts` HubSpot contacts, `shared` of which carry the
    // e-mail of a customer — every third one differing in case or surrounding spaces, as people type
    // them — so that first-sync matching has something to do. Deterministic for a seed.
    void seed_people(std::size_t customers, std::size_t contacts, std::size_t shared, std::uint64_t seed);

private:
    struct impl;
    sandbox_options opts_;
    std::unique_ptr<shopify::emulator> shopify_;
    std::unique_ptr<hubspot::emulator> hubspot_;
    std::unique_ptr<impl> impl_;
};

} // namespace crmsync::sandbox
