#include "demo/scenario.hpp"

#include <algorithm>
#include <fstream>
#include <set>
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

// The case number in an intake answer ({"case": {"number": …}}), or throws.
std::string CaseNumberIn(const std::string& answer_body) {
  boost::system::error_code ec;
  const boost::json::value body = boost::json::parse(answer_body, ec);
  const boost::json::value* number = nullptr;
  if (!ec && body.is_object()) {
    if (const auto* record = body.as_object().if_contains("case"); record && record->is_object()) {
      number = record->as_object().if_contains("number");
    }
  }
  if (number == nullptr || !number->is_string()) {
    throw std::runtime_error("case intake answered without a case number: " + answer_body);
  }
  return std::string(number->as_string());
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
  std::size_t emails = 0;
  for (const CaseSpec& spec : cases_) {
    // E-mail arrives as the mail gateway forwards it; the other channels as JSON.
    const Stack::HttpResult answer =
        spec.channel == "email" ? stack_.PostEmail(CaseEmail(spec, emails++), CaseEmailQuery(spec))
                                : stack_.PostCase(CaseJson(spec));
    if (answer.status != 201) {
      throw std::runtime_error("case intake answered " + std::to_string(answer.status) + ": " +
                               answer.body);
    }
    case_numbers_.push_back(CaseNumberIn(answer.body));
  }
  narrate_(std::to_string(cases_.size()) + " cases arrived, " + std::to_string(emails) +
           " of them as raw e-mails through POST /api/cases/email and the rest through "
           "POST /api/cases: " +
           case_numbers_.front() + " to " + case_numbers_.back());
  return case_numbers_;
}

std::string Scenario::CustomerReplies() {
  const auto first_email = std::find_if(cases_.begin(), cases_.end(),
                                        [](const CaseSpec& c) { return c.channel == "email"; });
  if (first_email == cases_.end()) {
    throw std::logic_error("no e-mail case to reply to");
  }
  const Stack::HttpResult answer = stack_.PostEmail(
      ReplyEmail(*first_email, "I tried again this morning and FEAST25 still fails."));
  if (answer.status != 201 || answer.body.find("\"comment\":true") == std::string::npos) {
    throw std::runtime_error("the reply was not taken as a comment: " + answer.body);
  }
  const std::string number = CaseNumberIn(answer.body);
  narrate_(first_email->contact_name + " answers their own e-mail; it becomes a comment on " +
           number);
  return number;
}

std::string Scenario::ImportPeople() {
  return RunImport("people", "people.toml", TakeOutPeopleToml(people_));
}

std::string Scenario::ImportHistory() {
  return RunImport("history", "history.jsonl", TakeOutHistoryJsonl(people_));
}

std::string Scenario::RunImport(const std::string& what, const std::string& file_name,
                                const std::string& contents) {
  const auto file = stack_.work_dir() / file_name;
  std::ofstream(file, std::ios::trunc) << contents;
  const auto result = stack_.RunSwarmbotCommand({"import", what, file.string()});
  if (result.status != 0) {
    throw std::runtime_error("swarmbot import " + what + " failed: " + result.output);
  }
  // The output holds log lines too; the summary is the line that starts "imported ".
  const std::string output = "\n" + result.output;
  const auto at = output.find("\nimported ");
  const std::string summary = at == std::string::npos
                                  ? result.output
                                  : output.substr(at + 1, output.find('\n', at + 1) - at - 1);
  narrate_("swarmbot import " + what + ": " + summary);
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
  if (!reply.empty()) {
    NarrateReply("only visible to you", reply);
  }
  return reply;
}

void Scenario::NarrateReply(std::string_view shown_to, const std::string& mrkdwn) {
  narrate_("  swarmbot (" + std::string(shown_to) + "): " + stack_.slack().AsPeopleSeeIt(mrkdwn));
}

std::string Scenario::LastDeclareModal(const UserId& who) const {
  std::string last;
  for (const auto& view : stack_.slack().Views(who)) {
    if (view.open && view.callback_id == "incident.declare") {
      last = view.id;
    }
  }
  return last;
}

std::string Scenario::Declare(const UserId& who, const ChannelId& where, const std::string& text,
                              const std::map<std::string, std::vector<std::string>>& fields) {
  return SubmitDeclareModal(
      who, [&] { Type(who, where, "/incident", "declare " + text); }, fields);
}

std::string Scenario::DeclareFromSpikeAlert(
    const UserId& who, const ChannelId& where,
    const std::map<std::string, std::vector<std::string>>& fields) {
  auto& slack = stack_.slack();
  const auto channel = slack.Channel(where);
  const auto alert =
      !channel
          ? channel->messages.end()
          : std::find_if(channel->messages.begin(), channel->messages.end(), [](const auto& m) {
              return m.blocks_json.find("spike.declare") != std::string::npos;
            });
  if (!channel || alert == channel->messages.end()) {
    throw std::runtime_error("no spike alert with a Declare button");
  }
  const MessageTs ts = alert->ts;
  return AwaitDeclared(who, [&] {
    return SubmitDeclareModal(
        who,
        [&] {
          narrate_("  they click \"Declare incident\" on the spike alert");
          if (auto clicked = slack.ClickButton(who, where, ts, "spike.declare"); !clicked) {
            throw std::runtime_error("the click failed: " + clicked.error().detail);
          }
        },
        fields);
  });
}

std::string Scenario::SubmitDeclareModal(
    const UserId& who, const std::function<void()>& open,
    const std::map<std::string, std::vector<std::string>>& fields) {
  auto& slack = stack_.slack();
  std::set<std::string> before;
  for (const auto& view : slack.Views(who)) {
    before.insert(view.id);
  }
  open();
  std::string view_id;
  Await("the declare modal", [&] {
    view_id = LastDeclareModal(who);
    return !view_id.empty() && !before.contains(view_id);
  });
  std::string filled;
  for (const auto& [block, values] : fields) {
    filled += (filled.empty() ? "" : "; ") + block + ": ";
    for (std::size_t i = 0; i < values.size(); ++i) {
      filled += (i == 0 ? "" : ", ") + (values[i].empty() ? "(empty)" : values[i]);
    }
  }
  narrate_("  the declare form opens" +
           (filled.empty() ? std::string(", filled in from the command") : "; they set " + filled) +
           ", and they submit it");
  auto ack = slack.FillAndSubmitView(who, view_id, fields);
  if (!ack) {
    throw std::runtime_error("the declare modal's submission failed: " + ack.error().detail);
  }
  if (!ack->empty()) {
    boost::system::error_code ec;
    const auto parsed = boost::json::parse(*ack, ec);
    if (!ec && parsed.is_object() && parsed.as_object().contains("errors") &&
        parsed.at("errors").is_object()) {
      for (const auto& [block, message] : parsed.at("errors").as_object()) {
        narrate_("  the form shows under " + std::string(block) + ": " +
                 (message.is_string() ? std::string(message.as_string()) : ""));
      }
    } else {
      narrate_("  the form answers: " + *ack);
    }
  }
  return *ack;
}

std::string Scenario::DeclareIncident(
    const UserId& who, const ChannelId& where, const std::string& text,
    const std::map<std::string, std::vector<std::string>>& fields) {
  return AwaitDeclared(who, [&] { return Declare(who, where, text, fields); });
}

std::string Scenario::AwaitDeclared(const UserId& who, const std::function<std::string()>& submit) {
  auto& slack = stack_.slack();
  const auto dm = slack.DirectMessage(who);
  const std::size_t known = dm ? dm->messages.size() : 0;
  const std::string ack = submit();
  if (!ack.empty()) {
    throw std::runtime_error("the declare modal refused the submission: " + ack);
  }
  std::string note;
  Await("swarmbot's direct message with the incident number", [&] {
    const auto now = slack.DirectMessage(who);
    if (!now || now->messages.size() <= known) {
      return false;
    }
    note = now->messages.back().text;
    return true;
  });
  NarrateReply("direct message", note);
  const auto at = note.find("INC-");
  if (at == std::string::npos) {
    throw std::runtime_error("no incident number in: " + note);
  }
  return note.substr(at, note.find_first_not_of("0123456789", at + 4) - at);
}

void Scenario::Await(const std::string& what, const std::function<bool()>& predicate) {
  if (!stack_.slack().WaitFor(predicate, std::chrono::seconds(20))) {
    throw std::runtime_error("timed out waiting for: " + what);
  }
}

}  // namespace swarmbot::demo
