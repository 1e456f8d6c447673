// Data operations of the state store (schema and lifecycle are in state_store.cpp).
#include "core/sqlite.hpp"
#include "core/state_store.hpp"

namespace crmsync {
namespace {

int side_int(side s) { return static_cast<int>(s); }
const char* id_column(side s) { return s == side::shopify ? "shopify_id" : "crm_id"; }

link_row read_link(const sqlite::statement& st)
{
    link_row l;
    l.id = st.get_int(0);
    l.shopify_id = st.get_text(1);
    l.crm_id = st.get_text(2);
    l.base = decode_fields(st.get_text(3));
    l.dirty = st.get_int(4) != 0;
    l.state = static_cast<link_state>(st.get_int(5));
    l.flags = static_cast<std::uint32_t>(st.get_int(6));
    return l;
}

outbox_row read_outbox(const sqlite::statement& st)
{
    outbox_row r;
    r.id = st.get_int(0);
    r.link_id = st.get_int(1);
    r.target = static_cast<side>(st.get_int(2));
    r.kind = static_cast<write_kind>(st.get_int(3));
    r.fields = decode_fields(st.get_text(4));
    r.version = st.get_int(5);
    r.prio = static_cast<priority>(st.get_int(6));
    r.attempts = static_cast<int>(st.get_int(7));
    r.next_attempt_at_ms = st.get_int(8);
    r.last_error = st.get_text(9);
    r.created_at_ms = st.get_int(10);
    r.sent = st.get_int(11) != 0;
    return r;
}

constexpr const char* link_columns = "id, coalesce(shopify_id,''), coalesce(crm_id,''), base, dirty, state, flags";
constexpr const char* outbox_columns =
    "id, link_id, target, kind, fields, version, priority, attempts, next_attempt_at, coalesce(last_error,''), created_at, "
    "sent";

} // namespace

std::optional<std::string> state_store::cursor(side s, std::string_view name)
{
    auto st = db_->prepare("SELECT value FROM cursors WHERE side=? AND name=?");
    st.bind(1, side_int(s)).bind(2, name);
    if (!st.step())
        return std::nullopt;
    return st.get_text(0);
}

void state_store::set_cursor(side s, std::string_view name, std::string_view value, std::int64_t now_ms)
{
    auto st = db_->prepare("INSERT INTO cursors(side, name, value, updated_at) VALUES(?,?,?,?) "
                           "ON CONFLICT(side, name) DO UPDATE SET value=excluded.value, updated_at=excluded.updated_at");
    st.bind(1, side_int(s)).bind(2, name).bind(3, value).bind(4, now_ms).exec();
}

std::int64_t state_store::new_link(side s, std::string_view remote_id, std::int64_t now_ms)
{
    auto st = db_->prepare(s == side::shopify ? "INSERT INTO links(shopify_id, dirty, updated_at) VALUES(?, 1, ?)"
                                              : "INSERT INTO links(crm_id, dirty, updated_at) VALUES(?, 1, ?)");
    st.bind(1, remote_id).bind(2, now_ms).exec();
    return db_->last_insert_rowid();
}

void state_store::put_snapshot(std::int64_t link_id, side s, const record& r)
{
    auto st = db_->prepare("INSERT INTO snapshots(link_id, side, updated_at, fields, deleted) VALUES(?,?,?,?,?) "
                           "ON CONFLICT(link_id, side) DO UPDATE SET updated_at=excluded.updated_at, "
                           "fields=excluded.fields, deleted=excluded.deleted");
    st.bind(1, link_id).bind(2, side_int(s)).bind(3, r.updated_at_ms).bind(4, encode_fields(r.fields));
    st.bind(5, r.deleted ? 1 : 0).exec();
}

namespace {

std::string field_or_empty(const field_map& f, std::string_view k)
{
    auto it = f.find(k);
    return it == f.end() ? std::string() : it->second;
}

} // namespace

void state_store::set_match_keys(std::int64_t link_id, const record& r)
{
    auto st = db_->prepare("UPDATE links SET match_email=?, match_phone=? WHERE id=?");
    auto email = field_or_empty(r.fields, "email");
    auto phone = field_or_empty(r.fields, "phone");
    st.bind(1, email.empty() ? std::optional<std::string>() : std::optional<std::string>(email));
    st.bind(2, phone.empty() ? std::optional<std::string>() : std::optional<std::string>(phone));
    st.bind(3, link_id).exec();
}

state_store::observed state_store::observe(side from, const record& r, std::int64_t now_ms)
{
    auto link = link_by_remote(from, r.id);
    if (!link) {
        if (tombstoned(from, r.id))
            return {};
        if (r.deleted) {
            // Deleted before we ever saw it: remember that, so that an older observation of it arriving
            // later (reordered webhooks, lagging search) does not bring it back as a new person.
            add_tombstone(from, r.id, "deleted before it was seen", now_ms);
            return {};
        }
        auto id = new_link(from, r.id, now_ms);
        put_snapshot(id, from, r);
        set_match_keys(id, r);
        return {id, true, true};
    }
    auto snap = snapshot(link->id, from);
    if (snap) {
        // An older observation never replaces a newer one. A deletion reported without a time (a record a
        // batch read no longer finds, a delete webhook) is final and always taken.
        const bool undated_delete = r.deleted && r.updated_at_ms == 0;
        if (r.updated_at_ms < snap->updated_at_ms && !undated_delete)
            return {link->id, false, false};
        bool same = snap->fields == r.fields && snap->deleted == r.deleted;
        if (same) {
            if (r.updated_at_ms != snap->updated_at_ms)
                put_snapshot(link->id, from, r);
            return {link->id, false, false};
        }
    }
    put_snapshot(link->id, from, r);
    if (!r.deleted)
        set_match_keys(link->id, r);
    set_dirty(link->id, true);
    return {link->id, true, false};
}

std::optional<link_row> state_store::link(std::int64_t id)
{
    auto st = db_->prepare(std::string("SELECT ") + link_columns + " FROM links WHERE id=?");
    st.bind(1, id);
    if (!st.step())
        return std::nullopt;
    return read_link(st);
}

std::optional<link_row> state_store::link_by_remote(side s, std::string_view remote_id)
{
    auto st = db_->prepare(std::string("SELECT ") + link_columns + " FROM links WHERE " + id_column(s) + "=?");
    st.bind(1, remote_id);
    if (!st.step())
        return std::nullopt;
    return read_link(st);
}

std::optional<snapshot_row> state_store::snapshot(std::int64_t link_id, side s)
{
    auto st = db_->prepare("SELECT updated_at, fields, deleted FROM snapshots WHERE link_id=? AND side=?");
    st.bind(1, link_id).bind(2, side_int(s));
    if (!st.step())
        return std::nullopt;
    return snapshot_row{link_id, s, st.get_int(0), decode_fields(st.get_text(1)), st.get_int(2) != 0};
}

void state_store::apply_written(std::int64_t link_id, side s, const field_map& written, std::int64_t updated_at_ms)
{
    auto snap = snapshot(link_id, s);
    record r{{}, updated_at_ms, {}, false};
    if (snap) {
        r.fields = snap->fields;
        r.updated_at_ms = std::max(snap->updated_at_ms, updated_at_ms);
    }
    for (const auto& [k, v] : written) {
        if (v.empty())
            r.fields.erase(k);
        else
            r.fields[k] = v;
    }
    put_snapshot(link_id, s, r);
}

std::vector<std::int64_t> state_store::dirty_links(std::size_t limit)
{
    auto st = db_->prepare("SELECT id FROM links WHERE dirty <> 0 ORDER BY id LIMIT ?");
    st.bind(1, static_cast<std::int64_t>(limit));
    std::vector<std::int64_t> out;
    while (st.step())
        out.push_back(st.get_int(0));
    return out;
}

void state_store::set_dirty(std::int64_t link_id, bool dirty)
{
    db_->prepare("UPDATE links SET dirty=? WHERE id=?").bind(1, dirty ? 1 : 0).bind(2, link_id).exec();
}

void state_store::set_base(std::int64_t link_id, const field_map& base)
{
    db_->prepare("UPDATE links SET base=? WHERE id=?").bind(1, encode_fields(base)).bind(2, link_id).exec();
}

void state_store::set_remote_id(std::int64_t link_id, side s, std::string_view remote_id)
{
    auto st = db_->prepare(std::string("UPDATE links SET ") + id_column(s) + "=? WHERE id=?");
    if (remote_id.empty())
        st.bind_null(1);
    else
        st.bind(1, remote_id);
    st.bind(2, link_id).exec();
}

void state_store::set_state(std::int64_t link_id, link_state state)
{
    db_->prepare("UPDATE links SET state=? WHERE id=?").bind(1, static_cast<int>(state)).bind(2, link_id).exec();
}

std::vector<link_row> state_store::links_in_state(link_state state, std::size_t limit)
{
    auto st = db_->prepare(std::string("SELECT ") + link_columns + " FROM links WHERE state=? ORDER BY id LIMIT ?");
    st.bind(1, static_cast<int>(state)).bind(2, static_cast<std::int64_t>(limit));
    std::vector<link_row> out;
    while (st.step())
        out.push_back(read_link(st));
    return out;
}

void state_store::set_flags(std::int64_t link_id, std::uint32_t flags)
{
    db_->prepare("UPDATE links SET flags=? WHERE id=?").bind(1, static_cast<std::int64_t>(flags)).bind(2, link_id).exec();
}

void state_store::remove_snapshot(std::int64_t link_id, side s)
{
    db_->prepare("DELETE FROM snapshots WHERE link_id=? AND side=?").bind(1, link_id).bind(2, side_int(s)).exec();
}

void state_store::delete_link(std::int64_t link_id)
{
    db_->prepare("DELETE FROM snapshots WHERE link_id=?").bind(1, link_id).exec();
    db_->prepare("DELETE FROM outbox WHERE link_id=?").bind(1, link_id).exec();
    db_->prepare("DELETE FROM links WHERE id=?").bind(1, link_id).exec();
}

std::vector<link_row> state_store::unpaired_by_key(std::string_view key, std::string_view value, side has,
                                                   std::int64_t except)
{
    std::string column = key == "phone" ? "match_phone" : "match_email";
    std::string sql = std::string("SELECT ") + link_columns + " FROM links WHERE " + column + "=? AND id<>? AND " +
                      id_column(has) + " IS NOT NULL AND " + id_column(other(has)) + " IS NULL";
    auto st = db_->prepare(sql);
    st.bind(1, value).bind(2, except);
    std::vector<link_row> out;
    while (st.step())
        out.push_back(read_link(st));
    return out;
}

std::vector<link_row> state_store::ghosts_by_key(std::string_view key, std::string_view value, std::uint32_t flags)
{
    std::string column = key == "phone" ? "match_phone" : "match_email";
    auto st = db_->prepare(std::string("SELECT ") + link_columns + " FROM links WHERE " + column +
                           "=? AND shopify_id IS NULL AND crm_id IS NULL AND (flags & ?) <> 0");
    st.bind(1, value).bind(2, static_cast<std::int64_t>(flags));
    std::vector<link_row> out;
    while (st.step())
        out.push_back(read_link(st));
    return out;
}

void state_store::mark_unpaired_dirty()
{
    db_->exec("UPDATE links SET dirty=1 WHERE shopify_id IS NULL OR crm_id IS NULL");
}

void state_store::mark_ambiguous_dirty()
{
    db_->prepare("UPDATE links SET dirty=1 WHERE state=?").bind(1, static_cast<int>(link_state::ambiguous)).exec();
}

int state_store::note_write(std::int64_t link_id, std::int64_t now_ms, std::int64_t window_ms)
{
    auto st = db_->prepare("UPDATE links SET flap_count=CASE WHEN flap_since < ? THEN 1 ELSE flap_count+1 END, "
                           "flap_since=CASE WHEN flap_since < ? THEN ? ELSE flap_since END WHERE id=? "
                           "RETURNING flap_count");
    st.bind(1, now_ms - window_ms).bind(2, now_ms - window_ms).bind(3, now_ms).bind(4, link_id);
    int n = st.step() ? static_cast<int>(st.get_int(0)) : 0;
    while (st.step()) {
    }
    return n;
}

void state_store::sweep_begin(side s)
{
    db_->prepare("DELETE FROM sweep_seen WHERE side=?").bind(1, side_int(s)).exec();
}

void state_store::sweep_saw(side s, const std::vector<std::string>& ids)
{
    auto st = db_->prepare("INSERT OR IGNORE INTO sweep_seen(side, remote_id) VALUES(?,?)");
    for (const auto& id : ids) {
        st.bind(1, side_int(s)).bind(2, id).exec();
        st.reset();
    }
}

std::int64_t state_store::sweep_seen_count(side s)
{
    auto st = db_->prepare("SELECT count(*) FROM sweep_seen WHERE side=?");
    st.bind(1, side_int(s));
    st.step();
    return st.get_int(0);
}

std::vector<std::pair<std::int64_t, std::string>> state_store::sweep_missing(side s, std::size_t limit)
{
    auto st = db_->prepare(std::string("SELECT l.id, l.") + id_column(s) + " FROM links l WHERE l." + id_column(s) +
                           " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sweep_seen w WHERE w.side=? AND w.remote_id=l." +
                           id_column(s) + ") LIMIT ?");
    st.bind(1, side_int(s)).bind(2, static_cast<std::int64_t>(limit));
    std::vector<std::pair<std::int64_t, std::string>> out;
    while (st.step())
        out.emplace_back(st.get_int(0), st.get_text(1));
    return out;
}

std::int64_t state_store::linked_count(side s)
{
    auto st = db_->prepare(std::string("SELECT count(*) FROM links WHERE ") + id_column(s) + " IS NOT NULL");
    st.step();
    return st.get_int(0);
}

void state_store::add_tombstone(side s, std::string_view remote_id, std::string_view reason, std::int64_t now_ms)
{
    auto st = db_->prepare("INSERT OR IGNORE INTO tombstones(side, remote_id, reason, created_at) VALUES(?,?,?,?)");
    st.bind(1, side_int(s)).bind(2, remote_id).bind(3, reason).bind(4, now_ms).exec();
}

bool state_store::tombstoned(side s, std::string_view remote_id)
{
    auto st = db_->prepare("SELECT 1 FROM tombstones WHERE side=? AND remote_id=?");
    st.bind(1, side_int(s)).bind(2, remote_id);
    return st.step();
}

bool state_store::record_conflict(std::int64_t link_id, std::string_view field, std::string_view shopify_value,
                                  std::string_view crm_value, std::string_view winner, std::string_view reason,
                                  std::int64_t now_ms)
{
    {
        auto st = db_->prepare("SELECT 1 FROM conflicts WHERE link_id=? AND field=? AND shopify_value IS ? AND "
                               "crm_value IS ? AND (resolved_at IS NULL OR winner IS ?)");
        st.bind(1, link_id).bind(2, field).bind(3, shopify_value).bind(4, crm_value).bind(5, winner);
        if (st.step())
            return false;
    }
    auto st = db_->prepare("INSERT INTO conflicts(link_id, field, shopify_value, crm_value, winner, reason, created_at, "
                           "resolved_at) VALUES(?,?,?,?,?,?,?,?)");
    st.bind(1, link_id).bind(2, field).bind(3, shopify_value).bind(4, crm_value);
    if (winner.empty())
        st.bind_null(5);
    else
        st.bind(5, winner);
    st.bind(6, reason).bind(7, now_ms);
    if (winner.empty())
        st.bind_null(8);
    else
        st.bind(8, now_ms);
    st.exec();
    return true;
}

std::vector<conflict_row> state_store::conflicts(bool open_only, std::size_t limit)
{
    auto st = db_->prepare(std::string("SELECT id, link_id, field, coalesce(shopify_value,''), coalesce(crm_value,''), "
                                       "coalesce(winner,''), reason, created_at, resolved_at FROM conflicts") +
                           (open_only ? " WHERE resolved_at IS NULL" : "") + " ORDER BY id DESC LIMIT ?");
    st.bind(1, static_cast<std::int64_t>(limit));
    std::vector<conflict_row> out;
    while (st.step()) {
        conflict_row c{st.get_int(0), st.get_int(1), st.get_text(2), st.get_text(3), st.get_text(4),
                       st.get_text(5), st.get_text(6), st.get_int(7), std::nullopt};
        if (!st.is_null(8))
            c.resolved_at_ms = st.get_int(8);
        out.push_back(std::move(c));
    }
    return out;
}

std::optional<conflict_row> state_store::conflict(std::int64_t id)
{
    auto st = db_->prepare("SELECT id, link_id, field, coalesce(shopify_value,''), coalesce(crm_value,''), "
                           "coalesce(winner,''), reason, created_at, resolved_at FROM conflicts WHERE id=?");
    st.bind(1, id);
    if (!st.step())
        return std::nullopt;
    conflict_row c{st.get_int(0), st.get_int(1), st.get_text(2), st.get_text(3), st.get_text(4),
                   st.get_text(5), st.get_text(6), st.get_int(7), std::nullopt};
    if (!st.is_null(8))
        c.resolved_at_ms = st.get_int(8);
    return c;
}

bool state_store::resolve_conflict(std::int64_t id, std::string_view winner, std::string_view reason,
                                   std::int64_t now_ms)
{
    db_->prepare("UPDATE conflicts SET winner=?, reason=?, resolved_at=? WHERE id=? AND resolved_at IS NULL")
        .bind(1, winner)
        .bind(2, reason)
        .bind(3, now_ms)
        .bind(4, id)
        .exec();
    return db_->changes() > 0;
}

std::optional<side> state_store::operator_decision(std::int64_t link_id, std::string_view field,
                                                   std::string_view shopify_value, std::string_view crm_value)
{
    auto st = db_->prepare("SELECT winner FROM conflicts WHERE link_id=? AND field=? AND coalesce(shopify_value,'')=? "
                           "AND coalesce(crm_value,'')=? AND resolved_at IS NOT NULL AND reason LIKE 'operator:%' "
                           "ORDER BY id DESC LIMIT 1");
    st.bind(1, link_id).bind(2, field).bind(3, shopify_value).bind(4, crm_value);
    if (!st.step())
        return std::nullopt;
    const auto w = st.get_text(0);
    if (w == "shopify")
        return side::shopify;
    if (w == "crm")
        return side::crm;
    return std::nullopt;
}

void state_store::merge_links(std::int64_t keep, std::int64_t drop, side s)
{
    db_->prepare("INSERT OR IGNORE INTO snapshots(link_id, side, updated_at, fields, deleted) "
                 "SELECT ?, side, updated_at, fields, deleted FROM snapshots WHERE link_id=? AND side=?")
        .bind(1, keep)
        .bind(2, drop)
        .bind(3, side_int(s))
        .exec();
    db_->prepare("DELETE FROM snapshots WHERE link_id=?").bind(1, drop).exec();
    db_->prepare("DELETE FROM outbox WHERE link_id=?").bind(1, drop).exec();
    db_->prepare("UPDATE conflicts SET link_id=? WHERE link_id=?").bind(1, keep).bind(2, drop).exec();
    db_->prepare("UPDATE audit SET link_id=? WHERE link_id=?").bind(1, keep).bind(2, drop).exec();
    auto id = link(drop);
    db_->prepare("DELETE FROM links WHERE id=?").bind(1, drop).exec();
    if (id)
        set_remote_id(keep, s, s == side::shopify ? id->shopify_id : id->crm_id);
    set_dirty(keep, true);
}

void state_store::enqueue(std::int64_t link_id, side target, write_kind kind, const field_map& fields, priority p,
                          std::int64_t now_ms)
{
    // A re-planned write keeps its attempt count (so a poison record still reaches the dead-letter list)
    // and takes the more urgent of the two priorities. Only a change of content bumps the version (an
    // in-flight send of the old content is then known to be stale) and makes a backing-off row due now.
    auto st = db_->prepare("INSERT INTO outbox(link_id, target, kind, fields, priority, next_attempt_at, created_at) "
                           "VALUES(?,?,?,?,?,?,?) ON CONFLICT(link_id, target) DO UPDATE SET kind=excluded.kind, "
                           "fields=excluded.fields, version=version+(fields<>excluded.fields OR kind<>excluded.kind), "
                           "priority=min(priority, excluded.priority), "
                           "next_attempt_at=CASE WHEN fields<>excluded.fields OR kind<>excluded.kind "
                           "THEN min(next_attempt_at, excluded.next_attempt_at) ELSE next_attempt_at END");
    st.bind(1, link_id).bind(2, side_int(target)).bind(3, static_cast<int>(kind)).bind(4, encode_fields(fields));
    st.bind(5, static_cast<int>(p)).bind(6, now_ms).bind(7, now_ms).exec();
}

void state_store::cancel_outbox(std::int64_t link_id, side target)
{
    db_->prepare("DELETE FROM outbox WHERE link_id=? AND target=?").bind(1, link_id).bind(2, side_int(target)).exec();
}

std::vector<outbox_row> state_store::due(side target, std::int64_t now_ms, std::size_t limit, unsigned skip_kinds)
{
    auto st = db_->prepare(std::string("SELECT ") + outbox_columns +
                           " FROM outbox WHERE target=? AND next_attempt_at<=? AND ((1 << kind) & ?) = 0 "
                           "ORDER BY priority, next_attempt_at, id LIMIT ?");
    st.bind(1, side_int(target)).bind(2, now_ms).bind(3, static_cast<std::int64_t>(skip_kinds));
    st.bind(4, static_cast<std::int64_t>(limit));
    std::vector<outbox_row> out;
    while (st.step())
        out.push_back(read_outbox(st));
    return out;
}

std::optional<std::int64_t> state_store::next_due_ms(side target)
{
    auto st = db_->prepare("SELECT min(next_attempt_at) FROM outbox WHERE target=?");
    st.bind(1, side_int(target));
    if (!st.step() || st.is_null(0))
        return std::nullopt;
    return st.get_int(0);
}

std::int64_t state_store::pending_count(side target, write_kind kind)
{
    auto st = db_->prepare("SELECT count(*) FROM outbox WHERE target=? AND kind=?");
    st.bind(1, side_int(target)).bind(2, static_cast<int>(kind));
    st.step();
    return st.get_int(0);
}

std::optional<outbox_row> state_store::outbox_entry(std::int64_t id)
{
    auto st = db_->prepare(std::string("SELECT ") + outbox_columns + " FROM outbox WHERE id=?");
    st.bind(1, id);
    if (!st.step())
        return std::nullopt;
    return read_outbox(st);
}

std::optional<outbox_row> state_store::outbox_for(std::int64_t link_id, side target)
{
    auto st = db_->prepare(std::string("SELECT ") + outbox_columns + " FROM outbox WHERE link_id=? AND target=?");
    st.bind(1, link_id).bind(2, side_int(target));
    if (!st.step())
        return std::nullopt;
    return read_outbox(st);
}

void state_store::mark_sent(std::int64_t outbox_id)
{
    db_->prepare("UPDATE outbox SET sent=1 WHERE id=?").bind(1, outbox_id).exec();
}

bool state_store::complete(std::int64_t outbox_id, std::int64_t version)
{
    db_->prepare("DELETE FROM outbox WHERE id=? AND version=?").bind(1, outbox_id).bind(2, version).exec();
    return db_->changes() > 0;
}

void state_store::reschedule(std::int64_t outbox_id, int attempts, std::int64_t next_attempt_at_ms,
                             std::string_view error)
{
    auto st = db_->prepare("UPDATE outbox SET attempts=?, next_attempt_at=?, last_error=? WHERE id=?");
    st.bind(1, attempts).bind(2, next_attempt_at_ms).bind(3, error).bind(4, outbox_id).exec();
}

void state_store::to_dead_letter(const outbox_row& row, std::string_view error, std::int64_t now_ms)
{
    auto st = db_->prepare("INSERT INTO dead_letters(link_id, target, kind, fields, error, attempts, created_at) "
                           "VALUES(?,?,?,?,?,?,?)");
    st.bind(1, row.link_id).bind(2, side_int(row.target)).bind(3, static_cast<int>(row.kind));
    st.bind(4, encode_fields(row.fields)).bind(5, error).bind(6, row.attempts).bind(7, now_ms).exec();
    db_->prepare("DELETE FROM outbox WHERE id=?").bind(1, row.id).exec();
}

std::vector<dead_letter_row> state_store::dead_letters(std::size_t limit)
{
    auto st = db_->prepare("SELECT id, link_id, target, kind, fields, error, attempts, created_at FROM dead_letters "
                           "ORDER BY id DESC LIMIT ?");
    st.bind(1, static_cast<std::int64_t>(limit));
    std::vector<dead_letter_row> out;
    while (st.step())
        out.push_back({st.get_int(0), st.get_int(1), static_cast<side>(st.get_int(2)),
                       static_cast<write_kind>(st.get_int(3)), decode_fields(st.get_text(4)), st.get_text(5),
                       static_cast<int>(st.get_int(6)), st.get_int(7)});
    return out;
}

std::optional<dead_letter_row> state_store::dead_letter(std::int64_t id)
{
    auto st = db_->prepare("SELECT id, link_id, target, kind, fields, error, attempts, created_at FROM dead_letters "
                           "WHERE id=?");
    st.bind(1, id);
    if (!st.step())
        return std::nullopt;
    return dead_letter_row{st.get_int(0), st.get_int(1), static_cast<side>(st.get_int(2)),
                           static_cast<write_kind>(st.get_int(3)), decode_fields(st.get_text(4)), st.get_text(5),
                           static_cast<int>(st.get_int(6)), st.get_int(7)};
}

void state_store::remove_dead_letter(std::int64_t id)
{
    db_->prepare("DELETE FROM dead_letters WHERE id=?").bind(1, id).exec();
}

void state_store::audit(std::int64_t link_id, std::string_view entry, std::int64_t now_ms)
{
    db_->prepare("INSERT INTO audit(link_id, at, entry) VALUES(?,?,?)").bind(1, link_id).bind(2, now_ms).bind(3, entry).exec();
    db_->prepare("DELETE FROM audit WHERE link_id=? AND id <= (SELECT id FROM audit WHERE link_id=? ORDER BY id DESC "
                 "LIMIT 1 OFFSET ?)")
        .bind(1, link_id)
        .bind(2, link_id)
        .bind(3, audit_per_link)
        .exec();
}

std::vector<state_store::audit_row> state_store::audit_of(std::int64_t link_id, std::size_t limit)
{
    auto st = db_->prepare("SELECT id, at, entry FROM audit WHERE link_id=? ORDER BY id DESC LIMIT ?");
    st.bind(1, link_id).bind(2, static_cast<std::int64_t>(limit));
    std::vector<audit_row> out;
    while (st.step())
        out.push_back({st.get_int(0), st.get_int(1), st.get_text(2)});
    return out;
}

void state_store::prune_audit(std::int64_t older_than_ms)
{
    db_->prepare("DELETE FROM audit WHERE at < ?").bind(1, older_than_ms).exec();
}

store_counts state_store::counts()
{
    auto st = db_->prepare("SELECT (SELECT count(*) FROM links), (SELECT count(*) FROM outbox), "
                           "(SELECT count(*) FROM links WHERE dirty <> 0), "
                           "(SELECT count(*) FROM conflicts WHERE resolved_at IS NULL), "
                           "(SELECT count(*) FROM conflicts WHERE resolved_at IS NOT NULL), "
                           "(SELECT count(*) FROM dead_letters), "
                           "(SELECT count(*) FROM links WHERE state=1), (SELECT count(*) FROM links WHERE state=2), "
                           "(SELECT count(*) FROM tombstones)");
    st.step();
    return {st.get_int(0), st.get_int(1), st.get_int(2), st.get_int(3), st.get_int(4),
            st.get_int(5), st.get_int(6), st.get_int(7), st.get_int(8)};
}

bool state_store::inbox_add(std::string_view source, std::string_view topic, std::string_view dedup_key,
                            std::string_view body, std::int64_t now_ms)
{
    if (!dedup_key.empty()) {
        db_->prepare("INSERT OR IGNORE INTO inbox_seen(dedup_key, seen_at) VALUES(?,?)")
            .bind(1, dedup_key)
            .bind(2, now_ms)
            .exec();
        if (db_->changes() == 0)
            return false;
    }
    auto st = db_->prepare("INSERT INTO inbox(source, topic, body, received_at) VALUES(?,?,?,?)");
    st.bind(1, source).bind(2, topic).bind(3, body).bind(4, now_ms).exec();
    return true;
}

std::vector<inbox_row> state_store::inbox_pending(std::size_t limit)
{
    auto st = db_->prepare("SELECT id, source, topic, body, received_at FROM inbox WHERE processed_at IS NULL "
                           "ORDER BY id LIMIT ?");
    st.bind(1, static_cast<std::int64_t>(limit));
    std::vector<inbox_row> out;
    while (st.step())
        out.push_back({st.get_int(0), st.get_text(1), st.get_text(2), st.get_text(3), st.get_int(4)});
    return out;
}

void state_store::inbox_done(std::int64_t id, std::int64_t now_ms)
{
    db_->prepare("UPDATE inbox SET processed_at=? WHERE id=?").bind(1, now_ms).bind(2, id).exec();
}

void state_store::prune_inbox(std::int64_t older_than_ms)
{
    db_->prepare("DELETE FROM inbox WHERE processed_at IS NOT NULL AND processed_at < ?").bind(1, older_than_ms).exec();
    db_->prepare("DELETE FROM inbox_seen WHERE seen_at < ?").bind(1, older_than_ms).exec();
}

} // namespace crmsync
