#pragma once
// Bulk query operations (notes §6.1–6.3): bulkOperationRunQuery with the validation rules and
// userErrors of the recorded fixtures (tests/data/shopify/2026-04/bulk-operation-run-query-*), up to
// five running query operations, bulkOperation(id), the deprecated currentBulkOperation(type:),
// bulkOperationCancel, and the JSONL result file.
//
// The query runs over the customers when the operation is created (a snapshot); the emulator's
// clock then drives CREATED -> RUNNING -> COMPLETED at `objects_per_second` after `start_delay`,
// objectCount growing meanwhile. Connections the sandbox shop has no data for (products, orders,
// ...) yield no objects. Nested connection items (addressesV2, metafields) are lines of their own
// with "__parentId"; with groupObjects false (the 2026-01+ default) every child comes after all the
// roots, so a reader that assumes a child follows its parent fails, as it may on Shopify.
// The result URL points at the emulator itself (`base_url` + /_bulk/<id>.jsonl) and, like Shopify's
// signed URL, expires 7 days after completion. Operations with no object have no URL.
//
// Not thread-safe: the emulator serialises access under its mutex.

#include "core/clock.hpp"
#include "sandbox/shopify/customer_store.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace crmsync::sandbox::shopify {

struct bulk_settings {
    double objects_per_second = 2'000;
    milliseconds start_delay{500};   // CREATED before it starts RUNNING
    milliseconds cancel_delay{1'000}; // CANCELING before CANCELED
    std::size_t max_running = 5;     // query operations not yet finished, per app and shop (2026-01+)
};

struct bulk_mutation_result {
    std::optional<boost::json::value> operation; // full BulkOperation JSON
    boost::json::array user_errors;               // [{field, message, code?}]
    bool changed = false;
};

class bulk_operations {
public:
    // `args`: {query, groupObjects}. Validates, then runs the query over `store` at `now`.
    bulk_mutation_result run_query(const boost::json::object& args, customer_store& store, wall_time now,
                                   const bulk_settings& settings, const std::string& base_url);
    bulk_mutation_result cancel(const boost::json::object& args, wall_time now, const bulk_settings& settings,
                                const std::string& base_url);

    // Full BulkOperation JSON as seen at `now`, or nullopt for an unknown id.
    std::optional<boost::json::value> find(std::uint64_t id, wall_time now, const bulk_settings& settings,
                                           const std::string& base_url) const;
    // The newest operation of that type (QUERY or MUTATION), whatever its status.
    std::optional<boost::json::value> current(const std::string& type, wall_time now, const bulk_settings& settings,
                                              const std::string& base_url) const;
    // The JSONL of a completed, unexpired operation.
    std::optional<std::string> file(std::uint64_t id, wall_time now, const bulk_settings& settings) const;
    void clear() { ops_.clear(); }

private:
    struct operation {
        std::uint64_t id = 0;
        std::string query;
        wall_time created_at;
        std::string jsonl;
        std::uint64_t objects = 0, roots = 0;
        std::optional<wall_time> canceled_at;
    };
    struct view {
        std::string status;
        std::uint64_t objects = 0, roots = 0;
        std::optional<wall_time> completed_at;
    };
    static view at(const operation& op, wall_time now, const bulk_settings& settings);
    static boost::json::value to_json(const operation& op, wall_time now, const bulk_settings& settings,
                                      const std::string& base_url);

    std::map<std::uint64_t, operation> ops_;
    std::uint64_t next_id_ = 7'933'223'797'042;
};

std::string bulk_operation_gid(std::uint64_t id);

} // namespace crmsync::sandbox::shopify
