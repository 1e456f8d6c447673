#include "config/sync_section.hpp"

#include "config/suggest.hpp"
#include "connectors/shopify/settings.hpp"

#include <limits>
#include <map>
#include <set>

namespace crmsync::config_detail {
namespace {

constexpr std::string_view default_fields_source = "default_fields.yaml";
constexpr std::string_view fields_path = "sync.fields";

bool is_canonical_name(std::string_view s)
{
    if (s.empty() || s[0] < 'a' || s[0] > 'z')
        return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    return true;
}

std::optional<std::string> required_string(config_section& s, std::string_view key)
{
    if (!s.has(key)) {
        s.error(key, "missing required key '" + std::string(key) + "'");
        return std::nullopt;
    }
    auto v = s.get_string(key);
    if (v && v->empty()) {
        s.error(key, "must not be empty");
        return std::nullopt;
    }
    return v;
}

bool writes_shopify(field_direction d) { return d != field_direction::to_crm; }
bool writes_crm(field_direction d) { return d != field_direction::to_shopify; }

// Checks one side's field name against its catalog: known, and writable if the direction writes it.
class side_check {
public:
    side_check(std::string label, const field_catalog& catalog, field_direction source_only)
        : label_(std::move(label)), catalog_(catalog), source_only_(source_only)
    {
        for (const auto& f : catalog_.known)
            names_.push_back(f.name);
    }

    // `writes`: whether the field's direction writes to this side. Records an error and returns false
    // on a problem; `writers` remembers who writes what, so two mappings never write one field.
    bool check(config_section& item, std::string_view key, const std::string& name, field_direction dir, bool writes)
    {
        auto writable = catalog_.writable(name);
        if (!writable) {
            item.error(key, "unknown " + label_ + " field '" + name + "'" +
                                (catalog_.open ? " (not a known field, nor a valid custom field name)" : "") +
                                did_you_mean(name, names_));
            return false;
        }
        if (!writes)
            return true;
        if (!*writable) {
            item.error(key, label_ + " field '" + name + "' is read-only, but direction '" +
                                std::string(to_string(dir)) + "' writes to it (a read-only field can only be a " +
                                "source: use direction: " + std::string(to_string(source_only_)) + ")");
            return false;
        }
        if (auto [at, inserted] = writers_.emplace(name, item.path()); !inserted) {
            item.error(key, label_ + " field '" + name + "' is already written by " + at->second +
                                "; two mappings cannot write one field");
            return false;
        }
        return true;
    }

private:
    std::string label_;
    const field_catalog& catalog_;
    field_direction source_only_;
    std::vector<std::string_view> names_;
    std::map<std::string, std::string, std::less<>> writers_;
};

class field_list_parser {
public:
    explicit field_list_parser(const crm_registration* crm)
        : shopify_("Shopify", shopify::catalog(), field_direction::to_crm)
    {
        if (crm)
            crm_.emplace(std::string(crm->type), crm->catalog(), field_direction::to_shopify);
    }

    void add(config_section& item)
    {
        field_spec f;
        auto name = required_string(item, "name");
        auto shopify_name = required_string(item, "shopify");
        auto crm_name = required_string(item, "crm");
        bool item_ok = name && shopify_name && crm_name;
        if (item.has("direction")) {
            auto d = get_choice(item, "direction",
                                {field_direction::both, field_direction::to_crm, field_direction::to_shopify});
            item_ok = item_ok && d;
            f.direction = d.value_or(f.direction);
        }
        if (item.has("normalize")) {
            auto n = get_choice(item, "normalize",
                                {normalizer::text, normalizer::email, normalizer::phone, normalizer::tags,
                                 normalizer::decimal, normalizer::exact});
            item_ok = item_ok && n;
            f.normalize = n.value_or(f.normalize);
        }
        if (item.has("conflict")) {
            f.conflict = get_choice(item, "conflict",
                                    {conflict_policy::newest_wins, conflict_policy::shopify_wins,
                                     conflict_policy::crm_wins, conflict_policy::manual});
            item_ok = item_ok && f.conflict;
        }
        if (item.has("propagate_empty")) {
            auto b = item.get_bool("propagate_empty");
            item_ok = item_ok && b;
            f.propagate_empty = b.value_or(false);
        }
        if (name) {
            if (!is_canonical_name(*name)) {
                item.error("name", "invalid field name '" + *name +
                                       "': use lower-case letters, digits and '_', starting with a letter");
                item_ok = false;
            } else if (auto [at, inserted] = names_.emplace(*name, item.path()); !inserted) {
                item.error("name", "duplicate field name '" + *name + "' (also " + at->second + ")");
                item_ok = false;
            }
        }
        if (shopify_name && !shopify_.check(item, "shopify", *shopify_name, f.direction, writes_shopify(f.direction)))
            item_ok = false;
        if (crm_name && crm_ && !crm_->check(item, "crm", *crm_name, f.direction, writes_crm(f.direction)))
            item_ok = false;
        ok_ = ok_ && item_ok;
        if (item_ok) {
            f.name = std::move(*name);
            f.shopify = std::move(*shopify_name);
            f.crm = std::move(*crm_name);
            fields_.push_back(std::move(f));
        }
    }

    bool ok() const { return ok_; }
    std::vector<field_spec> take() { return std::move(fields_); }

private:
    side_check shopify_;
    std::optional<side_check> crm_;
    std::map<std::string, std::string, std::less<>> names_;
    std::vector<field_spec> fields_;
    bool ok_ = true;
};

// The list under `sync.fields`, or the built-in default mapping. nullopt when it has errors.
std::optional<std::vector<field_spec>> parse_fields(yaml_section* section, const crm_registration* crm,
                                                    const env_lookup& env, std::vector<config_error>& errors)
{
    field_list_parser parser(crm);
    using kind = yaml_section::kind;
    const kind k = section ? section->kind_of("fields") : kind::absent;
    if (k == kind::sequence) {
        // Items that are not mappings are reported by get_section_list and left out of `items`.
        const std::size_t errors_before = errors.size();
        auto items = section->get_section_list("fields");
        const bool bad_items = errors.size() != errors_before;
        if (items.empty() && !bad_items) {
            section->error("fields", "the field list is empty; list at least one field, or write 'default'");
            return std::nullopt;
        }
        for (auto& item : items)
            parser.add(*item);
        if (bad_items)
            return std::nullopt;
    } else if (k == kind::scalar) {
        auto word = section->get_string("fields");
        if (!word)
            return std::nullopt;
        if (*word != "default") {
            section->error("fields", "expected 'default' or a list of field mappings, found '" + *word + "'");
            return std::nullopt;
        }
    } else if (k != kind::absent) {
        section->error("fields", k == kind::null ? "expected 'default' or a list of field mappings, found an empty value"
                                                 : "expected 'default' or a list of field mappings, found a mapping");
        return std::nullopt;
    }
    if (k != kind::sequence) {
        yaml_document defaults(std::string(default_fields_source), env, errors);
        if (!defaults.load(default_fields_yaml()))
            return std::nullopt;
        for (auto& item : defaults.root_items(std::string(fields_path)))
            parser.add(*item);
        defaults.finish();
    }
    if (!parser.ok())
        return std::nullopt;
    return parser.take();
}

void parse_match_on(yaml_section& s, std::vector<std::string>& match_on)
{
    auto list = s.get_string_list("match_on");
    if (!list)
        return;
    if (list->empty()) {
        s.error("match_on", "must name at least one of 'email', 'phone'");
        return;
    }
    std::set<std::string> seen;
    for (const auto& m : *list) {
        if (m != "email" && m != "phone") {
            static constexpr std::string_view allowed[] = {"email", "phone"};
            s.error("match_on", "invalid value '" + m + "'; expected 'email' or 'phone'" + did_you_mean(m, allowed));
            return;
        }
        if (!seen.insert(m).second) {
            s.error("match_on", "'" + m + "' is listed twice");
            return;
        }
    }
    match_on = std::move(*list);
}

} // namespace

sync_settings parse_sync(yaml_section* section, const crm_registration* crm, const env_lookup& env,
                         std::vector<config_error>& errors)
{
    sync_settings out;
    if (section) {
        auto& s = *section;
        out.direction = get_choice(s, "direction", {sync_direction::two_way, sync_direction::shopify_to_crm,
                                                    sync_direction::crm_to_shopify})
                            .value_or(out.direction);
        out.create_in_crm = s.get_bool("create_in_crm").value_or(out.create_in_crm);
        out.create_in_shopify = s.get_bool("create_in_shopify").value_or(out.create_in_shopify);
        parse_match_on(s, out.match_on);
        const std::initializer_list<conflict_policy> policies{conflict_policy::newest_wins, conflict_policy::shopify_wins,
                                                              conflict_policy::crm_wins, conflict_policy::manual};
        out.conflict = get_choice(s, "conflict", policies).value_or(out.conflict);
        out.initial_conflict = get_choice(s, "initial_conflict", policies).value_or(out.initial_conflict);
        out.deletes = get_choice(s, "deletes", {delete_policy::keep, delete_policy::propagate}).value_or(out.deletes);
        out.gdpr_delete_in_crm = s.get_bool("gdpr_delete_in_crm").value_or(out.gdpr_delete_in_crm);
        out.max_changes_per_cycle = s.get_int("max_changes_per_cycle", 1, std::numeric_limits<std::int64_t>::max())
                                        .value_or(out.max_changes_per_cycle);
        out.reconcile_interval = s.get_duration("reconcile_interval", std::chrono::seconds{1}, std::chrono::hours{24 * 7})
                                     .value_or(out.reconcile_interval);
        if (auto share = s.get_double("max_share", 0.0, 1.0)) {
            if (*share <= 0.0)
                s.error("max_share", "must be greater than 0 (a fraction of each API budget, at most 1)");
            else
                out.max_share = *share;
        }
    }
    auto fields = parse_fields(section, crm, env, errors);
    if (!fields)
        return out;
    out.fields = std::move(*fields);
    for (const auto& m : out.match_on) {
        bool mapped = false;
        for (const auto& f : out.fields)
            mapped = mapped || f.name == m;
        if (!mapped && section)
            section->error("match_on", "matching on '" + m + "' needs a field named '" + m + "' in sync.fields");
    }
    return out;
}

} // namespace crmsync::config_detail
