// The driver's modal helpers: filling a modal's inputs the way a person does
// in Slack's form, and a double-clicked Submit.
#include <boost/json/serialize.hpp>

#include "emulator/detail/core.hpp"
#include "emulator/detail/payloads.hpp"
#include "emulator/emulator.hpp"

namespace swarmbot::emulator {

namespace json = boost::json;

namespace {

Error Invalid(const std::string& what) {
  return MakeError(Errc::kInvalidInput, what);
}

const json::object* FindOption(const json::object& element, const std::string& value) {
  const auto* options = element.if_contains("options");
  if (options == nullptr || !options->is_array()) {
    return nullptr;
  }
  for (const auto& option : options->as_array()) {
    if (option.is_object() && option.as_object().contains("value") &&
        option.at("value") == value.c_str()) {
      return &option.as_object();
    }
  }
  return nullptr;
}

json::value Initial(const json::object& element, const char* key) {
  const auto* initial = element.if_contains(key);
  return initial == nullptr ? json::value(nullptr) : *initial;
}

// The state.values entry of one input element: what was typed or picked, or
// the element's initial value when `given` is null (a field left alone).
Result<json::object> ElementState(const json::object& element,
                                  const std::vector<std::string>* given) {
  const std::string type = element.contains("type") ? element.at("type").as_string().c_str() : "";
  json::object state{{"type", type}};
  if (type == "plain_text_input") {
    if (given == nullptr) {
      state["value"] = Initial(element, "initial_value");
    } else if (given->empty() || given->front().empty()) {
      state["value"] = nullptr;  // Slack sends an empty input as null
    } else {
      state["value"] = given->front();
    }
    return state;
  }
  if (type == "static_select" || type == "multi_static_select") {
    const bool multi = type == "multi_static_select";
    const char* key = multi ? "selected_options" : "selected_option";
    if (given == nullptr) {
      state[key] = Initial(element, multi ? "initial_options" : "initial_option");
      if (multi && state[key].is_null()) {
        state[key] = json::array{};
      }
      return state;
    }
    json::array picked;
    for (const std::string& value : *given) {
      const json::object* option = FindOption(element, value);
      if (option == nullptr) {
        return Invalid("the select offers no option " + value);
      }
      picked.push_back(*option);
    }
    if (multi) {
      state[key] = std::move(picked);
    } else if (picked.size() > 1) {
      return Invalid("a static_select takes one option");
    } else {
      state[key] = picked.empty() ? json::value(nullptr) : picked.front();
    }
    return state;
  }
  return Invalid("the driver can't fill a " + type);
}

}  // namespace

Result<std::string> Emulator::FillAndSubmitView(
    const UserId& user, std::string view_id,
    const std::map<std::string, std::vector<std::string>>& fields) {
  json::object values;
  {
    std::lock_guard lock(core_->mu);
    const detail::View* v = core_->ws.FindView(view_id);
    if (v == nullptr || !v->open || v->user != user.str() || v->type != "modal") {
      return MakeError(Errc::kNotFound, "no open modal " + view_id + " for this user");
    }
    std::size_t used = 0;
    const auto* blocks = v->definition.if_contains("blocks");
    for (const auto& block :
         blocks != nullptr && blocks->is_array() ? blocks->as_array() : json::array{}) {
      if (!block.is_object() || block.at("type") != "input") {
        continue;
      }
      const json::object& element = block.at("element").as_object();
      const std::string block_id(block.at("block_id").as_string());
      const auto given = fields.find(block_id);
      used += given != fields.end() ? 1 : 0;
      auto state = ElementState(element, given == fields.end() ? nullptr : &given->second);
      if (!state) {
        return Invalid(block_id + ": " + state.error().detail);
      }
      values[block_id] =
          json::object{{std::string(element.at("action_id").as_string()), std::move(*state)}};
    }
    if (used != fields.size()) {
      return Invalid("a field names a block that isn't an input of the view");
    }
  }
  return SubmitView(user, std::move(view_id), json::serialize(values));
}

Result<std::string> Emulator::ResubmitView(const UserId& user, std::string view_id) {
  detail::Delivery delivery;
  {
    std::lock_guard lock(core_->mu);
    auto& ws = core_->ws;
    const detail::User* u = ws.FindUser(user.str());
    const detail::View* v = ws.FindView(view_id);
    if (u == nullptr || v == nullptr || v->user != u->id || v->type != "modal") {
      return MakeError(Errc::kNotFound, "no modal " + view_id + " for this user");
    }
    const std::string trigger = ws.NewTriggerId(u->id, v->id);
    delivery.payload = detail::ViewSubmission(ws, *u, *v, trigger);
    core_->NotifyLocked();
  }
  delivery.kind = detail::DeliveryKind::kInteractive;
  delivery.accepts_response_payload = true;
  return core_->DeliverAndWait(std::move(delivery));
}

}  // namespace swarmbot::emulator
