#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ids.hpp"
#include "common/result.hpp"
#include "handlers/detail/flat_json.hpp"
#include "handlers/detail/services.hpp"
#include "lifecycle/incident_service.hpp"
#include "lifecycle/priority.hpp"
#include "store/records.hpp"

namespace swarmbot::handlers {

// The declare modal: `/incident declare [subject words]` and the spike
// alert's "Declare incident" button open it; its submission declares.
//
// The view's callback_id; a view_submission carrying it comes to
// DeclareModal::HandleSubmission.
inline constexpr std::string_view kDeclareCallbackId = "incident.declare";

// Its input blocks, which are also the keys of the inline errors.
inline constexpr std::string_view kSubjectBlock = "subject";
inline constexpr std::string_view kDescriptionBlock = "description";
inline constexpr std::string_view kTerritoriesBlock = "territories";
inline constexpr std::string_view kImpactBlock = "impact";
inline constexpr std::string_view kUrgencyBlock = "urgency";
inline constexpr std::string_view kPriorityBlock = "priority";
inline constexpr std::string_view kReasonBlock = "reason";
// Every input's action_id.
inline constexpr std::string_view kInputAction = "value";

// What the modal shows when it opens.
struct DeclarePrefill {
  std::string subject;
  std::string description;               // cut to the input's 3,000 characters
  std::vector<std::string> territories;  // those not offered are left out
  store::Level impact = store::Level::kMedium;
  store::Level urgency = store::Level::kMedium;
  // Opaque to the modal: kept in the view's private_metadata (at most 2,000
  // characters) and handed to Services::on_declared after a successful
  // submission, e.g. "SPIKE-7" so the spike's cases can be linked.
  std::string origin;
};

// The modal view (views.open's `view`) as JSON, offering `territory_choices`
// (at most 100, each at most 75 characters: config checks both).
std::string DeclareModalView(const DeclarePrefill& prefill,
                             const std::vector<std::string>& territory_choices);

// A submission read and checked. `errors` maps block ids to the message shown
// under the input; when it is empty, `input` is ready for
// IncidentService::Declare.
struct DeclareSubmission {
  lifecycle::DeclareInput input;
  std::string origin;
  UserId user;
  std::map<std::string, std::string> errors;
};

// Reads a view_submission payload (flattened deep enough for
// view.state.values) and checks each field: subject required and at most
// 250 characters, description at most 10,000, territories among
// `territory_choices`, impact and urgency given, an override P1–P4 with a
// reason when it differs from `matrix`.
DeclareSubmission ReadDeclareSubmission(const detail::FlatJson& payload,
                                        const std::vector<std::string>& territory_choices,
                                        const lifecycle::PriorityMatrix& matrix);

// Opens the modal and declares from it.
class DeclareModal {
 public:
  explicit DeclareModal(detail::Services& services) : services_(services) {}

  // Opens the modal for `trigger_id` (Services::OpenForm): views.open goes
  // out at once, beside the outbox. If Slack refuses to open it (an expired
  // trigger), `user` is told in `channel` by an ephemeral message.
  Status Open(std::string_view trigger_id, const UserId& user, const ChannelId& channel,
              const DeclarePrefill& prefill);

  // The acknowledgement of a view_submission for kDeclareCallbackId: ""
  // (the modal closes) when the incident was declared, else
  // {"response_action":"errors",…} naming the inputs to fix. A non-manager,
  // a second submission of the same view and a store failure get an error
  // under the subject; nothing is declared then.
  std::string HandleSubmission(const detail::FlatJson& payload);

 private:
  detail::Services& services_;
};

// {"response_action":"errors","errors":{…}}. Slack shows these as plain
// text, so each message (mrkdwn, as refusals are) is put in plain words
// (PlainWords): people by their names on the people list, the managers'
// channel by what it is, when `services` is given.
std::string ModalErrors(const std::map<std::string, std::string>& errors,
                        detail::Services* services = nullptr);

}  // namespace swarmbot::handlers
