#include "store/detail/migrations.hpp"

#include <array>

namespace swarmbot::store::detail {
namespace {

// Times are Unix milliseconds (UTC). Human numbers (CASE-n, INC-n) are stored
// as their integer and come from `sequences`, one counter per kind.
constexpr std::string_view kVersion1 = R"sql(
CREATE TABLE sequences (
  kind TEXT PRIMARY KEY,
  last_value INTEGER NOT NULL
);

CREATE TABLE incidents (
  number INTEGER PRIMARY KEY,
  subject TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  impact TEXT NOT NULL CHECK (impact IN ('high', 'medium', 'low')),
  urgency TEXT NOT NULL CHECK (urgency IN ('high', 'medium', 'low')),
  priority INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 4),
  state TEXT NOT NULL CHECK (state IN ('declared', 'investigating', 'resolved', 'closed')),
  owner TEXT NOT NULL DEFAULT '',
  declared_by TEXT NOT NULL,
  close_note TEXT NOT NULL DEFAULT '',
  announce_channel TEXT NOT NULL DEFAULT '',
  announce_ts TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  resolved_at INTEGER,
  closed_at INTEGER
);
CREATE INDEX incidents_by_state ON incidents (state);

CREATE TABLE cases (
  number INTEGER PRIMARY KEY,
  contact_name TEXT NOT NULL,
  contact_email TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('email', 'chat', 'messaging', 'phone', 'web')),
  territory TEXT NOT NULL DEFAULT '',
  subject TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  owner TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('new', 'open', 'held', 'closed')),
  incident_id INTEGER REFERENCES incidents (number),
  resolution TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX cases_by_status ON cases (status, created_at);
CREATE INDEX cases_by_incident ON cases (incident_id);

-- A case has at most one live link; unlinked rows stay as history.
CREATE TABLE case_links (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incidents (number),
  case_number INTEGER NOT NULL REFERENCES cases (number),
  linked_at INTEGER NOT NULL,
  linked_by TEXT NOT NULL,
  unlinked_at INTEGER,
  unlinked_by TEXT
);
CREATE UNIQUE INDEX case_links_live ON case_links (case_number) WHERE unlinked_at IS NULL;
CREATE INDEX case_links_by_incident ON case_links (incident_id);

CREATE TABLE swarms (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL UNIQUE REFERENCES incidents (number),
  channel_id TEXT NOT NULL DEFAULT '',
  channel_name TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('starting', 'active', 'closing', 'archived')),
  summary_ts TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  archived_at INTEGER
);
CREATE INDEX swarms_by_channel ON swarms (channel_id);

CREATE TABLE swarm_members (
  swarm_id INTEGER NOT NULL REFERENCES swarms (id),
  user_id TEXT NOT NULL,
  invited_at INTEGER,
  joined_at INTEGER,
  left_at INTEGER,
  PRIMARY KEY (swarm_id, user_id)
);

CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  stream TEXT NOT NULL,
  kind TEXT NOT NULL,
  args TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  not_before INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  done_at INTEGER
);
CREATE INDEX outbox_pending ON outbox (state, stream, id);

CREATE TABLE seen_deliveries (
  id TEXT PRIMARY KEY,
  seen_at INTEGER NOT NULL
);
CREATE INDEX seen_deliveries_by_age ON seen_deliveries (seen_at);

CREATE TABLE timeline (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incidents (number),
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  kind TEXT NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX timeline_by_incident ON timeline (incident_id, id);

-- The intake API's Idempotency-Key: a repeat with the same request returns the
-- first case. request_hash is a digest, so the request itself isn't kept twice.
CREATE TABLE idempotency_keys (
  key TEXT PRIMARY KEY,
  request_hash TEXT NOT NULL,
  case_number INTEGER NOT NULL REFERENCES cases (number),
  created_at INTEGER NOT NULL
);
)sql";

// Knowledge articles (issue #3). `slug` is the file's path inside the imported
// folder, so re-importing a folder updates rows instead of adding them. The
// FTS5 table is kept in step by KnowledgeRepository (its rowid is the
// article's id); porter stemming lets "codes" find "code".
constexpr std::string_view kVersion2 = R"sql(
CREATE TABLE articles (
  id INTEGER PRIMARY KEY,
  slug TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  tags TEXT NOT NULL DEFAULT '',
  product TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL DEFAULT '',
  content_hash TEXT NOT NULL,
  imported_at INTEGER NOT NULL
);

CREATE VIRTUAL TABLE articles_fts USING fts5 (
  title, tags, body,
  tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TABLE incident_articles (
  incident_id INTEGER NOT NULL REFERENCES incidents (number),
  article_id INTEGER NOT NULL REFERENCES articles (id),
  attached_by TEXT NOT NULL,
  attached_at INTEGER NOT NULL,
  PRIMARY KEY (incident_id, article_id)
);
)sql";

// Case comments and the Message-IDs of e-mailed cases (issue #3). A customer's
// reply names earlier messages (In-Reply-To, References); looking those up in
// case_emails and case_comments finds the case it belongs to. A comment that
// did not come by e-mail has an empty message_id, which the partial index
// leaves out of the uniqueness rule.
constexpr std::string_view kVersion3 = R"sql(
CREATE TABLE case_comments (
  id INTEGER PRIMARY KEY,
  case_number INTEGER NOT NULL REFERENCES cases (number),
  author_name TEXT NOT NULL DEFAULT '',
  author_email TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL,
  message_id TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE INDEX case_comments_by_case ON case_comments (case_number, id);
CREATE UNIQUE INDEX case_comments_by_message ON case_comments (message_id) WHERE message_id != '';

CREATE TABLE case_emails (
  message_id TEXT PRIMARY KEY,
  case_number INTEGER NOT NULL REFERENCES cases (number),
  received_at INTEGER NOT NULL
);

CREATE INDEX cases_by_owner ON cases (owner, status, created_at);
)sql";

// The incident record (issue #3): guarded states new → triaged → in_progress
// → resolved → closed replace declared/investigating, and an incident keeps
// its impacted territories, the matrix's priority beside an override and its
// reason, and the modal it was declared from (one incident per view).
//
// SQLite can't change a CHECK constraint in place, so the table is rebuilt
// under its own name: the other tables' REFERENCES incidents then point at the
// new table. Foreign keys are deferred to the commit, where every case, link,
// swarm and timeline row must have found its incident again.
constexpr std::string_view kVersion4 = R"sql(
PRAGMA defer_foreign_keys = ON;
CREATE TABLE incidents_v2 AS SELECT * FROM incidents;
DROP TABLE incidents;

CREATE TABLE incidents (
  number INTEGER PRIMARY KEY,
  subject TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  impact TEXT NOT NULL CHECK (impact IN ('high', 'medium', 'low')),
  urgency TEXT NOT NULL CHECK (urgency IN ('high', 'medium', 'low')),
  priority INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 4),
  matrix_priority INTEGER NOT NULL CHECK (matrix_priority BETWEEN 1 AND 4),
  priority_reason TEXT NOT NULL DEFAULT '',
  territories TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL
    CHECK (state IN ('new', 'triaged', 'in_progress', 'resolved', 'closed')),
  owner TEXT NOT NULL DEFAULT '',
  declared_by TEXT NOT NULL,
  close_note TEXT NOT NULL DEFAULT '',
  announce_channel TEXT NOT NULL DEFAULT '',
  announce_ts TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  resolved_at INTEGER,
  closed_at INTEGER,
  declare_view TEXT NOT NULL DEFAULT ''
);

INSERT INTO incidents (number, subject, description, impact, urgency, priority,
                       matrix_priority, state, owner, declared_by, close_note,
                       announce_channel, announce_ts, created_at, resolved_at, closed_at)
SELECT number, subject, description, impact, urgency, priority, priority,
       CASE state WHEN 'declared' THEN 'new' WHEN 'investigating' THEN 'in_progress'
                  ELSE state END,
       owner, declared_by, close_note, announce_channel, announce_ts, created_at,
       resolved_at, closed_at
FROM incidents_v2;

DROP TABLE incidents_v2;
CREATE INDEX incidents_by_state ON incidents (state);
CREATE UNIQUE INDEX incidents_by_declare_view ON incidents (declare_view)
  WHERE declare_view != '';
)sql";

// People and skills routing (issue #3). `people` are kept when they leave the
// people file (active = 0) because incidents and timelines name them.
// presence_override is the person's own /swarmbot away|back ('' when unset).
// routing_requests holds incidents waiting for an owner: a row is removed in
// the transaction that assigns the owner, so a routing effect run twice after
// a crash finds nothing left to do. `waiting` rows found nobody available and
// are served oldest first when someone becomes free.
constexpr std::string_view kVersion5 = R"sql(
CREATE TABLE people (
  user_id TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  time_zone TEXT NOT NULL DEFAULT '',
  capacity INTEGER NOT NULL CHECK (capacity >= 0),
  presence_override TEXT NOT NULL DEFAULT '' CHECK (presence_override IN ('', 'away', 'back')),
  override_at INTEGER,
  last_assigned_at INTEGER,
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  updated_at INTEGER NOT NULL
);

CREATE TABLE person_skills (
  user_id TEXT NOT NULL REFERENCES people (user_id),
  skill TEXT NOT NULL,
  level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
  PRIMARY KEY (user_id, skill)
);

CREATE TABLE routing_requests (
  incident_id INTEGER PRIMARY KEY REFERENCES incidents (number),
  requested_at INTEGER NOT NULL,
  requested_by TEXT NOT NULL,
  waiting INTEGER NOT NULL DEFAULT 0 CHECK (waiting IN (0, 1)),
  reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX incidents_by_owner ON incidents (owner, state);
)sql";

// Spikes (issue #3): groups of similar new cases that crossed the threshold.
// The alert's channel and ts are recorded once posted; update_pending
// coalesces refreshes, so a burst of joining cases costs one chat.update.
// incident_id is set when an incident is declared from (or linked to) it.
constexpr std::string_view kVersion6 = R"sql(
CREATE TABLE spikes (
  number INTEGER PRIMARY KEY,
  incident_id INTEGER REFERENCES incidents (number),
  alert_channel TEXT NOT NULL DEFAULT '',
  alert_ts TEXT NOT NULL DEFAULT '',
  update_pending INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX spikes_by_incident ON spikes (incident_id);

CREATE TABLE spike_cases (
  spike_id INTEGER NOT NULL REFERENCES spikes (number),
  case_number INTEGER NOT NULL REFERENCES cases (number),
  added_at INTEGER NOT NULL,
  PRIMARY KEY (spike_id, case_number)
);
CREATE INDEX spike_cases_by_case ON spike_cases (case_number);
)sql";

// The swarm channel's life (issue #4): messages each member wrote in the
// channel (counted, not stored), and the channel an incident swarmed in
// before it was reopened into a new one.
constexpr std::string_view kVersion7 = R"sql(
ALTER TABLE swarm_members ADD COLUMN messages INTEGER NOT NULL DEFAULT 0;
ALTER TABLE swarms ADD COLUMN previous_channel_id TEXT NOT NULL DEFAULT '';
ALTER TABLE swarms ADD COLUMN previous_channel_name TEXT NOT NULL DEFAULT '';
)sql";

constexpr std::array<std::string_view, 7> kMigrations{kVersion1, kVersion2, kVersion3, kVersion4,
                                                      kVersion5, kVersion6, kVersion7};

}  // namespace

std::span<const std::string_view> Migrations() noexcept {
  return kMigrations;
}

}  // namespace swarmbot::store::detail
