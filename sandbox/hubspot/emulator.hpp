#pragma once
// In-process emulator of HubSpot's CRM contacts and properties APIs, faithful to
// api/hubspot/notes.md and HubSpot's OpenAPI specs (contacts v3 and 2026-09, properties 2026-09).
// Tests call handle() directly; crmsync-sandbox plugs it into crmsync::http_server.
//
// API surface (both path styles; objectType `contacts` or `0-1`; dated versions 2025-09, 2026-03,
// 2026-09):
//   /crm/v3/objects/contacts[...]              /crm/objects/{version}/{objectType}[...]
//   /crm/v3/properties/contacts[...]           /crm/properties/{version}/{objectType}[...]
//   list, get (idProperty), create, PATCH (idProperty), DELETE, batch/{read,create,update,upsert,archive},
//   search, merge, gdpr-delete; properties list/get/create/PATCH/DELETE, groups list/get/create.
// Every API request needs `Authorization: Bearer <one of options.access_tokens>` (401
// INVALID_AUTHENTICATION otherwise) and passes the rate limits (see rate_limiter.hpp).
//
// Wire details that the notes leave open and the emulator had to choose ([U] in the notes):
//  - requested-but-unset properties come back as null on dated paths (the 2026-09 schema makes
//    values nullable) and are omitted on /v3/ paths (non-nullable there); clients must accept both;
//  - emails are stored trimmed and lower-cased; every write restamps lastmodifieddate, even one
//    that changes nothing;
//  - batch partial failures answer 207 on both path styles;
//  - batch create/update/upsert: when every input carries a unique objectWriteTraceId, inputs
//    succeed or fail one by one (multi-status); otherwise the first validation error (400) or
//    conflict (409) fails the whole batch and nothing is written; unknown ids in batch update are
//    always reported per input (207);
//  - upsert by email also matches hs_additional_emails; merges mint a new id by default;
//  - search: one sort rule, ties ordered by id ascending; NEQ/NOT_IN/NOT_CONTAINS_TOKEN match
//    contacts without the property; unknown filter properties, limit > 200, more than 5 groups /
//    6 filters per group / 18 filters, a body over 3,000 characters and paging past 10,000
//    results answer 400 VALIDATION_ERROR.
//
// Faults (sandbox/faults.hpp, asked once per API request before authentication): 500 answers
// HubSpot's JSON error; 502/503/504 answer an HTML gateway page, as the edge does; 429 (and
// Shopify's `throttled`) answers the TEN_SECONDLY_ROLLING body plus Retry-After; reset closes the
// connection; stall waits `delay` and then serves the request. apply_then_fail (reset after the
// write), malformed_json (half the body) and slow_body act after the request was applied.
//
// Control API (thread-safe C++ methods below, and HTTP JSON under /_sandbox/, no auth, not rate
// limited, not counted in stats):
//   POST /_sandbox/seed {"count":N,"seed":S}        GET /_sandbox/counts      GET /_sandbox/stats
//   GET /_sandbox/contacts[?archived=true]         GET|PATCH|DELETE /_sandbox/contacts/{id}
//   POST /_sandbox/contacts {"properties":{...}}   POST /_sandbox/merge {"primaryObjectId","objectIdToMerge"}
//   GET|PUT /_sandbox/limits {"enabled","window_max","window_ms","daily_max","search_per_second"} or {"tier"}
//   PUT /_sandbox/other-app-share {"share":0.5}    PUT /_sandbox/index-lag {"ms":2000}
//   POST /_sandbox/properties (PropertyCreate)     POST|DELETE /_sandbox/faults    POST /_sandbox/reset
//
// Thread-safety: every public method may be called from any thread; one mutex guards the data.
// handle() holds it only while it works on the data, never across a suspension point.

#include "core/clock.hpp"
#include "core/http_server.hpp"
#include "core/outcome.hpp"
#include "sandbox/faults.hpp"
#include "sandbox/hubspot/rate_limiter.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crmsync::sandbox::hubspot {

struct options {
    // Accepted bearer tokens (private-app style). Each token is one app for the 10-second window.
    std::vector<std::string> access_tokens{"pat-na1-11111111-2222-4333-8444-555555555555"};
    std::string app_id = "4242424";       // sourceId of writes made through the API
    std::string user_id = "70000001";      // people's edits: sourceId "userId:<user_id>"
    std::uint64_t first_id = 10'000'000'001; // record ids beyond 32 bits, like real portals
    rate_limits limits;
    std::chrono::milliseconds index_lag{0};
    bool merge_mints_new_id = true; // false: primary-id preservation (notes §9.1)
    std::uint64_t seed = 1;         // correlation ids and fault probabilities
};

// A contact as the control API shows it: every set property, computed ones included.
struct contact_view {
    std::string id;
    std::map<std::string, std::string> properties;
    bool archived = false;
    std::string created_at; // ISO-8601 with milliseconds
    std::string updated_at;
};

struct contact_counts {
    std::size_t live = 0;
    std::size_t archived = 0;
    std::size_t merged_away = 0;
};

struct request_stats {
    std::uint64_t requests = 0; // API requests received (control API excluded)
    std::uint64_t reads = 0;
    std::uint64_t writes = 0;
    std::uint64_t searches = 0;
    std::uint64_t faults_injected = 0;
    std::map<std::string, std::uint64_t> throttled; // by policy: TEN_SECONDLY_ROLLING, DAILY, SECONDLY, FAULT
    std::map<int, std::uint64_t> errors_by_status;  // every answer >= 400, 429 included
};

class emulator {
public:
    explicit emulator(const crmsync::clock& clk, options opts = {});
    ~emulator();
    emulator(const emulator&) = delete;
    emulator& operator=(const emulator&) = delete;

    // The HTTP handler (crmsync::http_handler). Never throws for bad input; faults are expressed
    // through http_server_reply::fault.
    boost::asio::awaitable<crmsync::http_server_reply> handle(crmsync::http_server_request& req);

    // Creates `count` realistic contacts, deterministic from `seed` (unique emails, about one in
    // five without a phone, created over the past two years). Returns their ids.
    std::vector<std::string> seed(std::size_t count, std::uint64_t seed = 1);
    // Acting as a person in HubSpot's UI: bumps lastmodifieddate, history source CRM_UI.
    outcome<contact_view> create_contact(const std::map<std::string, std::string>& properties);
    outcome<contact_view> edit_contact(std::string_view id, const std::map<std::string, std::string>& properties);
    outcome<void> archive_contact(std::string_view id);
    outcome<contact_view> merge_contacts(std::string_view primary_id, std::string_view id_to_merge);
    // Resolves merged-away ids to the survivor; archived contacts are returned too.
    std::optional<contact_view> get_contact(std::string_view id) const;
    std::vector<contact_view> list_contacts(bool include_archived = false) const;
    contact_counts counts() const;
    // Registers a property as the Properties API would (PropertyCreate JSON text).
    outcome<void> create_property(std::string_view property_create_json);

    request_stats stats() const;
    void set_rate_limits(const rate_limits& limits);
    rate_limits current_rate_limits() const;
    void set_other_app_share(double share);
    void set_index_lag(std::chrono::milliseconds lag);
    fault_injector& faults();
    // Drops contacts, custom properties, stats, counters and faults; keeps the options.
    void reset();

    struct impl;

private:
    std::unique_ptr<impl> impl_;
};

} // namespace crmsync::sandbox::hubspot
