#include "sandbox/shopify/addresses.hpp"

#include "sandbox/shopify/countries.hpp"
#include "sandbox/shopify/formats.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

namespace crmsync::sandbox::shopify {
namespace json = boost::json;
namespace {

std::optional<std::string> str(const json::object& o, const char* key)
{
    const json::value* v = o.if_contains(key);
    return v && v->is_string() ? std::optional<std::string>(std::string(v->as_string())) : std::nullopt;
}

// Shopify trims address input and stores a blank value as null.
std::optional<std::string> trimmed(const json::object& o, const char* key)
{
    auto s = str(o, key);
    if (!s)
        return std::nullopt;
    auto b = s->find_first_not_of(" \t\r\n");
    if (b == std::string::npos)
        return std::nullopt;
    return s->substr(b, s->find_last_not_of(" \t\r\n") - b + 1);
}

void user_error(json::array& out, std::vector<std::string> field, std::string message)
{
    json::array f;
    for (auto& s : field)
        f.push_back(json::value(s));
    out.push_back(json::object{{"field", std::move(f)}, {"message", std::move(message)}});
}

struct text_field {
    const char* key;
    const char* label;
    std::optional<std::string> mailing_address::*member;
    bool refuses_urls;
};

const text_field text_fields[] = {
    {"firstName", "First name", &mailing_address::first_name, false},
    {"lastName", "Last name", &mailing_address::last_name, false},
    {"company", "Company", &mailing_address::company, false},
    {"address1", "Address1", &mailing_address::address1, false},
    {"address2", "Address2", &mailing_address::address2, false},
    {"city", "City", &mailing_address::city, true},
    {"zip", "Zip", &mailing_address::zip, true},
    {"phone", "Phone", &mailing_address::phone, false},
};

// Digits and separators only, in Canada or the United States: the number behind "+1".
std::optional<std::string> local_nanp(const std::string& raw, const std::string& country)
{
    if (country != "CA" && country != "US")
        return std::nullopt;
    std::string digits;
    for (char ch : raw) {
        if (std::isdigit(static_cast<unsigned char>(ch)))
            digits += ch;
        else if (!std::strchr(" -().", ch))
            return std::nullopt;
    }
    return digits.empty() ? std::nullopt : std::optional<std::string>("+1" + digits);
}

bool has_html_tag(const std::string& s)
{
    auto lt = s.find('<');
    return lt != std::string::npos && s.find('>', lt) != std::string::npos;
}

bool has_url(const std::string& s) { return s.find("://") != std::string::npos || to_lower(s).find("www.") != std::string::npos; }

// Four-byte UTF-8 sequences: the emoji planes.
bool has_emoji(const std::string& s)
{
    for (unsigned char c : s)
        if (c >= 0xF0)
            return true;
    return false;
}

// The country and province keys of `in` onto `a`. A code wins over a name; a name alone must name
// a country. Zones are checked where their list is complete and dropped where there are none.
void apply_place(const json::object& in, mailing_address& a, const address_error& error)
{
    if (in.contains("countryCode") || in.contains("country")) {
        auto code = trimmed(in, "countryCode");
        auto name = trimmed(in, "country");
        if (!code && name)
            code = country_code_of(*name);
        if (code && country_name(*code)) {
            a.country_code = code;
            a.country = country_name(*code);
        } else if (code || name) {
            error("country", "Country is invalid");
        } else {
            a.country_code.reset();
            a.country.reset();
        }
    }
    if (in.contains("provinceCode") || in.contains("province")) {
        a.province_code = trimmed(in, "provinceCode");
        a.province = a.province_code ? a.province_code : trimmed(in, "province");
    }
    zone_rule rule = a.country_code ? zones_of(*a.country_code) : zone_rule::unchecked;
    if (rule == zone_rule::none) {
        a.province_code.reset();
        a.province.reset();
    } else if (rule == zone_rule::checked && (a.province_code || a.province)) {
        if (auto code = zone_code_of(*a.country_code, a.province_code.value_or(*a.province))) {
            a.province_code = code;
            a.province = zone_name(*a.country_code, *code);
        } else {
            error("province", "Province is invalid");
        }
    }
}

} // namespace

void apply_address_input(const json::object& in, mailing_address& a, const customer& owner, const address_error& error)
{
    for (const auto& f : text_fields) {
        if (!in.contains(f.key))
            continue;
        std::optional<std::string> v = trimmed(in, f.key);
        if (v) {
            std::string label = f.label;
            if (v->size() > 255)
                error(f.key, label + " is too long (maximum is 255 characters)");
            else if (has_html_tag(*v))
                error(f.key, label + " cannot contain HTML tags");
            else if (f.refuses_urls && has_url(*v))
                error(f.key, label + " cannot contain URL");
            else if (has_emoji(*v))
                error(f.key, label + " cannot contain emojis");
        }
        // A phone that does not parse is stored as typed (fixture addressUpdateRawFallbackPhone),
        // except a local number of the address's +1 country ("450-4538" became "+14504538").
        if (v && f.member == &mailing_address::phone)
            v = normalise_phone(*v).value_or(local_nanp(*v, a.country_code.value_or(str(in, "countryCode").value_or(""))).value_or(*v));
        a.*f.member = std::move(v);
    }
    apply_place(in, a, error);
    if (!a.first_name)
        a.first_name = owner.first_name;
    if (!a.last_name)
        a.last_name = owner.last_name;
}

bool blank_address_input(const json::object& in)
{
    for (const auto& kv : in)
        if (kv.key() != "id" && trimmed(in, std::string(kv.key()).c_str()))
            return false;
    return true;
}

bool same_address(const mailing_address& x, const mailing_address& y)
{
    return std::tie(x.first_name, x.last_name, x.company, x.address1, x.address2, x.city, x.province, x.province_code,
                    x.country, x.country_code, x.zip, x.phone) ==
           std::tie(y.first_name, y.last_name, y.company, y.address1, y.address2, y.city, y.province, y.province_code,
                    y.country, y.country_code, y.zip, y.phone);
}

// List semantics: the given addresses replace the current ones. An entry naming one of the
// customer's addresses by id edits it in place (absent keys keep their values), one without an id
// adds an address, and addresses left out are deleted; a repeated address is kept once (captured:
// two equal entries leave one address).
bool apply_address_list(const json::object& in, customer& c, customer_store& store, const address_error_at& error, bool blank_allowed)
{
    const json::value* v = in.if_contains("addresses");
    if (!v || !v->is_array())
        return true;
    bool failed = false;
    std::vector<mailing_address> next;
    const json::array& list = v->as_array();
    for (std::size_t i = 0; i < list.size(); ++i) {
        const json::object& o = list[i].as_object();
        std::string at = std::to_string(i);
        mailing_address a;
        if (auto gid = str(o, "id")) {
            auto n = parse_gid(*gid, "MailingAddress");
            auto found = std::find_if(c.addresses.begin(), c.addresses.end(), [&](const mailing_address& x) { return n && x.id == *n; });
            if (found == c.addresses.end()) {
                error({"addresses", at, "id"}, "Customer address does not exist");
                return false;
            }
            a = *found;
        } else if (!blank_allowed && blank_address_input(o)) {
            error({"addresses", at}, "Customer address cannot be blank.");
            failed = true;
            continue;
        }
        apply_address_input(o, a, c, [&](const char* field, std::string message) {
            error({"addresses", at, field}, std::move(message));
            failed = true;
        });
        if (std::none_of(next.begin(), next.end(), [&](const mailing_address& x) { return same_address(x, a); }))
            next.push_back(std::move(a));
    }
    if (failed)
        return false;
    for (auto& a : next)
        if (a.id == 0)
            a.id = store.next_address_id();
    c.addresses = std::move(next);
    bool keep_default = false;
    for (const auto& a : c.addresses)
        keep_default |= c.default_address_id && a.id == *c.default_address_id;
    if (!keep_default)
        c.default_address_id = c.addresses.empty() ? std::nullopt : std::optional<std::uint64_t>(c.addresses.front().id);
    return true;
}

namespace {

// Errors of the address mutations: paths under "address".
address_error under_address(json::array& errors)
{
    return [&errors](const char* field, std::string message) { user_error(errors, {"address", field}, std::move(message)); };
}

bool set_as_default(const json::object& args)
{
    const json::value* v = args.if_contains("setAsDefault");
    return v && v->is_bool() && v->as_bool();
}

mutation_outcome address_create(const json::object& args, customer_store& store, wall_time now)
{
    mutation_outcome r;
    auto id = parse_gid(str(args, "customerId").value_or(""), "Customer");
    customer* c = id ? store.find_mutable(*id) : nullptr;
    if (!c) {
        user_error(r.user_errors, {"customerId"}, "Customer does not exist");
        return r;
    }
    mailing_address a;
    apply_address_input(args.at("address").as_object(), a, *c, under_address(r.user_errors));
    if (!r.user_errors.empty())
        return r;
    for (const auto& existing : c->addresses)
        if (same_address(existing, a)) {
            user_error(r.user_errors, {"address"}, "Address already exists");
            return r;
        }
    a.id = store.next_address_id();
    c->addresses.push_back(std::move(a));
    if (set_as_default(args) || !c->default_address())
        c->default_address_id = c->addresses.back().id;
    store.touch(*c, now);
    r.address = &c->addresses.back();
    r.changed = true;
    return r;
}

// The customer and address an update/delete/default mutation names, or the error Shopify gives,
// checked in Shopify's order: an address unknown to the shop is a top-level RESOURCE_NOT_FOUND
// (whatever the customer), then an unknown customer, then an address of another customer.
struct address_target {
    customer* owner = nullptr;
    std::size_t index = 0;
    bool foreign = false;
};

std::optional<address_target> resolve(const json::object& args, customer_store& store, mutation_outcome& r)
{
    std::string address_id = str(args, "addressId").value_or("");
    auto aid = parse_gid(address_id, "MailingAddress");
    const customer* holder = aid ? store.address_owner(*aid) : nullptr;
    if (!holder) {
        r.top_error = json::object{{"message", "Invalid id: " + address_id}, {"code", "RESOURCE_NOT_FOUND"}};
        return std::nullopt;
    }
    auto cid = parse_gid(str(args, "customerId").value_or(""), "Customer");
    customer* c = cid ? store.find_mutable(*cid) : nullptr;
    if (!c) {
        user_error(r.user_errors, {"customerId"}, "Customer does not exist");
        return std::nullopt;
    }
    address_target t{c};
    t.foreign = holder != c;
    for (std::size_t i = 0; i < c->addresses.size(); ++i)
        if (c->addresses[i].id == *aid)
            t.index = i;
    return t;
}

mutation_outcome address_update(const json::object& args, customer_store& store, wall_time now)
{
    mutation_outcome r;
    auto t = resolve(args, store, r);
    if (!t)
        return r;
    if (t->foreign) {
        user_error(r.user_errors, {"addressId"}, "Address does not exist");
        return r;
    }
    // An id inside the input must name the same address; null does not (captured).
    const json::object& input = args.at("address").as_object();
    if (const json::value* inner = input.if_contains("id")) {
        auto named = inner->is_string() ? parse_gid(inner->as_string(), "MailingAddress") : std::nullopt;
        if (!named || *named != t->owner->addresses[t->index].id) {
            user_error(r.user_errors, {"addressId"}, "The id of the address does not match the id in the input");
            return r;
        }
    }
    customer& c = *t->owner;
    mailing_address next = c.addresses[t->index];
    apply_address_input(args.at("address").as_object(), next, c, under_address(r.user_errors));
    if (!r.user_errors.empty())
        return r;
    for (std::size_t i = 0; i < c.addresses.size(); ++i)
        if (i != t->index && same_address(c.addresses[i], next)) {
            user_error(r.user_errors, {"address"}, "Address already exists");
            return r;
        }
    c.addresses[t->index] = std::move(next);
    if (set_as_default(args))
        c.default_address_id = c.addresses[t->index].id;
    store.touch(c, now);
    r.address = &c.addresses[t->index];
    r.changed = true;
    return r;
}

mutation_outcome address_delete(const json::object& args, customer_store& store, wall_time now)
{
    mutation_outcome r;
    auto t = resolve(args, store, r);
    if (!t)
        return r;
    if (t->foreign) {
        user_error(r.user_errors, {"addressId"}, "Address does not exist");
        return r;
    }
    customer& c = *t->owner;
    std::uint64_t gone = c.addresses[t->index].id;
    c.addresses.erase(c.addresses.begin() + static_cast<std::ptrdiff_t>(t->index));
    if (c.default_address_id == gone)
        c.default_address_id = c.addresses.empty() ? std::nullopt : std::optional<std::uint64_t>(c.addresses.front().id);
    store.touch(c, now);
    r.deleted_address_id = address_gid(gone);
    r.changed = true;
    return r;
}

// An address of another customer is refused, and the payload still carries the customer as it is
// (fixture customer-address-lifecycle.json, crossCustomerDefault).
mutation_outcome update_default(const json::object& args, customer_store& store, wall_time now)
{
    mutation_outcome r;
    auto t = resolve(args, store, r);
    if (!t)
        return r;
    customer& c = *t->owner;
    r.result = &c;
    if (t->foreign) {
        user_error(r.user_errors, {"addressId"}, "Address does not exist");
        return r;
    }
    if (c.default_address_id == c.addresses[t->index].id)
        return r;
    c.default_address_id = c.addresses[t->index].id;
    store.touch(c, now);
    r.changed = true;
    return r;
}

} // namespace

bool is_address_mutation(std::string_view name)
{
    return name == "customerAddressCreate" || name == "customerAddressUpdate" || name == "customerAddressDelete" ||
           name == "customerUpdateDefaultAddress";
}

mutation_outcome run_address_mutation(const std::string& name, const json::object& args, customer_store& store, wall_time now)
{
    if (name == "customerAddressCreate")
        return address_create(args, store, now);
    if (name == "customerAddressUpdate")
        return address_update(args, store, now);
    if (name == "customerAddressDelete")
        return address_delete(args, store, now);
    return update_default(args, store, now);
}

} // namespace crmsync::sandbox::shopify
