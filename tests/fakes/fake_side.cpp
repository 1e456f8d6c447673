#include "tests/fakes/fake_side.hpp"

#include "core/normalize.hpp"

#include <algorithm>
#include <array>

namespace crmsync::test {

namespace {

constexpr std::array<field_info, 6> fields{{
    {"email", true, ""}, {"first_name", true, ""}, {"last_name", true, ""}, {"phone", true, ""}, {"city", true, ""},
    {"pid", true, "the person's identity, for the test's invariants"},
}};
const field_catalog fake_catalog{fields, false, nullptr};

} // namespace

fake_side::fake_side(std::string name, const clock& clk, std::uint64_t seed, bool reformat_phone)
    : name_(std::move(name)), clock_(clk), rng_(seed), reformat_phone_(reformat_phone)
{
}

const field_catalog& fake_side::catalog() const { return fake_catalog; }

bool fake_side::chance(double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

std::vector<const fake_side::fake_record*> fake_side::live() const
{
    std::vector<const fake_record*> out;
    for (const auto& [id, r] : records_)
        if (!r.now().deleted)
            out.push_back(&r);
    return out;
}

std::optional<std::string> fake_side::holder_of_email(const std::string& email, const std::string& except) const
{
    auto key = normalize_email(email);
    if (key.empty())
        return std::nullopt;
    for (const auto& [id, r] : records_) {
        if (id == except || r.now().deleted)
            continue;
        auto it = r.now().fields.find("email");
        if (it != r.now().fields.end() && normalize_email(it->second) == key)
            return id;
    }
    return std::nullopt;
}

std::string fake_side::store_format(const std::string& field, const std::string& value) const
{
    // Like a CRM that shows phones the way people type them: "+16135550142" -> "+1 (613) 555-0142".
    if (reformat_phone_ && field == "phone" && value.size() == 12 && value.starts_with("+1"))
        return "+1 (" + value.substr(2, 3) + ") " + value.substr(5, 3) + "-" + value.substr(8);
    return value;
}

void fake_side::put(fake_record& r, field_map f, bool deleted)
{
    // Updated stamps strictly increase, like a server clock would never repeat one for a new version.
    auto stamp = std::max(to_unix_ms(clock_.wall_now()), last_stamp_ + 1);
    last_stamp_ = stamp;
    for (auto it = f.begin(); it != f.end();)
        it = it->second.empty() ? f.erase(it) : std::next(it);
    r.history.push_back(version{stamp, std::move(f), deleted});
}

std::string fake_side::person_create(field_map f)
{
    auto id = name_ + "-" + std::to_string(next_id_++);
    auto& r = records_[id];
    r.id = id;
    put(r, std::move(f), false);
    return id;
}

bool fake_side::person_edit(const std::string& id, const field_map& changes)
{
    auto it = records_.find(id);
    if (it == records_.end() || it->second.now().deleted)
        return false;
    if (auto e = changes.find("email"); e != changes.end() && holder_of_email(e->second, id))
        return false;
    auto f = it->second.now().fields;
    for (const auto& [k, v] : changes)
        f[k] = v;
    put(it->second, std::move(f), false);
    return true;
}

bool fake_side::person_delete(const std::string& id)
{
    auto it = records_.find(id);
    if (it == records_.end() || it->second.now().deleted)
        return false;
    put(it->second, it->second.now().fields, true);
    return true;
}

boost::asio::awaitable<outcome<void>> fake_side::prepare() { co_return outcome<void>{}; }
boost::asio::awaitable<outcome<std::vector<std::string>>> fake_side::check() { co_return std::vector<std::string>{}; }

boost::asio::awaitable<outcome<change_page>> fake_side::fetch_changes(change_query q)
{
    // All versions current at or after cursor - overlap, ordered by stamp then id; pages of 25.
    std::int64_t from = q.cursor.empty() ? 0 : std::stoll(q.cursor) - q.overlap.count();
    std::vector<record> all;
    for (const auto& [id, r] : records_) {
        const auto& v = r.now();
        if (v.updated_at_ms >= from && (!v.deleted || faults.feed_reports_deletes))
            all.push_back(record{id, v.updated_at_ms, v.fields, v.deleted});
    }
    std::sort(all.begin(), all.end(),
              [](const record& a, const record& b) { return std::tie(a.updated_at_ms, a.id) < std::tie(b.updated_at_ms, b.id); });
    std::size_t start = q.page.empty() ? 0 : std::stoul(q.page);
    std::size_t end = std::min(all.size(), start + 25);
    change_page page;
    std::int64_t newest = q.cursor.empty() ? 0 : std::stoll(q.cursor);
    for (std::size_t i = start; i < end; ++i) {
        newest = std::max(newest, all[i].updated_at_ms);
        page.records.push_back(all[i]);
        if (chance(faults.duplicate))
            page.records.push_back(all[i]);
        if (chance(faults.stale)) {
            const auto& h = records_.at(all[i].id).history;
            const auto& old = h[std::uniform_int_distribution<std::size_t>(0, h.size() - 1)(rng_)];
            if (!old.deleted || faults.feed_reports_deletes)
                page.records.push_back(record{all[i].id, old.updated_at_ms, old.fields, old.deleted});
        }
    }
    if (chance(faults.reorder))
        std::shuffle(page.records.begin(), page.records.end(), rng_);
    page.cursor = std::to_string(newest);
    if (end < all.size())
        page.next_page = std::to_string(end);
    co_return page;
}

boost::asio::awaitable<outcome<std::vector<record>>> fake_side::fetch_by_ids(std::span<const std::string> ids, priority)
{
    std::vector<record> out;
    for (const auto& id : ids) {
        auto it = records_.find(id);
        if (it == records_.end())
            out.push_back(record{id, 0, {}, true});
        else
            out.push_back(record{id, it->second.now().updated_at_ms, it->second.now().fields, it->second.now().deleted});
    }
    co_return out;
}

boost::asio::awaitable<outcome<id_page>> fake_side::list_ids(std::string page)
{
    // Pages of 10 live ids in id order.
    id_page out;
    auto it = page.empty() ? records_.begin() : records_.upper_bound(page);
    for (; it != records_.end() && out.ids.size() < 10; ++it)
        if (!it->second.now().deleted)
            out.ids.push_back(it->first);
    if (it != records_.end())
        out.next_page = out.ids.empty() ? std::string() : out.ids.back();
    co_return out;
}

write_result fake_side::apply_one(const write_op& op)
{
    auto formatted = [&](field_map base) {
        for (const auto& [k, v] : op.fields)
            base[k] = store_format(k, v);
        return base;
    };
    switch (op.kind) {
    case write_kind::create: {
        for (auto& [id, r] : records_)
            if (!op.peer_id.empty() && r.peer_key == op.peer_id && !r.now().deleted) {
                if (op.retry) // found, and not overwritten: it may have been edited since
                    return {op.op_id, permanent(name_ + ": already created"), {}, id};
                put(r, formatted(r.now().fields), false); // an upsert on the peer key finds it
                return {op.op_id, std::nullopt, id, {}};
            }
        auto email = op.fields.contains("email") ? op.fields.at("email") : std::string();
        if (auto holder = holder_of_email(email, {}))
            return {op.op_id, permanent(name_ + ": e-mail already taken"), {}, *holder};
        auto id = name_ + "-" + std::to_string(next_id_++);
        auto& r = records_[id];
        r.id = id;
        r.peer_key = op.peer_id;
        put(r, formatted({}), false);
        return {op.op_id, std::nullopt, id, {}};
    }
    case write_kind::update: {
        auto it = records_.find(op.target_id);
        if (it == records_.end() || it->second.now().deleted)
            return {op.op_id, permanent(name_ + ": record " + op.target_id + " does not exist"), {}, {}};
        if (auto e = op.fields.find("email"); e != op.fields.end())
            if (auto holder = holder_of_email(e->second, op.target_id))
                return {op.op_id, permanent(name_ + ": e-mail already taken"), {}, *holder};
        put(it->second, formatted(it->second.now().fields), false);
        return {op.op_id, std::nullopt, op.target_id, {}};
    }
    case write_kind::remove: {
        auto it = records_.find(op.target_id);
        if (it != records_.end() && !it->second.now().deleted)
            put(it->second, it->second.now().fields, true);
        return {op.op_id, std::nullopt, op.target_id, {}};
    }
    }
    return {op.op_id, permanent("unknown op"), {}, {}};
}

boost::asio::awaitable<std::vector<write_result>> fake_side::apply(std::span<const write_op> ops)
{
    std::vector<write_result> out;
    for (const auto& op : ops) {
        if (chance(faults.fail_write)) {
            out.push_back({op.op_id, retryable(name_ + ": injected failure"), {}, {}});
            continue;
        }
        auto r = apply_one(op);
        if (!r.error) {
            ++writes_;
            r.updated_at_ms = last_stamp_;
        }
        bool lost = !r.error && chance(faults.lose_response);
        if (on_write)
            on_write(op, r, lost);
        if (lost) {
            out.push_back({op.op_id, retryable(name_ + ": response lost"), {}, {}});
            continue;
        }
        out.push_back(std::move(r));
    }
    co_return out;
}

} // namespace crmsync::test
