#pragma once
// Bulk exports (api/shopify/notes.md §6) for the first sync and the periodic reconciliation: start a
// bulkOperationRunQuery, follow the operation by id, stream its JSONL to a file (never into memory), and
// read it back in pages. Objects of nested connections come on their own lines with "__parentId" and,
// since 2026-01, not necessarily right after their parent: the reader joins them by id, whatever the order.

#include "connectors/shopify/client.hpp"
#include "core/outcome.hpp"
#include "core/record.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace crmsync::shopify {

struct bulk_status {
    std::string id;
    std::string status; // CREATED, RUNNING, COMPLETED, CANCELING, CANCELED, FAILED, EXPIRED
    std::string error_code;
    std::string url;    // set when COMPLETED (null when the export is empty)
    std::int64_t object_count = 0;
    std::int64_t created_at_ms = 0;
};

// The bulk query that exports every customer with the fields customer_from_json() reads.
const std::string& customers_bulk_query();

boost::asio::awaitable<outcome<bulk_status>> start_bulk_query(client& c, const std::string& query);
boost::asio::awaitable<outcome<bulk_status>> bulk_operation(client& c, const std::string& id);

// A JSONL export on disk. open() scans it once to index the lines of nested objects by their parent;
// read() then returns up to `limit` top-level objects from byte offset `at`, each with its children in
// "__children" (a list), and the offset to continue from (the file's size when done).
class jsonl_export {
public:
    outcome<void> open(const std::string& path);
    struct batch {
        std::vector<boost::json::object> objects;
        std::uint64_t next = 0;
        bool done = false;
    };
    outcome<batch> read(std::uint64_t at, std::size_t limit) const;
    std::size_t children() const { return child_lines_; }
    // Top-level objects (customers) in the file.
    std::size_t objects() const { return top_level_lines_; }

private:
    std::string path_;
    std::uint64_t size_ = 0;
    std::map<std::string, std::vector<std::uint64_t>> children_of_; // parent id -> offsets of its lines
    std::size_t child_lines_ = 0;
    std::size_t top_level_lines_ = 0;
};

} // namespace crmsync::shopify
