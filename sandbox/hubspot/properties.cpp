#include "sandbox/hubspot/properties.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/array.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace crmsync::sandbox::hubspot {
namespace {

constexpr std::size_t max_unique_properties = 10; // per object (notes §5.3)
constexpr std::size_t max_string_length = 65'536;

struct default_prop {
    const char* name;
    const char* label;
    const char* type;
    const char* field_type;
    const char* group;
    bool read_only;
};

// HubSpot's default contact properties that the sync touches or that tests look at (notes §5.1).
constexpr std::array<default_prop, 31> defaults{{
    {"email", "Email", "string", "text", "contactinformation", false},
    {"firstname", "First Name", "string", "text", "contactinformation", false},
    {"lastname", "Last Name", "string", "text", "contactinformation", false},
    {"phone", "Phone Number", "string", "phonenumber", "contactinformation", false},
    {"mobilephone", "Mobile Phone Number", "string", "phonenumber", "contactinformation", false},
    {"fax", "Fax Number", "string", "phonenumber", "contactinformation", false},
    {"company", "Company Name", "string", "text", "contactinformation", false},
    {"address", "Street Address", "string", "text", "contactinformation", false},
    {"city", "City", "string", "text", "contactinformation", false},
    {"state", "State/Region", "string", "text", "contactinformation", false},
    {"zip", "Postal Code", "string", "text", "contactinformation", false},
    {"country", "Country/Region", "string", "text", "contactinformation", false},
    {"jobtitle", "Job Title", "string", "text", "contactinformation", false},
    {"website", "Website URL", "string", "text", "contactinformation", false},
    {"hs_timezone", "Time Zone", "string", "text", "contactinformation", false},
    {"lifecyclestage", "Lifecycle Stage", "enumeration", "radio", "contactinformation", false},
    {"hs_lead_status", "Lead Status", "enumeration", "radio", "sales_properties", false},
    {"hubspot_owner_id", "Contact owner", "enumeration", "select", "sales_properties", false},
    {"createdate", "Create Date", "datetime", "date", "contactinformation", true},
    {"lastmodifieddate", "Last Modified Date", "datetime", "date", "contactinformation", true},
    {"hs_object_id", "Record ID", "number", "number", "contactinformation", true},
    {"hs_merged_object_ids", "Merged Record IDs", "string", "text", "contactinformation", true},
    {"hs_calculated_merged_vids", "Merged Contact IDs", "string", "text", "contactinformation", true},
    {"hs_additional_emails", "Additional email addresses", "string", "textarea", "contactinformation", true},
    {"hs_object_source", "Record source", "string", "text", "contactinformation", true},
    {"hs_object_source_id", "Record source detail 1", "string", "text", "contactinformation", true},
    {"hs_object_source_label", "Record source detail 2", "string", "text", "contactinformation", true},
    {"hs_marketable_status", "Marketing contact status", "enumeration", "select", "contactinformation", true},
    {"hs_email_optout", "Unsubscribed from all email", "bool", "booleancheckbox", "emailinformation", true},
    {"message", "Message", "string", "textarea", "contactinformation", false},
    {"notes_last_updated", "Last Activity Date", "datetime", "date", "sales_properties", true},
}};

constexpr std::array<const char*, 8> lifecycle_stages{
    "subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist",
    "other"};

std::vector<property_option> options_of(std::initializer_list<std::pair<const char*, const char*>> list)
{
    std::vector<property_option> out;
    int order = 0;
    for (const auto& [value, label] : list)
        out.push_back(property_option{label, value, "", order++, false});
    return out;
}

bool valid_field_type(std::string_view type, std::string_view ft)
{
    auto in = [&](std::initializer_list<std::string_view> l) { return std::find(l.begin(), l.end(), ft) != l.end(); };
    if (type == "string")
        return in({"text", "textarea", "file", "html", "phonenumber", "calculation_equation"});
    if (type == "number")
        return in({"number", "calculation_equation"});
    if (type == "bool")
        return in({"booleancheckbox", "calculation_equation"});
    if (type == "enumeration")
        return in({"select", "radio", "checkbox", "booleancheckbox", "calculation_equation"});
    if (type == "date" || type == "datetime")
        return ft == "date";
    if (type == "phone_number")
        return in({"phonenumber", "text"});
    return false;
}

bool valid_name(std::string_view n)
{
    if (n.empty() || n.size() > 100 || !std::islower(static_cast<unsigned char>(n.front())))
        return false;
    return std::all_of(n.begin(), n.end(), [](char c) {
        return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_';
    });
}

bool valid_number(std::string_view v)
{
    if (!v.empty() && (v.front() == '-' || v.front() == '+'))
        v.remove_prefix(1);
    const auto dot = v.find('.');
    if (dot == std::string_view::npos)
        return !v.empty() && all_digits(v);
    const auto a = v.substr(0, dot);
    const auto b = v.substr(dot + 1);
    return (!a.empty() || !b.empty()) && all_digits(a) && all_digits(b);
}

bool valid_email(std::string_view e)
{
    const auto at = e.find('@');
    if (at == std::string_view::npos || at == 0 || e.find('@', at + 1) != std::string_view::npos)
        return false;
    const auto domain = e.substr(at + 1);
    const auto dot = domain.rfind('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 2 > domain.size())
        return false;
    return std::none_of(e.begin(), e.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

std::string str_field(const boost::json::object& o, std::string_view key)
{
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

api_result<std::vector<property_option>> parse_options(const boost::json::value* v)
{
    std::vector<property_option> out;
    if (!v)
        return out;
    if (!v->is_array())
        return validation_error("options must be an array");
    for (const auto& item : v->get_array()) {
        if (!item.is_object())
            return validation_error("each option must be an object");
        const auto& o = item.get_object();
        property_option opt{str_field(o, "label"), str_field(o, "value"), str_field(o, "description"), 0, false};
        if (opt.label.empty() || opt.value.empty())
            return validation_error("each option needs a label and a value");
        if (const auto* d = o.if_contains("displayOrder"); d && d->is_int64())
            opt.display_order = static_cast<int>(d->get_int64());
        if (const auto* h = o.if_contains("hidden"); h && h->is_bool())
            opt.hidden = h->get_bool();
        out.push_back(std::move(opt));
    }
    return out;
}

} // namespace

api_error invalid_properties_error(const std::vector<invalid_value>& items)
{
    boost::json::array summary;
    api_error e = validation_error("");
    for (const auto& it : items) {
        summary.push_back(boost::json::object{
            {"isValid", false}, {"message", it.message}, {"error", it.code}, {"name", it.name}});
        e.errors.push_back(error_detail{it.message, it.code, it.name, {{"propertyName", {it.name}}}});
    }
    e.message = "Property values were not valid: " + boost::json::serialize(summary);
    return e;
}

property_registry::property_registry(std::int64_t now_ms)
{
    reset(now_ms);
}

void property_registry::reset(std::int64_t now_ms)
{
    props_.clear();
    order_.clear();
    groups_.clear();
    group_order_.clear();
    for (auto [name, label] : {std::pair{"contactinformation", "Contact information"},
                               std::pair{"emailinformation", "Email information"},
                               std::pair{"sales_properties", "Sales properties"},
                               std::pair{"conversioninformation", "Conversion information"}}) {
        groups_.emplace(name, property_group{name, label, static_cast<int>(group_order_.size()), false});
        group_order_.emplace_back(name);
    }
    int order = 0;
    for (const auto& d : defaults) {
        property_def p;
        p.name = d.name;
        p.label = d.label;
        p.type = d.type;
        p.field_type = d.field_type;
        p.group_name = d.group;
        p.display_order = order++;
        p.hubspot_defined = true;
        p.read_only_value = d.read_only;
        p.read_only_definition = true;
        p.archivable = false;
        p.form_field = !d.read_only;
        p.calculated = d.read_only && p.name != "hs_additional_emails";
        p.created_ms = now_ms;
        p.updated_ms = now_ms;
        if (p.name == "lifecyclestage") {
            for (const char* s : lifecycle_stages)
                p.options.push_back(property_option{s, s, "", static_cast<int>(p.options.size()), false});
        } else if (p.name == "hs_lead_status") {
            p.options = options_of({{"NEW", "New"}, {"OPEN", "Open"}, {"IN_PROGRESS", "In Progress"},
                                    {"OPEN_DEAL", "Open Deal"}, {"UNQUALIFIED", "Unqualified"},
                                    {"ATTEMPTED_TO_CONTACT", "Attempted to Contact"}, {"CONNECTED", "Connected"},
                                    {"BAD_TIMING", "Bad Timing"}});
        } else if (p.name == "hs_marketable_status") {
            p.options = options_of({{"true", "Marketing contact"}, {"false", "Non-marketing contact"}});
        } else if (p.name == "hubspot_owner_id") {
            p.external_options = true;
        }
        order_.push_back(p.name);
        props_.emplace(p.name, std::move(p));
    }
}

const property_def* property_registry::find(std::string_view name) const
{
    const auto it = props_.find(name);
    return it == props_.end() || it->second.archived ? nullptr : &it->second;
}

std::vector<const property_def*> property_registry::list(bool archived) const
{
    std::vector<const property_def*> out;
    for (const auto& n : order_) {
        const auto& p = props_.find(n)->second;
        if (p.archived == archived)
            out.push_back(&p);
    }
    return out;
}

bool property_registry::is_unique_key(std::string_view name) const
{
    if (name == "email")
        return true;
    const auto* p = find(name);
    return p && p->has_unique_value;
}

std::vector<std::string> property_registry::unique_properties() const
{
    std::vector<std::string> out;
    for (const auto& n : order_) {
        const auto& p = props_.find(n)->second;
        if (p.has_unique_value && !p.archived)
            out.push_back(n);
    }
    return out;
}

api_result<void> property_registry::check_definition(const property_def& p) const
{
    if (!valid_name(p.name))
        return validation_error("Property name '" + p.name +
                                "' is invalid: use lowercase letters, digits and underscores, starting with a letter");
    if (p.name.starts_with("hs_"))
        return validation_error("Property name '" + p.name + "' uses the reserved prefix 'hs_'");
    if (props_.contains(p.name))
        return api_error{409, "OBJECT_ALREADY_EXISTS", "A property named '" + p.name + "' already exists.", {}, {}, {}};
    if (!find_group(p.group_name))
        return validation_error("Property group '" + p.group_name + "' does not exist");
    if (!valid_field_type(p.type, p.field_type))
        return validation_error("fieldType '" + p.field_type + "' is not valid for type '" + p.type + "'");
    if (p.type == "enumeration" && p.options.empty() && !p.external_options)
        return validation_error("Enumeration properties require options");
    if (p.has_unique_value && unique_properties().size() >= max_unique_properties)
        return validation_error("An object can have at most 10 properties with unique values");
    return {};
}

api_result<const property_def*> property_registry::create(const boost::json::object& body, std::int64_t now_ms)
{
    std::vector<std::string> missing;
    for (const char* key : {"name", "label", "type", "fieldType", "groupName"})
        if (str_field(body, key).empty())
            missing.emplace_back(key);
    if (!missing.empty()) {
        std::string list;
        for (const auto& m : missing)
            list += (list.empty() ? "" : ", ") + m;
        return validation_error("Some required fields were not set: [" + list + "]");
    }
    property_def p;
    p.name = str_field(body, "name");
    p.label = str_field(body, "label");
    p.type = str_field(body, "type");
    p.field_type = str_field(body, "fieldType");
    p.group_name = str_field(body, "groupName");
    p.description = str_field(body, "description");
    auto opts = parse_options(body.if_contains("options"));
    if (!opts)
        return opts.error();
    p.options = std::move(*opts);
    for (auto [key, flag] : {std::pair{"hasUniqueValue", &p.has_unique_value}, std::pair{"hidden", &p.hidden},
                             std::pair{"formField", &p.form_field}, std::pair{"externalOptions", &p.external_options}})
        if (const auto* v = body.if_contains(key); v && v->is_bool())
            *flag = v->get_bool();
    if (const auto* d = body.if_contains("displayOrder"); d && d->is_int64())
        p.display_order = static_cast<int>(d->get_int64());
    return add(std::move(p), now_ms);
}

api_result<const property_def*> property_registry::add(property_def p, std::int64_t now_ms)
{
    if (auto ok = check_definition(p); !ok)
        return ok.error();
    p.created_ms = now_ms;
    p.updated_ms = now_ms;
    order_.push_back(p.name);
    auto [it, _] = props_.emplace(p.name, std::move(p));
    return &it->second;
}

api_result<const property_def*> property_registry::update(std::string_view name, const boost::json::object& body,
                                                          std::int64_t now_ms)
{
    auto it = props_.find(name);
    if (it == props_.end() || it->second.archived)
        return not_found_error("Unable to find property " + std::string(name));
    property_def p = it->second;
    if (p.read_only_definition)
        return validation_error("Property " + p.name + " is read-only and cannot be modified");
    if (body.contains("hasUniqueValue"))
        return validation_error("hasUniqueValue cannot be changed after a property is created");
    for (auto [key, field] : {std::pair{"label", &p.label}, std::pair{"description", &p.description},
                              std::pair{"groupName", &p.group_name}, std::pair{"type", &p.type},
                              std::pair{"fieldType", &p.field_type}})
        if (const auto* v = body.if_contains(key); v && v->is_string())
            *field = std::string(v->get_string());
    if (body.contains("options")) {
        auto opts = parse_options(body.if_contains("options"));
        if (!opts)
            return opts.error();
        p.options = std::move(*opts);
    }
    for (auto [key, flag] : {std::pair{"hidden", &p.hidden}, std::pair{"formField", &p.form_field}})
        if (const auto* v = body.if_contains(key); v && v->is_bool())
            *flag = v->get_bool();
    if (!find_group(p.group_name))
        return validation_error("Property group '" + p.group_name + "' does not exist");
    if (!valid_field_type(p.type, p.field_type))
        return validation_error("fieldType '" + p.field_type + "' is not valid for type '" + p.type + "'");
    p.updated_ms = now_ms;
    it->second = std::move(p);
    return &it->second;
}

api_result<void> property_registry::archive(std::string_view name, std::int64_t now_ms)
{
    auto it = props_.find(name);
    if (it == props_.end() || it->second.archived)
        return not_found_error("Unable to find property " + std::string(name));
    if (!it->second.archivable)
        return validation_error("Property " + it->second.name + " is a HubSpot-defined property and cannot be archived");
    it->second.archived = true;
    it->second.archived_ms = now_ms;
    return {};
}

const property_group* property_registry::find_group(std::string_view name) const
{
    const auto it = groups_.find(name);
    return it == groups_.end() || it->second.archived ? nullptr : &it->second;
}

std::vector<const property_group*> property_registry::groups() const
{
    std::vector<const property_group*> out;
    for (const auto& n : group_order_)
        out.push_back(&groups_.find(n)->second);
    return out;
}

api_result<const property_group*> property_registry::create_group(const boost::json::object& body)
{
    property_group g{str_field(body, "name"), str_field(body, "label"), -1, false};
    if (g.name.empty() || g.label.empty())
        return validation_error("Some required fields were not set: [name, label]");
    if (!valid_name(g.name))
        return validation_error("Property group name '" + g.name + "' is invalid");
    if (groups_.contains(g.name))
        return api_error{409, "OBJECT_ALREADY_EXISTS", "A property group named '" + g.name + "' already exists.",
                         {}, {}, {}};
    if (const auto* d = body.if_contains("displayOrder"); d && d->is_int64())
        g.display_order = static_cast<int>(d->get_int64());
    group_order_.push_back(g.name);
    auto [it, _] = groups_.emplace(g.name, std::move(g));
    return &it->second;
}

boost::system::result<std::string, invalid_value> property_registry::normalize(const property_def& def,
                                                                                std::string_view value,
                                                                                std::string_view current) const
{
    const std::string& n = def.name;
    if (value.empty())
        return std::string();
    if (value.size() > max_string_length)
        return invalid_value{n, "INVALID_STRING", n + " exceeds the maximum length of 65536 characters"};
    if (n == "email") {
        std::string e = to_lower(trim(value));
        if (!valid_email(e))
            return invalid_value{n, "INVALID_EMAIL", "Email address " + std::string(value) + " is invalid"};
        return e;
    }
    if (def.type == "number") {
        std::string v = trim(value);
        if (!valid_number(v))
            return invalid_value{n, "INVALID_INTEGER", std::string(value) + " was not a valid number"};
        return v;
    }
    if (def.type == "bool") {
        std::string v = to_lower(trim(value));
        if (v != "true" && v != "false")
            return invalid_value{n, "INVALID_BOOLEAN", std::string(value) + " was not a valid boolean ('true' or 'false')"};
        return v;
    }
    if (def.type == "datetime" || def.type == "date") {
        const auto ms = parse_time_value(trim(value));
        if (!ms)
            return invalid_value{n, "INVALID_DATE", std::string(value) + " was not a valid date"};
        if (def.type == "date") {
            if (*ms % 86'400'000 != 0)
                return invalid_value{n, "INVALID_DATE",
                                     std::string(value) + " is not midnight UTC; date properties take whole days"};
            return format_date(*ms);
        }
        return format_iso_ms(*ms);
    }
    if (def.type == "enumeration" && !def.external_options) {
        const bool multi = def.field_type == "checkbox";
        std::string v(value);
        if (multi && v.front() == ';' && !current.empty())
            v = std::string(current) + v;
        std::vector<std::string> parts = multi ? split(v, ';') : std::vector<std::string>{v};
        std::string allowed;
        for (const auto& o : def.options)
            allowed += (allowed.empty() ? "" : ", ") + o.value;
        for (const auto& part : parts) {
            const bool ok = std::any_of(def.options.begin(), def.options.end(),
                                        [&](const property_option& o) { return o.value == part; });
            if (!ok)
                return invalid_value{n, "INVALID_OPTION",
                                     part + " was not one of the allowed options: [" + allowed + "]"};
        }
        if (n == "lifecyclestage" && !current.empty()) {
            auto rank = [](std::string_view s) {
                return std::find(lifecycle_stages.begin(), lifecycle_stages.end(), s) - lifecycle_stages.begin();
            };
            if (rank(v) < rank(current))
                return invalid_value{n, "INVALID_OPTION",
                                     "lifecyclestage can only move forward (from " + std::string(current) + " to " + v +
                                         "); set it to \"\" first to move it backward"};
        }
        std::string joined;
        for (const auto& part : parts)
            joined += (joined.empty() ? "" : ";") + part;
        return joined;
    }
    return std::string(value);
}

} // namespace crmsync::sandbox::hubspot
