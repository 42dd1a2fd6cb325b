#pragma once

#include <string>
#include <string_view>

#include "common/inbound.hpp"
#include "common/result.hpp"

namespace swarmbot::bot {

// What bot/ reads from Slack's deliveries before handing them on: only the
// routing fields. handlers/ parses the payloads themselves.

enum class FrameType { kHello, kDisconnect, kEventsApi, kSlashCommands, kInteractive, kUnknown };

// One Socket Mode frame from Slack (https://api.slack.com/apis/socket-mode):
// a control frame (hello, disconnect) or an envelope around a payload.
struct SocketFrame {
  FrameType type = FrameType::kUnknown;
  std::string type_name;     // `type` as sent, for logs of unknown frames
  std::string envelope_id;   // empty on control frames
  std::string payload_json;  // `payload` as the raw JSON text; empty if absent
  bool accepts_response_payload = false;
  int retry_attempt = 0;
  std::string retry_reason;
  std::string disconnect_reason;  // disconnect only: warning, refresh_requested…
  int num_connections = 0;        // hello only
};

// Errc::kInvalidInput if `text` is not a JSON object or a known field has a
// nonsensical type; unknown fields are ignored.
Result<SocketFrame> ParseSocketFrame(std::string_view text);

// The routing fields of a payload object (Events API body or interactivity
// payload): `type` (event_callback, url_verification, app_rate_limited,
// block_actions, view_submission…), `event_id`, the inner `event.type`, the
// url_verification `challenge` and the top-level `response_url` (a credential:
// never log it). Absent fields stay empty.
struct PayloadSummary {
  std::string type;
  std::string event_id;
  std::string event_type;
  std::string challenge;
  std::string response_url;
};

// Errc::kInvalidInput unless `json` is one well-formed JSON object.
Result<PayloadSummary> SummarizePayload(std::string_view json);

// A slash command's form body as the JSON object of strings that Socket Mode
// would carry, so handlers see one shape whatever the transport.
Result<std::string> FormToJsonObject(std::string_view form_body);

// Whether the handler's reply travels in the acknowledgement (slash commands,
// view submissions, block suggestions) or the delivery is acknowledged first
// and handled afterwards (events, button clicks, shortcuts).
bool RepliesInAcknowledgement(InboundKind kind, std::string_view payload_type);

// Builds the request handlers see from an envelope frame: kind from the frame
// type, payload verbatim, delivery_id = event_id for events (Slack keeps it
// across redeliveries and sockets) and envelope_id otherwise.
// Errc::kInvalidInput for control frames or a payload that isn't an object.
struct EnvelopeRequest {
  InboundRequest request;
  std::string payload_type;
  bool replies_in_ack = false;
  std::string response_url;  // the payload's, "" if it has none
};
Result<EnvelopeRequest> ToInboundRequest(const SocketFrame& frame);

// The acknowledgement frame for an envelope, with the reply as its payload when
// there is one. A reply that isn't valid JSON is dropped (bare ack) rather than
// sending Slack a frame it would reject; `reply_dropped` says so.
std::string BuildAck(std::string_view envelope_id, std::string_view reply_json,
                     bool* reply_dropped = nullptr);

}  // namespace swarmbot::bot
