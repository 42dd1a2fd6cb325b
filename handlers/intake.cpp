#include "handlers/intake.hpp"

#include <array>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "handlers/command_text.hpp"
#include "handlers/detail/api_error.hpp"
#include "handlers/detail/case_json.hpp"
#include "handlers/detail/flat_json.hpp"
#include "handlers/detail/request_keys.hpp"
#include "handlers/mrkdwn.hpp"
#include "store/records.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 7> kFields{
    "contact_name", "contact_email", "channel", "territory", "subject", "description", "owner"};

IntakeAnswer Answer(int status, json::object body) {
  return {status, json::serialize(body)};
}

IntakeAnswer Refuse(int status, std::string_view error, std::string_view message) {
  return {status, detail::ApiErrorBody(error, message)};
}

// simdjson's On-Demand parser gives up at the first byte that doesn't open an
// object, so a well-formed array or string is told apart from garbage by
// reading it whole.
bool IsJsonButNoObject(std::string_view body) {
  boost::system::error_code ec;
  const json::value value = json::parse(body, ec);
  return !ec && !value.is_object();
}

// Whether `header` says JSON in UTF-8: application/json, with no charset or
// charset=utf-8 (letter case and quotes aside); other parameters don't matter.
bool IsJsonInUtf8(std::string_view header) {
  std::size_t semicolon = header.find(';');
  if (Lowercase(lifecycle::Trimmed(header.substr(0, semicolon))) != "application/json") {
    return false;
  }
  while (semicolon != std::string_view::npos) {
    header.remove_prefix(semicolon + 1);
    semicolon = header.find(';');
    const std::string_view parameter = header.substr(0, semicolon);
    const std::size_t equals = parameter.find('=');
    if (Lowercase(lifecycle::Trimmed(parameter.substr(0, equals))) != "charset") {
      continue;
    }
    std::string value =
        equals == std::string_view::npos ? "" : lifecycle::Trimmed(parameter.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (Lowercase(value) != "utf-8") {
      return false;
    }
  }
  return true;
}

// The 415 answer for a body not declared as JSON in UTF-8, if it isn't.
std::optional<IntakeAnswer> CheckContentType(const std::optional<std::string>& header) {
  if (header && IsJsonInUtf8(*header)) {
    return std::nullopt;
  }
  const std::string said =
      header ? "this request says \"" + detail::EscapeInvalidUtf8(Truncate(*header, 80)) + "\""
             : "this request has no Content-Type";
  return Refuse(415, "unsupported_media_type",
                "send the case as JSON with Content-Type: application/json (charset utf-8, if "
                "any); " +
                    said);
}

// The body's fields, or the 400 answer explaining what is wrong with it.
std::optional<IntakeAnswer> ReadInput(std::string_view body, lifecycle::CaseInput& input) {
  auto flat = detail::FlattenJson(body, 1);
  if (!flat) {
    return IsJsonButNoObject(body) ? Refuse(400, "invalid_json", "body must be a JSON object")
                                   : Refuse(400, "invalid_json", "body is not valid JSON");
  }
  const std::vector<std::string_view> keys(flat->top_level_keys.begin(),
                                           flat->top_level_keys.end());
  if (auto problem = detail::KeyProblem(keys, kFields, "field")) {
    return Refuse(400, "invalid_input", *problem);
  }
  for (const std::string& key : flat->top_level_keys) {
    if (!flat->String(key)) {
      return Refuse(400, "invalid_input", detail::ShownKey(key) + " must be a string");
    }
  }
  std::string* targets[] = {&input.contact_name, &input.contact_email, &input.channel,
                            &input.territory,    &input.subject,       &input.description,
                            &input.owner};
  for (std::size_t i = 0; i < kFields.size(); ++i) {
    *targets[i] = flat->StringOr(kFields[i]);
  }
  return std::nullopt;
}

}  // namespace

IntakeAnswer Intake::Handle(const IntakeRequest& request) {
  if (!detail::KeyAccepted(api_key_, request.api_key)) {
    spdlog::warn("event=intake.unauthenticated");
    return Refuse(401, "unauthenticated", "missing or wrong API key");
  }
  if (request.body.size() > kMaxBody) {
    return Refuse(413, "too_large", "body is larger than 64 KiB");
  }
  if (auto refused = CheckContentType(request.content_type)) {
    spdlog::info("event=intake.refused status=415");
    return *refused;
  }
  if (request.idempotency_key_repeated) {
    spdlog::info("event=intake.refused status=400 detail=\"Idempotency-Key repeated\"");
    return Refuse(
        400, "invalid_input",
        "the Idempotency-Key header must be sent once; this request has it more than once");
  }
  lifecycle::CaseInput input;
  if (auto refused = ReadInput(request.body, input)) {
    spdlog::info("event=intake.refused status={}", refused->status);
    return *refused;
  }
  auto result = cases_.IntakeCase(input, request.idempotency_key);
  if (!result) {
    const Error& error = result.error();
    spdlog::info("event=intake.refused code={} detail=\"{}\"", ErrcName(error.code), error.detail);
    return Refuse(detail::HttpStatusFor(error.code), ErrcName(error.code),
                  error.user_message.empty() ? "the case could not be stored" : error.user_message);
  }
  return Answer(result->replayed ? 200 : 201,
                {{"case", detail::CaseJson(result->record)}, {"replayed", result->replayed}});
}

}  // namespace swarmbot::handlers
