#pragma once

#include <string>

namespace swarmbot {

// One delivery from Slack, whichever transport brought it. bot/ fills it in
// (after checking the signature or the envelope and dropping repeats);
// handlers/ reads it. The payload is always JSON: a slash command's form
// fields arrive as a JSON object of strings, exactly as Socket Mode sends them.
enum class InboundKind { kSlashCommand, kInteractive, kEvent };

struct InboundRequest {
  InboundKind kind = InboundKind::kSlashCommand;
  std::string payload_json;
  std::string delivery_id;  // envelope_id (Socket Mode) or event_id; may be empty
};

// What goes back in the acknowledgement: the HTTP 200 body or the Socket Mode
// ack's `payload`. Empty means a bare acknowledgement.
struct InboundReply {
  std::string body_json;
  // Handling an event failed for a reason that passes (the store was busy)
  // and kept nothing: handling it again later may succeed.
  bool retry_later = false;
};

}  // namespace swarmbot
