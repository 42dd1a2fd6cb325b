#include "bot/inbound_parse.hpp"

#include <boost/json.hpp>

#include "bot/detail/json.hpp"
#include "common/form.hpp"

namespace swarmbot::bot {
namespace {

using detail::ondemand::value;

FrameType FrameTypeFromName(std::string_view name) {
  if (name == "hello") {
    return FrameType::kHello;
  }
  if (name == "disconnect") {
    return FrameType::kDisconnect;
  }
  if (name == "events_api") {
    return FrameType::kEventsApi;
  }
  if (name == "slash_commands") {
    return FrameType::kSlashCommands;
  }
  if (name == "interactive") {
    return FrameType::kInteractive;
  }
  return FrameType::kUnknown;
}

// The inner `event` object of an event_callback: only its type matters here.
std::string EventType(value& event) {
  std::string type;
  detail::ondemand::object object;
  if (event.get_object().get(object) != simdjson::SUCCESS) {
    return type;
  }
  for (auto field_result : object) {
    detail::ondemand::field field;
    std::string_view key;
    if (std::move(field_result).get(field) != simdjson::SUCCESS ||
        field.unescaped_key().get(key) != simdjson::SUCCESS) {
      return type;
    }
    if (key == "type") {
      value inner = field.value();
      type = detail::AsString(inner).value_or("");
      return type;
    }
  }
  return type;
}

}  // namespace

Result<SocketFrame> ParseSocketFrame(std::string_view text) {
  SocketFrame frame;
  auto status =
      detail::ForEachField(text, "Socket Mode frame", [&](std::string_view key, value& v) {
        if (key == "type") {
          frame.type_name = detail::AsString(v).value_or("");
        } else if (key == "envelope_id") {
          auto id = detail::AsString(v);
          frame.envelope_id = id.value_or("");
          return id.has_value();
        } else if (key == "payload") {
          auto raw = detail::RawJson(v);
          frame.payload_json = raw.value_or("");
          return raw.has_value();
        } else if (key == "accepts_response_payload") {
          frame.accepts_response_payload = detail::AsBool(v).value_or(false);
        } else if (key == "retry_attempt") {
          frame.retry_attempt = static_cast<int>(detail::AsInt(v).value_or(0));
        } else if (key == "retry_reason") {
          frame.retry_reason = detail::AsString(v).value_or("");
        } else if (key == "reason") {
          frame.disconnect_reason = detail::AsString(v).value_or("");
        } else if (key == "num_connections") {
          frame.num_connections = static_cast<int>(detail::AsInt(v).value_or(0));
        }
        return true;
      });
  if (!status) {
    return status.error();
  }
  frame.type = FrameTypeFromName(frame.type_name);
  return frame;
}

Result<PayloadSummary> SummarizePayload(std::string_view json) {
  PayloadSummary summary;
  auto status = detail::ForEachField(json, "payload", [&](std::string_view key, value& v) {
    if (key == "type") {
      summary.type = detail::AsString(v).value_or("");
    } else if (key == "event_id") {
      summary.event_id = detail::AsString(v).value_or("");
    } else if (key == "challenge") {
      summary.challenge = detail::AsString(v).value_or("");
    } else if (key == "response_url") {
      summary.response_url = detail::AsString(v).value_or("");
    } else if (key == "event") {
      summary.event_type = EventType(v);
    }
    return true;
  });
  if (!status) {
    return status.error();
  }
  return summary;
}

Result<std::string> FormToJsonObject(std::string_view form_body) {
  auto fields = ParseForm(form_body);
  if (!fields) {
    return fields.error();
  }
  boost::json::object object;
  for (auto& [name, field_value] : *fields) {
    // A repeated name keeps its first value, as FormValue() reads it.
    if (!object.contains(name)) {
      object[name] = field_value;
    }
  }
  return boost::json::serialize(object);
}

bool RepliesInAcknowledgement(InboundKind kind, std::string_view payload_type) {
  switch (kind) {
    case InboundKind::kSlashCommand:
      return true;
    case InboundKind::kInteractive:
      // Only these interactions read the response body; for the rest Slack
      // ignores it, so they are acknowledged before the handler runs.
      return payload_type == "view_submission" || payload_type == "block_suggestion";
    case InboundKind::kEvent:
      return false;
  }
  return false;
}

Result<EnvelopeRequest> ToInboundRequest(const SocketFrame& frame) {
  EnvelopeRequest out;
  switch (frame.type) {
    case FrameType::kEventsApi:
      out.request.kind = InboundKind::kEvent;
      break;
    case FrameType::kSlashCommands:
      out.request.kind = InboundKind::kSlashCommand;
      break;
    case FrameType::kInteractive:
      out.request.kind = InboundKind::kInteractive;
      break;
    default:
      return MakeError(Errc::kInvalidInput, "frame is not an envelope: " + frame.type_name);
  }
  if (frame.envelope_id.empty()) {
    return MakeError(Errc::kInvalidInput, "envelope has no envelope_id");
  }
  auto summary = SummarizePayload(frame.payload_json);
  if (!summary) {
    return summary.error();
  }
  out.payload_type = summary->type;
  out.response_url = std::move(summary->response_url);
  out.request.payload_json = frame.payload_json;
  out.request.delivery_id = frame.type == FrameType::kEventsApi && !summary->event_id.empty()
                                ? summary->event_id
                                : frame.envelope_id;
  out.replies_in_ack = RepliesInAcknowledgement(out.request.kind, out.payload_type) ||
                       (frame.type == FrameType::kInteractive && frame.accepts_response_payload);
  return out;
}

std::string BuildAck(std::string_view envelope_id, std::string_view reply_json,
                     bool* reply_dropped) {
  boost::json::object ack;
  ack["envelope_id"] = envelope_id;
  bool dropped = false;
  if (!reply_json.empty()) {
    boost::system::error_code ec;
    boost::json::value reply = boost::json::parse(reply_json, ec);
    if (ec) {
      dropped = true;
    } else {
      ack["payload"] = std::move(reply);
    }
  }
  if (reply_dropped != nullptr) {
    *reply_dropped = dropped;
  }
  return boost::json::serialize(ack);
}

}  // namespace swarmbot::bot
