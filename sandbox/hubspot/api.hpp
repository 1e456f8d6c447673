#pragma once
// Internal to the HubSpot emulator: the shared state behind the emulator's lock, the parsed route
// of a request, and the handler entry points (one file per group of endpoints).

#include "sandbox/hubspot/emulator.hpp"
#include "sandbox/hubspot/properties.hpp"
#include "sandbox/hubspot/rate_limiter.hpp"
#include "sandbox/hubspot/store.hpp"
#include "sandbox/hubspot/wire.hpp"

#include <boost/json/value.hpp>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crmsync::sandbox::hubspot {

enum class path_style { v3, dated };

enum class endpoint {
    not_found,
    method_not_allowed,
    bad_object_type,
    list,
    create,
    get,
    update,
    archive,
    batch_read,
    batch_create,
    batch_update,
    batch_upsert,
    batch_archive,
    search,
    merge,
    gdpr_delete,
    props_list,
    props_create,
    props_get,
    props_update,
    props_archive,
    groups_list,
    groups_create,
    group_get,
};

struct route {
    endpoint ep = endpoint::not_found;
    path_style style = path_style::v3;
    std::string param;       // decoded contact id / property name / group name
    std::string object_type; // as written in the path
    bool is_search() const { return ep == endpoint::search; }
    bool is_write() const;
    bool is_read() const;
};

// Decoded query parameters; repeated keys keep their order.
struct query_params {
    std::vector<std::pair<std::string, std::string>> items;
    std::optional<std::string> get(std::string_view key) const;
    // Every value of a list parameter: repeated keys and comma-separated values.
    std::vector<std::string> list(std::string_view key) const;
    bool flag(std::string_view key) const; // "true" (any case)
};

// Splits "path?query" and decodes both. The path stays percent-decoded per segment.
void split_target(std::string_view target, std::vector<std::string>& segments, query_params& query,
                  std::string& raw_path);
route match_route(std::string_view method, const std::vector<std::string>& segments);

struct state {
    state(const crmsync::clock& clk, const options& o);

    const crmsync::clock& clock;
    options opts;
    property_registry registry;
    contact_store store;
    rate_limiter limiter;
    uuid_source uuids;
    request_stats stats;

    std::int64_t now_ms() const { return to_unix_ms(clock.wall_now()); }
    std::int64_t steady_ms() const;
    write_context api_ctx() const;    // INTEGRATION, sourceId = app id
    write_context person_ctx() const; // CRM_UI, sourceId = userId:N
    reply error(const api_error& e) { return error_reply(e, uuids); }
};

struct emulator::impl {
    impl(const crmsync::clock& clk, const options& o) : st(clk, o), faults(o.seed) {}

    // One API request after routing, under `mu`: auth, rate limits, dispatch, limit headers.
    reply process(const route& r, const http_server_request& req, const query_params& query);
    void count_reply(const reply& r)
    {
        if (r.status >= 400)
            ++st.stats.errors_by_status[r.status];
    }

    mutable std::mutex mu;
    state st;
    fault_injector faults;
};

// Creates `count` contacts (see emulator::seed); returns their ids.
std::vector<std::string> seed_contacts(state& st, std::size_t count, std::uint64_t seed);

struct api_request {
    const route& r;
    const query_params& query;
    const std::string& body;
};

// Renders a contact as SimplePublicObject(WithAssociations). `requested` empty = the defaults
// (createdate, email, firstname, hs_object_id, lastmodifieddate, lastname).
struct render_options {
    std::vector<std::string> requested;
    std::vector<std::string> with_history;
    path_style style = path_style::v3;
    bool all_set = false;         // write responses: every set property
    bool nulls_allowed = true;    // false where the schema's values are not nullable (upsert results)
};
boost::json::object render_contact(const state& st, const contact& c, const render_options& o);
contact_view make_view(const contact& c);

// Parses a JSON object body; on failure the reply is HubSpot's "Invalid input JSON" 400.
std::optional<boost::json::object> parse_body(state& st, const std::string& body, reply& error_out);
// {"name":"value",...} -> prop_list; non-string values are rejected like HubSpot's deserializer.
api_result<prop_list> read_properties(const boost::json::value* v);

// The contact named by a path id or an idProperty value (merged-away ids resolve to the survivor);
// `archived` looks in the recycle bin instead. nullptr if none.
const contact* find_contact(const state& st, const std::string& id, const std::optional<std::string>& id_property,
                            bool archived);
// 400 unless `id_property` is absent, hs_object_id, email or a hasUniqueValue property.
std::optional<api_error> check_id_property(const state& st, const std::optional<std::string>& id_property);

reply handle_contact_endpoint(state& st, const api_request& req);
reply handle_batch_endpoint(state& st, const api_request& req);
reply handle_search(state& st, const api_request& req);
reply handle_properties_endpoint(state& st, const api_request& req);
// The /_sandbox/ control API; calls only the emulator's public (locking) methods, so the caller
// must not hold the lock.
reply handle_control(emulator& em, std::string_view method, const std::vector<std::string>& segments,
                     const query_params& query, const std::string& body);

} // namespace crmsync::sandbox::hubspot
