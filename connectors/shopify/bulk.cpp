#include "connectors/shopify/bulk.hpp"

#include "connectors/shopify/mapping.hpp"
#include "core/iso8601.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <fstream>

namespace crmsync::shopify {

namespace json = boost::json;

const std::string& customers_bulk_query()
{
    static const std::string q = fmt::format("{{ customers {{ edges {{ node {{ {} }} }} }} }}", customer_selection);
    return q;
}

namespace {

constexpr std::string_view run_mutation =
    "mutation crmsync_bulk($query: String!) { bulkOperationRunQuery(query: $query) { "
    "bulkOperation { id status createdAt } userErrors { field message code } } }";

constexpr std::string_view status_query =
    "query crmsync_bulk_status($id: ID!) { bulkOperation(id: $id) { id status errorCode createdAt objectCount url } }";

std::string text(const json::object& o, std::string_view k)
{
    auto v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

bulk_status read_status(const json::object& op)
{
    bulk_status s;
    s.id = text(op, "id");
    s.status = text(op, "status");
    s.error_code = text(op, "errorCode");
    s.url = text(op, "url");
    s.created_at_ms = parse_iso8601_ms(text(op, "createdAt")).value_or(0);
    if (auto n = op.if_contains("objectCount"); n && n->is_string())
        s.object_count = std::atoll(std::string(n->as_string()).c_str());
    else if (n && n->is_int64())
        s.object_count = n->as_int64();
    return s;
}

} // namespace

boost::asio::awaitable<outcome<bulk_status>> start_bulk_query(client& c, const std::string& query)
{
    json::object vars;
    vars["query"] = query;
    auto r = co_await c.execute(run_mutation, std::move(vars), 10, priority::backfill, "bulk export start");
    if (!r)
        co_return r.error();
    auto payload = r->data.if_contains("bulkOperationRunQuery");
    if (!payload || !payload->is_object())
        co_return permanent("Shopify bulk export start: no answer");
    const auto& p = payload->as_object();
    if (auto ue = p.if_contains("userErrors"); ue && ue->is_array() && !ue->as_array().empty()) {
        const auto& e = ue->as_array().front();
        auto msg = e.is_object() ? text(e.as_object(), "message") : std::string();
        auto code = e.is_object() ? text(e.as_object(), "code") : std::string();
        // Too many exports running (other apps, or ours from before a restart): try again later.
        if (code == "OPERATION_IN_PROGRESS" || code == "LIMIT_REACHED")
            co_return retryable(fmt::format("Shopify bulk export start: {}", msg), std::chrono::seconds{30});
        co_return permanent(fmt::format("Shopify bulk export start: {} ({})", msg, code));
    }
    auto op = p.if_contains("bulkOperation");
    if (!op || !op->is_object())
        co_return permanent("Shopify bulk export start: no operation in the answer");
    co_return read_status(op->as_object());
}

boost::asio::awaitable<outcome<bulk_status>> bulk_operation(client& c, const std::string& id)
{
    json::object vars;
    vars["id"] = id;
    auto r = co_await c.execute(status_query, std::move(vars), 1, priority::backfill, "bulk export status");
    if (!r)
        co_return r.error();
    auto op = r->data.if_contains("bulkOperation");
    if (!op || !op->is_object())
        co_return permanent(fmt::format("Shopify bulk export {}: not found", id));
    co_return read_status(op->as_object());
}

outcome<void> jsonl_export::open(const std::string& path)
{
    path_ = path;
    children_of_.clear();
    child_lines_ = 0;
    top_level_lines_ = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return permanent(fmt::format("bulk export file {} cannot be read", path));
    std::string line;
    std::uint64_t offset = 0;
    while (std::getline(in, line)) {
        const auto here = offset;
        offset += line.size() + 1;
        // Only lines of nested objects carry a parent; most lines do not even contain the key.
        if (line.find("\"__parentId\"") == std::string::npos) {
            top_level_lines_ += line.empty() ? 0 : 1;
            continue;
        }
        boost::system::error_code ec;
        auto v = json::parse(line, ec);
        if (ec || !v.is_object())
            return permanent(fmt::format("bulk export file {}: malformed line at byte {}", path, here));
        auto parent = text(v.as_object(), "__parentId");
        if (parent.empty()) {
            ++top_level_lines_;
            continue;
        }
        children_of_[parent].push_back(here);
        ++child_lines_;
    }
    size_ = offset;
    return outcome<void>{};
}

outcome<jsonl_export::batch> jsonl_export::read(std::uint64_t at, std::size_t limit) const
{
    std::ifstream in(path_, std::ios::binary);
    if (!in)
        return permanent(fmt::format("bulk export file {} cannot be read", path_));
    in.seekg(static_cast<std::streamoff>(at));
    batch out;
    std::string line;
    std::uint64_t offset = at;
    while (out.objects.size() < limit && std::getline(in, line)) {
        const auto here = offset;
        offset += line.size() + 1;
        if (line.empty())
            continue;
        boost::system::error_code ec;
        auto v = json::parse(line, ec);
        if (ec || !v.is_object())
            return permanent(fmt::format("bulk export file {}: malformed line at byte {}", path_, here));
        auto& o = v.as_object();
        if (o.contains("__parentId"))
            continue; // a child: delivered with its parent
        json::array kids;
        if (auto it = children_of_.find(text(o, "id")); it != children_of_.end()) {
            std::ifstream child(path_, std::ios::binary);
            for (auto pos : it->second) {
                std::string cl;
                child.seekg(static_cast<std::streamoff>(pos));
                std::getline(child, cl);
                kids.push_back(json::parse(cl));
            }
        }
        o["__children"] = std::move(kids);
        out.objects.push_back(std::move(o));
    }
    out.next = offset;
    out.done = offset >= size_ || in.eof();
    return out;
}

} // namespace crmsync::shopify
