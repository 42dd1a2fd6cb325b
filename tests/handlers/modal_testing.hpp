#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "common/form.hpp"
#include "lifecycle/effects.hpp"
#include "store/database.hpp"
#include "store/outbox.hpp"

namespace swarmbot::handlers::testing {

namespace json = boost::json;

// What a form field is given: the text typed, or the option values picked.
using FormInput = std::map<std::string, std::vector<std::string>>;

// The view of the latest views.open waiting in the outbox; "" if none.
inline std::string QueuedView(store::Database& db) {
  std::string view;
  for (const auto& item : store::Outbox(db).Pending()) {
    if (item.kind == lifecycle::effect::kOpenView) {
      view = FormValue(item.args, lifecycle::effect::kArgView).value_or("");
    }
  }
  return view;
}

// One input's state.values entry as Slack fills it: the initial value unless
// `given` names the field.
inline json::object InputState(const json::object& element, const FormInput& given,
                               const std::string& block_id) {
  const std::string type(element.at("type").as_string());
  json::object state{{"type", type}};
  const auto it = given.find(block_id);
  auto option = [&](const std::string& value) -> json::value {
    for (const auto& o : element.at("options").as_array()) {
      if (o.at("value") == value.c_str()) {
        return o;
      }
    }
    // Not offered: what a forged submission would carry.
    return json::object{{"text", {{"type", "plain_text"}, {"text", value}}}, {"value", value}};
  };
  if (type == "plain_text_input") {
    if (it == given.end()) {
      state["value"] = element.contains("initial_value") ? element.at("initial_value") : nullptr;
    } else {
      state["value"] = it->second.empty() || it->second[0].empty() ? json::value(nullptr)
                                                                   : json::value(it->second[0]);
    }
  } else if (type == "static_select") {
    if (it == given.end()) {
      state["selected_option"] =
          element.contains("initial_option") ? element.at("initial_option") : nullptr;
    } else {
      state["selected_option"] = it->second.empty() ? json::value(nullptr) : option(it->second[0]);
    }
  } else {
    json::array picked;
    if (it == given.end()) {
      if (element.contains("initial_options")) {
        picked = element.at("initial_options").as_array();
      }
    } else {
      for (const auto& value : it->second) {
        picked.push_back(option(value));
      }
    }
    state["selected_options"] = std::move(picked);
  }
  return state;
}

// A view_submission payload for `view_json` (as queued for views.open),
// submitted by `user` with `given` filled in over the initial values.
inline std::string ViewSubmission(const std::string& view_json, std::string_view view_id,
                                  std::string_view user, const FormInput& given = {}) {
  json::object view = json::parse(view_json).as_object();
  json::object values;
  for (const auto& block : view.at("blocks").as_array()) {
    if (block.at("type") != "input") {
      continue;
    }
    const json::object& element = block.at("element").as_object();
    const std::string block_id(block.at("block_id").as_string());
    values[block_id] = json::object{
        {std::string(element.at("action_id").as_string()), InputState(element, given, block_id)}};
  }
  view["id"] = view_id;
  view["state"] = json::object{{"values", std::move(values)}};
  json::object payload{{"type", "view_submission"},
                       {"team", {{"id", "T1"}}},
                       {"user", {{"id", user}, {"name", "someone"}}},
                       {"trigger_id", "2.3.def"},
                       {"view", std::move(view)},
                       {"response_urls", json::array{}}};
  return json::serialize(payload);
}

}  // namespace swarmbot::handlers::testing
