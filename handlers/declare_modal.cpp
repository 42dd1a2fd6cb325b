#include "handlers/declare_modal.hpp"

#include <algorithm>
#include <array>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "handlers/mrkdwn.hpp"
#include "handlers/reply.hpp"
#include "lifecycle/text_rules.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;

// Slack caps a plain_text_input at 3,000 characters, below the 10,000 a
// description may hold when it arrives by other ways.
constexpr std::size_t kDescriptionInputMax = 3000;
constexpr std::size_t kSubjectMax = 250;
constexpr std::size_t kReasonMax = 500;
constexpr std::size_t kMaxOrigin = 2000;

constexpr std::array<store::Level, 3> kLevels{store::Level::kHigh, store::Level::kMedium,
                                              store::Level::kLow};

json::object PlainText(std::string_view text) {
  return {{"type", "plain_text"}, {"text", text}};
}

json::object Option(std::string_view text, std::string_view value) {
  return {{"text", PlainText(text)}, {"value", value}};
}

std::string LevelText(store::Level level) {
  std::string text(store::Name(level));
  text[0] = static_cast<char>(text[0] - 'a' + 'A');
  return text;
}

json::object LevelOption(store::Level level) {
  return Option(LevelText(level), store::Name(level));
}

json::object Input(std::string_view block_id, std::string_view label, json::object element,
                   bool optional) {
  element["action_id"] = kInputAction;
  return {{"type", "input"},
          {"block_id", block_id},
          {"label", PlainText(label)},
          {"optional", optional},
          {"element", std::move(element)}};
}

json::object TextInput(std::string_view initial, std::size_t max_length, bool multiline) {
  json::object element{
      {"type", "plain_text_input"}, {"multiline", multiline}, {"max_length", max_length}};
  if (!initial.empty()) {
    element["initial_value"] = Truncate(initial, max_length);
  }
  return element;
}

json::object LevelSelect(store::Level initial) {
  json::array options;
  for (store::Level level : kLevels) {
    options.push_back(LevelOption(level));
  }
  return {{"type", "static_select"},
          {"options", std::move(options)},
          {"initial_option", LevelOption(initial)}};
}

json::object TerritorySelect(const std::vector<std::string>& choices,
                             const std::vector<std::string>& initial) {
  json::array options;
  json::array selected;
  for (const std::string& territory : choices) {
    options.push_back(Option(territory, territory));
    if (std::find(initial.begin(), initial.end(), territory) != initial.end()) {
      selected.push_back(Option(territory, territory));
    }
  }
  json::object element{{"type", "multi_static_select"},
                       {"placeholder", PlainText("Choose the territories")},
                       {"options", std::move(options)}};
  if (!selected.empty()) {
    element["initial_options"] = std::move(selected);
  }
  return element;
}

json::object PrioritySelect() {
  json::array options;
  for (int p = 1; p <= 4; ++p) {
    options.push_back(Option("P" + std::to_string(p), std::to_string(p)));
  }
  return {{"type", "static_select"},
          {"placeholder", PlainText("From impact × urgency")},
          {"options", std::move(options)}};
}

std::string Path(std::string_view block, std::string_view leaf) {
  return "view.state.values." + std::string(block) + "." + std::string(kInputAction) + "." +
         std::string(leaf);
}

std::string TextValue(const detail::FlatJson& payload, std::string_view block) {
  return payload.StringOr(Path(block, "value"));
}

std::string SelectedValue(const detail::FlatJson& payload, std::string_view block) {
  return payload.StringOr(Path(block, "selected_option.value"));
}

std::optional<store::Level> ReadLevel(const detail::FlatJson& payload, std::string_view block,
                                      std::map<std::string, std::string>& errors) {
  auto level = store::ParseLevel(SelectedValue(payload, block));
  if (!level) {
    errors[std::string(block)] = "Choose high, medium or low.";
  }
  return level;
}

void CheckText(std::string_view value, const lifecycle::FieldRule& rule, std::string_view block,
               std::map<std::string, std::string>& errors) {
  if (auto checked = lifecycle::CheckField(value, rule); !checked) {
    // "subject is required" reads as a sentence under the input.
    std::string message = RefusalText(checked.error());
    if (!message.empty() && message[0] >= 'a' && message[0] <= 'z') {
      message[0] = static_cast<char>(message[0] - 'a' + 'A');
    }
    errors[std::string(block)] = message + (message.ends_with('.') ? "" : ".");
  }
}

std::vector<std::string> ReadTerritories(const detail::FlatJson& payload,
                                         const std::vector<std::string>& choices,
                                         std::map<std::string, std::string>& errors) {
  std::vector<std::string> chosen;
  const std::string base = Path(kTerritoriesBlock, "selected_options");
  for (std::size_t i = 0; i < payload.ArraySize(base); ++i) {
    const std::string territory = payload.StringOr(base + "." + std::to_string(i) + ".value");
    if (std::find(choices.begin(), choices.end(), territory) == choices.end()) {
      errors[std::string(kTerritoriesBlock)] =
          "Unknown territory \"" + Truncate(territory, 40) + "\"; choose from the list.";
      continue;
    }
    if (std::find(chosen.begin(), chosen.end(), territory) == chosen.end()) {
      chosen.push_back(territory);
    }
  }
  return chosen;
}

void ReadPriority(const detail::FlatJson& payload, const lifecycle::PriorityMatrix& matrix,
                  DeclareSubmission& out) {
  const std::string chosen = SelectedValue(payload, kPriorityBlock);
  const std::string reason = lifecycle::Trimmed(TextValue(payload, kReasonBlock));
  CheckText(reason, {"reason", kReasonMax, false, true}, kReasonBlock, out.errors);
  if (chosen.empty()) {
    return;
  }
  if (chosen.size() != 1 || chosen[0] < '1' || chosen[0] > '4') {
    out.errors[std::string(kPriorityBlock)] = "Choose P1, P2, P3 or P4, or leave it empty.";
    return;
  }
  const int priority = chosen[0] - '0';
  out.input.priority_override = priority;
  out.input.override_reason = reason;
  if (out.errors.contains(std::string(kImpactBlock)) ||
      out.errors.contains(std::string(kUrgencyBlock))) {
    return;
  }
  const int from_matrix = matrix.For(out.input.impact, out.input.urgency);
  // Blank as the incident's own check counts it: spaces of any kind and
  // characters that show as nothing (a zero-width space) say nothing.
  if (priority != from_matrix && lifecycle::TrimmedLine(reason).empty()) {
    out.errors[std::string(kReasonBlock)] = "Say why: impact and urgency give P" +
                                            std::to_string(from_matrix) + ", not P" + chosen + ".";
  }
}

}  // namespace

std::string DeclareModalView(const DeclarePrefill& prefill,
                             const std::vector<std::string>& territory_choices) {
  json::array blocks{
      Input(kSubjectBlock, "Subject", TextInput(prefill.subject, kSubjectMax, false), false),
      Input(kDescriptionBlock, "Description",
            TextInput(prefill.description, kDescriptionInputMax, true), true),
      Input(kTerritoriesBlock, "Impacted service territories",
            TerritorySelect(territory_choices, prefill.territories), true),
      Input(kImpactBlock, "Impact", LevelSelect(prefill.impact), false),
      Input(kUrgencyBlock, "Urgency", LevelSelect(prefill.urgency), false),
      Input(kPriorityBlock, "Priority override", PrioritySelect(), true),
      Input(kReasonBlock, "Why override the priority?", TextInput("", kReasonMax, true), true),
  };
  json::object view{{"type", "modal"},
                    {"callback_id", kDeclareCallbackId},
                    {"private_metadata", Truncate(prefill.origin, kMaxOrigin)},
                    {"title", PlainText("Declare an incident")},
                    {"submit", PlainText("Declare")},
                    {"close", PlainText("Cancel")},
                    {"blocks", std::move(blocks)}};
  return json::serialize(view);
}

DeclareSubmission ReadDeclareSubmission(const detail::FlatJson& payload,
                                        const std::vector<std::string>& territory_choices,
                                        const lifecycle::PriorityMatrix& matrix) {
  DeclareSubmission out;
  out.user = UserId(payload.StringOr("user.id"));
  out.origin = payload.StringOr("view.private_metadata");
  out.input.declare_view = payload.StringOr("view.id");
  out.input.subject = lifecycle::TrimmedLine(TextValue(payload, kSubjectBlock));
  out.input.description = lifecycle::Trimmed(TextValue(payload, kDescriptionBlock));
  CheckText(out.input.subject, {"subject", kSubjectMax, true, false}, kSubjectBlock, out.errors);
  CheckText(out.input.description, {"description", 10'000, false, true}, kDescriptionBlock,
            out.errors);
  out.input.territories = ReadTerritories(payload, territory_choices, out.errors);
  if (auto impact = ReadLevel(payload, kImpactBlock, out.errors)) {
    out.input.impact = *impact;
  }
  if (auto urgency = ReadLevel(payload, kUrgencyBlock, out.errors)) {
    out.input.urgency = *urgency;
  }
  ReadPriority(payload, matrix, out);
  return out;
}

std::string ModalErrors(const std::map<std::string, std::string>& errors,
                        detail::Services* services) {
  const auto name_of = [services](std::string_view id) -> std::string {
    if (services == nullptr) {
      return "";
    }
    if (id == services->settings.managers_channel.str()) {
      return "the incident managers' channel";
    }
    auto person = services->routing.FindPerson(UserId(std::string(id)));
    return person && *person && !(*person)->display_name.empty() ? (*person)->display_name : "";
  };
  json::object fields;
  for (const auto& [block, message] : errors) {
    fields[block] = PlainWords(message, name_of);
  }
  return json::serialize(json::object{{"response_action", "errors"}, {"errors", fields}});
}

Status DeclareModal::Open(std::string_view trigger_id, const UserId& user, const ChannelId& channel,
                          const DeclarePrefill& prefill) {
  if (trigger_id.empty()) {
    return MakeError(Errc::kInvalidInput, "no trigger_id",
                     "Slack sent no trigger to open the form with; please try again.");
  }
  return services_.OpenForm(trigger_id, DeclareModalView(prefill, services_.settings.territories),
                            user, channel);
}

std::string DeclareModal::HandleSubmission(const detail::FlatJson& payload) {
  DeclareSubmission submission =
      ReadDeclareSubmission(payload, services_.settings.territories, services_.incidents.Matrix());
  const std::string subject(kSubjectBlock);
  if (!detail::IsIncidentManager(services_.settings, submission.user)) {
    // A manager's modal can't be submitted by anyone else; this is forged or
    // the role was taken away since the modal opened.
    spdlog::warn("event=declare.refused reason=not_incident_manager user={}",
                 submission.user.str());
    return ModalErrors({{subject, "Only incident managers can declare incidents."}}, &services_);
  }
  if (!submission.errors.empty()) {
    spdlog::info("event=declare.invalid user={} fields={}", submission.user.str(),
                 submission.errors.size());
    return ModalErrors(submission.errors, &services_);
  }
  // The spike's tie and its case links are stored with the incident, in one
  // transaction: a refusal or a crash leaves all of it or nothing.
  const auto from_origin = [&](const store::Incident& declared) -> Status {
    if (services_.check_origin) {
      if (auto allowed = services_.check_origin(submission.origin); !allowed) {
        return allowed;
      }
    }
    return services_.on_declared
               ? services_.on_declared(declared.number, submission.origin, submission.user)
               : Status{};
  };
  auto incident = services_.incidents.Declare(submission.input, submission.user, from_origin);
  if (!incident) {
    spdlog::info("event=declare.refused user={} code={} detail=\"{}\"", submission.user.str(),
                 ErrcName(incident.error().code), incident.error().detail);
    return ModalErrors({{subject, RefusalText(incident.error())}}, &services_);
  }
  return {};
}

}  // namespace swarmbot::handlers
