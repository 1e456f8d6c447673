#pragma once
// Field mapping between each connector's vocabulary and the canonical fields (design.md §5).
// Pure: no I/O. Immutable after construction, so it can be shared freely.

#include "core/record.hpp"
#include "core/sync_settings.hpp"

#include <string_view>
#include <vector>

namespace crmsync {

class field_mapping {
public:
    explicit field_mapping(std::vector<field_spec> specs);

    const std::vector<field_spec>& specs() const { return specs_; }
    const field_spec* find(std::string_view canonical) const;

    // Connector vocabulary -> canonical, normalized fields. Unmapped vocabulary fields are dropped;
    // values that normalize to empty are left out ("no value").
    field_map to_canonical(side from, const field_map& vocabulary) const;
    record to_canonical(side from, const record& r) const;

    // Canonical -> the vocabulary of `to`, keeping only fields that may flow to that side. A
    // canonical key present with an empty value is written as an empty value (a clear).
    field_map to_side(side to, const field_map& canonical) const;

    // Whether a field's direction lets values flow into `to`.
    static bool flows_to(const field_spec& f, side to);
    // The vocabulary name of a canonical field on a side.
    static const std::string& name_on(const field_spec& f, side s) { return s == side::shopify ? f.shopify : f.crm; }

private:
    std::vector<field_spec> specs_;
};

} // namespace crmsync
