// crmsync-sandbox: the Shopify and HubSpot emulators for demos and manual testing (design.md §8).
#include "sandbox/sandbox.hpp"

#include <csignal>
#include <cstdlib>
#include <fmt/format.h>
#include <iostream>
#include <string>
#include <vector>

namespace {

constexpr std::string_view usage = R"(crmsync-sandbox — emulated Shopify Admin GraphQL API and HubSpot CRM API

Usage: crmsync-sandbox [options]
  --host ADDR            listen address (default 127.0.0.1)
  --shopify-port PORT    Shopify emulator port (default 8781; 0 = any)
  --hubspot-port PORT    HubSpot emulator port (default 8782; 0 = any)
  --customers N          seed N Shopify customers (default 300)
  --contacts N           seed N HubSpot contacts (default 200)
  --shared N             of the contacts, N carry a customer's e-mail (default 100)
  --seed S               seed for the generated people (default 1)
  --shopify-token T      accepted X-Shopify-Access-Token (default shpat_sandbox_demo)
  --hubspot-token T      accepted bearer token (default pat-na1-sandbox-demo)
  --no-limits            turn the emulated rate limits off
  --help
Control APIs: http://HOST:PORT/_sandbox/... on each emulator (see docs/sandbox.md).
)";

volatile std::sig_atomic_t stop_requested = 0;

} // namespace

int main(int argc, char** argv)
{
    using namespace crmsync::sandbox;
    sandbox_options opts;
    opts.shopify_port = 8781;
    opts.hubspot_port = 8782;
    opts.shopify.access_token = "shpat_sandbox_demo";
    opts.hubspot.access_tokens = {"pat-na1-sandbox-demo"};
    std::size_t customers = 300, contacts = 200, shared = 100;
    std::uint64_t seed = 1;
    bool limits = true;
    std::vector<std::string> args(argv + 1, argv + argc);
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& a = args[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= args.size()) {
                std::cerr << "crmsync-sandbox: " << a << " needs a value\n";
                std::exit(64);
            }
            return args[++i];
        };
        auto number = [&]() -> unsigned long long {
            auto v = next();
            char* end = nullptr;
            auto n = std::strtoull(v.c_str(), &end, 10);
            if (v.empty() || *end) {
                std::cerr << "crmsync-sandbox: " << a << ": not a number: " << v << "\n";
                std::exit(64);
            }
            return n;
        };
        if (a == "--help" || a == "-h") {
            std::cout << usage;
            return 0;
        } else if (a == "--host")
            opts.host = next();
        else if (a == "--shopify-port")
            opts.shopify_port = static_cast<std::uint16_t>(number());
        else if (a == "--hubspot-port")
            opts.hubspot_port = static_cast<std::uint16_t>(number());
        else if (a == "--customers")
            customers = number();
        else if (a == "--contacts")
            contacts = number();
        else if (a == "--shared")
            shared = number();
        else if (a == "--seed")
            seed = number();
        else if (a == "--shopify-token")
            opts.shopify.access_token = next();
        else if (a == "--hubspot-token")
            opts.hubspot.access_tokens = {next()};
        else if (a == "--no-limits")
            limits = false;
        else {
            std::cerr << "crmsync-sandbox: unknown option " << a << "\n\n" << usage;
            return 64;
        }
    }
    opts.shopify.limits.enabled = limits;
    opts.hubspot.limits.enabled = limits;
    sandbox_server sandbox(opts);
    try {
        sandbox.start();
    } catch (const std::exception& e) {
        std::cerr << e.what() << "\n";
        return 71;
    }
    sandbox.seed_people(customers, contacts, shared, seed);
    std::cout << fmt::format("Shopify emulator: {}/admin/api/2026-10/graphql.json ({} customers)\n", sandbox.shopify_url(),
                             sandbox.shopify().customer_count())
              << fmt::format("HubSpot emulator: {}/crm/objects/2026-09/contacts ({} contacts, {} sharing a customer's "
                             "e-mail)\n",
                             sandbox.hubspot_url(), sandbox.hubspot().counts().live, std::min(shared, contacts))
              << fmt::format("Control APIs:     {}/_sandbox/customers   {}/_sandbox/contacts\n", sandbox.shopify_url(),
                             sandbox.hubspot_url())
              << std::flush;
    std::signal(SIGINT, [](int) { stop_requested = 1; });
    std::signal(SIGTERM, [](int) { stop_requested = 1; });
    sigset_t none;
    sigemptyset(&none);
    while (!stop_requested)
        sigsuspend(&none);
    sandbox.stop();
    return 0;
}
