// The emulator's control API: what a person does in the Shopify admin (create, edit, delete
// customers; every edit bumps updatedAt and fires the customer webhooks), seeding, statistics,
// limits, index lag and faults; as C++ members and over HTTP under /_sandbox/ (webhook, bulk and
// token knobs: control_events.cpp).

#include "sandbox/shopify/emulator.hpp"
#include "sandbox/shopify/emulator_state.hpp"
#include "sandbox/shopify/executor.hpp"
#include "sandbox/shopify/formats.hpp"
#include "sandbox/shopify/graphql_parser.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <random>

namespace crmsync::sandbox::shopify {
namespace json = boost::json;
namespace {

// Everything the control API shows of a customer, read through the GraphQL executor so the
// shape is exactly what the API returns.
constexpr std::string_view customer_document = R"(query($id: ID!) { customer(id: $id) {
  id legacyResourceId firstName lastName displayName email phone note tags state locale verifiedEmail
  taxExempt taxExemptions numberOfOrders canDelete createdAt updatedAt amountSpent { amount currencyCode }
  defaultEmailAddress { emailAddress marketingState marketingOptInLevel marketingUpdatedAt }
  defaultPhoneNumber { phoneNumber marketingState marketingOptInLevel marketingUpdatedAt marketingCollectedFrom }
  defaultAddress { id firstName lastName company address1 address2 city province provinceCode country countryCodeV2 zip phone }
  metafields(first: 50) { nodes { namespace key type value } } } })";

const document& customer_doc()
{
    static const document doc = *parse_document(customer_document);
    return doc;
}

std::optional<std::string> text(const json::object& o, const char* key)
{
    const json::value* v = o.if_contains(key);
    return v && v->is_string() ? std::optional<std::string>(std::string(v->as_string())) : std::nullopt;
}

// Applies person-style edits; returns an error text for values a person could not type in.
std::optional<std::string> apply_fields(customer& c, const json::object& f)
{
    for (const auto& [key, field] : {std::pair{"firstName", &c.first_name}, std::pair{"lastName", &c.last_name},
                                     std::pair{"note", &c.note}, std::pair{"phone", &c.phone}})
        if (f.contains(key))
            *field = text(f, key);
    if (f.contains("email")) {
        c.email = text(f, "email");
        if (c.email)
            c.email = to_lower(*c.email);
    }
    if (auto v = text(f, "locale"))
        c.locale = *v;
    if (auto v = text(f, "state"))
        c.state = *v;
    if (const json::value* v = f.if_contains("tags"); v && v->is_array()) {
        c.tags.clear();
        for (const auto& t : v->as_array())
            if (t.is_string())
                c.tags.emplace_back(t.as_string());
    }
    if (const json::value* v = f.if_contains("numberOfOrders")) {
        if (v->is_int64())
            c.number_of_orders = v->as_int64();
        else if (v->is_string())
            c.number_of_orders = std::stoll(std::string(v->as_string()));
    }
    if (auto v = text(f, "amountSpent"))
        c.amount_spent = *v;
    if (const json::value* v = f.if_contains("taxExempt"); v && v->is_bool())
        c.tax_exempt = v->as_bool();
    if (const json::value* v = f.if_contains("address"); v && v->is_object()) {
        const json::object& a = v->as_object();
        mailing_address addr;
        if (const mailing_address* existing = c.default_address())
            addr = *existing;
        for (const auto& [key, field] :
             {std::pair{"address1", &addr.address1}, std::pair{"address2", &addr.address2}, std::pair{"city", &addr.city},
              std::pair{"province", &addr.province}, std::pair{"provinceCode", &addr.province_code},
              std::pair{"zip", &addr.zip}, std::pair{"country", &addr.country}, std::pair{"countryCode", &addr.country_code},
              std::pair{"company", &addr.company}, std::pair{"phone", &addr.phone}})
            if (a.contains(key))
                *field = text(a, key);
        addr.first_name = c.first_name;
        addr.last_name = c.last_name;
        std::erase_if(c.addresses, [&](const mailing_address& x) { return x.id == addr.id && addr.id != 0; });
        c.addresses.insert(c.addresses.begin(), addr);
        c.default_address_id = addr.id ? std::optional<std::uint64_t>(addr.id) : std::nullopt;
    }
    if (!c.first_name && !c.last_name && !c.email && !c.phone)
        return std::string("A name, phone number, or email address must be present");
    return std::nullopt;
}

std::optional<std::uint64_t> id_from(std::string_view s)
{
    if (auto n = parse_gid(s, "Customer"))
        return n;
    if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string_view::npos)
        return std::nullopt;
    return std::stoull(std::string(s));
}

http_server_reply reply(int status, const json::value& body)
{
    http_server_reply r;
    r.response.status = status;
    r.response.headers.set("Content-Type", "application/json; charset=utf-8");
    r.response.body = json::serialize(body);
    return r;
}

using customer_result = boost::system::result<json::value, std::string>;

customer_result refuse(std::string why)
{
    return customer_result(boost::system::in_place_error, std::move(why));
}

http_server_reply error_reply(int status, std::string message)
{
    return reply(status, json::object{{"error", std::move(message)}});
}

constexpr const char* first_names[] = {"Karine", "Henry", "Xander", "Isaiah", "Amara", "Bo", "Chloé", "Dmitri", "Elena",
                                       "Farid", "Grace", "Hiro", "Ines", "Jonas", "Keiko", "Liam", "Maya", "Noah",
                                       "Olivia", "Pedro", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Victor", "Wen", "Yara",
                                       "Zoe", "Ana"};
constexpr const char* last_names[] = {"Ruby", "Short", "Holloway", "Marquez", "Okafor", "Wang", "Dubois", "Ivanov",
                                      "García", "Haddad", "Hopper", "Tanaka", "Silva", "Berg", "Sato", "Murphy", "Patel",
                                      "Cohen", "Rossi", "Almeida", "Fischer", "Moreau", "Nilsson", "Aziz", "Kapoor",
                                      "Novak", "Li", "Mansour", "Schmidt", "Costa"};
constexpr const char* tag_pool[] = {"vip", "wholesale", "newsletter", "referral", "returning", "b2b", "loyalty"};
struct city {
    const char* city;
    const char* province;
    const char* province_code;
    const char* country;
    const char* country_code;
    const char* zip;
};
constexpr city cities[] = {{"Ottawa", "Ontario", "ON", "Canada", "CA", "K2P 2L8"},
                           {"Toronto", "Ontario", "ON", "Canada", "CA", "M5H 2N2"},
                           {"Montréal", "Quebec", "QC", "Canada", "CA", "H2Y 1C6"},
                           {"San Francisco", "California", "CA", "United States", "US", "94103"},
                           {"Austin", "Texas", "TX", "United States", "US", "73301"},
                           {"Berlin", nullptr, nullptr, "Germany", "DE", "10115"},
                           {"Lyon", nullptr, nullptr, "France", "FR", "69001"}};

} // namespace

json::value emulator::state::customer_json(const customer& c)
{
    json::object vars{{"id", customer_gid(c.id)}};
    execution_result r = execute({admin_schema(), customer_doc(), customer_doc().operations.front(), vars}, store,
                                 clock_.wall_now());
    return r.data.as_object().at("customer");
}

std::size_t emulator::seed(std::size_t count, std::uint64_t seed)
{
    std::mt19937_64 rng(seed);
    auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    std::lock_guard lock(state_->mu);
    wall_time now = truncate_to_seconds(clock_.wall_now());
    std::size_t base = state_->store.size();
    for (std::size_t i = 0; i < count; ++i) {
        std::size_t serial = base + i + 1;
        customer c;
        c.first_name = first_names[pick(std::size(first_names))];
        c.last_name = last_names[pick(std::size(last_names))];
        // Every 25th customer has no email (phone only), as real shops do.
        if (serial % 25 != 0)
            c.email = to_lower(*c.first_name + "." + *c.last_name) + "." + std::to_string(serial) + "@example.com";
        if (serial % 25 == 0 || pick(3) == 0) {
            char phone[20];
            std::snprintf(phone, sizeof phone, "+1613555%04zu", serial % 10000);
            c.phone = phone;
        }
        for (std::size_t t = 0, n = pick(3); t < n; ++t)
            c.tags.emplace_back(tag_pool[pick(std::size(tag_pool))]);
        if (pick(2) == 0) {
            const city& place = cities[pick(std::size(cities))];
            mailing_address a;
            a.first_name = c.first_name;
            a.last_name = c.last_name;
            a.address1 = std::to_string(1 + pick(999)) + " Main Street";
            a.city = place.city;
            if (place.province) {
                a.province = place.province;
                a.province_code = place.province_code;
            }
            a.country = place.country;
            a.country_code = place.country_code;
            a.zip = place.zip;
            c.addresses.push_back(std::move(a));
        }
        if (pick(4) == 0) {
            c.number_of_orders = static_cast<std::int64_t>(1 + pick(20));
            c.amount_spent = std::to_string(10 + pick(2000)) + "." + std::to_string(pick(10));
        }
        c.created_at = now - std::chrono::hours(24 * 30) + std::chrono::minutes(static_cast<long>(serial));
        c.updated_at = c.created_at;
        state_->store.insert(std::move(c), now);
    }
    state_->publish_changes();
    return state_->store.size();
}

boost::system::result<json::value, std::string> emulator::create_customer(const json::object& fields)
{
    std::lock_guard lock(state_->mu);
    customer c;
    if (auto err = apply_fields(c, fields))
        return refuse(*err);
    if (c.email && state_->store.find_by_email(*c.email))
        return refuse("Email has already been taken");
    customer& stored = state_->store.insert(std::move(c), clock_.wall_now());
    for (auto& a : stored.addresses)
        if (a.id == 0)
            a.id = state_->store.next_address_id();
    if (!stored.addresses.empty())
        stored.default_address_id = stored.addresses.front().id;
    json::value out = state_->customer_json(stored);
    state_->publish_changes();
    return out;
}

boost::system::result<json::value, std::string> emulator::update_customer(std::uint64_t id, const json::object& fields)
{
    std::lock_guard lock(state_->mu);
    customer* c = state_->store.find_mutable(id);
    if (!c)
        return refuse("Customer does not exist");
    customer next = *c;
    if (auto err = apply_fields(next, fields))
        return refuse(*err);
    if (next.email)
        if (const customer* other = state_->store.find_by_email(*next.email); other && other->id != id)
            return refuse("Email has already been taken");
    for (auto& a : next.addresses)
        if (a.id == 0) {
            a.id = state_->store.next_address_id();
            next.default_address_id = a.id;
        }
    *c = std::move(next);
    state_->store.touch(*c, clock_.wall_now());
    json::value out = state_->customer_json(*c);
    state_->publish_changes();
    return out;
}

bool emulator::delete_customer(std::uint64_t id)
{
    std::lock_guard lock(state_->mu);
    bool erased = state_->store.erase(id, clock_.wall_now());
    state_->publish_changes();
    return erased;
}

std::optional<json::value> emulator::get_customer(std::uint64_t id)
{
    std::lock_guard lock(state_->mu);
    const customer* c = state_->store.find(id);
    if (!c)
        return std::nullopt;
    return state_->customer_json(*c);
}

json::array emulator::list_customers()
{
    std::lock_guard lock(state_->mu);
    json::array out;
    for (const auto& [id, c] : state_->store.all())
        out.push_back(state_->customer_json(c));
    return out;
}

std::size_t emulator::customer_count()
{
    std::lock_guard lock(state_->mu);
    return state_->store.size();
}

http_server_reply emulator::handle_control(const http_server_request& req, std::string_view path)
{
    json::object body;
    if (!req.body.empty()) {
        boost::system::error_code ec;
        json::value v = json::parse(req.body, ec);
        if (ec || !v.is_object())
            return error_reply(400, "body must be a JSON object");
        body = v.as_object();
    }
    auto num = [&](const char* k, double fallback) {
        const json::value* v = body.if_contains(k);
        return v && v->is_number() ? v->to_number<double>() : fallback;
    };
    const std::string& m = req.method;
    std::string_view rest = path.substr(std::string_view("/_sandbox").size());

    if (rest == "/customers" && m == "GET")
        return reply(200, list_customers());
    if (rest == "/customers" && m == "POST") {
        auto r = create_customer(body);
        return r ? reply(201, *r) : error_reply(422, r.error());
    }
    if (rest.starts_with("/customers/")) {
        auto id = id_from(rest.substr(std::string_view("/customers/").size()));
        if (!id)
            return error_reply(404, "no such customer");
        if (m == "GET") {
            auto c = get_customer(*id);
            return c ? reply(200, *c) : error_reply(404, "no such customer");
        }
        if (m == "PATCH" || m == "PUT") {
            auto r = update_customer(*id, body);
            if (!r)
                return error_reply(r.error() == "Customer does not exist" ? 404 : 422, r.error());
            return reply(200, *r);
        }
        if (m == "DELETE")
            return delete_customer(*id) ? reply(200, json::object{{"deleted", customer_gid(*id)}})
                                        : error_reply(404, "no such customer");
    }
    if (rest == "/seed" && m == "POST") {
        std::size_t total = seed(static_cast<std::size_t>(num("count", 100)), static_cast<std::uint64_t>(num("seed", 1)));
        return reply(200, json::object{{"customers", total}});
    }
    if (rest == "/count" && m == "GET")
        return reply(200, json::object{{"customers", customer_count()}});
    if (rest == "/stats" && m == "GET")
        return reply(200, stats().to_json());
    if (rest == "/limits" && m == "POST") {
        bucket_limits l;
        if (auto plan = text(body, "plan")) {
            auto preset = limits_for_plan(*plan);
            if (!preset)
                return error_reply(400, "unknown plan " + *plan);
            l = *preset;
        }
        l.capacity = num("capacity", l.capacity);
        l.restore_rate = num("restoreRate", l.restore_rate);
        if (const json::value* e = body.if_contains("enabled"); e && e->is_bool())
            l.enabled = e->as_bool();
        set_limits(l);
        return reply(200, json::object{{"capacity", l.capacity}, {"restoreRate", l.restore_rate}, {"enabled", l.enabled}});
    }
    if (rest == "/index-lag" && m == "POST") {
        set_index_lag(milliseconds(static_cast<std::int64_t>(num("ms", 0))));
        return reply(200, json::object{{"ms", num("ms", 0)}});
    }
    if (rest == "/faults" && m == "POST") {
        auto kind = fault_kind_from_string(text(body, "kind").value_or(""));
        if (!kind)
            return error_reply(400, "unknown fault kind");
        fault_rule r;
        r.kind = *kind;
        r.probability = num("probability", 1.0);
        r.remaining = static_cast<std::int64_t>(num("remaining", -1));
        r.path_prefix = text(body, "pathPrefix").value_or("");
        if (const json::value* w = body.if_contains("writesOnly"); w && w->is_bool())
            r.writes_only = w->as_bool();
        r.delay = milliseconds(static_cast<std::int64_t>(num("delayMs", 0)));
        r.retry_after = milliseconds(static_cast<std::int64_t>(num("retryAfterMs", 1000)));
        faults_.add(r);
        return reply(200, json::object{{"added", to_string(r.kind)}});
    }
    if (rest == "/faults" && m == "DELETE") {
        faults_.clear();
        return reply(200, json::object{{"cleared", true}});
    }
    if (rest == "/custom-ids" && m == "POST") {
        auto key = text(body, "key");
        if (!key)
            return error_reply(400, "key is required");
        define_custom_id(text(body, "namespace").value_or("custom"), *key);
        return reply(200, json::object{{"defined", true}});
    }
    if (rest == "/reset" && m == "POST") {
        reset();
        return reply(200, json::object{{"reset", true}});
    }
    if (auto r = handle_control_events(req, rest, body))
        return std::move(*r);
    return error_reply(404, "unknown control endpoint");
}

} // namespace crmsync::sandbox::shopify
