#pragma once
// Test harness for the HubSpot emulator: a manual clock, the emulator, and a call() that runs
// emulator::handle() to completion on a private io_context (no sockets).

#include "sandbox/hubspot/emulator.hpp"
#include "tests/fakes/manual_clock.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

namespace hs_test {

namespace hubspot = crmsync::sandbox::hubspot;

inline const std::string token = "pat-na1-11111111-2222-4333-8444-555555555555";

struct response {
    int status = 0;
    crmsync::http_headers headers;
    std::string body;
    boost::json::value json; // null when the body is empty or not JSON
    crmsync::reply_fault fault = crmsync::reply_fault::normal;

    const boost::json::object& obj() const { return json.as_object(); }
    std::string header(std::string_view name) const
    {
        const auto v = headers.get(name);
        return v ? std::string(*v) : std::string();
    }
};

// Functional tests run with rate limits off unless they are about rate limits.
inline hubspot::options unlimited()
{
    hubspot::options o;
    o.limits.enabled = false;
    return o;
}

class harness {
public:
    explicit harness(hubspot::options o = unlimited()) : em(clock, std::move(o)) {}

    response call(const std::string& method, const std::string& target, const std::string& body = {},
                  const std::optional<std::string>& bearer = token)
    {
        crmsync::http_server_request req;
        req.method = method;
        req.target = target;
        req.body = body;
        req.remote_address = "127.0.0.1";
        if (bearer)
            req.headers.add("Authorization", "Bearer " + *bearer);
        if (!body.empty())
            req.headers.add("Content-Type", "application/json");
        std::optional<crmsync::http_server_reply> reply;
        std::exception_ptr error;
        boost::asio::co_spawn(
            ioc_, [&]() -> boost::asio::awaitable<void> { reply = co_await em.handle(req); },
            [&](std::exception_ptr e) { error = e; });
        ioc_.restart();
        ioc_.run();
        if (error)
            std::rethrow_exception(error);
        if (!reply)
            throw std::runtime_error("handler did not complete");
        response r;
        r.status = reply->response.status;
        r.headers = reply->response.headers;
        r.body = reply->response.body;
        r.fault = reply->fault;
        boost::system::error_code ec;
        auto v = boost::json::parse(r.body, ec);
        if (!ec)
            r.json = std::move(v);
        return r;
    }

    response get(const std::string& target) { return call("GET", target); }
    response post(const std::string& target, const boost::json::value& body)
    {
        return call("POST", target, boost::json::serialize(body));
    }
    response patch(const std::string& target, const boost::json::value& body)
    {
        return call("PATCH", target, boost::json::serialize(body));
    }
    response del(const std::string& target) { return call("DELETE", target); }

    crmsync::test::manual_clock clock;
    hubspot::emulator em;

private:
    boost::asio::io_context ioc_;
};

inline std::string prop(const boost::json::value& contact, std::string_view name)
{
    const auto* v = contact.as_object().at("properties").as_object().if_contains(name);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

inline std::string str(const boost::json::value& v, std::string_view key)
{
    const auto* x = v.as_object().if_contains(key);
    return x && x->is_string() ? std::string(x->get_string()) : std::string();
}

} // namespace hs_test
