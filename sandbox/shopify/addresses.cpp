#include "sandbox/shopify/addresses.hpp"

#include "sandbox/shopify/formats.hpp"

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

// Names Shopify shows for the codes people usually send (countryCode/provinceCode inputs).
std::optional<std::string> country_name(const std::string& code)
{
    static const std::pair<const char*, const char*> names[] = {
        {"CA", "Canada"}, {"US", "United States"}, {"GB", "United Kingdom"}, {"DE", "Germany"}, {"FR", "France"},
        {"AU", "Australia"}, {"DK", "Denmark"}, {"NL", "Netherlands"}, {"ES", "Spain"}, {"IT", "Italy"},
        {"MX", "Mexico"}, {"JP", "Japan"}, {"IE", "Ireland"}, {"NZ", "New Zealand"}, {"SE", "Sweden"}};
    for (const auto& [c, n] : names)
        if (code == c)
            return std::string(n);
    return std::nullopt;
}

// Canada's list is complete (provinces and territories), so an unknown Canadian code is refused;
// elsewhere only common codes are named and the others are kept as given.
std::optional<std::string> province_name(const std::string& country, const std::string& code)
{
    static const std::tuple<const char*, const char*, const char*> names[] = {
        {"CA", "AB", "Alberta"}, {"CA", "BC", "British Columbia"}, {"CA", "MB", "Manitoba"}, {"CA", "NB", "New Brunswick"},
        {"CA", "NL", "Newfoundland and Labrador"}, {"CA", "NS", "Nova Scotia"}, {"CA", "NT", "Northwest Territories"},
        {"CA", "NU", "Nunavut"}, {"CA", "ON", "Ontario"}, {"CA", "PE", "Prince Edward Island"}, {"CA", "QC", "Quebec"},
        {"CA", "SK", "Saskatchewan"}, {"CA", "YT", "Yukon"},
        {"US", "CA", "California"}, {"US", "NY", "New York"}, {"US", "TX", "Texas"}, {"US", "WA", "Washington"},
        {"US", "FL", "Florida"}, {"US", "IL", "Illinois"}, {"US", "MA", "Massachusetts"}, {"US", "OR", "Oregon"}};
    for (const auto& [c, p, n] : names)
        if (country == c && code == p)
            return std::string(n);
    return std::nullopt;
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

// Applies the keys present in `in` onto `a` (a blank value clears), validating as Shopify does;
// names left empty are the customer's. Errors go to `errors` with paths under "address".
void apply_input(const json::object& in, mailing_address& a, const customer& owner, json::array& errors)
{
    for (const auto& f : text_fields) {
        if (!in.contains(f.key))
            continue;
        std::optional<std::string> v = trimmed(in, f.key);
        if (v) {
            std::string label = f.label;
            if (v->size() > 255)
                user_error(errors, {"address", f.key}, label + " is too long (maximum is 255 characters)");
            else if (has_html_tag(*v))
                user_error(errors, {"address", f.key}, label + " cannot contain HTML tags");
            else if (f.refuses_urls && has_url(*v))
                user_error(errors, {"address", f.key}, label + " cannot contain URL");
            else if (has_emoji(*v))
                user_error(errors, {"address", f.key}, label + " cannot contain emojis");
        }
        // A phone that does not parse is stored as typed (fixture addressUpdateRawFallbackPhone).
        if (v && f.member == &mailing_address::phone)
            v = normalise_phone(*v).value_or(*v);
        a.*f.member = std::move(v);
    }
    if (in.contains("countryCode") || in.contains("country")) {
        auto code = trimmed(in, "countryCode");
        auto name = trimmed(in, "country");
        if (code && *code == "ZZ") {
            user_error(errors, {"address", "country"}, "Country is invalid");
        } else if (code) {
            a.country_code = code;
            a.country = country_name(*code).value_or(*code);
        } else {
            a.country_code.reset();
            a.country = name;
        }
    }
    if (in.contains("provinceCode") || in.contains("province")) {
        a.province_code = trimmed(in, "provinceCode");
        a.province = a.province_code ? a.province_code : trimmed(in, "province");
    }
    if (a.country_code && a.province_code) {
        auto named = province_name(*a.country_code, *a.province_code);
        if (named)
            a.province = named;
        else if (*a.country_code == "CA")
            user_error(errors, {"address", "province"}, "Province is invalid");
    }
    if (!a.first_name)
        a.first_name = owner.first_name;
    if (!a.last_name)
        a.last_name = owner.last_name;
}

bool same_address(const mailing_address& x, const mailing_address& y)
{
    return std::tie(x.first_name, x.last_name, x.company, x.address1, x.address2, x.city, x.province, x.province_code,
                    x.country, x.country_code, x.zip, x.phone) ==
           std::tie(y.first_name, y.last_name, y.company, y.address1, y.address2, y.city, y.province, y.province_code,
                    y.country, y.country_code, y.zip, y.phone);
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
    apply_input(args.at("address").as_object(), a, *c, r.user_errors);
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
    customer& c = *t->owner;
    mailing_address next = c.addresses[t->index];
    apply_input(args.at("address").as_object(), next, c, r.user_errors);
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

mailing_address address_of(const json::object& o, std::uint64_t id)
{
    mailing_address a;
    a.id = id;
    auto s = [&](const char* k) { return str(o, k); };
    a.first_name = s("firstName");
    a.last_name = s("lastName");
    a.company = s("company");
    a.address1 = s("address1");
    a.address2 = s("address2");
    a.city = s("city");
    a.province = s("province");
    a.province_code = s("provinceCode");
    a.country = s("country");
    a.country_code = s("countryCode");
    a.zip = s("zip");
    a.phone = s("phone");
    if (a.country_code)
        a.country = country_name(*a.country_code).value_or(a.country.value_or(*a.country_code));
    if (a.province_code && a.country_code)
        a.province = province_name(*a.country_code, *a.province_code).value_or(a.province.value_or(*a.province_code));
    return a;
}

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
