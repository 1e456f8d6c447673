#include "tests/fakes/daemon_fixture.hpp"

#include "tests/fakes/http_fetch.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include <csignal>
#include <fstream>
#include <regex>
#include <stdexcept>

namespace crmsync::test {

namespace {

sandbox::sandbox_options with_test_tokens(sandbox::sandbox_options o)
{
    o.shopify.access_token = "shpat_e2e";
    o.shopify.client_secret = "e2e_secret";
    o.hubspot.access_tokens = {"pat-na1-e2e"};
    return o;
}

} // namespace

daemon_fixture::daemon_fixture(sandbox::sandbox_options opts)
    : sandbox_(std::make_unique<sandbox::sandbox_server>(with_test_tokens(std::move(opts))))
{
    sandbox_->start();
}

daemon_fixture::~daemon_fixture()
{
    if (daemon_ && daemon_->running())
        stop();
    sandbox_->stop();
}

std::string daemon_fixture::write_config(const daemon_config_options& o)
{
    auto path = dir_.file("config.yaml");
    http_token_ = o.http_token;
    std::ofstream(path) << fmt::format(R"(state:
  path: {state}
http:
  listen: 127.0.0.1:{port}
{http_token}
log:
  level: {log_level}
shopify:
  shop: e2e.myshopify.com
  base_url: {shopify}
  access_token: shpat_e2e
  client_secret: e2e_secret
  poll_interval: {poll}
{extra_shopify}
crm:
  type: hubspot
  base_url: {hubspot}
  access_token: pat-na1-e2e
  poll_interval: {poll}
{extra_crm}
sync:
  direction: {direction}
{extra}
)",
                                       fmt::arg("state", dir_.file("state/state.db")),
                                       fmt::arg("shopify", sandbox_->shopify_url()),
                                       fmt::arg("hubspot", sandbox_->hubspot_url()), fmt::arg("poll", o.poll_interval),
                                       fmt::arg("direction", o.direction), fmt::arg("extra", o.extra_sync),
                                       fmt::arg("extra_shopify", o.extra_shopify), fmt::arg("port", o.http_port),
                                       fmt::arg("extra_crm", o.extra_crm), fmt::arg("http_token", o.http_token.empty() ? "" : "  token: " + o.http_token), fmt::arg("log_level", o.log_level));
    return path;
}

void daemon_fixture::start(const std::string& config_path, std::vector<std::string> extra_args)
{
    launch(config_path, {}, std::move(extra_args));
    static const std::regex listening("HTTP on 127\\.0\\.0\\.1:(\\d+)");
    std::smatch m;
    std::string out;
    bool up = wait_until(
        [&] {
            out = daemon_->output();
            return std::regex_search(out, m, listening) || !daemon_->running();
        },
        std::chrono::seconds{20});
    if (!up || !std::regex_search(out, m, listening))
        throw std::runtime_error("crmsyncd did not start listening:\n" + out);
    http_port_ = static_cast<std::uint16_t>(std::stoi(m[1].str()));
}

void daemon_fixture::launch(const std::string& config_path, std::map<std::string, std::string> env,
                            std::vector<std::string> extra_args)
{
    std::vector<std::string> argv{binary_path("crmsyncd"), "run", "--config", config_path};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    daemon_ = std::make_unique<child_process>(argv, dir_.file(fmt::format("crmsyncd-{}.log", ++runs_)), std::move(env));
    http_port_ = 0;
}

int daemon_fixture::stop()
{
    daemon_->signal(SIGTERM);
    return daemon_->wait(std::chrono::seconds{30}).value_or(-1);
}

void daemon_fixture::kill9()
{
    daemon_->signal(SIGKILL);
    daemon_->wait(std::chrono::seconds{10});
}

std::string daemon_fixture::log() const
{
    std::string all;
    for (int i = 1; i <= runs_; ++i) {
        std::ifstream in(dir_.file(fmt::format("crmsyncd-{}.log", i)));
        all += std::string(std::istreambuf_iterator<char>(in), {});
    }
    return all;
}

std::optional<boost::json::object> daemon_fixture::status()
{
    auto v = get_json(fmt::format("http://127.0.0.1:{}/status", http_port_), http_token_);
    if (!v || !v->is_object())
        return std::nullopt;
    return v->as_object();
}

bool daemon_fixture::wait_synced(std::int64_t links, std::chrono::milliseconds timeout)
{
    return wait_status(
        [&](const boost::json::object& s) {
            return json_int(s, "links") == links && json_int(s, "pending") == 0 && json_int(s, "dirty") == 0 &&
                   s.contains("initial_sync_complete") &&
                   s.at("initial_sync_complete").is_bool() && s.at("initial_sync_complete").as_bool();
        },
        timeout);
}

bool daemon_fixture::wait_status(const std::function<bool(const boost::json::object&)>& pred,
                                 std::chrono::milliseconds timeout)
{
    return wait_until(
        [&] {
            auto s = status();
            return s && pred(*s);
        },
        timeout);
}

std::uint16_t free_port()
{
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

std::int64_t json_int(const boost::json::object& o, std::string_view key)
{
    auto v = o.if_contains(key);
    if (!v)
        return 0;
    if (v->is_int64())
        return v->as_int64();
    if (v->is_uint64())
        return static_cast<std::int64_t>(v->as_uint64());
    if (v->is_double())
        return static_cast<std::int64_t>(v->as_double());
    return 0;
}

const boost::json::object& json_obj(const boost::json::object& o, std::string_view key)
{
    static const boost::json::object empty;
    auto v = o.if_contains(key);
    return v && v->is_object() ? v->as_object() : empty;
}

} // namespace crmsync::test
