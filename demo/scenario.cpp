#include "demo/scenario.hpp"

#include <fstream>
#include <stdexcept>

#include <boost/json.hpp>

namespace swarmbot::demo {

namespace {

// The text a person reads in a Block Kit block: its text, fields and context.
void AppendBlockText(const boost::json::object& block, std::string& out) {
  auto append = [&out](const boost::json::value* object) {
    const auto* text =
        object && object->is_object() ? object->as_object().if_contains("text") : nullptr;
    if (text && text->is_string()) {
      out += "\n" + std::string(text->as_string());
    }
  };
  append(block.if_contains("text"));
  for (const char* list : {"fields", "elements"}) {
    const auto* items = block.if_contains(list);
    if (items && items->is_array()) {
      for (const auto& item : items->as_array()) {
        append(&item);
      }
    }
  }
}

}  // namespace

std::string ReplyText(const std::string& ack_body) {
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(ack_body, ec);
  if (ec || !value.is_object()) {
    return ack_body;
  }
  const auto& reply = value.as_object();
  const auto* blocks = reply.if_contains("blocks");
  if (blocks && blocks->is_array() && !blocks->as_array().empty()) {
    std::string out;
    for (const auto& block : blocks->as_array()) {
      if (block.is_object()) {
        AppendBlockText(block.as_object(), out);
      }
    }
    return out.empty() ? out : out.substr(1);
  }
  if (const auto* text = reply.if_contains("text"); text && text->is_string()) {
    return std::string(text->as_string());
  }
  return ack_body;
}

Scenario::Scenario(Stack& stack, std::function<void(const std::string&)> narrate)
    : stack_(stack), narrate_(std::move(narrate)), people_(PopulateTakeOut(stack.slack())) {
  stack_.SetIncidentChannel(people_.incidents);
  stack_.SetIncidentManagers({people_.mara});
  stack_.SetExtraConfig(TakeOutRoutingToml());
}

std::vector<std::string> Scenario::CasesArrive() {
  cases_ = TakeOutCases(people_);
  for (const CaseSpec& spec : cases_) {
    const Stack::HttpResult answer = stack_.PostCase(CaseJson(spec));
    if (answer.status != 201) {
      throw std::runtime_error("case intake answered " + std::to_string(answer.status) + ": " +
                               answer.body);
    }
    boost::system::error_code ec;
    const boost::json::value body = boost::json::parse(answer.body, ec);
    const boost::json::value* number = nullptr;
    if (!ec && body.is_object()) {
      if (const auto* record = body.as_object().if_contains("case");
          record && record->is_object()) {
        number = record->as_object().if_contains("number");
      }
    }
    if (number == nullptr || !number->is_string()) {
      throw std::runtime_error("case intake answered without a case number: " + answer.body);
    }
    case_numbers_.emplace_back(number->as_string());
  }
  narrate_(std::to_string(cases_.size()) + " cases arrived through POST /api/cases, " +
           case_numbers_.front() + " to " + case_numbers_.back());
  return case_numbers_;
}

std::string Scenario::ImportPeople() {
  const auto file = stack_.work_dir() / "people.toml";
  std::ofstream(file, std::ios::trunc) << TakeOutPeopleToml(people_);
  const auto result = stack_.RunSwarmbotCommand({"import", "people", file.string()});
  if (result.status != 0) {
    throw std::runtime_error("swarmbot import people failed: " + result.output);
  }
  // The output holds log lines too; the summary is the line that starts "imported ".
  const std::string output = "\n" + result.output;
  const auto at = output.find("\nimported ");
  const std::string summary = at == std::string::npos
                                  ? result.output
                                  : output.substr(at + 1, output.find('\n', at + 1) - at - 1);
  narrate_("swarmbot import people: " + summary);
  return summary;
}

std::string IncidentNumberIn(const std::string& text) {
  const auto at = text.find("INC-");
  if (at == std::string::npos) {
    return "";
  }
  const auto end = text.find_first_not_of("0123456789", at + 4);
  return end == at + 4 ? "" : text.substr(at, end - at);
}

std::vector<std::string> Scenario::Feast25CaseNumbers() const {
  std::vector<std::string> numbers;
  for (std::size_t i = 0; i < case_numbers_.size(); ++i) {
    if (cases_[i].about_feast25) {
      numbers.push_back(case_numbers_[i]);
    }
  }
  return numbers;
}

std::string Scenario::Type(const UserId& who, const ChannelId& where, const std::string& command,
                           const std::string& text) {
  const auto user = stack_.slack().User(who);
  narrate_((user ? user->name : who.str()) + " types: " + command + " " + text);
  auto ack = stack_.slack().SlashCommand(who, where, command, text);
  if (!ack) {
    throw std::runtime_error(command + " got no acknowledgement: " + ack.error().detail);
  }
  const std::string reply = ReplyText(*ack);
  narrate_("  swarmbot (only visible to you): " + reply);
  return reply;
}

void Scenario::Await(const std::string& what, const std::function<bool()>& predicate) {
  if (!stack_.slack().WaitFor(predicate, std::chrono::seconds(20))) {
    throw std::runtime_error("timed out waiting for: " + what);
  }
}

}  // namespace swarmbot::demo
