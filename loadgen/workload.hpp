#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/ids.hpp"

namespace swarmbot::loadgen {

// What a support team does while the bot is busy, one kind per line of the report.
enum class Kind {
  kDeclare,       // an incident manager submits the declare form (view_submission)
  kNote,          // /swarm note INC-1 …: the incident's timeline
  kCause,         // /problem cause PRB-1 …: announced in the swarm channel
  kCaseList,      // /case list
  kKnowledge,     // /kb <words>
  kStatus,        // /incident status INC-1
  kSwarmMessage,  // a message in the swarm channel (Events API)
};

inline constexpr std::array kAllKinds{Kind::kDeclare,     Kind::kNote,      Kind::kCause,
                                      Kind::kCaseList,    Kind::kKnowledge, Kind::kStatus,
                                      Kind::kSwarmMessage};

std::string_view KindName(Kind kind);
// Whether the kind changes the store (as opposed to reading it or being an event).
bool Writes(Kind kind);

// Whether a 2xx acknowledgement's body is what a user who sent `kind` wants
// to see (the form closed, the note taken, a listing), rather than a refusal,
// a "database is busy" or anything else.
bool AnsweredAsExpected(Kind kind, std::string_view body);

// Who and where the load plays: the workspace set up before the run.
struct Workspace {
  std::string team_id;
  std::string team_domain;
  std::string app_id;
  std::string verification_token;
  std::string response_url_base;  // the emulator's response_url prefix
  UserId bot_user;
  UserId manager;  // an incident manager, who also owns the problem
  std::vector<UserId> swarm_members;
  ChannelId incidents;   // where incidents are announced
  ChannelId swarm;       // INC-1's swarm channel
  std::string incident;  // "INC-1"
  std::string problem;   // "PRB-1"
};

// One request as Slack would send it in request-URL mode, before signing.
struct Request {
  Kind kind = Kind::kStatus;
  std::string path;  // /slack/commands, /slack/interactive or /slack/events
  std::string content_type;
  std::string body;
  // The unique word in what the request writes, which its Slack effect (if
  // any) must carry exactly once; "" for kinds without one.
  std::string token;
};

// The `count` requests of a run, mixed as a busy morning would be: per ten,
// four messages in the swarm, one of every other kind. `run_tag` keeps the
// tokens of different phases apart.
std::vector<Request> MixedRequests(const Workspace& ws, std::size_t count,
                                   std::string_view run_tag);

// Slack's signature headers for `body` signed now with `signing_secret`
// (X-Slack-Request-Timestamp, X-Slack-Signature).
struct SignatureHeaders {
  std::string timestamp;
  std::string signature;
};
SignatureHeaders Sign(std::string_view signing_secret, std::string_view body);

}  // namespace swarmbot::loadgen
