#include "handlers/approval_buttons.hpp"

#include <charconv>
#include <optional>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "handlers/approval_view.hpp"
#include "handlers/declare_modal.hpp"
#include "handlers/mrkdwn.hpp"
#include "handlers/reply.hpp"
#include "lifecycle/text_rules.hpp"

namespace swarmbot::handlers {
namespace {

constexpr std::size_t kMaxIdDigits = 12;

// A request id as the buttons and the form carry it: digits only.
std::optional<std::int64_t> ParseRequestId(std::string_view text) {
  std::int64_t id = 0;
  if (text.empty() || text.size() > kMaxIdDigits) {
    return std::nullopt;
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size() || id <= 0) {
    return std::nullopt;
  }
  return id;
}

std::string ReasonPath() {
  return "view.state.values." + std::string(kCabReasonBlock) + "." + std::string(kCabReasonAction) +
         ".value";
}

// The approval service's answers are plain text apart from people's
// mentions, and may quote what someone typed (a rejection's reason): shown
// as mrkdwn, only the mentions stay markup.
std::string FromLifecycle(const std::string& text) {
  return EscapeMrkdwnKeepingMentions(text);
}

}  // namespace

bool ApprovalButtons::Handles(std::string_view action_id) noexcept {
  return action_id == kCabApproveActionId || action_id == kCabRejectActionId;
}

void ApprovalButtons::HandleClick(const detail::FlatJson& payload, std::size_t index) {
  const std::string base = "actions." + std::to_string(index);
  const std::string action = payload.StringOr(base + ".action_id");
  const UserId user(payload.StringOr("user.id"));
  const auto request = ParseRequestId(payload.StringOr(base + ".value"));
  if (!request || user.empty()) {
    spdlog::warn("event=cab.click.malformed user={} action={}", user.str(), action);
    Answer(payload, "That button is out of date; nothing was counted.");
    return;
  }
  if (action == kCabApproveActionId) {
    auto vote = services_.approvals.Vote(*request, user, true, "");
    if (!vote) {
      spdlog::info("event=cab.click.refused request={} user={} code={}", *request, user.str(),
                   ErrcName(vote.error().code));
      Answer(payload, FromLifecycle(RefusalText(vote.error())));
      return;
    }
    Answer(payload, FromLifecycle(vote->reply));
    return;
  }
  // Reject: only someone who may vote gets the form.
  auto record = services_.approvals.Find(*request);
  Status allowed = record ? services_.approvals.CheckVoter(*request, user) : record.error();
  if (!allowed) {
    spdlog::info("event=cab.click.refused request={} user={} code={}", *request, user.str(),
                 ErrcName(allowed.error().code));
    Answer(payload, FromLifecycle(RefusalText(allowed.error())));
    return;
  }
  const std::string trigger = payload.StringOr("trigger_id");
  if (trigger.empty()) {
    Answer(payload, "Slack sent no trigger to open the form with; please try again.");
    return;
  }
  if (auto queued = services_.OpenForm(trigger, RejectReasonView(*request, record->request.subject),
                                       user, ChannelId(payload.StringOr("channel.id")));
      !queued) {
    Answer(payload, RefusalText(queued.error()));
  }
}

std::string ApprovalButtons::HandleRejectSubmission(const detail::FlatJson& payload) {
  const std::string block(kCabReasonBlock);
  const UserId user(payload.StringOr("user.id"));
  const auto request = ParseRequestId(payload.StringOr("view.private_metadata"));
  if (!request || user.empty()) {
    spdlog::warn("event=cab.reject.malformed user={}", user.str());
    return ModalErrors({{block, "This form is out of date; close it and click Reject again."}},
                       &services_);
  }
  const std::string reason = lifecycle::Trimmed(payload.StringOr(ReasonPath()));
  if (reason.empty()) {
    return ModalErrors({{block, "Say why you reject it; the requester will read this."}},
                       &services_);
  }
  if (lifecycle::Utf8Length(reason) > lifecycle::ApprovalService::kMaxReason) {
    return ModalErrors(
        {{block, "Keep it to " + std::to_string(lifecycle::ApprovalService::kMaxReason) +
                     " characters; nothing was recorded."}},
        &services_);
  }
  // A control or direction character is named, as in other fields.
  if (auto checked = lifecycle::CheckField(
          reason, {"reason", lifecycle::ApprovalService::kMaxReason, true, true});
      !checked) {
    return ModalErrors({{block, RefusalText(checked.error()) + " Nothing was recorded."}},
                       &services_);
  }
  auto vote = services_.approvals.Vote(*request, user, false, reason);
  if (!vote) {
    spdlog::info("event=cab.reject.refused request={} user={} code={}", *request, user.str(),
                 ErrcName(vote.error().code));
    return ModalErrors({{block, RefusalText(vote.error())}}, &services_);
  }
  if (!vote->counted) {
    return ModalErrors({{block, vote->reply}}, &services_);
  }
  return {};
}

void ApprovalButtons::Answer(const detail::FlatJson& payload, const std::string& mrkdwn) {
  const std::string response_url = payload.StringOr("response_url");
  if (response_url.empty()) {
    spdlog::warn("event=cab.answer.no_response_url user={}", payload.StringOr("user.id"));
    return;
  }
  const boost::json::object body{{"response_type", "ephemeral"},
                                 {"replace_original", false},
                                 {"text", Truncate(mrkdwn, kMaxFallbackText, true)}};
  if (auto queued = services_.knowledge.QueueResponse(response_url, boost::json::serialize(body));
      !queued) {
    spdlog::error("event=cab.answer.failed detail=\"{}\"", queued.error().detail);
  }
}

}  // namespace swarmbot::handlers
