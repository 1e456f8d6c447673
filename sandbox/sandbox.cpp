#include "sandbox/sandbox.hpp"

#include "core/http_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <thread>

namespace crmsync::sandbox {

namespace asio = boost::asio;

struct sandbox_server::impl {
    asio::io_context ioc{1};
    std::unique_ptr<http_server> shopify_server;
    std::unique_ptr<http_server> hubspot_server;
    std::thread thread;
};

sandbox_server::sandbox_server(sandbox_options opts, const clock& clk)
    : opts_(std::move(opts)), shopify_(std::make_unique<shopify::emulator>(clk, opts_.shopify)),
      hubspot_(std::make_unique<hubspot::emulator>(clk, opts_.hubspot)), impl_(std::make_unique<impl>())
{
}

sandbox_server::~sandbox_server() { stop(); }

void sandbox_server::start()
{
    auto make = [&](std::uint16_t port, auto& emu) {
        http_server_settings s;
        s.host = opts_.host;
        s.port = port;
        s.max_body_bytes = 16 * 1024 * 1024;
        return std::make_unique<http_server>(impl_->ioc.get_executor(), s,
                                             [&emu](http_server_request& req) { return emu.handle(req); });
    };
    impl_->shopify_server = make(opts_.shopify_port, *shopify_);
    impl_->hubspot_server = make(opts_.hubspot_port, *hubspot_);
    if (auto r = impl_->shopify_server->start(); !r)
        throw std::runtime_error(fmt::format("sandbox: cannot listen on {}:{} (Shopify): {}", opts_.host,
                                             opts_.shopify_port, r.error().message()));
    if (auto r = impl_->hubspot_server->start(); !r)
        throw std::runtime_error(fmt::format("sandbox: cannot listen on {}:{} (HubSpot): {}", opts_.host,
                                             opts_.hubspot_port, r.error().message()));
    shopify_->set_base_url(shopify_url());
    shopify_->start_delivery(impl_->ioc.get_executor());
    impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

void sandbox_server::stop()
{
    if (!impl_->thread.joinable())
        return;
    asio::post(impl_->ioc, [this] {
        shopify_->stop_delivery();
        impl_->shopify_server->stop();
        impl_->hubspot_server->stop();
        impl_->ioc.stop();
    });
    impl_->thread.join();
}

std::uint16_t sandbox_server::shopify_port() const { return impl_->shopify_server->port(); }
std::uint16_t sandbox_server::hubspot_port() const { return impl_->hubspot_server->port(); }
std::string sandbox_server::shopify_url() const { return fmt::format("http://{}:{}", opts_.host, shopify_port()); }
std::string sandbox_server::hubspot_url() const { return fmt::format("http://{}:{}", opts_.host, hubspot_port()); }

void sandbox_server::seed_people(std::size_t customers, std::size_t contacts, std::size_t shared, std::uint64_t seed)
{
    shopify_->seed(customers, seed);
    shared = std::min(shared, contacts);
    std::size_t made = 0;
    auto list = shopify_->list_customers();
    for (const auto& c : list) {
        if (made == shared)
            break;
        const auto& o = c.as_object();
        auto email_obj = o.if_contains("defaultEmailAddress");
        if (!email_obj || !email_obj->is_object())
            continue;
        auto email = email_obj->as_object().if_contains("emailAddress");
        if (!email || !email->is_string())
            continue;
        std::string e(email->as_string());
        if (made % 3 == 1)
            std::transform(e.begin(), e.end(), e.begin(), [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
        else if (made % 3 == 2)
            e = "  " + e + " ";
        std::map<std::string, std::string> props{{"email", e}};
        if (auto fn = o.if_contains("firstName"); fn && fn->is_string())
            props["firstname"] = std::string(fn->as_string());
        if (auto ln = o.if_contains("lastName"); ln && ln->is_string())
            props["lastname"] = std::string(ln->as_string());
        props["jobtitle"] = "Customer";
        if (hubspot_->create_contact(props))
            ++made;
    }
    if (contacts > made)
        hubspot_->seed(contacts - made, seed + 1);
}

} // namespace crmsync::sandbox
