// The emulator's control methods (what a person does in HubSpot's UI, plus the knobs tests turn;
// each takes the emulator's lock) and the deterministic seeder behind seed().
#include "sandbox/hubspot/api.hpp"

#include <boost/json/parse.hpp>

#include <array>
#include <cctype>
#include <random>
#include <stdexcept>

namespace crmsync::sandbox::hubspot {

namespace {

constexpr std::array<const char*, 32> first_names{
    "Olivia", "Liam",   "Emma",  "Noah",   "Amelia", "Oliver", "Sophia", "Elijah", "Isabella", "Lucas",  "Mia",
    "Mateo",  "Chloé",  "Jonas", "Aiyana", "Wei",    "Priya",  "Kenji",  "Zoë",    "Santiago", "Fatima", "Erik",
    "Ingrid", "Tomás",  "Leila", "Kwame",  "Hana",   "Dmitri", "Grace",  "Marco",  "Nadia",    "Owen"};
constexpr std::array<const char*, 32> last_names{
    "Smith",   "Johnson", "Garcia",  "Miller",  "Davis",   "Rodriguez", "Martinez", "Hernandez", "Lopez",  "Wilson",
    "Anderson", "Thomas", "Taylor",  "Moore",   "Jackson", "Martin",    "Lee",      "O'Brien",   "Nguyen", "Müller",
    "Rossi",   "Kowalski", "Tanaka", "Okafor",  "Silva",   "Dubois",    "Novak",    "Larsen",    "Haddad", "Kim",
    "Patel",   "Van der Berg"};
struct place {
    const char* city;
    const char* state;
    const char* zip;
    const char* country;
    const char* phone_prefix;
};
constexpr std::array<place, 10> places{{
    {"Austin", "TX", "78701", "United States", "+1 512-555-01"},
    {"Portland", "OR", "97205", "United States", "+1 (503) 555-01"},
    {"Brooklyn", "NY", "11201", "United States", "+1718555 01"},
    {"Chicago", "IL", "60607", "United States", "(312) 555-01"},
    {"Toronto", "ON", "M5V 2T6", "Canada", "+1 416 555 01"},
    {"London", "", "EC1A 1BB", "United Kingdom", "+44 20 7946 01"},
    {"Berlin", "Berlin", "10115", "Germany", "+49 30 901820"},
    {"Lyon", "Auvergne-Rhône-Alpes", "69002", "France", "+33 4 72 10 30"},
    {"Sydney", "NSW", "2000", "Australia", "+61 2 5550 01"},
    {"Austin", "TX", "78704", "United States", "512.555.01"},
}};
constexpr std::array<const char*, 8> companies{"Acme Outdoor", "Blue Finch Coffee", "Northwind Traders", "",
                                               "Lumen Studio", "Hearth & Home", "",   "Kite Analytics"};
constexpr std::array<const char*, 6> domains{"example.com", "example.org", "example.net",
                                             "mail.example.com", "shop.example.com", "example.co.uk"};

std::string email_local(std::string s)
{
    std::string out;
    for (unsigned char c : s)
        if (std::isalnum(c))
            out.push_back(static_cast<char>(std::tolower(c)));
    return out.empty() ? "user" : out;
}

} // namespace

std::vector<std::string> seed_contacts(state& st, std::size_t count, std::uint64_t seed)
{
    std::mt19937_64 rng(seed);
    auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    const std::int64_t now = st.now_ms();
    constexpr std::int64_t two_years = 730LL * 86'400'000;
    std::vector<std::string> ids;
    ids.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        const std::string first = first_names[pick(first_names.size())];
        const std::string last = last_names[pick(last_names.size())];
        const place& where = places[pick(places.size())];
        const std::string domain = domains[pick(domains.size())];
        std::string email;
        for (std::uint64_t n = i + 1;; n += count + 1) {
            email = email_local(first) + "." + email_local(last) + std::to_string(n) + "@" + domain;
            if (!st.store.find_by("email", email))
                break;
        }
        prop_list props{{"email", email}, {"firstname", first}, {"lastname", last}, {"city", where.city},
                        {"zip", where.zip}, {"country", where.country}};
        if (*where.state)
            props.emplace_back("state", where.state);
        if (pick(5) != 0) { // about one in five has no phone
            const auto suffix = std::to_string(10 + pick(90));
            props.emplace_back("phone", std::string(where.phone_prefix) + suffix);
        }
        if (const char* company = companies[pick(companies.size())]; *company)
            props.emplace_back("company", company);
        if (pick(3) == 0)
            props.emplace_back("address", std::to_string(1 + pick(9000)) + " Main St");
        props.emplace_back("lifecyclestage", pick(4) == 0 ? "customer" : "lead");

        write_context ctx{now - static_cast<std::int64_t>(rng() % two_years), st.steady_ms(), change_source::import,
                          "import-" + std::to_string(seed), false};
        auto normalized = st.store.prepare(props, nullptr, ctx);
        if (!normalized)
            throw std::logic_error("seed data rejected: " + normalized.error().message);
        const contact& c = st.store.insert(*normalized, ctx);
        const std::uint64_t id = c.id;
        if (pick(2) == 0) { // modified some time after creation
            ctx.now_ms += static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(now - ctx.now_ms + 1));
            st.store.apply(id, {}, ctx);
        }
        ids.push_back(std::to_string(id));
    }
    return ids;
}

namespace {

prop_list to_prop_list(const std::map<std::string, std::string>& props)
{
    return prop_list(props.begin(), props.end());
}

failure to_failure(const api_error& e)
{
    return permanent(e.category + ": " + e.message, e.status);
}

const contact* live_contact(const state& st, std::string_view id)
{
    const auto n = parse_id(id);
    const contact* c = n ? st.store.resolve(*n) : nullptr;
    return c && c->live() ? c : nullptr;
}

} // namespace

std::vector<std::string> emulator::seed(std::size_t count, std::uint64_t seed)
{
    std::lock_guard lock(impl_->mu);
    return seed_contacts(impl_->st, count, seed);
}

outcome<contact_view> emulator::create_contact(const std::map<std::string, std::string>& properties)
{
    std::lock_guard lock(impl_->mu);
    auto& st = impl_->st;
    auto r = st.store.create(to_prop_list(properties), st.person_ctx());
    if (!r)
        return to_failure(r.error());
    return make_view(**r);
}

outcome<contact_view> emulator::edit_contact(std::string_view id, const std::map<std::string, std::string>& properties)
{
    std::lock_guard lock(impl_->mu);
    auto& st = impl_->st;
    const contact* c = live_contact(st, id);
    if (!c)
        return permanent("no live contact with id " + std::string(id), 404);
    auto r = st.store.update(c->id, to_prop_list(properties), st.person_ctx());
    if (!r)
        return to_failure(r.error());
    return make_view(**r);
}

outcome<void> emulator::archive_contact(std::string_view id)
{
    std::lock_guard lock(impl_->mu);
    auto& st = impl_->st;
    const contact* c = live_contact(st, id);
    if (!c || !st.store.archive(c->id, st.person_ctx()))
        return permanent("no live contact with id " + std::string(id), 404);
    return {};
}

outcome<contact_view> emulator::merge_contacts(std::string_view primary_id, std::string_view id_to_merge)
{
    std::lock_guard lock(impl_->mu);
    auto& st = impl_->st;
    const auto p = parse_id(primary_id);
    const auto l = parse_id(id_to_merge);
    if (!p || !l)
        return permanent("contact ids are numeric", 400);
    auto r = st.store.merge(*p, *l, st.person_ctx(), st.opts.merge_mints_new_id);
    if (!r)
        return to_failure(r.error());
    return make_view(**r);
}

std::optional<contact_view> emulator::get_contact(std::string_view id) const
{
    std::lock_guard lock(impl_->mu);
    const auto n = parse_id(id);
    const contact* c = n ? impl_->st.store.resolve(*n) : nullptr;
    if (!c)
        return std::nullopt;
    return make_view(*c);
}

std::vector<contact_view> emulator::list_contacts(bool include_archived) const
{
    std::lock_guard lock(impl_->mu);
    std::vector<contact_view> out;
    for (const auto& [id, c] : impl_->st.store.all())
        if (c.merged_into == 0 && (include_archived || !c.archived))
            out.push_back(make_view(c));
    return out;
}

contact_counts emulator::counts() const
{
    std::lock_guard lock(impl_->mu);
    const auto n = impl_->st.store.count();
    return contact_counts{n.live, n.archived, n.merged_away};
}

outcome<void> emulator::create_property(std::string_view property_create_json)
{
    boost::system::error_code ec;
    auto v = boost::json::parse(property_create_json, ec);
    if (ec || !v.is_object())
        return permanent("property definition is not a JSON object", 400);
    std::lock_guard lock(impl_->mu);
    auto r = impl_->st.registry.create(v.get_object(), impl_->st.now_ms());
    if (!r)
        return to_failure(r.error());
    return {};
}

request_stats emulator::stats() const
{
    std::lock_guard lock(impl_->mu);
    return impl_->st.stats;
}

void emulator::set_rate_limits(const rate_limits& limits)
{
    std::lock_guard lock(impl_->mu);
    impl_->st.limiter.set_limits(limits);
}

rate_limits emulator::current_rate_limits() const
{
    std::lock_guard lock(impl_->mu);
    return impl_->st.limiter.limits();
}

void emulator::set_other_app_share(double share)
{
    std::lock_guard lock(impl_->mu);
    impl_->st.limiter.set_other_app_share(share);
}

void emulator::set_index_lag(std::chrono::milliseconds lag)
{
    std::lock_guard lock(impl_->mu);
    impl_->st.store.set_index_lag(lag.count());
}

fault_injector& emulator::faults()
{
    return impl_->faults;
}

void emulator::reset()
{
    impl_->faults.clear();
    std::lock_guard lock(impl_->mu);
    auto& st = impl_->st;
    st.registry.reset(st.now_ms());
    st.store.reset(st.opts.first_id);
    st.store.set_index_lag(st.opts.index_lag.count());
    st.limiter.reset();
    st.limiter.set_limits(st.opts.limits);
    st.limiter.set_other_app_share(0.0);
    st.uuids.reseed(st.opts.seed);
    st.stats = request_stats{};
}

} // namespace crmsync::sandbox::hubspot
