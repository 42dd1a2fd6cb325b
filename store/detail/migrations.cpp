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

// Broadcast e-mails to an incident's customers (issue #6). A broadcast is a
// draft until someone presses Send, then sending, then done (or cancelled).
// Each recipient has one delivery row; UNIQUE keeps an address (ignoring
// ASCII case) from getting two. A row in state "sending" was handed to the
// SMTP server and its answer not yet recorded: after a crash it becomes
// "uncertain" and is not sent again (at most once).
constexpr std::string_view kVersion7 = R"sql(
CREATE TABLE broadcasts (
  number INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incidents (number),
  state TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  report_channel TEXT NOT NULL DEFAULT '',
  progress_ts TEXT NOT NULL DEFAULT '',
  subject_template TEXT NOT NULL,
  body_template TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  reported_at INTEGER,
  unreported INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX broadcasts_by_incident ON broadcasts (incident_id, state);

CREATE TABLE broadcast_deliveries (
  id INTEGER PRIMARY KEY,
  broadcast_id INTEGER NOT NULL REFERENCES broadcasts (number),
  email TEXT NOT NULL,
  contact_name TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  not_before INTEGER NOT NULL DEFAULT 0,
  reply TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL,
  UNIQUE (broadcast_id, email COLLATE NOCASE)
);
CREATE INDEX broadcast_deliveries_due ON broadcast_deliveries (state, not_before);
)sql";

// Problems (issue #5) and the asset catalogue they name. A problem links to
// many incidents; unlinking deletes the row and problem_events keeps the
// history. known_error is set with a workaround: a text, an article, or both.
// problem_events is the problem's own record of every change; the
// announcements in swarm channels are rendered from it.
constexpr std::string_view kVersion8 = R"sql(
CREATE TABLE assets (
  name TEXT PRIMARY KEY,
  owner_team TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL
);

CREATE TABLE problems (
  number INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  state TEXT NOT NULL
    CHECK (state IN ('new', 'investigating', 'known_error', 'resolved', 'closed')),
  owner TEXT NOT NULL,
  created_by TEXT NOT NULL,
  known_error INTEGER NOT NULL DEFAULT 0 CHECK (known_error IN (0, 1)),
  workaround TEXT NOT NULL DEFAULT '',
  workaround_article INTEGER REFERENCES articles (id),
  close_note TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  closed_at INTEGER
);
CREATE INDEX problems_by_state ON problems (state);

CREATE TABLE problem_incidents (
  problem_id INTEGER NOT NULL REFERENCES problems (number),
  incident_id INTEGER NOT NULL REFERENCES incidents (number),
  linked_at INTEGER NOT NULL,
  linked_by TEXT NOT NULL,
  PRIMARY KEY (problem_id, incident_id)
);
CREATE INDEX problem_incidents_by_incident ON problem_incidents (incident_id);

CREATE TABLE problem_causes (
  id INTEGER PRIMARY KEY,
  problem_id INTEGER NOT NULL REFERENCES problems (number),
  at INTEGER NOT NULL,
  author TEXT NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX problem_causes_by_problem ON problem_causes (problem_id);

CREATE TABLE problem_assets (
  problem_id INTEGER NOT NULL REFERENCES problems (number),
  asset TEXT NOT NULL REFERENCES assets (name),
  added_at INTEGER NOT NULL,
  added_by TEXT NOT NULL,
  PRIMARY KEY (problem_id, asset)
);

CREATE TABLE problem_events (
  id INTEGER PRIMARY KEY,
  problem_id INTEGER NOT NULL REFERENCES problems (number),
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  kind TEXT NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX problem_events_by_problem ON problem_events (problem_id);
)sql";

// Change requests (issue #5): the record, its typed links to problems and
// incidents, the work plan's steps and the audit of every state change.
// plan_version counts edits of the plan, so an approval names the plan it saw;
// create_view refuses a second submission of the same modal.
constexpr std::string_view kVersion9 = R"sql(
CREATE TABLE changes (
  number INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('standard', 'normal', 'emergency')),
  risk TEXT NOT NULL CHECK (risk IN ('low', 'medium', 'high')),
  justification TEXT NOT NULL DEFAULT '',
  template TEXT NOT NULL DEFAULT '',
  window_start INTEGER,
  window_end INTEGER,
  state TEXT NOT NULL
    CHECK (state IN ('draft', 'awaiting_approval', 'approved', 'rejected', 'closed')),
  state_reason TEXT NOT NULL DEFAULT '',
  plan_version INTEGER NOT NULL DEFAULT 1,
  approved_version INTEGER,
  requester TEXT NOT NULL,
  close_note TEXT NOT NULL DEFAULT '',
  plan_channel TEXT NOT NULL DEFAULT '',
  plan_ts TEXT NOT NULL DEFAULT '',
  create_view TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  closed_at INTEGER
);
CREATE UNIQUE INDEX changes_by_view ON changes (create_view) WHERE create_view <> '';

CREATE TABLE change_links (
  change_id INTEGER NOT NULL REFERENCES changes (number),
  target_kind TEXT NOT NULL CHECK (target_kind IN ('problem', 'incident')),
  target_number INTEGER NOT NULL,
  relation TEXT NOT NULL CHECK (relation IN ('fixes', 'caused_by')),
  linked_by TEXT NOT NULL,
  linked_at INTEGER NOT NULL,
  PRIMARY KEY (change_id, target_kind, target_number)
);
CREATE INDEX change_links_by_target ON change_links (target_kind, target_number);

CREATE TABLE change_steps (
  change_id INTEGER NOT NULL REFERENCES changes (number),
  position INTEGER NOT NULL,
  text TEXT NOT NULL,
  assignee TEXT NOT NULL DEFAULT '',
  done_by TEXT NOT NULL DEFAULT '',
  done_at INTEGER,
  verified_by TEXT NOT NULL DEFAULT '',
  verified_at INTEGER,
  PRIMARY KEY (change_id, position)
);

CREATE TABLE change_events (
  id INTEGER PRIMARY KEY,
  change_id INTEGER NOT NULL REFERENCES changes (number),
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  kind TEXT NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX change_events_by_change ON change_events (change_id, id);
)sql";

// Site banners (issue #6): at most one banner per audience is up, which the
// partial unique index keeps true whatever the code does. A banner is never
// edited, only cleared; the public title is what /status shows for an
// incident instead of its internal subject.
constexpr std::string_view kVersion10 = R"sql(
CREATE TABLE banners (
  id INTEGER PRIMARY KEY,
  audience TEXT NOT NULL CHECK (audience IN ('signed-in', 'everyone')),
  severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  text TEXT NOT NULL,
  link TEXT NOT NULL DEFAULT '',
  incident_id INTEGER REFERENCES incidents (number),
  set_by TEXT NOT NULL,
  set_at INTEGER NOT NULL,
  clear_on_close INTEGER NOT NULL DEFAULT 1 CHECK (clear_on_close IN (0, 1)),
  cleared_at INTEGER,
  cleared_by TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX banners_one_up_per_audience ON banners (audience) WHERE cleared_at IS NULL;
CREATE INDEX banners_by_incident ON banners (incident_id);

CREATE TABLE incident_public_titles (
  incident_id INTEGER PRIMARY KEY REFERENCES incidents (number),
  title TEXT NOT NULL,
  set_by TEXT NOT NULL,
  set_at INTEGER NOT NULL
);
)sql";

// The Expert Finder (issue #4): past tickets imported as history
// (`swarmbot import history`), the ranked list each `/swarm experts` showed,
// so that a declined invitation can move to the next person on it, and the
// invitations themselves with their outcome. `components` holds one name a
// line.
constexpr std::string_view kVersion11 = R"sql(
CREATE TABLE expert_history (
  id TEXT PRIMARY KEY,
  at INTEGER NOT NULL,
  title TEXT NOT NULL,
  text TEXT NOT NULL DEFAULT '',
  components TEXT NOT NULL DEFAULT '',
  resolver TEXT NOT NULL,
  imported_at INTEGER NOT NULL
);

CREATE TABLE expert_proposals (
  incident_id INTEGER NOT NULL REFERENCES incidents (number),
  position INTEGER NOT NULL,
  user_id TEXT NOT NULL,
  reasons TEXT NOT NULL DEFAULT '',
  proposed_at INTEGER NOT NULL,
  PRIMARY KEY (incident_id, position)
);

CREATE TABLE expert_invitations (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incidents (number),
  invitee TEXT NOT NULL,
  asked_by TEXT NOT NULL,
  reasons TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL CHECK (state IN ('open', 'accepted', 'declined', 'expired')),
  asked_at INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  answered_at INTEGER,
  dm_channel TEXT NOT NULL DEFAULT '',
  dm_ts TEXT NOT NULL DEFAULT ''
);
CREATE INDEX expert_invitations_by_incident ON expert_invitations (incident_id, invitee);
)sql";

// CAB approvals (issue #5): one request per submission of a subject (CHG-n)
// at one plan version, with the rule copied from its policy, the plan the
// approvers saw, the approving groups' members when it was posted (a
// snapshot for audit) and every vote. usergroup_members caches the members of
// the user groups that grant roles.
constexpr std::string_view kVersion12 = R"sql(
CREATE TABLE approval_requests (
  id INTEGER PRIMARY KEY,
  subject TEXT NOT NULL,
  change_type TEXT NOT NULL,
  requester TEXT NOT NULL,
  title TEXT NOT NULL,
  risk TEXT NOT NULL,
  plan_version INTEGER NOT NULL,
  plan_digest TEXT NOT NULL,
  rule TEXT NOT NULL,
  quorum INTEGER NOT NULL CHECK (quorum >= 1),
  mandatory TEXT NOT NULL DEFAULT '',
  allow_self INTEGER NOT NULL CHECK (allow_self IN (0, 1)),
  state TEXT NOT NULL CHECK (state IN ('open', 'approved', 'rejected', 'superseded')),
  members_resolved INTEGER NOT NULL DEFAULT 0 CHECK (members_resolved IN (0, 1)),
  outcome TEXT NOT NULL DEFAULT '',
  channel TEXT NOT NULL DEFAULT '',
  message_ts TEXT NOT NULL DEFAULT '',
  deadline_at INTEGER,
  escalated_at INTEGER,
  created_at INTEGER NOT NULL,
  decided_at INTEGER
);
CREATE INDEX approval_requests_by_subject ON approval_requests (subject, id);

CREATE TABLE approval_plan (
  request_id INTEGER NOT NULL REFERENCES approval_requests (id),
  position INTEGER NOT NULL,
  text TEXT NOT NULL,
  done_by TEXT NOT NULL DEFAULT '',
  verified_by TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (request_id, position)
);

CREATE TABLE approval_groups (
  request_id INTEGER NOT NULL REFERENCES approval_requests (id),
  position INTEGER NOT NULL,
  group_id TEXT NOT NULL,
  handle TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (request_id, position)
);

CREATE TABLE approval_members (
  request_id INTEGER NOT NULL REFERENCES approval_requests (id),
  group_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  PRIMARY KEY (request_id, group_id, user_id)
);

CREATE TABLE approval_votes (
  request_id INTEGER NOT NULL REFERENCES approval_requests (id),
  user_id TEXT NOT NULL,
  approve INTEGER NOT NULL CHECK (approve IN (0, 1)),
  reason TEXT NOT NULL DEFAULT '',
  plan_version INTEGER NOT NULL,
  plan_digest TEXT NOT NULL,
  voted_at INTEGER NOT NULL,
  PRIMARY KEY (request_id, user_id)
);

CREATE TABLE usergroup_members (
  group_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  PRIMARY KEY (group_id, user_id)
);
)sql";

// The swarm channel's life (issue #4): messages each member wrote in the
// channel (counted, not stored), and the channel an incident swarmed in
// before it was reopened into a new one.
constexpr std::string_view kVersion13 = R"sql(
ALTER TABLE swarm_members ADD COLUMN messages INTEGER NOT NULL DEFAULT 0;
ALTER TABLE swarms ADD COLUMN previous_channel_id TEXT NOT NULL DEFAULT '';
ALTER TABLE swarms ADD COLUMN previous_channel_name TEXT NOT NULL DEFAULT '';
)sql";

// Contacts who asked for no more broadcast e-mail (issue #6), by folded address.
constexpr std::string_view kVersion14 = R"sql(
CREATE TABLE unsubscribed (
  address TEXT PRIMARY KEY,
  unsubscribed_at INTEGER NOT NULL
);
)sql";

// A sending broadcast that can't reach its mail server, and one stopped (by a
// person, or given up on) before everyone was mailed (issue #6).
constexpr std::string_view kVersion15 = R"sql(
ALTER TABLE broadcasts ADD COLUMN unreachable_since INTEGER;
ALTER TABLE broadcasts ADD COLUMN unreachable_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE broadcasts ADD COLUMN stopped_by TEXT NOT NULL DEFAULT '';
ALTER TABLE broadcasts ADD COLUMN stop_reason TEXT NOT NULL DEFAULT '';
)sql";

// The Expert Finder checks whether history moved before each ranking; with
// this index the newest import stamp is a lookup, not a scan of every row.
constexpr std::string_view kVersion16 = R"sql(
CREATE INDEX expert_history_imported_at ON expert_history (imported_at);
)sql";

// An invitation whose direct message Slack refused for good (a deactivated
// person) is 'unreachable', not 'expired'; next_invitation links it, and any
// declined or expired one, to whoever was asked next, so the swarm is told
// who was actually asked. SQLite can't change a CHECK: the table is rebuilt.
constexpr std::string_view kVersion17 = R"sql(
CREATE TABLE expert_invitations_new (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incidents (number),
  invitee TEXT NOT NULL,
  asked_by TEXT NOT NULL,
  reasons TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL
    CHECK (state IN ('open', 'accepted', 'declined', 'expired', 'unreachable')),
  asked_at INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  answered_at INTEGER,
  dm_channel TEXT NOT NULL DEFAULT '',
  dm_ts TEXT NOT NULL DEFAULT '',
  next_invitation INTEGER
);
INSERT INTO expert_invitations_new (id, incident_id, invitee, asked_by, reasons, state, asked_at,
                                    due_at, answered_at, dm_channel, dm_ts)
  SELECT id, incident_id, invitee, asked_by, reasons, state, asked_at, due_at, answered_at,
         dm_channel, dm_ts FROM expert_invitations;
DROP TABLE expert_invitations;
ALTER TABLE expert_invitations_new RENAME TO expert_invitations;
CREATE INDEX expert_invitations_by_incident ON expert_invitations (incident_id, invitee);
)sql";

// An invitation a close (or a refused Accept) ended is 'withdrawn', with why,
// not 'expired': it says nothing about the person. Before this, closes stored
// 'expired' without the 'expert_expired' timeline entry a real timeout
// writes at the same moment; those rows are moved over, by whether the
// incident itself closed then. SQLite can't change a CHECK: the table is
// rebuilt.
constexpr std::string_view kVersion18 = R"sql(
CREATE TABLE expert_invitations_new (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incidents (number),
  invitee TEXT NOT NULL,
  asked_by TEXT NOT NULL,
  reasons TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL
    CHECK (state IN ('open', 'accepted', 'declined', 'expired', 'unreachable', 'withdrawn')),
  asked_at INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  answered_at INTEGER,
  dm_channel TEXT NOT NULL DEFAULT '',
  dm_ts TEXT NOT NULL DEFAULT '',
  next_invitation INTEGER,
  withdrawal TEXT NOT NULL DEFAULT ''
);
INSERT INTO expert_invitations_new (id, incident_id, invitee, asked_by, reasons, state, asked_at,
                                    due_at, answered_at, dm_channel, dm_ts, next_invitation)
  SELECT id, incident_id, invitee, asked_by, reasons, state, asked_at, due_at, answered_at,
         dm_channel, dm_ts, next_invitation FROM expert_invitations;
DROP TABLE expert_invitations;
ALTER TABLE expert_invitations_new RENAME TO expert_invitations;
CREATE INDEX expert_invitations_by_incident ON expert_invitations (incident_id, invitee);
UPDATE expert_invitations
  SET state = 'withdrawn',
      withdrawal = CASE WHEN EXISTS (SELECT 1 FROM timeline t
                                     WHERE t.incident_id = expert_invitations.incident_id
                                       AND t.at = expert_invitations.answered_at
                                       AND t.kind = 'closed')
                   THEN 'incident_closed' ELSE 'swarm_closed' END
  WHERE state = 'expired' AND answered_at IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM timeline t WHERE t.incident_id = expert_invitations.incident_id
                      AND t.at = expert_invitations.answered_at AND t.kind = 'expert_expired');
)sql";

// What Slack last said of an account (a user_change event's `deleted`, or an
// error such as user_disabled for that person), apart from `people` because
// Slack may tell of someone before the people file names them, and because a
// people import must not undo what Slack said. `changed_at` is when Slack
// says it changed (the user object's `updated`), so that an older event
// arriving late changes nothing. `source` is what told us.
constexpr std::string_view kVersion19 = R"sql(
CREATE TABLE slack_accounts (
  user_id TEXT PRIMARY KEY,
  deactivated INTEGER NOT NULL,
  changed_at INTEGER NOT NULL,
  source TEXT NOT NULL
);
)sql";

// A sending broadcast whose mail server refuses swarmbot's login, told apart
// from one that can't reach its server: the fix is the credentials.
constexpr std::string_view kVersion20 = R"sql(
ALTER TABLE broadcasts ADD COLUMN unreachable_login_refused INTEGER NOT NULL DEFAULT 0;
)sql";

// An unreachable invitation keeps whether Slack's refusal said the account
// is deactivated, so the swarm is told that rather than "couldn't be
// reached". `passed_over` is who on the list the move down it from this
// invitation went past without asking, and why, recorded as the move
// happens so that each of them is named once (NULL: not recorded, as for
// rows from before this version).
constexpr std::string_view kVersion21 = R"sql(
ALTER TABLE expert_invitations ADD COLUMN unreachable_deactivated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE expert_invitations ADD COLUMN passed_over TEXT;
)sql";

constexpr std::array kMigrations{
    kVersion1,  kVersion2,  kVersion3,  kVersion4,  kVersion5,  kVersion6,  kVersion7,
    kVersion8,  kVersion9,  kVersion10, kVersion11, kVersion12, kVersion13, kVersion14,
    kVersion15, kVersion16, kVersion17, kVersion18, kVersion19, kVersion20, kVersion21};

}  // namespace

std::span<const std::string_view> Migrations() noexcept {
  return kMigrations;
}

}  // namespace swarmbot::store::detail
