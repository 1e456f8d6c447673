#pragma once
// The contacts of the HubSpot emulator: records with per-property history, the email and
// unique-property indexes, archive, merge (notes §9) and GDPR purge, and the search index view that
// lags behind writes by a configurable delay (notes §4.3 "it may take a few moments").
//
// Every write is validated against the property registry (unknown or read-only properties, typed
// values) and the uniqueness rules (email unique case-insensitively across `email` and
// `hs_additional_emails` of live contacts; hasUniqueValue properties) before anything changes.
// Not thread-safe: the emulator's lock guards it.

#include "sandbox/hubspot/properties.hpp"
#include "sandbox/hubspot/wire.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace crmsync::sandbox::hubspot {

// Who made a change; shows up as `sourceType` in property history and `hs_object_source`.
enum class change_source { integration, crm_ui, import };
std::string_view to_string(change_source s); // INTEGRATION | CRM_UI | IMPORT

// One value in a property's history. The history's sourceId follows from `source` (the app id, the
// user id or the import), so it is not stored per version: seeded portals hold many versions.
struct prop_version {
    std::string value;
    std::int64_t ts_ms = 0;
    change_source source = change_source::integration;
};

struct prop_value {
    prop_version current;
    std::vector<prop_version> older; // newest first
};

struct contact {
    std::uint64_t id = 0;
    std::int64_t created_ms = 0;
    std::int64_t updated_ms = 0;
    bool archived = false;
    std::int64_t archived_ms = 0;
    std::uint64_t merged_into = 0; // non-zero: merged away, resolves to that id
    std::map<std::string, prop_value, std::less<>> props;

    bool live() const { return !archived && merged_into == 0; }
    // Stored or computed (hs_object_id, createdate, lastmodifieddate) value; "" when unset.
    std::string value(std::string_view name) const;
    bool has(std::string_view name) const { return !value(name).empty(); }
};

struct write_context {
    std::int64_t now_ms = 0;    // wall clock: stamps
    std::int64_t steady_ms = 0; // monotonic: index lag
    change_source source = change_source::integration;
    std::string source_id;       // app id for API writes, "userId:N" for people
    bool allow_read_only = false; // people may edit hs_additional_emails in the UI
};

using prop_list = std::vector<std::pair<std::string, std::string>>; // as given, in order

class contact_store {
public:
    contact_store(property_registry& registry, std::uint64_t first_id);
    void reset(std::uint64_t first_id);

    // Raw entry (merged-away and archived included), or nullptr.
    const contact* get(std::uint64_t id) const;
    // Follows merges to the surviving record; nullptr if the id never existed or was purged.
    const contact* resolve(std::uint64_t id) const;
    // Live contact whose `prop` equals `value` (email: case-insensitive, also additional emails).
    const contact* find_by(std::string_view prop, std::string_view value) const;
    const std::map<std::uint64_t, contact>& all() const { return contacts_; }

    // Validation without side effects: unknown/read-only properties and value rules, folded into
    // one VALIDATION_ERROR. Returns the normalized values.
    api_result<prop_list> prepare(const prop_list& in, const contact* existing, const write_context& ctx) const;
    // 409 CONFLICT if a normalized value is taken by another live contact than `self_id`.
    std::optional<api_error> conflict(const prop_list& normalized, std::uint64_t self_id) const;

    // prepare + conflict + apply.
    api_result<const contact*> create(const prop_list& in, const write_context& ctx);
    api_result<const contact*> update(std::uint64_t id, const prop_list& in, const write_context& ctx);
    // Apply already prepared and checked values.
    const contact& insert(const prop_list& normalized, const write_context& ctx);
    const contact& apply(std::uint64_t id, const prop_list& normalized, const write_context& ctx);

    // Archive a live contact (recycle bin); false if there is none with that id.
    bool archive(std::uint64_t id, const write_context& ctx);
    // Merge `loser` into `primary`; the survivor gets a new id when `mint_new_id`.
    api_result<const contact*> merge(std::uint64_t primary, std::uint64_t loser, const write_context& ctx,
                                     bool mint_new_id);
    // GDPR delete: the record disappears entirely.
    bool purge(std::uint64_t id, const write_context& ctx);

    // Search sees a change only `lag` after it happened. Setting 0 makes everything visible now.
    void set_index_lag(std::int64_t lag_ms);
    std::int64_t index_lag() const { return lag_ms_; }
    // Calls `fn` for every contact as the search index sees it at `steady_ms` (live ones only).
    void for_each_searchable(std::int64_t steady_ms, const std::function<void(const contact&)>& fn);

    struct counts {
        std::size_t live = 0;
        std::size_t archived = 0;
        std::size_t merged_away = 0;
    };
    counts count() const;

private:
    void index(const contact& c);
    void unindex(const contact& c);
    void set_value(contact& c, const std::string& name, const std::string& value, const write_context& ctx);
    void before_change(std::uint64_t id);
    void after_change(std::uint64_t id, std::int64_t steady_ms);
    std::optional<contact> visible_snapshot(std::uint64_t id) const;

    struct lag_entry {
        std::int64_t visible_at = 0;
        std::optional<contact> snapshot;
    };
    struct lag_state {
        std::optional<contact> base; // what search shows until the first pending entry matures
        std::deque<lag_entry> pending;
    };

    property_registry& registry_;
    std::uint64_t next_id_;
    std::map<std::uint64_t, contact> contacts_;
    std::unordered_map<std::string, std::uint64_t> email_owner_; // lower-cased email -> live contact
    std::map<std::string, std::unordered_map<std::string, std::uint64_t>, std::less<>> unique_owner_;
    std::int64_t lag_ms_ = 0;
    std::map<std::uint64_t, lag_state> lag_;
};

} // namespace crmsync::sandbox::hubspot
