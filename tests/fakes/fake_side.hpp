#pragma once
// An in-memory stand-in for one side's API, implementing crmsync::connector, for property tests that
// drive the engine step by step. It behaves like the real APIs where it matters to the invariants:
// e-mails are unique among live records, creates are upserts on the peer id (Shopify customId, HubSpot
// shopify_customer_id) and refuse a taken e-mail with the holder's id (HubSpot 409, Shopify "taken"),
// every write bumps updated_at, deletions are reported by fetch_changes as deleted records. It can
// misbehave on request: fail writes before applying them, apply them and lose the response, and serve
// duplicated, reordered and stale (older) observations. Vocabulary = canonical field names.

#include "core/clock.hpp"
#include "core/connector.hpp"

#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace crmsync::test {

struct fake_faults {
    double fail_write = 0;    // the write is refused (retryable) before it is applied
    double lose_response = 0; // the write is applied, then the response is lost (retryable)
    double duplicate = 0;     // a record is observed twice in a page
    double stale = 0;         // an older version of a record is observed too
    double reorder = 0;       // a page is shuffled
    // Whether fetch_changes reports deleted records (HubSpot does not in search, Shopify has no feed at
    // all): when false, deletions are only found by id reconciliation.
    bool feed_reports_deletes = true;
};

class fake_side final : public connector {
public:
    struct version {
        std::int64_t updated_at_ms = 0;
        field_map fields;
        bool deleted = false;
    };
    struct fake_record {
        std::string id;
        std::string peer_key;          // creates are upserts on this
        std::vector<version> history;  // oldest first; back() is current
        const version& now() const { return history.back(); }
    };

    // `reformat_phone`: the side stores phones in its own format (like a CRM that keeps what people type).
    fake_side(std::string name, const clock& clk, std::uint64_t seed, bool reformat_phone = false);

    // Acting as a person.
    std::string person_create(field_map fields);
    bool person_edit(const std::string& id, const field_map& changes); // false: no such live record / e-mail taken
    bool person_delete(const std::string& id);

    const std::map<std::string, fake_record>& records() const { return records_; }
    std::vector<const fake_record*> live() const;
    std::uint64_t writes() const { return writes_; }
    fake_faults faults;
    // Test diagnostics: called for every write the API applied (and whether its response is lost).
    std::function<void(const write_op&, const write_result&, bool lost)> on_write;

    // connector
    std::string_view name() const override { return name_; }
    const field_catalog& catalog() const override;
    boost::asio::awaitable<outcome<void>> prepare() override;
    boost::asio::awaitable<outcome<std::vector<std::string>>> check() override;
    boost::asio::awaitable<outcome<change_page>> fetch_changes(change_query q) override;
    boost::asio::awaitable<outcome<std::vector<record>>> fetch_by_ids(std::span<const std::string> ids,
                                                                     priority prio) override;
    boost::asio::awaitable<outcome<id_page>> list_ids(std::string page) override;
    std::size_t max_batch() const override { return 7; }
    boost::asio::awaitable<std::vector<write_result>> apply(std::span<const write_op> ops) override;
    std::vector<const request_gate*> gates() const override { return {}; }

private:
    std::optional<std::string> holder_of_email(const std::string& email, const std::string& except) const;
    std::string store_format(const std::string& field, const std::string& value) const;
    void put(fake_record& r, field_map fields, bool deleted);
    write_result apply_one(const write_op& op);
    bool chance(double p);

    std::string name_;
    const clock& clock_;
    std::mt19937_64 rng_;
    bool reformat_phone_;
    std::map<std::string, fake_record> records_;
    std::uint64_t next_id_ = 1000;
    std::uint64_t writes_ = 0;
    std::int64_t last_stamp_ = 0;
};

} // namespace crmsync::test
