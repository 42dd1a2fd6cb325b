#include "handlers/change_modal.hpp"

#include <chrono>
#include <cstdio>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "handlers/declare_modal.hpp"
#include "handlers/reply.hpp"
#include "lifecycle/text_rules.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;

json::object Plain(std::string_view text) {
  return {{"type", "plain_text"}, {"text", text}};
}

json::object Choice(std::string_view text, std::string_view value) {
  return {{"text", Plain(text)}, {"value", value}};
}

json::object Block(std::string_view id, std::string_view label, json::object element,
                   bool optional) {
  element["action_id"] = kInputAction;
  return {{"type", "input"},
          {"block_id", id},
          {"label", Plain(label)},
          {"optional", optional},
          {"element", std::move(element)}};
}

json::object Text(std::size_t max_length, bool multiline, std::string_view placeholder) {
  json::object element{
      {"type", "plain_text_input"}, {"multiline", multiline}, {"max_length", max_length}};
  if (!placeholder.empty()) {
    element["placeholder"] = Plain(placeholder);
  }
  return element;
}

json::object Select(const std::vector<std::pair<std::string, std::string>>& choices,
                    std::string_view initial) {
  json::array options;
  json::object element{{"type", "static_select"}};
  for (const auto& [text, value] : choices) {
    options.push_back(Choice(text, value));
    if (value == initial) {
      element["initial_option"] = Choice(text, value);
    }
  }
  element["options"] = std::move(options);
  return element;
}

std::string Value(const detail::FlatJson& payload, std::string_view block, std::string_view leaf) {
  return payload.StringOr("view.state.values." + std::string(block) + "." +
                          std::string(kInputAction) + "." + std::string(leaf));
}

// The block a refusal from ChangeService::Create belongs under.
std::string BlockFor(const Error& error) {
  if (error.detail.find("template") != std::string::npos) {
    return std::string(kChangeTemplateBlock);
  }
  if (error.detail.find("window") != std::string::npos) {
    return std::string(kChangeEndBlock);
  }
  if (error.user_message.starts_with("justification")) {
    return std::string(kChangeJustificationBlock);
  }
  return std::string(kChangeTitleBlock);
}

}  // namespace

std::optional<Clock::TimePoint> ParseWindowTime(std::string_view text) {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  int hour = -1;
  int minute = -1;
  char tail = 0;
  const std::string copy(lifecycle::Trimmed(text));
  if (copy.size() != 16 || std::sscanf(copy.c_str(), "%4d-%2u-%2u %2d:%2d%c", &year, &month, &day,
                                       &hour, &minute, &tail) != 5) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{month},
                                         std::chrono::day{day}};
  if (!date.ok() || hour < 0 || hour > 23 || minute < 0 || minute > 59) {
    return std::nullopt;
  }
  return std::chrono::sys_days{date} + std::chrono::hours{hour} + std::chrono::minutes{minute};
}

std::string ChangeModalView(const std::vector<lifecycle::StandardTemplate>& catalogue,
                            std::string_view link, const ChannelId& channel) {
  json::array blocks{
      Block(kChangeTitleBlock, "Title", Text(200, false, "What the change does"), true),
      Block(kChangeTypeBlock, "Type",
            Select({{"Standard", "standard"}, {"Normal", "normal"}, {"Emergency", "emergency"}},
                   "normal"),
            false),
  };
  if (!catalogue.empty()) {
    std::vector<std::pair<std::string, std::string>> templates;
    for (const auto& entry : catalogue) {
      templates.emplace_back(entry.name, entry.name);
    }
    blocks.push_back(
        Block(kChangeTemplateBlock, "Standard change template", Select(templates, ""), true));
  }
  blocks.push_back(Block(kChangeRiskBlock, "Risk",
                         Select({{"High", "high"}, {"Medium", "medium"}, {"Low", "low"}}, "medium"),
                         false));
  blocks.push_back(Block(kChangeJustificationBlock, "Justification", Text(3000, true, ""), true));
  blocks.push_back(
      Block(kChangeStartBlock, "Planned start (UTC)", Text(16, false, "2026-03-01 14:00"), true));
  blocks.push_back(
      Block(kChangeEndBlock, "Planned end (UTC)", Text(16, false, "2026-03-01 15:00"), true));
  const std::string title =
      link.empty() ? std::string("New change") : "New change for " + std::string(link);
  json::object view{{"type", "modal"},
                    {"callback_id", kChangeCallbackId},
                    {"private_metadata", std::string(link) + "|" + channel.str()},
                    {"title", Plain(title)},
                    {"submit", Plain("Open change")},
                    {"close", Plain("Cancel")},
                    {"blocks", std::move(blocks)}};
  return json::serialize(view);
}

Status ChangeModal::Open(std::string_view trigger_id, const UserId& user, const ChannelId& channel,
                         std::string_view link) {
  if (trigger_id.empty()) {
    return MakeError(Errc::kInvalidInput, "no trigger_id",
                     "Slack sent no trigger to open the form with; please try again.");
  }
  return services_.OpenForm(
      trigger_id, ChangeModalView(services_.changes.Catalogue(), link, channel), user, channel);
}

std::string ChangeModal::HandleSubmission(const detail::FlatJson& payload) {
  const UserId user(payload.StringOr("user.id"));
  std::map<std::string, std::string> errors;
  lifecycle::ChangeInput input;
  input.create_view = payload.StringOr("view.id");
  input.title = lifecycle::TrimmedLine(Value(payload, kChangeTitleBlock, "value"));
  input.justification = lifecycle::Trimmed(Value(payload, kChangeJustificationBlock, "value"));
  input.template_name = Value(payload, kChangeTemplateBlock, "selected_option.value");
  if (auto type =
          store::ParseChangeType(Value(payload, kChangeTypeBlock, "selected_option.value"))) {
    input.type = *type;
  } else {
    errors[std::string(kChangeTypeBlock)] = "Choose standard, normal or emergency.";
  }
  if (auto risk = store::ParseLevel(Value(payload, kChangeRiskBlock, "selected_option.value"))) {
    input.risk = *risk;
  } else {
    errors[std::string(kChangeRiskBlock)] = "Choose high, medium or low.";
  }
  for (auto [block, target] : {std::pair{kChangeStartBlock, &input.window_start},
                               std::pair{kChangeEndBlock, &input.window_end}}) {
    const std::string text = lifecycle::Trimmed(Value(payload, block, "value"));
    if (text.empty()) {
      continue;
    }
    *target = ParseWindowTime(text);
    if (!*target) {
      errors[std::string(block)] = "Write it as YYYY-MM-DD HH:MM (UTC), e.g. 2026-03-01 14:00.";
    }
  }
  if (input.type != store::ChangeType::kStandard && input.title.empty()) {
    errors[std::string(kChangeTitleBlock)] = "A title is required.";
  }
  // private_metadata: "LINK|CHANNEL", as ChangeModalView wrote it.
  const std::string metadata = payload.StringOr("view.private_metadata");
  const auto bar = metadata.find('|');
  const std::string link = metadata.substr(0, bar);
  input.channel = ChannelId(bar == std::string::npos ? "" : metadata.substr(bar + 1));
  if (auto incident = store::ParseIncidentNumber(link)) {
    input.links.push_back({store::LinkTarget::kIncident, *incident, store::LinkRelation::kFixes});
  } else if (auto problem = store::ParseProblemRef(link)) {
    input.links.push_back({store::LinkTarget::kProblem, *problem, store::LinkRelation::kFixes});
  }
  if (!errors.empty()) {
    spdlog::info("event=change.new.invalid user={} fields={}", user.str(), errors.size());
    return ModalErrors(errors, &services_);
  }
  auto created = services_.changes.Create(input, user);
  if (!created) {
    spdlog::info("event=change.new.refused user={} code={} detail=\"{}\"", user.str(),
                 ErrcName(created.error().code), created.error().detail);
    return ModalErrors({{BlockFor(created.error()), RefusalText(created.error())}}, &services_);
  }
  return {};
}

}  // namespace swarmbot::handlers
