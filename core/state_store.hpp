#pragma once
// The local state cache (design.md §2, §4): links with their base values, each side's newest snapshot,
// cursors, the outbox, conflicts, dead letters, tombstones and the webhook inbox, in one SQLite file.
//
// Durability: WAL, synchronous=FULL, so a committed transaction survives kill -9 and power loss.
// Every multi-row change happens inside one transaction (begin()); cursors are stored in the same
// transaction as the records they cover.
//
// Error tiers: open() returns a failure an operator can act on (locked by another daemon, read-only,
// not a database, newer schema). Once open, SQLite failures (disk full, I/O error) throw
// sqlite::error: the daemon cannot continue safely and stops; systemd restarts it.
//
// Single-threaded: used from the daemon's event loop only.

#include "core/connector.hpp"
#include "core/outcome.hpp"
#include "core/record.hpp"
#include "core/request_gate.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crmsync {

namespace sqlite {
class connection;
}

enum class link_state : std::uint8_t {
    active = 0,
    quarantined = 1, // kept flapping; left alone until an operator acts
    ambiguous = 2,   // its match key is shared by several records on a side; reported, not paired or created
};
std::string_view to_string(link_state s);

// links.flags
namespace link_flag {
constexpr std::uint32_t deleted_on_shopify = 1; // the person was deleted there: never re-create them there
constexpr std::uint32_t deleted_on_crm = 2;
constexpr std::uint32_t deleted_on(side s) { return s == side::shopify ? deleted_on_shopify : deleted_on_crm; }
// The side merged this person's record into another person's: not re-created there, not a deletion.
constexpr std::uint32_t merged_on_shopify = 4;
constexpr std::uint32_t merged_on_crm = 8;
constexpr std::uint32_t merged_on(side s) { return s == side::shopify ? merged_on_shopify : merged_on_crm; }
// The side erased this person's data on a privacy request (with deleted_on): the other side's record,
// if it goes, is erased too (HubSpot's GDPR delete), not archived.
constexpr std::uint32_t redacted_on_shopify = 16;
constexpr std::uint32_t redacted_on_crm = 32;
constexpr std::uint32_t redacted_on(side s) { return s == side::shopify ? redacted_on_shopify : redacted_on_crm; }
} // namespace link_flag

struct link_row {
    std::int64_t id = 0;
    std::string shopify_id; // empty when not (yet) on that side
    std::string crm_id;
    field_map base;         // canonical values both sides last agreed on
    bool dirty = false;
    link_state state = link_state::active;
    std::uint32_t flags = 0;
    const std::string& id_on(side s) const { return s == side::shopify ? shopify_id : crm_id; }
};

struct snapshot_row {
    std::int64_t link_id = 0;
    side from = side::shopify;
    std::int64_t updated_at_ms = 0;
    field_map fields; // canonical, normalized
    bool deleted = false;
};

struct outbox_row {
    std::int64_t id = 0;
    std::int64_t link_id = 0;
    side target = side::crm;
    write_kind kind = write_kind::update;
    field_map fields; // canonical values to write
    std::int64_t version = 0;
    priority prio = priority::backfill;
    int attempts = 0;
    std::int64_t next_attempt_at_ms = 0;
    std::string last_error;
    std::int64_t created_at_ms = 0;
    bool sent = false; // handed to the API at least once: after a crash it may have been applied
};

struct dead_letter_row {
    std::int64_t id = 0;
    std::int64_t link_id = 0;
    side target = side::crm;
    write_kind kind = write_kind::update;
    field_map fields;
    std::string error;
    int attempts = 0;
    std::int64_t created_at_ms = 0;
};

struct store_counts {
    std::int64_t links = 0;
    std::int64_t pending = 0; // outbox rows
    std::int64_t dirty = 0;
    std::int64_t conflicts = 0; // unresolved
    std::int64_t conflicts_settled = 0;
    std::int64_t dead_letters = 0;
    std::int64_t quarantined = 0;
    std::int64_t ambiguous = 0;
    std::int64_t tombstones = 0;
};

struct conflict_row {
    std::int64_t id = 0;
    std::int64_t link_id = 0;
    std::string field;
    std::string shopify_value;
    std::string crm_value;
    std::string winner; // "shopify", "crm", or "" while open
    std::string reason;
    std::int64_t created_at_ms = 0;
    std::optional<std::int64_t> resolved_at_ms;
};

struct inbox_row {
    std::int64_t id = 0;
    std::string source;
    std::string topic;
    std::string body;
    std::int64_t received_at_ms = 0;
};

struct open_options {
    bool read_only = false;
    // Take an exclusive lock file (PATH.lock) so two daemons never share one state file.
    bool exclusive = false;
    // synchronous=FULL (survives power loss). Tests that reopen thousands of times may turn it off; a
    // dropped process still loses nothing committed (WAL), only a power cut could.
    bool durable = true;
};

class state_store {
public:
    static constexpr int schema_version = 5;

    static outcome<std::unique_ptr<state_store>> open(const std::string& path, open_options opts = {});
    // An in-memory scratch copy of the state file (empty when the file does not exist), for dry planning:
    // whatever is done to it never reaches the file.
    static outcome<std::unique_ptr<state_store>> open_scratch_copy(const std::string& path);
    ~state_store();
    state_store(const state_store&) = delete;
    state_store& operator=(const state_store&) = delete;

    // BEGIN IMMEDIATE ... COMMIT. Rolled back if destroyed without commit(). Not nestable.
    class transaction {
    public:
        explicit transaction(state_store& s);
        transaction(transaction&& o) noexcept : store_(o.store_), open_(o.open_) { o.open_ = false; }
        ~transaction();
        void commit();

    private:
        state_store& store_;
        bool open_ = true;
    };
    transaction begin() { return transaction(*this); }

    // Cursors: one value per (side, name), e.g. (shopify, "poll") = "2026-11-26T10:00:00Z".
    std::optional<std::string> cursor(side s, std::string_view name);
    void set_cursor(side s, std::string_view name, std::string_view value, std::int64_t now_ms);

    // Stores the newest snapshot of a record seen on side `from` (canonical fields). An observation older
    // than the stored snapshot is ignored, except a deletion without a time (updated_at 0), which is final;
    // an unknown id gets a new link. The link is marked dirty when the content (fields or deleted) changed.
    struct observed {
        std::int64_t link_id = 0; // 0 when ignored (tombstoned, or a delete of something never seen)
        bool changed = false;
        bool new_link = false;
    };
    observed observe(side from, const record& canonical, std::int64_t now_ms);

    std::optional<link_row> link(std::int64_t id);
    std::optional<link_row> link_by_remote(side s, std::string_view remote_id);
    std::optional<snapshot_row> snapshot(std::int64_t link_id, side s);
    // After a successful write to side `s`: the snapshot takes the written canonical values (an empty
    // value removes the field) and the write's stamp, so that it matches what the side now holds.
    void apply_written(std::int64_t link_id, side s, const field_map& written, std::int64_t updated_at_ms);
    std::vector<std::int64_t> dirty_links(std::size_t limit);
    void set_dirty(std::int64_t link_id, bool dirty);
    void set_base(std::int64_t link_id, const field_map& base);
    void set_remote_id(std::int64_t link_id, side s, std::string_view remote_id);
    void set_state(std::int64_t link_id, link_state state);
    std::vector<link_row> links_in_state(link_state state, std::size_t limit);
    void set_flags(std::int64_t link_id, std::uint32_t flags);
    void remove_snapshot(std::int64_t link_id, side s);
    void delete_link(std::int64_t link_id);
    // Links with an id on `has` and none on the other side whose match key (canonical "email" or "phone")
    // equals `value`, other than `except`.
    std::vector<link_row> unpaired_by_key(std::string_view key, std::string_view value, side has, std::int64_t except);
    // Links without any id left (their records were deleted before they were paired) whose match key equals
    // `value` and that carry `flags`: the tombstones of people deleted before the first sync paired them.
    std::vector<link_row> ghosts_by_key(std::string_view key, std::string_view value, std::uint32_t flags);
    // Marks dirty every link missing an id on one side (after a first scan completes) / every ambiguous link.
    void mark_unpaired_dirty();
    void mark_ambiguous_dirty();
    // Counts a write to a link for flap detection; returns the writes within the window ending now.
    int note_write(std::int64_t link_id, std::int64_t now_ms, std::int64_t window_ms);

    // Id reconciliation: start a sweep (forget what the last one saw), note the ids of a page, and list
    // linked ids of the side that the sweep did not see (up to `limit`), with their link.
    void sweep_begin(side s);
    void sweep_saw(side s, const std::vector<std::string>& ids);
    std::int64_t sweep_seen_count(side s);
    std::vector<std::pair<std::int64_t, std::string>> sweep_missing(side s, std::size_t limit);
    std::int64_t linked_count(side s);

    // Tombstones: a (side, id) that was deleted is never observed (and so never re-created) again.
    void add_tombstone(side s, std::string_view remote_id, std::string_view reason, std::int64_t now_ms);
    bool tombstoned(side s, std::string_view remote_id);

    // Conflicts: a settled one is stored resolved; an open one (manual) until an operator decides. The same
    // conflict (link, field, both values) is stored once. Returns whether a row was added.
    bool record_conflict(std::int64_t link_id, std::string_view field, std::string_view shopify_value,
                         std::string_view crm_value, std::string_view winner, std::string_view reason,
                         std::int64_t now_ms);
    std::vector<conflict_row> conflicts(bool open_only, std::size_t limit);
    std::optional<conflict_row> conflict(std::int64_t id);
    // An operator's decision on an open conflict: `winner` ("shopify"/"crm") and a reason starting with
    // "operator:". False when the conflict does not exist or is no longer open.
    bool resolve_conflict(std::int64_t id, std::string_view winner, std::string_view reason, std::int64_t now_ms);
    // The side an operator took for this link's conflict on `field` between exactly these values, if any.
    std::optional<side> operator_decision(std::int64_t link_id, std::string_view field, std::string_view shopify_value,
                                          std::string_view crm_value);

    // Folds link `drop` into `keep`: keep takes drop's snapshot of side `s` (when it has none) and its id
    // there; drop's outbox rows go, drop is deleted. Used when a write reveals that two links are one
    // person on side `s`. Precondition: drop has no id on the other side.
    void merge_links(std::int64_t keep, std::int64_t drop, side s);

    // Outbox: at most one pending write per (link, target); enqueue replaces its fields and bumps its version.
    void enqueue(std::int64_t link_id, side target, write_kind kind, const field_map& fields, priority p,
                 std::int64_t now_ms);
    void cancel_outbox(std::int64_t link_id, side target);
    // Rows due by now for `target`, most urgent first; kinds whose bit (1 << kind) is in `skip_kinds` are left out.
    std::vector<outbox_row> due(side target, std::int64_t now_ms, std::size_t limit, unsigned skip_kinds = 0);
    std::optional<std::int64_t> next_due_ms(side target);
    std::int64_t pending_count(side target, write_kind kind);
    std::optional<outbox_row> outbox_entry(std::int64_t id);
    std::optional<outbox_row> outbox_for(std::int64_t link_id, side target);
    // Removes the row if it still has `version`; returns false when it was re-planned meanwhile.
    bool complete(std::int64_t outbox_id, std::int64_t version);
    // Recorded (and committed by the caller) before a write is sent.
    void mark_sent(std::int64_t outbox_id);
    void reschedule(std::int64_t outbox_id, int attempts, std::int64_t next_attempt_at_ms, std::string_view error);
    void to_dead_letter(const outbox_row& row, std::string_view error, std::int64_t now_ms);
    std::vector<dead_letter_row> dead_letters(std::size_t limit);
    std::optional<dead_letter_row> dead_letter(std::int64_t id);
    void remove_dead_letter(std::int64_t id);

    store_counts counts();

    // Audit ledger: what the engine decided about a person (no values: field names, sides, policies). Each
    // link keeps its latest `audit_per_link` entries; prune_audit drops older ones by age.
    static constexpr int audit_per_link = 50;
    void audit(std::int64_t link_id, std::string_view entry, std::int64_t now_ms);
    struct audit_row {
        std::int64_t id = 0;
        std::int64_t at_ms = 0;
        std::string entry;
    };
    std::vector<audit_row> audit_of(std::int64_t link_id, std::size_t limit);
    void prune_audit(std::int64_t older_than_ms);

    // Webhook inbox with de-duplication on `dedup_key`; false when the key was seen before.
    bool inbox_add(std::string_view source, std::string_view topic, std::string_view dedup_key, std::string_view body,
                   std::int64_t now_ms);
    std::vector<inbox_row> inbox_pending(std::size_t limit);
    void inbox_done(std::int64_t id, std::int64_t now_ms);
    // Forgets processed inbox rows and de-duplication keys older than the cutoff.
    void prune_inbox(std::int64_t older_than_ms);

    // PRAGMA integrity_check: "ok" or the problems found.
    std::string integrity_check();
    const std::string& path() const { return path_; }

    // Fault-injection hook: runs before every COMMIT (committed = false; throwing makes the commit fail, for
    // the fail-at-N tests) and after it (committed = true; for the crash walk, which kills the process there).
    void set_commit_hook(std::function<void(bool committed)> hook) { commit_hook_ = std::move(hook); }

private:
    state_store(std::string path, std::unique_ptr<sqlite::connection> db, int lock_fd);
    void migrate();
    std::int64_t new_link(side s, std::string_view remote_id, std::int64_t now_ms);
    void put_snapshot(std::int64_t link_id, side s, const record& r);
    void set_match_keys(std::int64_t link_id, const record& r);

    std::string path_;
    std::unique_ptr<sqlite::connection> db_;
    int lock_fd_ = -1;
    bool in_tx_ = false;
    std::function<void(bool)> commit_hook_;
};

// Compact JSON encoding of field maps as stored in the database.
std::string encode_fields(const field_map& f);
field_map decode_fields(std::string_view json);

} // namespace crmsync
