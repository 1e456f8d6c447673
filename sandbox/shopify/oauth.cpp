// The client-credentials grant (notes §1.4): POST /admin/oauth/access_token with the form fields
// grant_type=client_credentials, client_id and client_secret (a JSON body is accepted too) answers
// {"access_token", "scope", "expires_in"}. Issued tokens are accepted by the GraphQL endpoint until
// they expire on the emulator's clock; the static access token of the options never expires.
// Errors follow OAuth 2.0 (RFC 6749 §5.2), which Shopify's token endpoint uses.

#include "sandbox/shopify/emulator.hpp"
#include "sandbox/shopify/emulator_state.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <random>

namespace crmsync::sandbox::shopify {
namespace json = boost::json;
namespace {

int hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::string form_decode(std::string_view s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::map<std::string, std::string> form_fields(const http_server_request& req)
{
    std::map<std::string, std::string> out;
    std::string_view type = req.headers.get("Content-Type").value_or("");
    if (type.starts_with("application/json")) {
        boost::system::error_code ec;
        json::value v = json::parse(req.body, ec);
        if (!ec && v.is_object())
            for (const auto& kv : v.as_object())
                if (kv.value().is_string())
                    out[std::string(kv.key())] = std::string(kv.value().as_string());
        return out;
    }
    std::string_view body = req.body;
    while (!body.empty()) {
        std::string_view pair = body.substr(0, body.find('&'));
        body.remove_prefix(std::min(body.size(), pair.size() + 1));
        auto eq = pair.find('=');
        out[form_decode(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : form_decode(pair.substr(eq + 1));
    }
    return out;
}

http_server_reply oauth_reply(int status, const json::object& body)
{
    http_server_reply r;
    r.response.status = status;
    r.response.headers.set("Content-Type", "application/json; charset=utf-8");
    r.response.headers.set("Cache-Control", "no-store");
    r.response.body = json::serialize(body);
    return r;
}

} // namespace

http_server_reply emulator::handle_oauth(const http_server_request& req)
{
    auto fields = form_fields(req);
    std::string grant = fields["grant_type"];
    if (grant.empty())
        return oauth_reply(400, json::object{{"error", "invalid_request"},
                                             {"error_description", "Missing required parameter: grant_type."}});
    if (grant != "client_credentials")
        return oauth_reply(400, json::object{{"error", "unsupported_grant_type"},
                                             {"error_description", "The authorization grant type is not supported."}});
    std::lock_guard lock(state_->mu);
    if (fields["client_id"] != options_.client_id || fields["client_secret"] != options_.client_secret)
        return oauth_reply(401, json::object{{"error", "invalid_client"},
                                             {"error_description", "Client authentication failed due to unknown client, "
                                                                   "no client authentication included, or unsupported "
                                                                   "authentication method."}});
    wall_time now = clock_.wall_now();
    std::erase_if(state_->issued_tokens, [&](const auto& kv) { return kv.second <= now; });
    static thread_local std::mt19937_64 rng(std::random_device{}());
    char buf[48];
    std::snprintf(buf, sizeof buf, "shpat_%016llx%016llx", static_cast<unsigned long long>(rng()),
                  static_cast<unsigned long long>(rng()));
    std::string token = buf;
    state_->issued_tokens[token] = now + options_.token_lifetime;
    return oauth_reply(200, json::object{{"access_token", token},
                                         {"scope", options_.scope},
                                         {"expires_in", options_.token_lifetime.count()}});
}

bool emulator::token_accepted(std::string_view token)
{
    if (token == options_.access_token)
        return true;
    std::lock_guard lock(state_->mu);
    auto it = state_->issued_tokens.find(std::string(token));
    return it != state_->issued_tokens.end() && clock_.wall_now() < it->second;
}

} // namespace crmsync::sandbox::shopify
