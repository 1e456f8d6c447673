// Schema migrations of the state store. Each entry upgrades from version i to i+1 and runs in one
// transaction with the matching `PRAGMA user_version`; never edit a shipped migration, add a new one.
#include "core/state_schema.hpp"

namespace crmsync {

std::span<const std::string_view> state_migrations()
{
    static constexpr std::string_view migrations[] = {
        // 0 -> 1
        R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE links(
  id INTEGER PRIMARY KEY,
  shopify_id TEXT UNIQUE,
  crm_id TEXT UNIQUE,
  base TEXT NOT NULL DEFAULT '{}',
  dirty INTEGER NOT NULL DEFAULT 0,
  state INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);
CREATE INDEX links_dirty ON links(id) WHERE dirty <> 0;
CREATE TABLE snapshots(
  link_id INTEGER NOT NULL,
  side INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  fields TEXT NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(link_id, side)
) WITHOUT ROWID;
CREATE TABLE cursors(
  side INTEGER NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY(side, name)
) WITHOUT ROWID;
CREATE TABLE outbox(
  id INTEGER PRIMARY KEY,
  link_id INTEGER NOT NULL,
  target INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  fields TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  priority INTEGER NOT NULL DEFAULT 1,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE(link_id, target)
);
CREATE INDEX outbox_due ON outbox(target, next_attempt_at);
CREATE TABLE conflicts(
  id INTEGER PRIMARY KEY,
  link_id INTEGER NOT NULL,
  field TEXT NOT NULL,
  shopify_value TEXT,
  crm_value TEXT,
  winner TEXT,
  reason TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  resolved_at INTEGER
);
CREATE INDEX conflicts_open ON conflicts(link_id) WHERE resolved_at IS NULL;
CREATE TABLE dead_letters(
  id INTEGER PRIMARY KEY,
  link_id INTEGER NOT NULL,
  target INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  fields TEXT NOT NULL,
  error TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE tombstones(
  side INTEGER NOT NULL,
  remote_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY(side, remote_id)
) WITHOUT ROWID;
CREATE TABLE inbox(
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  topic TEXT NOT NULL,
  body BLOB NOT NULL,
  received_at INTEGER NOT NULL,
  processed_at INTEGER
);
CREATE INDEX inbox_pending ON inbox(id) WHERE processed_at IS NULL;
CREATE TABLE inbox_seen(
  dedup_key TEXT PRIMARY KEY,
  seen_at INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
        // 1 -> 2: first-sync pairing keys, delete flags and flap detection on links.
        R"sql(
ALTER TABLE links ADD COLUMN match_email TEXT;
ALTER TABLE links ADD COLUMN match_phone TEXT;
ALTER TABLE links ADD COLUMN flags INTEGER NOT NULL DEFAULT 0;
ALTER TABLE links ADD COLUMN flap_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE links ADD COLUMN flap_since INTEGER NOT NULL DEFAULT 0;
CREATE INDEX links_unpaired_email ON links(match_email) WHERE shopify_id IS NULL OR crm_id IS NULL;
CREATE INDEX links_unpaired_phone ON links(match_phone) WHERE shopify_id IS NULL OR crm_id IS NULL;
CREATE INDEX conflicts_link ON conflicts(link_id, field);
)sql",
        // 2 -> 3: id reconciliation sweeps.
        R"sql(
CREATE TABLE sweep_seen(
  side INTEGER NOT NULL,
  remote_id TEXT NOT NULL,
  PRIMARY KEY(side, remote_id)
) WITHOUT ROWID;
)sql",
        // 3 -> 4: the audit ledger, per person the latest sync decisions (field names and sides, no values);
        // outbox.sent: a create was handed to the API at least once (it may exist there after a crash).
        R"sql(
CREATE TABLE audit(
  id INTEGER PRIMARY KEY,
  link_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  entry TEXT NOT NULL
);
CREATE INDEX audit_link ON audit(link_id, id);
CREATE INDEX audit_at ON audit(at);
ALTER TABLE outbox ADD COLUMN sent INTEGER NOT NULL DEFAULT 0;
)sql",
        // 4 -> 5: /status counts quarantined and ambiguous links on every request; without an index on
        // state each count read the whole links table (bases included): O(people) pages per request.
        R"sql(
CREATE INDEX links_state ON links(state);
)sql",
    };
    return migrations;
}

} // namespace crmsync
