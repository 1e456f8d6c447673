#include "sandbox/shopify/metafield_definitions.hpp"

#include "sandbox/shopify/formats.hpp"

namespace crmsync::sandbox::shopify {
namespace json = boost::json;
namespace {

std::optional<std::string> str(const json::object& o, const char* key)
{
    const json::value* v = o.if_contains(key);
    return v && v->is_string() ? std::optional<std::string>(std::string(v->as_string())) : std::nullopt;
}

const json::object* object_at(const json::object& o, const char* key)
{
    const json::value* v = o.if_contains(key);
    return v && v->is_object() ? &v->as_object() : nullptr;
}

bool blank(const std::optional<std::string>& s) { return !s || s->find_first_not_of(" \t\r\n") == std::string::npos; }

// Metafield types in the order Shopify lists them when refusing another (captured in
// tests/data/shopify/2025-01/customer-update-parity.json, metafieldValidation).
constexpr const char* metafield_types[] = {
    "antenna_gain", "area", "battery_charge_capacity", "battery_energy_capacity", "boolean", "capacitance", "color",
    "concentration", "data_storage_capacity", "data_transfer_rate", "date_time", "date", "dimension",
    "display_density", "distance", "duration", "electric_current", "electrical_resistance", "energy", "float",
    "frequency", "id", "illuminance", "inductance", "integer", "json_string", "json", "jurisdiction", "language",
    "link", "list.antenna_gain", "list.area", "list.battery_charge_capacity", "list.battery_energy_capacity",
    "list.boolean", "list.capacitance", "list.color", "list.concentration", "list.data_storage_capacity",
    "list.data_transfer_rate", "list.date_time", "list.date", "list.dimension", "list.display_density",
    "list.distance", "list.duration", "list.electric_current", "list.electrical_resistance", "list.energy",
    "list.frequency", "list.illuminance", "list.inductance", "list.jurisdiction", "list.link", "list.luminous_flux",
    "list.mass_flow_rate", "list.multi_line_text_field", "list.number_decimal", "list.number_integer", "list.power",
    "list.pressure", "list.rating", "list.resolution", "list.rotational_speed", "list.single_line_text_field",
    "list.sound_level", "list.speed", "list.temperature", "list.thermal_power", "list.url", "list.voltage",
    "list.volume", "list.volumetric_flow_rate", "list.weight", "luminous_flux", "mass_flow_rate", "money",
    "multi_line_text_field", "number_decimal", "number_integer", "power", "pressure", "rating", "resolution",
    "rich_text_field", "rotational_speed", "single_line_text_field", "sound_level", "speed", "string", "temperature",
    "thermal_power", "url", "voltage", "volume", "volumetric_flow_rate", "weight", "company_reference",
    "list.company_reference", "customer_reference", "list.customer_reference", "product_reference",
    "list.product_reference", "collection_reference", "list.collection_reference", "variant_reference",
    "list.variant_reference", "file_reference", "list.file_reference", "product_taxonomy_value_reference",
    "list.product_taxonomy_value_reference", "product_taxonomy_disclosure_reference", "metaobject_reference",
    "list.metaobject_reference", "mixed_reference", "list.mixed_reference", "disclosure_reference",
    "list.disclosure_reference", "page_reference", "list.page_reference", "article_reference",
    "list.article_reference", "order_reference", "list.order_reference"
};

// Types whose values can be declared unique (Shopify's eligibility list for the capability).
bool unique_eligible(const std::string& type)
{
    return type == "id" || type == "single_line_text_field" || type == "number_integer" || type == "url";
}

std::string category_of(const std::string& type)
{
    if (type.starts_with("number_") || type == "rating")
        return "NUMBER";
    if (type == "boolean")
        return "TRUE_FALSE";
    if (type == "date" || type == "date_time")
        return "DATE_TIME";
    if (type.ends_with("_reference"))
        return "REFERENCE";
    if (type == "json")
        return "JSON";
    return "TEXT";
}

void user_error(json::array& out, json::array field, std::string message, const char* code)
{
    out.push_back(json::object{{"field", std::move(field)}, {"message", std::move(message)}, {"code", code}});
}

// One `query` term against a definition: field:value, '-' negates, a trailing '*' matches a prefix.
bool term_matches(std::string term, const metafield_definition& d)
{
    bool negate = term.starts_with('-');
    if (negate)
        term.erase(0, 1);
    auto colon = term.find(':');
    if (colon == std::string::npos)
        return true; // free text is not emulated; it filters nothing
    std::string field = term.substr(0, colon), value = term.substr(colon + 1);
    const std::string* actual = field == "namespace" ? &d.name_space
                                : field == "key"     ? &d.key
                                : field == "type"    ? &d.type
                                : field == "name"    ? &d.name
                                                     : nullptr;
    if (!actual)
        return true;
    bool prefix = value.ends_with('*');
    if (prefix)
        value.pop_back();
    bool hit = prefix ? actual->starts_with(value) : *actual == value;
    return hit != negate;
}

bool query_matches(const std::string& query, const metafield_definition& d)
{
    std::size_t at = 0;
    while (at < query.size()) {
        auto end = query.find(' ', at);
        std::string term = query.substr(at, end == std::string::npos ? std::string::npos : end - at);
        if (!term.empty() && !term_matches(term, d))
            return false;
        if (end == std::string::npos)
            break;
        at = end + 1;
    }
    return true;
}

} // namespace

bool known_metafield_type(std::string_view type)
{
    for (const char* t : metafield_types)
        if (type == t)
            return true;
    return false;
}

std::string metafield_type_list()
{
    std::string out;
    for (const char* t : metafield_types)
        out += (out.empty() ? "" : ", ") + std::string(t);
    return out;
}

mutation_outcome metafield_definition_create(const json::object& args, customer_store& store)
{
    mutation_outcome r;
    const json::object& in = args.at("definition").as_object();
    std::string owner = str(in, "ownerType").value_or("");
    if (owner != "CUSTOMER") {
        r.top_error = json::object{{"message", "Metafield definitions for owner type " + owner + " are not emulated"},
                                   {"code", "FIELD_NOT_EMULATED"}};
        return r;
    }
    metafield_definition d;
    d.name_space = str(in, "namespace").value_or("custom");
    d.key = str(in, "key").value_or("");
    d.name = str(in, "name").value_or("");
    d.type = str(in, "type").value_or("");
    d.description = str(in, "description");
    if (blank(d.key))
        user_error(r.user_errors, json::array{"definition", "key"}, "Key can't be blank", "BLANK");
    if (blank(d.name))
        user_error(r.user_errors, json::array{"definition", "name"}, "Name can't be blank", "BLANK");
    std::optional<bool> unique;
    if (const json::object* caps = object_at(in, "capabilities"))
        if (const json::object* u = object_at(*caps, "uniqueValues"))
            unique = u->at("enabled").as_bool();
    // Type `id` requires unique values: switched on when not asked for, refused when switched off.
    if (d.type == "id" && unique == false)
        user_error(r.user_errors, json::array{"definition"}, "Capability unique_values is required for type id but is disabled",
                   "CAPABILITY_REQUIRED_BUT_DISABLED");
    if (r.user_errors.empty() && store.find_definition(owner, d.name_space, d.key))
        user_error(r.user_errors, json::array{"definition", "key"},
                   "Key is in use for Customer metafields on the '" + d.name_space + "' namespace.", "TAKEN");
    if (!r.user_errors.empty())
        return r;
    d.unique_values = d.type == "id" || (unique.value_or(false) && unique_eligible(d.type));
    r.definition = &store.add_definition(std::move(d));
    r.changed = true;
    return r;
}

json::object definition_json(const metafield_definition& d, const customer_store& store)
{
    json::object caps{
        {"adminFilterable", json::object{{"enabled", false}, {"eligible", true}, {"status", "NOT_FILTERABLE"}}},
        {"smartCollectionCondition", json::object{{"enabled", false}, {"eligible", false}}},
        {"uniqueValues", json::object{{"enabled", d.unique_values}, {"eligible", unique_eligible(d.type)}}}};
    return json::object{
        {"id", metafield_definition_gid(d.id)},
        {"name", d.name},
        {"namespace", d.name_space},
        {"key", d.key},
        {"description", d.description ? json::value(*d.description) : json::value(nullptr)},
        {"ownerType", d.owner_type},
        {"type", json::object{{"name", d.type}, {"category", category_of(d.type)}}},
        {"validations", json::array{}},
        {"access", json::object{{"admin", "PUBLIC_READ_WRITE"}, {"storefront", "NONE"}, {"customerAccount", "NONE"}}},
        {"capabilities", std::move(caps)},
        {"constraints", nullptr},
        {"pinnedPosition", nullptr},
        {"standardTemplate", nullptr},
        {"useAsCollectionCondition", false},
        {"validationStatus", "ALL_VALID"},
        {"metafieldsCount", static_cast<std::int64_t>(store.metafield_count(d.name_space, d.key))},
    };
}

std::vector<const metafield_definition*> find_definitions(const customer_store& store, const json::object& args)
{
    std::vector<const metafield_definition*> out;
    auto owner = str(args, "ownerType");
    auto ns = str(args, "namespace");
    auto key = str(args, "key");
    auto query = str(args, "query");
    for (const auto& d : store.definitions()) {
        if ((owner && d.owner_type != *owner) || (ns && d.name_space != *ns) || (key && d.key != *key))
            continue;
        if (query && !query_matches(*query, d))
            continue;
        out.push_back(&d);
    }
    return out;
}

const metafield_definition* find_definition(const customer_store& store, const json::object& args)
{
    if (const json::object* ident = object_at(args, "identifier"))
        return store.find_definition(str(*ident, "ownerType").value_or(""), str(*ident, "namespace").value_or("custom"),
                                     str(*ident, "key").value_or(""));
    if (auto gid = str(args, "id"))
        if (auto n = parse_gid(*gid, "MetafieldDefinition"))
            for (const auto& d : store.definitions())
                if (d.id == *n)
                    return &d;
    return nullptr;
}

} // namespace crmsync::sandbox::shopify
