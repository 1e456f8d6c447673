#include "sandbox/hubspot/store.hpp"

#include <algorithm>

namespace crmsync::sandbox::hubspot {

std::string_view to_string(change_source s)
{
    switch (s) {
    case change_source::integration:
        return "INTEGRATION";
    case change_source::crm_ui:
        return "CRM_UI";
    case change_source::import:
        return "IMPORT";
    }
    return "INTEGRATION";
}

std::string contact::value(std::string_view name) const
{
    if (name == "hs_object_id")
        return std::to_string(id);
    if (name == "createdate")
        return format_iso_ms(created_ms);
    if (name == "lastmodifieddate")
        return format_iso_ms(updated_ms);
    const auto it = props.find(name);
    return it == props.end() ? std::string() : it->second.current.value;
}

contact_store::contact_store(property_registry& registry, std::uint64_t first_id)
    : registry_(registry), next_id_(first_id)
{
}

void contact_store::reset(std::uint64_t first_id)
{
    next_id_ = first_id;
    contacts_.clear();
    email_owner_.clear();
    unique_owner_.clear();
    lag_.clear();
}

const contact* contact_store::get(std::uint64_t id) const
{
    const auto it = contacts_.find(id);
    return it == contacts_.end() ? nullptr : &it->second;
}

const contact* contact_store::resolve(std::uint64_t id) const
{
    const contact* c = get(id);
    // Merge chains are short (each merge adds one hop); the bound guards against a cycle bug.
    for (int hops = 0; c && c->merged_into != 0 && hops < 1000; ++hops)
        c = get(c->merged_into);
    return c;
}

const contact* contact_store::find_by(std::string_view prop, std::string_view value) const
{
    if (prop == "hs_object_id") {
        const auto id = parse_id(value);
        const contact* c = id ? resolve(*id) : nullptr;
        return c && c->live() ? c : nullptr;
    }
    if (prop == "email") {
        const auto it = email_owner_.find(to_lower(trim(value)));
        return it == email_owner_.end() ? nullptr : get(it->second);
    }
    const auto idx = unique_owner_.find(prop);
    if (idx == unique_owner_.end())
        return nullptr;
    const auto it = idx->second.find(std::string(value));
    return it == idx->second.end() ? nullptr : get(it->second);
}

api_result<prop_list> contact_store::prepare(const prop_list& in, const contact* existing,
                                             const write_context& ctx) const
{
    std::vector<invalid_value> bad;
    prop_list out;
    for (const auto& [name, value] : in) {
        const property_def* def = registry_.find(name);
        if (!def) {
            bad.push_back({name, "PROPERTY_DOESNT_EXIST", "Property \"" + name + "\" does not exist"});
            continue;
        }
        if (def->read_only_value && !(ctx.allow_read_only && name == "hs_additional_emails")) {
            bad.push_back({name, "READ_ONLY_VALUE", "\"" + name + "\" is a read only property; its value cannot be set."});
            continue;
        }
        if (name == "hs_additional_emails") {
            std::string joined;
            bool ok = true;
            for (const auto& e : split(value, ';')) {
                auto n = registry_.normalize(*registry_.find("email"), e, "");
                if (!n) {
                    bad.push_back(n.error());
                    ok = false;
                    break;
                }
                joined += (joined.empty() ? "" : ";") + *n;
            }
            if (ok)
                out.emplace_back(name, joined);
            continue;
        }
        const std::string current = existing ? existing->value(name) : std::string();
        auto n = registry_.normalize(*def, value, current);
        if (!n)
            bad.push_back(n.error());
        else
            out.emplace_back(name, std::move(*n));
    }
    if (!bad.empty())
        return invalid_properties_error(bad);
    return out;
}

std::optional<api_error> contact_store::conflict(const prop_list& normalized, std::uint64_t self_id) const
{
    for (const auto& [name, value] : normalized) {
        if (value.empty())
            continue;
        const bool email_like = name == "email" || name == "hs_additional_emails";
        if (!email_like && !registry_.is_unique_key(name))
            continue;
        const auto values = name == "hs_additional_emails" ? split(value, ';') : std::vector<std::string>{value};
        for (const auto& v : values) {
            const contact* owner = find_by(email_like ? "email" : name, v);
            if (!owner || owner->id == self_id)
                continue;
            if (email_like)
                return api_error{409, "CONFLICT", "Contact already exists. Existing ID: " + std::to_string(owner->id),
                                 {}, {}, {}};
            return api_error{409, "CONFLICT",
                             "A contact with the unique value \"" + v + "\" for property \"" + name +
                                 "\" already exists. Existing ID: " + std::to_string(owner->id),
                             {}, {}, {}};
        }
    }
    return std::nullopt;
}

api_result<const contact*> contact_store::create(const prop_list& in, const write_context& ctx)
{
    auto n = prepare(in, nullptr, ctx);
    if (!n)
        return n.error();
    if (auto c = conflict(*n, 0))
        return *c;
    return &insert(*n, ctx);
}

api_result<const contact*> contact_store::update(std::uint64_t id, const prop_list& in, const write_context& ctx)
{
    const contact* c = resolve(id);
    if (!c || !c->live())
        return not_found_error();
    auto n = prepare(in, c, ctx);
    if (!n)
        return n.error();
    if (auto e = conflict(*n, c->id))
        return *e;
    return &apply(c->id, *n, ctx);
}

const contact& contact_store::insert(const prop_list& normalized, const write_context& ctx)
{
    const std::uint64_t id = next_id_++;
    before_change(id);
    contact& c = contacts_[id];
    c.id = id;
    c.created_ms = ctx.now_ms;
    c.updated_ms = ctx.now_ms;
    for (const auto& [name, value] : normalized)
        if (!value.empty())
            set_value(c, name, value, ctx);
    set_value(c, "hs_object_source", std::string(to_string(ctx.source)), ctx);
    if (!ctx.source_id.empty())
        set_value(c, "hs_object_source_id", ctx.source_id, ctx);
    index(c);
    after_change(id, ctx.steady_ms);
    return c;
}

const contact& contact_store::apply(std::uint64_t id, const prop_list& normalized, const write_context& ctx)
{
    contact& c = contacts_.at(id);
    before_change(id);
    unindex(c);
    for (const auto& [name, value] : normalized)
        set_value(c, name, value, ctx);
    // Any write restamps lastmodifieddate, even one that changes nothing (notes §4.4).
    c.updated_ms = std::max(c.updated_ms, ctx.now_ms);
    index(c);
    after_change(id, ctx.steady_ms);
    return c;
}

bool contact_store::archive(std::uint64_t id, const write_context& ctx)
{
    const contact* found = resolve(id);
    if (!found || !found->live())
        return false;
    contact& c = contacts_.at(found->id);
    before_change(c.id);
    unindex(c);
    c.archived = true;
    c.archived_ms = ctx.now_ms;
    c.updated_ms = std::max(c.updated_ms, ctx.now_ms);
    after_change(c.id, ctx.steady_ms);
    return true;
}

void contact_store::set_value(contact& c, const std::string& name, const std::string& value, const write_context& ctx)
{
    prop_version v{value, ctx.now_ms, ctx.source};
    auto it = c.props.find(name);
    if (it == c.props.end()) {
        if (!value.empty())
            c.props.emplace(name, prop_value{std::move(v), {}});
        return;
    }
    if (it->second.current.value == value)
        return;
    it->second.older.insert(it->second.older.begin(), std::move(it->second.current));
    it->second.current = std::move(v);
}

void contact_store::index(const contact& c)
{
    if (!c.live())
        return;
    if (const auto e = c.value("email"); !e.empty())
        email_owner_[to_lower(e)] = c.id;
    for (const auto& e : split(c.value("hs_additional_emails"), ';'))
        email_owner_[to_lower(e)] = c.id;
    for (const auto& name : registry_.unique_properties())
        if (const auto v = c.value(name); !v.empty())
            unique_owner_[name][v] = c.id;
}

void contact_store::unindex(const contact& c)
{
    auto drop = [&](auto& map, const std::string& key) {
        const auto it = map.find(key);
        if (it != map.end() && it->second == c.id)
            map.erase(it);
    };
    if (const auto e = c.value("email"); !e.empty())
        drop(email_owner_, to_lower(e));
    for (const auto& e : split(c.value("hs_additional_emails"), ';'))
        drop(email_owner_, to_lower(e));
    for (auto& [name, owners] : unique_owner_)
        if (const auto v = c.value(name); !v.empty())
            drop(owners, v);
}

contact_store::counts contact_store::count() const
{
    counts n;
    for (const auto& [id, c] : contacts_) {
        if (c.merged_into != 0)
            ++n.merged_away;
        else if (c.archived)
            ++n.archived;
        else
            ++n.live;
    }
    return n;
}

} // namespace crmsync::sandbox::hubspot
