#pragma once

#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "common/result.hpp"
#include "common/slack_api.hpp"
#include "handlers/block_kit.hpp"
#include "handlers/detail/services.hpp"
#include "lifecycle/change_service.hpp"
#include "lifecycle/effects.hpp"
#include "store/outbox.hpp"

namespace swarmbot::handlers {

// The plan message's buttons. Each step's button has its own action_id
// ("change.done.2", "change.verify.2") so that the ids differ within the
// message; every value is "CHG-n:step:mark" ("CHG-n" for the close button).
inline constexpr std::string_view kChangeActionPrefix = "change.";
inline constexpr std::string_view kStepDoneActionPrefix = "change.done.";
inline constexpr std::string_view kStepVerifyActionPrefix = "change.verify.";
inline constexpr std::string_view kCloseChangeActionId = "change.close";

// A step button's value: the change, the step's position and a mark of the
// step's text. Positions move when a step is removed, so a click from a copy
// not yet updated must be told apart from one on the step now at its place.
std::string StepButtonValue(std::string_view change_number, const store::ChangeStep& step);
// Whether a button's mark (the part after "CHG-n:step:") was made for `step`
// as it stands. A value without a mark, from a plan posted before marks,
// matches as such values always did.
bool StepMarkMatches(std::string_view mark, const store::ChangeStep& step);

// The work plan as a message: the change's number, type, risk and state (and
// why, when it was sent back or rejected), its links, and one line per step
// with who did and verified it and a Done or Verify button as its state
// calls for; "Close change" once it is approved and verified.
BlockMessage WorkPlanMessage(const lifecycle::ChangeDetails& details);

// What an older copy of the plan turns into once the plan is posted
// elsewhere (or again): where the plan is kept now, and no buttons.
BlockMessage RetiredPlanMessage(const lifecycle::ChangeDetails& details);

// `/change show CHG-n`: the record, its links, the plan, the approval and
// every state change with who made it. `approval_history` is the CAB's record
// (ApprovalHistoryText), "" when the change was never put to the CAB.
BlockMessage ChangeRecordMessage(const lifecycle::ChangeDetails& details,
                                 std::string_view approval_history);

// Performs the change effects ("change.*", lifecycle/effects.hpp): posts the
// plan message once (a retry first looks for it by the outbox id in its
// metadata), keeps it current with chat.update, retires an older copy once
// the plan is posted elsewhere, and posts change news to a swarm channel.
// Retryable errors come back unchanged.
class ChangeEffects {
 public:
  explicit ChangeEffects(detail::Services& services) : services_(services) {}

  static bool Handles(std::string_view kind) {
    return kind.starts_with(lifecycle::effect::kChangeEffectPrefix);
  }
  boost::asio::awaitable<Status> Run(store::OutboxItem& item, SlackApi& api);

 private:
  boost::asio::awaitable<Status> PostPlan(store::OutboxItem& item, SlackApi& api,
                                          std::int64_t change);
  boost::asio::awaitable<Status> UpdatePlan(SlackApi& api, std::int64_t change);
  boost::asio::awaitable<Status> RetirePlan(store::OutboxItem& item, SlackApi& api,
                                            std::int64_t change);
  boost::asio::awaitable<Status> PostNews(store::OutboxItem& item, SlackApi& api);

  detail::Services& services_;
};

}  // namespace swarmbot::handlers
