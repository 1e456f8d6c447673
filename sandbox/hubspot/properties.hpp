#pragma once
// The contact property registry of the HubSpot emulator: HubSpot's default contact properties
// (internal names, types, read-only flags per api/hubspot/notes.md §5), custom properties created
// through the Properties API, property groups, and the per-type value rules applied on every write
// (notes §5.2). Not thread-safe: the emulator's lock guards it.

#include "sandbox/hubspot/wire.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crmsync::sandbox::hubspot {

struct property_option {
    std::string label;
    std::string value;
    std::string description;
    int display_order = 0;
    bool hidden = false;
};

struct property_def {
    std::string name;
    std::string label;
    std::string type;       // string | number | bool | enumeration | date | datetime | phone_number
    std::string field_type; // text | textarea | number | select | checkbox | date | phonenumber | ...
    std::string group_name;
    std::string description;
    std::vector<property_option> options;
    int display_order = -1;
    bool has_unique_value = false;
    bool hidden = false;
    bool form_field = false;
    bool calculated = false;
    bool external_options = false; // options come from elsewhere (owners): values are not checked
    bool hubspot_defined = false;
    bool read_only_value = false;  // API writes are rejected with READ_ONLY_VALUE
    bool read_only_definition = false;
    bool archivable = true;
    bool archived = false;
    std::int64_t created_ms = 0;
    std::int64_t updated_ms = 0;
    std::int64_t archived_ms = 0;
};

struct property_group {
    std::string name;
    std::string label;
    int display_order = -1;
    bool archived = false;
};

// One rejected property value; many are folded into one VALIDATION_ERROR.
struct invalid_value {
    // Not an aggregate, so result<std::string, invalid_value> converts from std::string unambiguously.
    invalid_value() = default;
    invalid_value(std::string n, std::string c, std::string m)
        : name(std::move(n)), code(std::move(c)), message(std::move(m))
    {
    }
    std::string name;
    std::string code; // PROPERTY_DOESNT_EXIST, READ_ONLY_VALUE, INVALID_INTEGER, INVALID_OPTION, ...
    std::string message;
};

// "Property values were not valid: [...]" with one errors[] entry per property.
api_error invalid_properties_error(const std::vector<invalid_value>& items);

class property_registry {
public:
    explicit property_registry(std::int64_t now_ms = 0);
    // Back to HubSpot's defaults only.
    void reset(std::int64_t now_ms);

    // A live (not archived) property, or nullptr.
    const property_def* find(std::string_view name) const;
    std::vector<const property_def*> list(bool archived) const;
    // Email and every hasUniqueValue property: valid upsert/idProperty keys.
    bool is_unique_key(std::string_view name) const;
    std::vector<std::string> unique_properties() const;

    // Properties API (bodies are PropertyCreate / PropertyUpdate / PropertyGroupCreate).
    api_result<const property_def*> create(const boost::json::object& body, std::int64_t now_ms);
    api_result<const property_def*> update(std::string_view name, const boost::json::object& body,
                                           std::int64_t now_ms);
    api_result<void> archive(std::string_view name, std::int64_t now_ms);
    // Direct registration (control API and tests); the name must be new.
    api_result<const property_def*> add(property_def def, std::int64_t now_ms);

    const property_group* find_group(std::string_view name) const;
    std::vector<const property_group*> groups() const;
    api_result<const property_group*> create_group(const boost::json::object& body);

    // Checks and normalizes one written value for `def`. `current` is the stored value ("" when
    // unset), used by multi-checkbox appends (";a") and lifecyclestage's forward-only rule.
    // "" (clear) is always accepted. Returns the value to store.
    boost::system::result<std::string, invalid_value> normalize(const property_def& def, std::string_view value,
                                                                std::string_view current) const;

    static boost::json::object to_json(const property_def& def);
    static boost::json::object to_json(const property_group& group);

private:
    api_result<void> check_definition(const property_def& def) const;

    std::map<std::string, property_def, std::less<>> props_;
    std::vector<std::string> order_; // creation order, for stable listings
    std::map<std::string, property_group, std::less<>> groups_;
    std::vector<std::string> group_order_;
};

} // namespace crmsync::sandbox::hubspot
