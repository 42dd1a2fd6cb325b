#pragma once

#include <string>

#include <boost/json/object.hpp>

#include "common/form.hpp"
#include "emulator/detail/workspace.hpp"

namespace swarmbot::emulator::detail {

// The payloads Slack sends to an app, with the fields Slack's real ones carry
// (compare slack-samples/java-slack-sdk/json-logs/samples/app-backend/). A
// field that only applies to another context (workflow functions, link
// unfurls, a view when the click came from a message) is sent as null, the
// way Slack sends `enterprise` outside Enterprise Grid.

// A slash command's form fields, in Slack's order.
FormFields SlashCommandFields(const Workspace& ws, const User& user, const Channel& channel,
                              const std::string& command, const std::string& text,
                              const std::string& response_url, const std::string& trigger_id);
// The same fields as the JSON object Socket Mode sends (every value a string).
json::object FieldsToJson(const FormFields& fields);

// block_actions for a click on `element` (in block `block_id`) of a message.
json::object MessageBlockActions(const Workspace& ws, const User& user, const Channel& channel,
                                 const Message& message, const json::object& element,
                                 const std::string& block_id, const std::string& response_url,
                                 const std::string& trigger_id);
// block_actions for a click on `element` of an ephemeral message.
json::object EphemeralBlockActions(const Workspace& ws, const User& user, const Channel& channel,
                                   const Ephemeral& ephemeral, const json::object& element,
                                   const std::string& block_id, const std::string& response_url,
                                   const std::string& trigger_id);
// block_actions for a click inside a view.
json::object ViewBlockActions(const Workspace& ws, const User& user, const View& view,
                              const json::object& element, const std::string& block_id,
                              const std::string& trigger_id);
json::object ViewSubmission(const Workspace& ws, const User& user, const View& view,
                            const std::string& trigger_id);

// The event_callback envelope around `event`.
json::object EventCallback(const Workspace& ws, json::object event);
json::object UrlVerification(const Options& options, const std::string& challenge);

// The response_url handed out in payloads.
std::string ResponseUrlFor(const Workspace& ws, const std::string& id);

}  // namespace swarmbot::emulator::detail
