#include "core/mapping.hpp"

#include "core/normalize.hpp"

namespace crmsync {

field_mapping::field_mapping(std::vector<field_spec> specs) : specs_(std::move(specs)) {}

const field_spec* field_mapping::find(std::string_view canonical) const
{
    for (const auto& f : specs_)
        if (f.name == canonical)
            return &f;
    return nullptr;
}

bool field_mapping::flows_to(const field_spec& f, side to)
{
    switch (f.direction) {
    case field_direction::both: return true;
    case field_direction::to_crm: return to == side::crm;
    case field_direction::to_shopify: return to == side::shopify;
    }
    return false;
}

field_map field_mapping::to_canonical(side from, const field_map& vocabulary) const
{
    field_map out;
    for (const auto& f : specs_) {
        auto it = vocabulary.find(name_on(f, from));
        if (it == vocabulary.end())
            continue;
        auto v = normalize(f.normalize, it->second);
        if (!v.empty())
            out.emplace(f.name, std::move(v));
    }
    return out;
}

record field_mapping::to_canonical(side from, const record& r) const
{
    return record{r.id, r.updated_at_ms, to_canonical(from, r.fields), r.deleted, r.merged_ids};
}

field_map field_mapping::to_side(side to, const field_map& canonical) const
{
    field_map out;
    for (const auto& f : specs_) {
        if (!flows_to(f, to))
            continue;
        auto it = canonical.find(f.name);
        if (it != canonical.end())
            out.emplace(name_on(f, to), it->second);
    }
    return out;
}

} // namespace crmsync
