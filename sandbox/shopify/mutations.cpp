// Mutation resolvers: customerCreate, customerUpdate, customerSet, customerDelete, the two
// consent mutations and tagsAdd/tagsRemove, with Shopify's validation rules and userErrors texts
// (fixtures in tests/data/shopify); the dispatcher also routes the address mutations
// (addresses.cpp) and metafieldDefinitionCreate (metafield_definitions.cpp).
// Precondition: the caller holds the emulator's lock.

#include "sandbox/shopify/addresses.hpp"
#include "sandbox/shopify/executor.hpp"
#include "sandbox/shopify/formats.hpp"
#include "sandbox/shopify/metafield_definitions.hpp"

#include <algorithm>
#include <cctype>

namespace crmsync::sandbox::shopify {
namespace json = boost::json;
namespace {

struct error_sink {
    json::array& out;
    bool with_input_prefix; // customerSet paths start with "input"
    bool with_code;

    void add(std::vector<std::string> field, std::string message, const char* code = "INVALID") const
    {
        json::object e;
        if (field.empty() && !with_input_prefix) {
            e["field"] = nullptr;
        } else {
            json::array f;
            if (with_input_prefix)
                f.push_back("input");
            for (auto& s : field)
                f.push_back(json::value(s));
            e["field"] = std::move(f);
        }
        e["message"] = std::move(message);
        if (with_code)
            e["code"] = code ? json::value(code) : json::value(nullptr);
        out.push_back(std::move(e));
    }
};

const json::value* get(const json::object& o, const char* key) { return o.if_contains(key); }

std::optional<std::string> str(const json::object& o, const char* key)
{
    const json::value* v = o.if_contains(key);
    return v && v->is_string() ? std::optional<std::string>(std::string(v->as_string())) : std::nullopt;
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

std::string normalise_email(const std::string& raw)
{
    std::string out;
    for (char c : raw)
        if (!std::isspace(static_cast<unsigned char>(c)))
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool valid_email(const std::string& e)
{
    auto at = e.find('@');
    if (at == std::string::npos || at == 0 || at > 64 || e.find('@', at + 1) != std::string::npos)
        return false;
    std::string domain = e.substr(at + 1);
    auto dot = domain.rfind('.');
    return dot != std::string::npos && dot > 0 && dot + 2 <= domain.size() && domain.find("..") == std::string::npos;
}

bool valid_locale(const std::string& l)
{
    if (l.size() == 2)
        return std::isalpha(static_cast<unsigned char>(l[0])) && std::isalpha(static_cast<unsigned char>(l[1]));
    return l.size() == 5 && (l[2] == '-' || l[2] == '_') && std::isalpha(static_cast<unsigned char>(l[0])) &&
           std::isalpha(static_cast<unsigned char>(l[3]));
}

std::vector<std::string> tags_of(const json::value& v)
{
    std::vector<std::string> out;
    if (!v.is_array())
        return out;
    for (const auto& t : v.as_array()) {
        // Shopify splits comma-separated tags.
        std::string s(t.as_string());
        std::size_t start = 0;
        for (;;) {
            auto comma = s.find(',', start);
            out.push_back(s.substr(start, comma - start));
            if (comma == std::string::npos)
                break;
            start = comma + 1;
        }
    }
    return out;
}

// Applies profile fields of a CustomerInput / CustomerSetInput onto `c`, validating as Shopify
// does. Returns false (with errors recorded) when nothing may be written.
bool apply_profile(const json::object& in, customer& c, const customer_store& store, const error_sink& errors)
{
    std::size_t before = errors.out.size();
    auto too_long = [&](const std::optional<std::string>& v, const char* field, const char* label, std::size_t max) {
        if (v && v->size() > max)
            errors.add({field}, std::string(label) + " is too long (maximum is " + std::to_string(max) + " characters)",
                       "TOO_LONG");
    };
    if (const json::value* v = get(in, "email")) {
        if (v->is_null() || blank(std::string(v->as_string()))) {
            c.email.reset();
        } else {
            std::string e = normalise_email(std::string(v->as_string()));
            if (e.size() > 255)
                errors.add({"email"}, "Email is too long (maximum is 255 characters)", "TOO_LONG");
            if (!valid_email(e))
                errors.add({"email"}, "Email is invalid");
            else if (const customer* other = store.find_by_email(e); other && other->id != c.id)
                errors.add({"email"}, "Email has already been taken", "TAKEN");
            c.email = e;
        }
    }
    if (const json::value* v = get(in, "phone")) {
        if (v->is_null() || blank(std::string(v->as_string()))) {
            c.phone.reset();
        } else if (std::string raw(v->as_string()); raw.size() > 255) {
            errors.add({"phone"}, "Phone is too long (maximum is 255 characters)", "TOO_LONG");
            errors.add({"phone"}, "Phone is invalid");
        } else if (auto p = normalise_phone(raw)) {
            if (const customer* other = store.find_by_phone(*p); other && other->id != c.id)
                errors.add({"phone"}, "Phone has already been taken", "TAKEN");
            c.phone = *p;
        } else {
            errors.add({"phone"}, "Phone is invalid");
        }
    }
    auto name = [&](const char* key, std::optional<std::string>& field) {
        if (const json::value* v = get(in, key)) {
            if (v->is_null() || blank(std::string(v->as_string())))
                field.reset();
            else
                field = std::string(v->as_string());
        }
    };
    name("firstName", c.first_name);
    name("lastName", c.last_name);
    too_long(c.first_name, "firstName", "First name", 255);
    too_long(c.last_name, "lastName", "Last name", 255);
    if (const json::value* v = get(in, "note")) {
        c.note = v->is_null() ? std::nullopt : std::optional<std::string>(std::string(v->as_string()));
        too_long(c.note, "note", "Note", 5000);
    }
    if (const json::value* v = get(in, "locale"); v && v->is_string()) {
        if (!valid_locale(std::string(v->as_string())))
            errors.add({"locale"}, "Locale is invalid");
        else
            c.locale = std::string(v->as_string());
    }
    if (const json::value* v = get(in, "tags")) {
        std::vector<std::string> tags = normalise_tags(tags_of(*v));
        if (tags.size() > 250)
            errors.add({"tags"}, "Tags cannot be more than 250");
        for (const auto& t : tags)
            if (t.size() > 255) {
                errors.add({"tags"}, "Tags is too long (maximum is 255 characters)", "TOO_LONG");
                break;
            }
        c.tags = std::move(tags);
    }
    if (const json::value* v = get(in, "taxExempt")) {
        if (v->is_null())
            errors.add({"taxExempt"}, "Tax exempt is of unexpected type NilClass");
        else
            c.tax_exempt = v->as_bool();
    }
    if (const json::value* v = get(in, "taxExemptions"); v && v->is_array()) {
        c.tax_exemptions.clear();
        for (const auto& t : v->as_array())
            c.tax_exemptions.emplace_back(t.as_string());
    }
    if (auto m = str(in, "multipassIdentifier"))
        c.multipass_identifier = m;
    if (errors.out.size() == before && !c.first_name && !c.last_name && !c.email && !c.phone)
        errors.add({}, "A name, phone number, or email address must be present", "BLANK");
    return errors.out.size() == before;
}

address_error_at list_errors(const error_sink& errors)
{
    return [&errors](std::vector<std::string> field, std::string message) { errors.add(std::move(field), std::move(message)); };
}

// Nested input Shopify refuses before anything else: ids of addresses and metafields on creation
// (the first one found), and metafield types it does not know.
bool check_nested_input(const json::object& in, const error_sink& errors, bool creating)
{
    for (const char* list : {"addresses", "metafields"}) {
        const json::value* v = get(in, list);
        if (!creating || !v || !v->is_array())
            continue;
        for (std::size_t i = 0; i < v->as_array().size(); ++i)
            if (const json::value* id = v->as_array()[i].as_object().if_contains("id"); id && !id->is_null()) {
                errors.add({list, std::to_string(i), "id"},
                           std::string("Cannot specify ") + (list == std::string_view("addresses") ? "address" : "metafield") +
                               " ID on creation");
                return false;
            }
    }
    std::size_t before = errors.out.size();
    if (const json::value* v = get(in, "metafields"); v && v->is_array())
        for (std::size_t i = 0; i < v->as_array().size(); ++i)
            if (auto type = str(v->as_array()[i].as_object(), "type"); type && !known_metafield_type(*type))
                errors.add({"metafields", std::to_string(i), "type"}, "Type must be one of the following: " + metafield_type_list() + ".");
    return errors.out.size() == before;
}

void apply_metafields(const json::object& in, customer& c, customer_store& store, wall_time now)
{
    const json::value* v = get(in, "metafields");
    if (!v || !v->is_array())
        return;
    for (const auto& item : v->as_array()) {
        const json::object& o = item.as_object();
        std::string ns = str(o, "namespace").value_or("custom"), key = str(o, "key").value_or("");
        metafield* existing = nullptr;
        for (auto& m : c.metafields)
            if (m.name_space == ns && m.key == key)
                existing = &m;
        if (!existing) {
            c.metafields.push_back(metafield{store.next_metafield_id(), ns, key, str(o, "type").value_or("single_line_text_field"),
                                             "", truncate_to_seconds(now), truncate_to_seconds(now)});
            existing = &c.metafields.back();
        }
        existing->value = str(o, "value").value_or("");
        if (auto t = str(o, "type"))
            existing->type = *t;
        existing->updated_at = truncate_to_seconds(now);
    }
}

bool accepted_consent_state(const std::string& s) { return s == "SUBSCRIBED" || s == "UNSUBSCRIBED" || s == "PENDING"; }

// Returns a top-level error when the state may not be written.
std::optional<json::object> check_consent_state(const json::object* consent)
{
    if (!consent)
        return std::nullopt;
    std::string state = str(*consent, "marketingState").value_or(str(*consent, "state").value_or(""));
    if (!state.empty() && !accepted_consent_state(state))
        return json::object{{"message", "Cannot specify " + state + " as a marketing state input"}, {"code", "INVALID"}};
    return std::nullopt;
}

void apply_consent(const json::object& in, marketing_consent& mc, wall_time now, bool sms)
{
    mc.state = str(in, "marketingState").value_or(mc.state);
    mc.opt_in_level = str(in, "marketingOptInLevel").value_or("SINGLE_OPT_IN");
    if (auto at = str(in, "consentUpdatedAt"); at && parse_time(*at))
        mc.updated_at = truncate_to_seconds(parse_time(*at)->at);
    else
        mc.updated_at = truncate_to_seconds(now);
    if (sms)
        mc.collected_from = "OTHER";
}

const json::object* object_at(const json::object& o, const char* key)
{
    const json::value* v = o.if_contains(key);
    return v && v->is_object() ? &v->as_object() : nullptr;
}

mutation_outcome customer_create(const json::object& in, customer_store& store, wall_time now)
{
    mutation_outcome r;
    error_sink errors{r.user_errors, false, false};
    for (const char* key : {"emailMarketingConsent", "smsMarketingConsent", "whatsAppMarketingConsent"})
        if (auto e = check_consent_state(object_at(in, key))) {
            r.top_error = e;
            return r;
        }
    if (const json::value* id = get(in, "id"); id && !id->is_null()) {
        errors.add({"id"}, "Cannot specify ID on creation");
        return r;
    }
    if (!check_nested_input(in, errors, true))
        return r;
    customer c;
    if (!apply_profile(in, c, store, errors))
        return r;
    const json::object* email_consent = object_at(in, "emailMarketingConsent");
    const json::object* sms_consent = object_at(in, "smsMarketingConsent");
    if (email_consent && !c.email)
        errors.add({"emailMarketingConsent"}, "An email address is required to set the email marketing consent state.");
    if (sms_consent && !c.phone)
        errors.add({"smsMarketingConsent"}, "A phone number is required to set the SMS consent state.");
    if (object_at(in, "whatsAppMarketingConsent") && !c.phone)
        errors.add({"whatsAppMarketingConsent"}, "A phone number is required to set the WhatsApp consent state.");
    if (!r.user_errors.empty())
        return r;
    if (!apply_address_list(in, c, store, list_errors(errors), false))
        return r;
    if (email_consent)
        apply_consent(*email_consent, c.email_consent, now, false);
    if (sms_consent)
        apply_consent(*sms_consent, c.sms_consent, now, true);
    apply_metafields(in, c, store, now);
    r.result = &store.insert(std::move(c), now);
    r.changed = true;
    return r;
}

mutation_outcome customer_update(const json::object& in, customer_store& store, wall_time now)
{
    mutation_outcome r;
    error_sink errors{r.user_errors, false, false};
    bool consent = false;
    for (const auto& [key, mutation] : {std::pair{"emailMarketingConsent", "customerEmailMarketingConsentUpdate"},
                                        std::pair{"smsMarketingConsent", "customerSmsMarketingConsentUpdate"},
                                        std::pair{"whatsAppMarketingConsent", "customerWhatsAppMarketingConsentUpdate"}})
        if (in.contains(key)) {
            errors.add({key}, std::string("To update ") + key + ", please use the " + mutation + " Mutation instead");
            consent = true;
        }
    if (consent)
        return r;
    auto id = str(in, "id") ? parse_gid(*str(in, "id"), "Customer") : std::nullopt;
    customer* existing = id ? store.find_mutable(*id) : nullptr;
    if (!existing) {
        errors.add({"id"}, "Customer does not exist");
        return r;
    }
    if (!check_nested_input(in, errors, false))
        return r;
    customer next = *existing;
    if (!apply_profile(in, next, store, errors) || !apply_address_list(in, next, store, list_errors(errors), false))
        return r;
    apply_metafields(in, next, store, now);
    *existing = std::move(next);
    store.touch(*existing, now);
    r.result = existing;
    r.changed = true;
    return r;
}

mutation_outcome customer_set(const json::object& args, customer_store& store, wall_time now)
{
    mutation_outcome r;
    error_sink errors{r.user_errors, true, true};
    const json::object& in = args.at("input").as_object();
    const json::object* ident = object_at(args, "identifier");
    customer* target = nullptr;
    if (ident) {
        if (const json::value* id = get(in, "id"); id && !id->is_null()) {
            errors.add({}, "The id field is not allowed if identifier is provided.", "ID_NOT_ALLOWED");
            return r;
        }
        if (auto gid = str(*ident, "id")) {
            auto n = parse_gid(*gid, "Customer");
            target = n ? store.find_mutable(*n) : nullptr;
            if (!target) {
                errors.add({}, "Resource matching the identifier was not found.", "NOT_FOUND");
                return r;
            }
        } else if (const json::object* custom = object_at(*ident, "customId")) {
            std::string ns = str(*custom, "namespace").value_or("custom"), key = str(*custom, "key").value_or("");
            if (!store.has_custom_id(ns, key)) {
                r.top_error = json::object{{"message", "Metafield definition of type 'id' is required when using custom ids."},
                                           {"code", "NOT_FOUND"}};
                return r;
            }
            std::string value = str(*custom, "value").value_or("");
            if (const customer* c = store.find_by_metafield(ns, key, value))
                target = store.find_mutable(c->id);
        } else {
            bool by_email = ident->contains("email");
            const char* field = by_email ? "email" : "phone";
            auto wanted = str(*ident, field);
            auto given = str(in, field);
            if (!given) {
                errors.add({}, "The input field corresponding to the identifier is required.", "MISSING_FIELD_REQUIRED");
                return r;
            }
            bool same = by_email ? normalise_email(*wanted) == normalise_email(*given)
                                 : normalise_phone(*wanted).value_or(*wanted) == normalise_phone(*given).value_or(*given);
            if (!same) {
                errors.add({}, "The identifier value does not match the value of the corresponding field in the input.",
                           "INPUT_MISMATCH");
                return r;
            }
            const customer* c = by_email ? store.find_by_email(normalise_email(*wanted))
                                         : store.find_by_phone(normalise_phone(*wanted).value_or(*wanted));
            if (c)
                target = store.find_mutable(c->id);
        }
    } else if (auto gid = str(in, "id")) {
        auto n = parse_gid(*gid, "Customer");
        target = n ? store.find_mutable(*n) : nullptr;
        if (!target) {
            errors.add({}, "Resource matching the identifier was not found.", "NOT_FOUND");
            return r;
        }
    }
    customer next = target ? *target : customer{};
    if (!apply_profile(in, next, store, errors) || !apply_address_list(in, next, store, list_errors(errors), true))
        return r;
    if (target) {
        *target = std::move(next);
        store.touch(*target, now);
        r.result = target;
    } else {
        if (ident)
            if (const json::object* custom = object_at(*ident, "customId"))
                next.metafields.push_back(metafield{0, str(*custom, "namespace").value_or("custom"),
                                                    str(*custom, "key").value_or(""), "id", str(*custom, "value").value_or(""),
                                                    {}, {}});
        r.result = &store.insert(std::move(next), now);
    }
    r.changed = true;
    return r;
}

mutation_outcome customer_delete(const json::object& in, customer_store& store, wall_time now)
{
    mutation_outcome r;
    error_sink errors{r.user_errors, false, false};
    auto id = parse_gid(std::string(in.at("id").as_string()), "Customer");
    const customer* c = id ? store.find(*id) : nullptr;
    if (!c) {
        errors.add({"id"}, "Customer can't be found");
        return r;
    }
    if (c->number_of_orders > 0) {
        errors.add({"id"}, "Customer can\u2019t be deleted because they have associated orders");
        return r;
    }
    r.deleted_id = customer_gid(c->id);
    store.erase(c->id, now);
    r.changed = true;
    return r;
}

mutation_outcome consent_update(const json::object& in, customer_store& store, wall_time now, bool sms)
{
    mutation_outcome r;
    error_sink errors{r.user_errors, false, true};
    const char* key = sms ? "smsMarketingConsent" : "emailMarketingConsent";
    const json::object* consent = object_at(in, key);
    if (auto e = check_consent_state(consent)) {
        r.top_error = e;
        return r;
    }
    auto id = parse_gid(std::string(in.at("customerId").as_string()), "Customer");
    customer* c = id ? store.find_mutable(*id) : nullptr;
    if (!c) {
        // The two mutations disagree here (captured): the SMS one names no field and no code.
        if (sms)
            r.user_errors.push_back(json::object{{"field", nullptr}, {"message", "Customer not found"}, {"code", nullptr}});
        else
            errors.add({"input", "customerId"}, "Customer not found");
        return r;
    }
    if (sms && !c->phone) {
        errors.add({"input", "smsMarketingConsent"}, "A phone number is required to set the SMS consent state.");
        return r;
    }
    if (!sms && !c->email) {
        errors.add({"input", "emailMarketingConsent"}, "An email address is required to set the email marketing consent state.");
        return r;
    }
    if (str(*consent, "marketingState") == std::optional<std::string>("PENDING") &&
        str(*consent, "marketingOptInLevel") != std::optional<std::string>("CONFIRMED_OPT_IN")) {
        errors.add({"input", key, "marketingOptInLevel"},
                   "Marketing opt in level must be confirmed opt-in for pending consent state");
        return r;
    }
    if (auto at = str(*consent, "consentUpdatedAt"); at && parse_time(*at) && parse_time(*at)->at > now) {
        errors.add({"input", key, "consentUpdatedAt"}, "Consent updated at cannot be in the future");
        return r;
    }
    apply_consent(*consent, sms ? c->sms_consent : c->email_consent, now, sms);
    store.touch(*c, now);
    r.result = c;
    r.changed = true;
    return r;
}

// tagsAdd / tagsRemove on a customer: the tag set changes without replacing it. updatedAt moves
// only when the set changed.
mutation_outcome tags_update(const json::object& args, customer_store& store, wall_time now, bool add)
{
    mutation_outcome r;
    error_sink errors{r.user_errors, false, false};
    std::string gid(args.at("id").as_string());
    if (gid_type(gid) != std::optional<std::string>("Customer")) {
        r.top_error = json::object{{"message", std::string(add ? "tagsAdd" : "tagsRemove") + " is only emulated for customers"},
                                   {"code", "FIELD_NOT_EMULATED"}};
        return r;
    }
    auto id = parse_gid(gid, "Customer");
    customer* c = id ? store.find_mutable(*id) : nullptr;
    if (!c) {
        errors.add({"id"}, "Resource not found");
        return r;
    }
    std::vector<std::string> given = normalise_tags(tags_of(args.at("tags")));
    std::vector<std::string> next = c->tags;
    if (add) {
        next.insert(next.end(), given.begin(), given.end());
        next = normalise_tags(std::move(next));
    } else {
        std::erase_if(next, [&](const std::string& t) {
            return std::any_of(given.begin(), given.end(), [&](const std::string& g) { return to_lower(g) == to_lower(t); });
        });
    }
    if (next.size() > 250) {
        errors.add({"tags"}, "Tags cannot be more than 250");
        return r;
    }
    for (const auto& t : next)
        if (t.size() > 255) {
            errors.add({"tags"}, "Tags is too long (maximum is 255 characters)");
            return r;
        }
    r.result = c;
    if (next != c->tags) {
        c->tags = std::move(next);
        store.touch(*c, now);
        r.changed = true;
    }
    return r;
}

} // namespace

mutation_outcome run_mutation(const std::string& name, const json::object& args, customer_store& store, wall_time now)
{
    if (name == "customerCreate")
        return customer_create(args.at("input").as_object(), store, now);
    if (name == "customerUpdate")
        return customer_update(args.at("input").as_object(), store, now);
    if (name == "customerSet")
        return customer_set(args, store, now);
    if (name == "customerDelete")
        return customer_delete(args.at("input").as_object(), store, now);
    if (name == "customerEmailMarketingConsentUpdate")
        return consent_update(args.at("input").as_object(), store, now, false);
    if (name == "customerSmsMarketingConsentUpdate")
        return consent_update(args.at("input").as_object(), store, now, true);
    if (is_address_mutation(name))
        return run_address_mutation(name, args, store, now);
    if (name == "tagsAdd" || name == "tagsRemove")
        return tags_update(args, store, now, name == "tagsAdd");
    if (name == "metafieldDefinitionCreate")
        return metafield_definition_create(args, store);
    mutation_outcome r;
    r.top_error = json::object{{"message", "Mutation '" + name + "' is not emulated"}, {"code", "FIELD_NOT_EMULATED"}};
    return r;
}

} // namespace crmsync::sandbox::shopify
