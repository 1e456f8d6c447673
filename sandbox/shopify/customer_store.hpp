#pragma once
// In-memory customers of the emulated shop, plus the search index view with its lag.
//
// Shopify answers `customers(query:)` from a search index that trails the database: a filter sees
// the record as it was indexed, while the returned node is read fresh. The store keeps, per
// customer, the versions written to the index with the time each becomes visible; search filters
// and sorts on the newest visible version and returns the current record.
//
// Not thread-safe: the emulator serialises every access under its own mutex.

#include "core/clock.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace crmsync::sandbox::shopify {

struct mailing_address {
    std::uint64_t id = 0;
    std::optional<std::string> first_name, last_name, company, address1, address2, city, province, province_code,
        country, country_code, zip, phone;
};

struct metafield {
    std::uint64_t id = 0;
    std::string name_space, key, type, value;
    wall_time created_at, updated_at;
};

struct marketing_consent {
    std::string state = "NOT_SUBSCRIBED";
    std::optional<std::string> opt_in_level = std::string("SINGLE_OPT_IN");
    std::optional<wall_time> updated_at;
    std::optional<std::string> collected_from; // SMS only
};

struct customer {
    std::uint64_t id = 0;
    std::optional<std::string> first_name, last_name, email, phone, note, multipass_identifier;
    std::string locale = "en";
    std::string state = "DISABLED";
    std::vector<std::string> tags; // kept sorted and de-duplicated case-insensitively
    bool verified_email = true;
    bool tax_exempt = false;
    bool data_sale_opt_out = false;
    std::vector<std::string> tax_exemptions;
    std::int64_t number_of_orders = 0;
    std::string amount_spent = "0.0";
    std::vector<mailing_address> addresses;
    std::optional<std::uint64_t> default_address_id;
    marketing_consent email_consent, sms_consent;
    std::vector<metafield> metafields;
    wall_time created_at, updated_at;

    const mailing_address* default_address() const;
    const metafield* find_metafield(const std::string& ns, const std::string& key) const;
    std::string display_name() const;
};

// Sorts tags and drops case-insensitive duplicates (the first spelling wins), as Shopify does.
std::vector<std::string> normalise_tags(std::vector<std::string> tags);

// One customer as the search index sees it, with the live record it points to.
struct indexed_customer {
    const customer* indexed;
    const customer* live;
};

struct custom_id_definition {
    std::string name_space, key;
};

// A metafield definition (only the CUSTOMER owner type is emulated). customerSet and
// customerByIdentifier accept a customId only when a definition of type `id` with unique values
// exists for its namespace and key.
struct metafield_definition {
    std::uint64_t id = 0;
    std::string owner_type = "CUSTOMER";
    std::string name_space, key, name, type;
    std::optional<std::string> description;
    bool unique_values = false;
};

// One change to a customer, as the webhook publisher sees it (created, updated or deleted).
// Deleted customers keep their last state: the customers/delete payload needs it.
struct customer_change {
    enum class kind { created, updated, deleted };
    kind k = kind::updated;
    std::uint64_t id = 0;
    std::optional<customer> gone; // deleted only
};

class customer_store {
public:
    customer_store();

    const customer* find(std::uint64_t id) const;
    customer* find_mutable(std::uint64_t id);
    const customer* find_by_email(const std::string& email) const; // case-insensitive
    const customer* find_by_phone(const std::string& phone) const;
    const customer* find_by_metafield(const std::string& ns, const std::string& key, const std::string& value) const;

    // Assigns ids (customer, addresses, metafields) and stamps created/updated at `now`.
    customer& insert(customer c, wall_time now);
    // Stamps updatedAt and queues the new version for the index. Call after every change.
    void touch(customer& c, wall_time now);
    bool erase(std::uint64_t id, wall_time now);
    void clear();
    // Changes since the last call, in order (insert, touch and erase record them).
    std::vector<customer_change> take_changes() { return std::exchange(changes_, {}); }

    std::uint64_t next_address_id() { return next_address_id_++; }
    std::uint64_t next_metafield_id() { return next_metafield_id_++; }

    std::size_t size() const { return customers_.size(); }
    const std::map<std::uint64_t, customer>& all() const { return customers_; }
    // Every customer the index shows at `now`, in id order.
    std::vector<indexed_customer> indexed(wall_time now) const;

    void set_index_lag(milliseconds lag) { index_lag_ = lag; }
    milliseconds index_lag() const { return index_lag_; }

    // The customer owning an address, or null when no customer has it.
    const customer* address_owner(std::uint64_t address_id) const;

    // Metafield definitions, in creation (id) order.
    const metafield_definition* find_definition(const std::string& owner_type, const std::string& ns,
                                                const std::string& key) const;
    const std::vector<metafield_definition>& definitions() const { return definitions_; }
    // Assigns the id. Precondition: no definition with the same owner type, namespace and key.
    const metafield_definition& add_definition(metafield_definition d);
    // How many customers hold a metafield under that namespace and key.
    std::size_t metafield_count(const std::string& ns, const std::string& key) const;

    // Shortcut for the control API: a CUSTOMER definition of type `id` with unique values, unless
    // one already exists for that namespace and key.
    void define_custom_id(const custom_id_definition& d);
    // Whether a customId may name (namespace, key): a CUSTOMER definition of type `id` with unique values.
    bool has_custom_id(const std::string& ns, const std::string& key) const;

private:
    struct index_version {
        wall_time visible_at;
        std::optional<customer> snapshot; // nullopt: deleted
    };
    void index(std::uint64_t id, const customer* c, wall_time now);
    // Lookup keys of the current records (e-mail as stored, lowercased; phone; "ns\0key\0value" of each
    // metafield), kept by index(), so that finding by them does not scan every customer.
    struct lookup_keys {
        std::optional<std::string> email, phone;
        std::vector<std::string> metafields;
    };
    static lookup_keys keys_of(const customer& c);
    static const customer* lowest(const std::multimap<std::string, std::uint64_t>& m, const std::string& key,
                                  const std::map<std::uint64_t, customer>& customers);
    void prune(std::deque<index_version>& versions, wall_time now) const;

    std::map<std::uint64_t, customer> customers_;
    mutable std::map<std::uint64_t, std::deque<index_version>> index_;
    std::map<std::uint64_t, lookup_keys> keys_;
    std::multimap<std::string, std::uint64_t> by_email_, by_phone_, by_metafield_;
    std::vector<metafield_definition> definitions_;
    std::uint64_t next_id_;
    std::uint64_t next_address_id_;
    std::uint64_t next_metafield_id_;
    std::uint64_t next_definition_id_;
    milliseconds index_lag_{0};
    std::vector<customer_change> changes_;
};

} // namespace crmsync::sandbox::shopify
