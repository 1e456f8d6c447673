#pragma once
// The connector interface: what the engine needs from one side's API. A connector only knows how to
// talk to its API; intervals, retries, backoff, batching and persistence belong to the engine
// (design.md §2). Connectors never sleep or loop on their own: failures come back as data
// (core/outcome.hpp) and the engine decides when to try again. Pacing is the one exception the
// connector takes part in: it awaits its request gates (core/request_gate.hpp) before each request
// and feeds them what the responses say, because only it can read its API's budget signals.
//
// Records are in the connector's own vocabulary (see core/record.hpp).

#include "core/field_catalog.hpp"
#include "core/outcome.hpp"
#include "core/record.hpp"
#include "core/request_gate.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace crmsync {

struct change_query {
    std::string cursor;                 // watermark from the previous poll; empty = from the beginning
    std::string page;                   // continuation inside this poll; empty = first page
    std::chrono::milliseconds overlap{}; // re-read this far behind the cursor (search-index lag)
    priority prio = priority::backfill;
};

struct change_page {
    std::vector<record> records;
    std::string next_page; // empty when the poll is complete
    std::string cursor;    // watermark that is safe to persist together with `records`
    // The next page is not ready yet (a bulk export still running): ask for it after this long.
    std::chrono::milliseconds not_before{0};
    // How many records the whole poll returns, when the API says (HubSpot's search total, the size of a
    // Shopify bulk export). For progress on /status only; never relied on.
    std::optional<std::uint64_t> total;
};

// One page of every live record (id reconciliation). Connectors that read whole records cheaply return
// them in `records` (then missed updates are caught too); `ids` always lists every id of the page.
struct id_page {
    std::vector<std::string> ids;
    std::vector<record> records;
    std::string next_page; // empty when the listing is complete
    // When the listing is not ready yet (a bulk export still running): ask again after this long with the
    // same `next_page`. Zero otherwise.
    std::chrono::milliseconds not_before{0};
};

// A webhook delivery accepted by the HTTP endpoint, before processing.
struct inbound_webhook {
    std::string topic;
    std::string dedup_key; // identifies duplicates of one delivery (e.g. topic + event id)
    std::string body;
};

// What a webhook says, as hints: the engine re-reads changed records rather than trusting payloads.
struct webhook_hint {
    std::vector<std::string> changed; // records to read now
    std::vector<std::string> deleted; // records gone
    std::vector<std::string> redact;  // records whose personal data must be erased (privacy requests)
    std::vector<std::pair<std::string, std::string>> merged; // (kept id, deleted id)
    std::string note;                 // for the log, e.g. "data request 9999" (no personal data)
};

struct http_server_request;

enum class write_kind : std::uint8_t { create = 0, update = 1, remove = 2 };
// "create", "update", "delete": for logs, /status, metrics labels and the audit ledger.
constexpr std::string_view to_string(write_kind k)
{
    return k == write_kind::create ? "create" : k == write_kind::update ? "update" : "delete";
}

struct write_op {
    std::int64_t op_id = 0;  // the engine's outbox id, echoed in the result
    write_kind kind = write_kind::update;
    std::string target_id;   // the record on this side; empty for create
    bool erase = false;      // remove: a privacy erasure (HubSpot: GDPR delete), not an archive
    field_map fields;        // this side's vocabulary; an empty value clears the field
    priority prio = priority::backfill;
    // The record's id on the other side (the CRM id when writing Shopify), used as the idempotency key of
    // creates where the API has one (Shopify customerSet on a custom-id metafield).
    std::string peer_id;
    // For a create: an earlier attempt may have been applied with its response lost. The connector must
    // then not overwrite a record it finds by the create's key (a person may have edited it since): it
    // reports it in write_result::existing_id instead, and the engine links and re-reads it.
    bool retry = false;
};

struct write_result {
    std::int64_t op_id = 0;
    std::optional<failure> error; // unset on success
    std::string id;               // the record's id on this side after the write
    // Set when the API refused a create because the record already exists (HubSpot 409
    // "Existing ID: N"): the engine links to it instead of failing.
    std::string existing_id;
    // The record's updated_at after the write, as the API reported it (0 when it did not say). The engine
    // stamps its snapshot with it, so that older observations arriving late cannot undo the write.
    std::int64_t updated_at_ms = 0;
    // On success: fields (this side's vocabulary) the API refused and the write left out (a phone
    // another Shopify customer already has). The engine does not count them as written and records a
    // conflict for each.
    std::vector<std::string> skipped_fields;
};

class connector {
public:
    virtual ~connector() = default;

    virtual std::string_view name() const = 0;
    virtual const field_catalog& catalog() const = 0;

    // One-time preparation before syncing (HubSpot: create the custom properties). Idempotent.
    virtual boost::asio::awaitable<outcome<void>> prepare() = 0;

    // What `check-config --online` asks: access works and prepare() would succeed, finding out without
    // changing anything. Returns notes on what prepare() would create; a failure names what is wrong.
    virtual boost::asio::awaitable<outcome<std::vector<std::string>>> check() = 0;

    // One page of records changed at or after `q.cursor - q.overlap`, oldest first.
    virtual boost::asio::awaitable<outcome<change_page>> fetch_changes(change_query q) = 0;

    // Current state of the given records, in one batch call where the API allows (verify-before-write).
    // Records that no longer exist come back with `deleted = true`.
    virtual boost::asio::awaitable<outcome<std::vector<record>>> fetch_by_ids(std::span<const std::string> ids,
                                                                             priority prio) = 0;

    // Every live record's id, a page at a time, for the periodic id reconciliation that finds deletions
    // no change feed reports (Shopify has none for customers; HubSpot's search never returns archived
    // contacts). `page` is empty for the first page.
    virtual boost::asio::awaitable<outcome<id_page>> list_ids(std::string page) = 0;

    // Largest batch apply() accepts.
    virtual std::size_t max_batch() const = 0;
    // Ops with the same group travel in one API request; the engine fills each apply() with one group so
    // that requests are full (HubSpot upserts by e-mail and by customer id are different requests).
    virtual std::string batch_group(const write_op&) const { return {}; }
    // Applies a batch; one result per op, in any order. Creates must be idempotent (upsert on a unique key)
    // so that a retry after a lost response finds the record instead of duplicating it.
    virtual boost::asio::awaitable<std::vector<write_result>> apply(std::span<const write_op> ops) = 0;

    // Webhooks, for connectors whose API pushes them (Shopify). verify_webhook checks a delivery's
    // authenticity and shape on arrival, before anything is stored; a failure's http_status is what the
    // endpoint answers (401 for a bad signature, 400 for a malformed body). interpret_webhook turns a
    // stored delivery into hints. The defaults accept nothing.
    virtual outcome<inbound_webhook> verify_webhook(const http_server_request& req) const;
    virtual outcome<webhook_hint> interpret_webhook(const inbound_webhook& w) const;

    // Facts for /status, without personal data (e.g. webhooks: "subscribed to 8 topics", api_version_served).
    virtual std::vector<std::pair<std::string, std::string>> status_notes() const { return {}; }

    // The connector's request gates, for status and metrics.
    virtual std::vector<const request_gate*> gates() const = 0;
};

using connector_ptr = std::unique_ptr<connector>;

} // namespace crmsync
