#include "sandbox/shopify/customer_store.hpp"

#include "sandbox/shopify/formats.hpp"

#include <algorithm>
#include <cctype>

namespace crmsync::sandbox::shopify {

// Ids in Shopify's range, so clients are exercised with 13-digit numbers.
constexpr std::uint64_t first_customer_id = 9'522'206'933'001;
constexpr std::uint64_t first_address_id = 12'038'675'071'001;
constexpr std::uint64_t first_metafield_id = 44'946'356'830'001;
constexpr std::uint64_t first_definition_id = 224'813'875'001;

const mailing_address* customer::default_address() const
{
    if (!default_address_id)
        return nullptr;
    for (const auto& a : addresses)
        if (a.id == *default_address_id)
            return &a;
    return nullptr;
}

const metafield* customer::find_metafield(const std::string& ns, const std::string& key) const
{
    for (const auto& m : metafields)
        if (m.name_space == ns && m.key == key)
            return &m;
    return nullptr;
}

std::string customer::display_name() const
{
    std::string name = first_name.value_or("");
    if (last_name && !last_name->empty())
        name += (name.empty() ? "" : " ") + *last_name;
    if (!name.empty())
        return name;
    if (email)
        return *email;
    // A phone-only customer is shown by the number in national layout (captured for +1 numbers:
    // "+14158103301" shows as "+1 415-810-3301"); other countries keep E.164.
    if (phone && phone->size() == 12 && phone->starts_with("+1"))
        return "+1 " + phone->substr(2, 3) + "-" + phone->substr(5, 3) + "-" + phone->substr(8);
    return phone.value_or("");
}

std::vector<std::string> normalise_tags(std::vector<std::string> tags)
{
    std::vector<std::string> out;
    std::set<std::string> seen;
    for (auto& t : tags) {
        auto b = t.find_first_not_of(" \t");
        auto e = t.find_last_not_of(" \t");
        if (b == std::string::npos)
            continue;
        std::string trimmed = t.substr(b, e - b + 1);
        if (seen.insert(to_lower(trimmed)).second)
            out.push_back(std::move(trimmed));
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const std::string& a, const std::string& b) { return to_lower(a) < to_lower(b); });
    return out;
}

customer_store::customer_store()
    : next_id_(first_customer_id), next_address_id_(first_address_id), next_metafield_id_(first_metafield_id),
      next_definition_id_(first_definition_id)
{
}

const customer* customer_store::find(std::uint64_t id) const
{
    auto it = customers_.find(id);
    return it == customers_.end() ? nullptr : &it->second;
}

customer* customer_store::find_mutable(std::uint64_t id)
{
    auto it = customers_.find(id);
    return it == customers_.end() ? nullptr : &it->second;
}

namespace {

std::string metafield_key(const std::string& ns, const std::string& key, const std::string& value)
{
    std::string k = ns;
    k += '\0';
    k += key;
    k += '\0';
    k += value;
    return k;
}

} // namespace

customer_store::lookup_keys customer_store::keys_of(const customer& c)
{
    lookup_keys k;
    if (c.email)
        k.email = to_lower(*c.email);
    k.phone = c.phone;
    for (const auto& m : c.metafields)
        k.metafields.push_back(metafield_key(m.name_space, m.key, m.value));
    return k;
}

// The customer with the lowest id among those with the key (what a scan in id order finds first).
const customer* customer_store::lowest(const std::multimap<std::string, std::uint64_t>& m, const std::string& key,
                                       const std::map<std::uint64_t, customer>& customers)
{
    auto [b, e] = m.equal_range(key);
    const customer* best = nullptr;
    for (auto it = b; it != e; ++it)
        if (!best || it->second < best->id)
            if (auto c = customers.find(it->second); c != customers.end())
                best = &c->second;
    return best;
}

const customer* customer_store::find_by_email(const std::string& email) const
{
    // Looked up as stored: whitespace dropped, lowercased (customerByIdentifier finds
    // " Jo@Example.com " by "jo@example.com").
    std::string wanted;
    for (char ch : to_lower(email))
        if (!std::isspace(static_cast<unsigned char>(ch)))
            wanted += ch;
    return lowest(by_email_, wanted, customers_);
}

const customer* customer_store::find_by_phone(const std::string& phone) const
{
    return lowest(by_phone_, phone, customers_);
}

const customer* customer_store::find_by_metafield(const std::string& ns, const std::string& key,
                                                  const std::string& value) const
{
    return lowest(by_metafield_, metafield_key(ns, key, value), customers_);
}

customer& customer_store::insert(customer c, wall_time now)
{
    now = truncate_to_seconds(now);
    c.id = next_id_++;
    for (auto& a : c.addresses)
        if (a.id == 0)
            a.id = next_address_id_++;
    for (auto& m : c.metafields) {
        if (m.id == 0)
            m.id = next_metafield_id_++;
        m.created_at = m.updated_at = now;
    }
    if (!c.default_address_id && !c.addresses.empty())
        c.default_address_id = c.addresses.front().id;
    c.tags = normalise_tags(std::move(c.tags));
    // Seeded history keeps its own stamps; everything else is created now.
    if (c.created_at == wall_time{})
        c.created_at = now;
    if (c.updated_at < c.created_at)
        c.updated_at = c.created_at;
    auto [it, inserted] = customers_.emplace(c.id, std::move(c));
    index(it->first, &it->second, now);
    changes_.push_back({customer_change::kind::created, it->first, std::nullopt});
    return it->second;
}

void customer_store::touch(customer& c, wall_time now)
{
    now = truncate_to_seconds(now);
    c.tags = normalise_tags(std::move(c.tags));
    c.updated_at = std::max(now, c.created_at);
    index(c.id, &c, now);
    changes_.push_back({customer_change::kind::updated, c.id, std::nullopt});
}

bool customer_store::erase(std::uint64_t id, wall_time now)
{
    auto it = customers_.find(id);
    if (it == customers_.end())
        return false;
    changes_.push_back({customer_change::kind::deleted, id, std::move(it->second)});
    customers_.erase(it);
    index(id, nullptr, truncate_to_seconds(now));
    return true;
}

void customer_store::clear()
{
    customers_.clear();
    index_.clear();
    keys_.clear();
    by_email_.clear();
    by_phone_.clear();
    by_metafield_.clear();
    definitions_.clear();
    changes_.clear();
}

const customer* customer_store::address_owner(std::uint64_t address_id) const
{
    for (const auto& [id, c] : customers_)
        for (const auto& a : c.addresses)
            if (a.id == address_id)
                return &c;
    return nullptr;
}

const metafield_definition* customer_store::find_definition(const std::string& owner_type, const std::string& ns,
                                                            const std::string& key) const
{
    for (const auto& d : definitions_)
        if (d.owner_type == owner_type && d.name_space == ns && d.key == key)
            return &d;
    return nullptr;
}

const metafield_definition& customer_store::add_definition(metafield_definition d)
{
    d.id = next_definition_id_++;
    definitions_.push_back(std::move(d));
    return definitions_.back();
}

std::size_t customer_store::metafield_count(const std::string& ns, const std::string& key) const
{
    std::size_t n = 0;
    for (const auto& [id, c] : customers_)
        n += c.find_metafield(ns, key) ? 1 : 0;
    return n;
}

void customer_store::define_custom_id(const custom_id_definition& d)
{
    if (find_definition("CUSTOMER", d.name_space, d.key))
        return;
    add_definition(metafield_definition{0, "CUSTOMER", d.name_space, d.key, "Custom ID", "id", std::nullopt, true});
}

bool customer_store::has_custom_id(const std::string& ns, const std::string& key) const
{
    const metafield_definition* d = find_definition("CUSTOMER", ns, key);
    return d && d->type == "id" && d->unique_values;
}

void customer_store::index(std::uint64_t id, const customer* c, wall_time now)
{
    auto drop = [id](std::multimap<std::string, std::uint64_t>& m, const std::string& key) {
        for (auto [b, e] = m.equal_range(key); b != e; ++b)
            if (b->second == id) {
                m.erase(b);
                return;
            }
    };
    if (auto old = keys_.find(id); old != keys_.end()) {
        if (old->second.email)
            drop(by_email_, *old->second.email);
        if (old->second.phone)
            drop(by_phone_, *old->second.phone);
        for (const auto& k : old->second.metafields)
            drop(by_metafield_, k);
        keys_.erase(old);
    }
    if (c) {
        auto k = keys_of(*c);
        if (k.email)
            by_email_.emplace(*k.email, id);
        if (k.phone)
            by_phone_.emplace(*k.phone, id);
        for (const auto& m : k.metafields)
            by_metafield_.emplace(m, id);
        keys_.emplace(id, std::move(k));
    }

    auto& versions = index_[id];
    versions.push_back(index_version{now + index_lag_, c ? std::optional<customer>(*c) : std::nullopt});
    prune(versions, now);
}

// Drops versions hidden by a newer one that is already visible.
void customer_store::prune(std::deque<index_version>& versions, wall_time now) const
{
    while (versions.size() > 1 && versions[1].visible_at <= now)
        versions.pop_front();
}

std::vector<indexed_customer> customer_store::indexed(wall_time now) const
{
    std::vector<indexed_customer> out;
    for (auto it = index_.begin(); it != index_.end();) {
        auto& versions = it->second;
        prune(versions, now);
        const index_version* visible = nullptr;
        for (const auto& v : versions)
            if (v.visible_at <= now)
                visible = &v;
        if (visible && visible->snapshot) {
            // A record deleted from the database drops out of results even while the index
            // still lists it: Shopify loads nodes from the database.
            if (const customer* live = find(it->first))
                out.push_back({&*visible->snapshot, live});
        }
        if (versions.size() == 1 && !versions.front().snapshot && versions.front().visible_at <= now)
            it = index_.erase(it);
        else
            ++it;
    }
    return out;
}

} // namespace crmsync::sandbox::shopify
