#include "tests/fakes/convergence.hpp"

#include "core/normalize.hpp"
#include "core/state_store.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <set>

namespace crmsync::test {

namespace json = boost::json;

namespace {

std::string str(const json::value* v) { return v && v->is_string() ? std::string(v->as_string()) : std::string(); }

std::string customer_email(const json::object& c)
{
    const auto* e = c.if_contains("defaultEmailAddress");
    return e && e->is_object() ? normalize_email(str(e->as_object().if_contains("emailAddress"))) : std::string();
}

std::string contact_email(const sandbox::hubspot::contact_view& k)
{
    auto e = k.properties.find("email");
    return e == k.properties.end() ? std::string() : normalize_email(e->second);
}

} // namespace

void person_edits::make(sandbox::sandbox_server& sb, std::mt19937_64& rng, int per_side, bool unshared_only)
{
    auto& shop = sb.shopify();
    auto& hs = sb.hubspot();
    auto customers = shop.list_customers();
    auto contacts = hs.list_contacts();
    if (unshared_only) {
        std::set<std::string> in_shopify, in_crm;
        for (const auto& c : customers)
            in_shopify.insert(customer_email(c.as_object()));
        for (const auto& k : contacts)
            in_crm.insert(contact_email(k));
        json::array only;
        for (auto& c : customers)
            if (!in_crm.contains(customer_email(c.as_object())))
                only.push_back(std::move(c));
        customers = std::move(only);
        std::erase_if(contacts, [&](const auto& k) { return in_shopify.contains(contact_email(k)); });
    }
    for (int i = 0; i < per_side && !customers.empty(); ++i) {
        const auto& c = customers[rng() % customers.size()].as_object();
        const auto name = "First" + std::to_string(++made);
        const auto id = str(c.if_contains("legacyResourceId"));
        if (shop.update_customer(std::stoull(id), json::object{{"firstName", name}}).has_value())
            shopify_first_name[id] = name;
    }
    for (int i = 0; i < per_side && !contacts.empty(); ++i) {
        const auto& k = contacts[rng() % contacts.size()];
        const auto city = "City" + std::to_string(++made);
        if (hs.edit_contact(k.id, {{"city", city}}).has_value())
            crm_city[k.id] = city;
    }
}

convergence_report check_convergence(sandbox::sandbox_server& sb, const person_edits& edits,
                                     const std::string& state_db)
{
    convergence_report r;
    auto& hs = sb.hubspot();
    const auto customers = sb.shopify().list_customers();
    const auto contacts = hs.list_contacts();
    r.customers = customers.size();
    r.contacts = contacts.size();

    std::map<std::string, json::object> customer_by_id;
    for (const auto& c : customers)
        customer_by_id.emplace(str(c.as_object().if_contains("legacyResourceId")), c.as_object());
    std::map<std::string, std::string> contact_of_customer, customer_of_contact;
    for (const auto& k : contacts) {
        auto cid = k.properties.find("shopify_customer_id");
        if (cid == k.properties.end() || !customer_by_id.contains(cid->second) ||
            !contact_of_customer.emplace(cid->second, k.id).second)
            ++r.unpaired;
        else
            customer_of_contact.emplace(k.id, cid->second);
    }
    r.paired = contact_of_customer.size();

    std::vector<std::pair<side, std::string>> missing; // the side the edit was made on, its record id
    for (const auto& [customer, name] : edits.shopify_first_name) {
        auto k = contact_of_customer.find(customer);
        auto contact = k == contact_of_customer.end() ? std::nullopt : hs.get_contact(k->second);
        const auto has = contact && contact->properties.contains("firstname") ? contact->properties.at("firstname")
                                                                              : std::string("-");
        if (has != name) {
            missing.emplace_back(side::shopify, customer);
            r.details += "customer " + customer + " first name " + name + " -> contact " +
                         (contact ? contact->id + " has '" + has + "'" : std::string("missing")) + "\n";
        }
    }
    for (const auto& [contact, city] : edits.crm_city) {
        auto c = customer_of_contact.find(contact);
        const auto* addr = c == customer_of_contact.end() ? nullptr
                                                          : customer_by_id.at(c->second).if_contains("defaultAddress");
        const auto has = addr && addr->is_object() ? str(addr->as_object().if_contains("city")) : std::string("-");
        if (has != city) {
            missing.emplace_back(side::crm, contact);
            r.details += "contact " + contact + " city " + city + " -> customer " +
                         (c == customer_of_contact.end() ? std::string("missing") : c->second + " has '" + has + "'") +
                         "\n";
        }
    }
    r.missing = missing.size();
    if (state_db.empty()) {
        r.unexplained = r.missing;
        return r;
    }

    auto store = state_store::open(state_db);
    if (!store) {
        r.integrity = "cannot open " + state_db + ": " + store.error().message;
        r.unexplained = r.missing;
        return r;
    }
    r.integrity = (*store)->integrity_check();
    const auto conflicts = (*store)->conflicts(false, 1'000'000);
    for (const auto& m : missing) {
        const side s = m.first; // not a structured binding: C++20 lambdas cannot capture those (clang)
        const std::string& id = m.second;
        auto link = (*store)->link_by_remote(s, id);
        const std::string field = s == side::shopify ? "first_name" : "city";
        const bool settled_against = link && std::any_of(conflicts.begin(), conflicts.end(), [&](const conflict_row& c) {
            return c.link_id == link->id && c.field == field && c.winner == to_string(other(s));
        });
        if (settled_against)
            continue;
        ++r.unexplained;
        if (link)
            for (const auto& a : (*store)->audit_of(link->id, 20))
                r.details += "  link " + std::to_string(link->id) + ": " + std::to_string(a.at_ms) + " " + a.entry + "\n";
    }
    return r;
}

} // namespace crmsync::test
