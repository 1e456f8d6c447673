// Merge, GDPR purge and the lagging search-index view of contact_store (see store.hpp).
#include "sandbox/hubspot/store.hpp"

#include <algorithm>

namespace crmsync::sandbox::hubspot {
namespace {

constexpr std::size_t max_identities = 250; // notes §9.1: 414 beyond this

void append_unique(std::vector<std::string>& list, const std::string& v)
{
    if (!v.empty() && std::find(list.begin(), list.end(), v) == list.end())
        list.push_back(v);
}

std::string join(const std::vector<std::string>& parts)
{
    std::string out;
    for (const auto& p : parts)
        out += (out.empty() ? "" : ";") + p;
    return out;
}

} // namespace

api_result<const contact*> contact_store::merge(std::uint64_t primary_id, std::uint64_t loser_id,
                                                const write_context& ctx, bool mint_new_id)
{
    const contact* p = resolve(primary_id);
    const contact* l = resolve(loser_id);
    if (!p || !p->live())
        return not_found_error("Object not found: " + std::to_string(primary_id));
    if (!l || !l->live())
        return not_found_error("Object not found: " + std::to_string(loser_id));
    if (p->id == l->id)
        return validation_error("Cannot merge a contact into itself: " + std::to_string(primary_id) + " and " +
                                std::to_string(loser_id) + " are the same record");

    std::vector<std::string> merged_ids = split(p->value("hs_merged_object_ids"), ';');
    for (const auto& id : split(l->value("hs_merged_object_ids"), ';'))
        append_unique(merged_ids, id);
    if (mint_new_id)
        append_unique(merged_ids, std::to_string(p->id));
    append_unique(merged_ids, std::to_string(l->id));
    if (merged_ids.size() + 1 > max_identities)
        return api_error{414, "VALIDATION_ERROR", "Cannot have more than 250 identities on a profile", {}, {}, {}};

    // The primary's values win; the loser fills what the primary lacks; the loser's email becomes an
    // additional email (notes §9.1).
    contact merged;
    merged.props = p->props;
    for (const auto& [name, value] : l->props)
        if (!merged.has(name))
            merged.props[name] = value;
    std::vector<std::string> additional = split(p->value("hs_additional_emails"), ';');
    for (const auto& e : split(l->value("hs_additional_emails"), ';'))
        append_unique(additional, e);
    const bool primary_has_email = p->has("email");
    const std::string loser_email = l->value("email");
    if (primary_has_email && !loser_email.empty())
        append_unique(additional, loser_email);
    // These are recomputed below; keep the primary's entries so their history continues.
    for (const char* special : {"email", "hs_additional_emails", "hs_merged_object_ids", "hs_calculated_merged_vids"}) {
        merged.props.erase(std::string(special));
        if (const auto it = p->props.find(special); it != p->props.end())
            merged.props.emplace(special, it->second);
    }

    const std::uint64_t pid = p->id;
    const std::uint64_t lid = l->id;
    const std::int64_t created = std::min(p->created_ms, l->created_ms);
    before_change(pid);
    before_change(lid);
    unindex(contacts_.at(pid));
    unindex(contacts_.at(lid));

    std::uint64_t survivor_id = pid;
    if (mint_new_id) {
        survivor_id = next_id_++;
        before_change(survivor_id);
        contacts_.at(pid).merged_into = survivor_id;
        contacts_.at(pid).updated_ms = ctx.now_ms;
    }
    contacts_.at(lid).merged_into = survivor_id;
    contacts_.at(lid).updated_ms = ctx.now_ms;

    contact& s = contacts_[survivor_id];
    s.id = survivor_id;
    s.props = std::move(merged.props);
    s.created_ms = created;
    s.archived = false;
    s.merged_into = 0;
    write_context sys = ctx;
    sys.allow_read_only = true;
    set_value(s, "hs_additional_emails", join(additional), sys);
    set_value(s, "hs_merged_object_ids", join(merged_ids), sys);
    set_value(s, "hs_calculated_merged_vids", join(merged_ids), sys);
    if (!primary_has_email && !loser_email.empty())
        set_value(s, "email", loser_email, sys);
    s.updated_ms = std::max(s.updated_ms, ctx.now_ms); // the survivor is restamped (notes §9.1)
    index(s);

    after_change(pid, ctx.steady_ms);
    after_change(lid, ctx.steady_ms);
    if (survivor_id != pid)
        after_change(survivor_id, ctx.steady_ms);
    return &s;
}

bool contact_store::purge(std::uint64_t id, const write_context& ctx)
{
    const contact* c = resolve(id);
    if (!c)
        return false;
    const std::uint64_t target = c->id;
    before_change(target);
    unindex(*c);
    // Ids merged into the purged record go with it.
    for (auto it = contacts_.begin(); it != contacts_.end();) {
        if (it->second.merged_into == target)
            it = contacts_.erase(it);
        else
            ++it;
    }
    contacts_.erase(target);
    after_change(target, ctx.steady_ms);
    return true;
}

void contact_store::set_index_lag(std::int64_t lag_ms)
{
    lag_ms_ = std::max<std::int64_t>(lag_ms, 0);
    if (lag_ms_ == 0)
        lag_.clear();
}

std::optional<contact> contact_store::visible_snapshot(std::uint64_t id) const
{
    const contact* c = get(id);
    if (!c || !c->live())
        return std::nullopt;
    contact copy;
    copy.id = c->id;
    copy.created_ms = c->created_ms;
    copy.updated_ms = c->updated_ms;
    for (const auto& [name, v] : c->props)
        copy.props.emplace(name, prop_value{v.current, {}}); // search never shows history
    return copy;
}

void contact_store::before_change(std::uint64_t id)
{
    if (lag_ms_ == 0 || lag_.contains(id))
        return;
    lag_[id].base = visible_snapshot(id);
}

void contact_store::after_change(std::uint64_t id, std::int64_t steady_ms)
{
    if (lag_ms_ == 0)
        return;
    lag_[id].pending.push_back(lag_entry{steady_ms + lag_ms_, visible_snapshot(id)});
}

void contact_store::for_each_searchable(std::int64_t steady_ms, const std::function<void(const contact&)>& fn)
{
    for (auto it = lag_.begin(); it != lag_.end();) {
        auto& st = it->second;
        while (!st.pending.empty() && st.pending.front().visible_at <= steady_ms) {
            st.base = std::move(st.pending.front().snapshot);
            st.pending.pop_front();
        }
        if (st.pending.empty())
            it = lag_.erase(it); // search has caught up with the live record
        else
            ++it;
    }
    for (const auto& [id, c] : contacts_) {
        const auto lagging = lag_.find(id);
        if (lagging != lag_.end()) {
            if (lagging->second.base)
                fn(*lagging->second.base);
        } else if (c.live()) {
            fn(c);
        }
    }
    for (const auto& [id, st] : lag_)
        if (!contacts_.contains(id) && st.base)
            fn(*st.base);
}

} // namespace crmsync::sandbox::hubspot
