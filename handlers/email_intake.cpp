#include "handlers/email_intake.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "common/form.hpp"
#include "handlers/detail/api_error.hpp"
#include "handlers/detail/case_json.hpp"
#include "handlers/detail/request_keys.hpp"
#include "handlers/email_message.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 2> kQueryParameters{"territory", "owner"};

IntakeAnswer Refuse(int status, std::string_view error, std::string_view message) {
  spdlog::info("event=email_intake.refused status={} error={}", status, error);
  return {status, detail::ApiErrorBody(error, message)};
}

// Territory and owner from the query, falling back to the defaults; the
// refusal when the query is malformed or names something else.
std::optional<IntakeAnswer> ReadQuery(std::string_view query, const EmailIntakeDefaults& defaults,
                                      lifecycle::MailInput& mail) {
  mail.territory = defaults.territory;
  mail.owner = defaults.owner;
  auto fields = ParseForm(query);
  if (!fields) {
    return Refuse(400, "invalid_input", "the query string is malformed");
  }
  if (auto problem = detail::KeyProblem(*fields, kQueryParameters, "query parameter")) {
    return Refuse(400, "invalid_input", *problem);
  }
  for (const auto& [name, value] : *fields) {
    (name == "territory" ? mail.territory : mail.owner) = value;
  }
  return std::nullopt;
}

}  // namespace

IntakeAnswer EmailIntake::Handle(const EmailIntakeRequest& request) {
  if (!detail::KeyAccepted(api_key_, request.api_key)) {
    spdlog::warn("event=email_intake.unauthenticated");
    return Refuse(401, "unauthenticated", "missing or wrong API key");
  }
  if (request.message.size() > kMaxMessage) {
    return Refuse(413, "too_large", "the message is larger than 1 MiB");
  }
  lifecycle::MailInput mail;
  if (auto refused = ReadQuery(request.query, defaults_, mail)) {
    return *refused;
  }
  auto message = ReadEmail(request.message);
  if (!message) {
    return Refuse(400, "invalid_input", message.error().user_message);
  }
  mail.from_name = std::move(message->from_name);
  mail.from_address = std::move(message->from_address);
  mail.subject = std::move(message->subject);
  mail.reply_text = WithoutQuotedReply(message->text);
  mail.text = std::move(message->text);
  mail.message_id = std::move(message->message_id);
  mail.answers = std::move(message->answers);
  mail.name_altered = message->from_name_altered;
  mail.subject_altered = message->subject_altered;
  mail.text_altered = message->text_altered;
  auto result = mail_.Receive(mail);
  if (!result) {
    const Error& error = result.error();
    spdlog::info("event=email_intake.refused code={} detail=\"{}\"", ErrcName(error.code),
                 error.detail);
    return Refuse(
        detail::HttpStatusFor(error.code), ErrcName(error.code),
        error.user_message.empty() ? "the e-mail could not be stored" : error.user_message);
  }
  auto names = [](const std::vector<std::string>& fields) {
    json::array array;
    for (const std::string& field : fields) {
      array.emplace_back(field);
    }
    return array;
  };
  const json::object body{{"case", detail::CaseJson(result->record)},
                          {"comment", result->comment},
                          {"reopened", result->reopened},
                          {"replayed", result->replayed},
                          {"truncated", names(result->truncated)},
                          {"altered", names(result->altered)}};
  return {result->replayed ? 200 : 201, json::serialize(body)};
}

}  // namespace swarmbot::handlers
