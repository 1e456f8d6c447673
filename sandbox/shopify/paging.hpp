#pragma once
// Cursor pagination as Shopify does it: items ordered by (sort value, id), opaque base64 cursors
// holding {"last_id":N,"last_value":V}, first/last at most 250, exactly one of them required.

#include "sandbox/shopify/customer_store.hpp"

#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace crmsync::sandbox::shopify {

struct page_entry {
    std::uint64_t id = 0;
    bool numeric = true;     // compare `number` (else `text`)
    std::int64_t number = 0;
    std::string text;
    std::size_t index = 0;   // position in the caller's item vector
    std::string cursor;
};

struct page_request {
    std::optional<std::int64_t> first, last;
    std::optional<std::string> after, before;
    bool unbounded = false; // bulk operations: no first/last, every item
};

struct page_result {
    std::vector<page_entry> items;
    bool has_next = false;
    bool has_previous = false;
};

inline constexpr std::int64_t max_page_size = 250;

// Errors are Shopify's BAD_REQUEST messages.
boost::system::result<page_result, std::string> paginate(std::vector<page_entry> entries, const page_request& req, bool reverse);

// Sort entry of a customer for a CustomerSortKeys value (ID, UPDATED_AT, CREATED_AT, NAME, ...).
page_entry sort_entry(const customer& c, const std::string& sort_key, std::size_t index);
page_entry id_entry(std::uint64_t id, std::size_t index);

} // namespace crmsync::sandbox::shopify
