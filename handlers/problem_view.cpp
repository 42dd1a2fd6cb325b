#include "handlers/problem_view.hpp"

#include "handlers/mrkdwn.hpp"
#include "lifecycle/incident_states.hpp"
#include "lifecycle/problem_states.hpp"

namespace swarmbot::handlers {
namespace {

constexpr std::size_t kTitleMax = 200;
constexpr std::size_t kCausesShown = 10;
constexpr std::size_t kListed = 30;

std::string Title(const store::Problem& problem) {
  return store::ProblemNumberText(problem.number) + " · " + problem.title;
}

std::string Who(std::string_view actor) {
  return actor == "swarmbot" ? std::string("swarmbot") : UserMention(UserId(std::string(actor)));
}

std::string Field(std::string_view label, std::string_view value) {
  return "*" + std::string(label) + "*\n" + std::string(value);
}

std::string IncidentsText(const lifecycle::ProblemDetails& details) {
  std::string text;
  for (const store::Incident& incident : details.incidents) {
    text += (text.empty() ? "" : ", ") + store::IncidentNumberText(incident.number) + " (" +
            lifecycle::StateLabel(incident.state) + ")";
  }
  return text.empty() ? "none" : text;
}

std::string AssetsText(const std::vector<std::string>& assets) {
  std::string text;
  for (const std::string& asset : assets) {
    text += (text.empty() ? "" : ", ") + EscapeMrkdwn(asset);
  }
  return text.empty() ? "none named" : text;
}

std::string WorkaroundText(const lifecycle::ProblemDetails& details) {
  const store::Problem& problem = details.problem;
  std::string text = EscapeMrkdwn(Truncate(problem.workaround, 1500));
  if (details.article) {
    text += (text.empty() ? "" : "\n") + std::string("Article: ") +
            EscapeMrkdwn(Truncate(details.article->title, kTitleMax));
  }
  return text;
}

// "INC-2 to close. CHG-1 fixed this problem and is closed; the problem closes
// when INC-2 does"; "" when none of its incidents is open.
std::string WaitingText(const lifecycle::ProblemDetails& details) {
  std::string open;
  std::size_t count = 0;
  for (const store::Incident& incident : details.incidents) {
    if (incident.Open()) {
      open += (open.empty() ? "" : ", ") + store::IncidentNumberText(incident.number);
      ++count;
    }
  }
  if (count == 0) {
    return {};  // nothing left to wait for; closing it is up to people
  }
  return Truncate(open, 1500) + " to close. " +
         store::ChangeNumberText(details.closed_fix->number) +
         " fixed this problem and is closed; the problem closes when " +
         (count == 1 ? open : "the last of them") + " does";
}

std::string CausesText(const std::vector<store::ProblemCause>& causes) {
  std::string text = "*Root cause*";
  const std::size_t first = causes.size() > kCausesShown ? causes.size() - kCausesShown : 0;
  if (first > 0) {
    text +=
        " (latest " + std::to_string(kCausesShown) + " of " + std::to_string(causes.size()) + ")";
  }
  for (std::size_t i = first; i < causes.size(); ++i) {
    text += "\n• " + FormatTime(causes[i].at) + " · " + UserMention(causes[i].author) + " · " +
            EscapeMrkdwn(Truncate(causes[i].text, 250));
  }
  return text;
}

}  // namespace

BlockMessage ProblemNews(const store::Problem& problem, const store::ProblemEvent& event) {
  const std::string title = EscapeMrkdwn(Truncate(Title(problem), kTitleMax));
  BlockMessage message(title + ": " + EscapeMrkdwn(Truncate(event.text, 500)));
  message.Section(":mag: *" + title + "*\n" + Who(event.actor) + " · " +
                  EscapeMrkdwn(Truncate(event.text, 2000)));
  return message;
}

BlockMessage ProblemCard(const lifecycle::ProblemDetails& details) {
  const store::Problem& problem = details.problem;
  BlockMessage message(EscapeMrkdwn(Truncate(Title(problem), kTitleMax)) + " · " +
                       lifecycle::StateLabel(problem.state));
  message.Header(Truncate(Title(problem), kMaxHeaderText));
  std::vector<std::string> fields{
      Field("State", lifecycle::StateLabel(problem.state) +
                         (problem.known_error && problem.state != store::ProblemState::kKnownError
                              ? " (known error)"
                              : "")),
      Field("Owner", UserMention(problem.owner)),
      Field("Incidents", IncidentsText(details)),
      Field("Impacted assets", AssetsText(details.assets)),
  };
  if (problem.known_error) {
    fields.push_back(Field("Workaround", WorkaroundText(details)));
  }
  if (!problem.close_note.empty()) {
    fields.push_back(Field("Resolution", EscapeMrkdwn(Truncate(problem.close_note, 1500))));
  }
  if (const std::string waiting = details.closed_fix ? WaitingText(details) : "";
      !waiting.empty()) {
    fields.push_back(Field("Waiting for", waiting));
  }
  message.Fields(fields);
  if (!details.causes.empty()) {
    message.Section(CausesText(details.causes));
  }
  std::string when =
      "Opened " + FormatTime(problem.created_at) + " by " + UserMention(problem.created_by);
  if (problem.closed_at) {
    when += " · closed " + FormatTime(*problem.closed_at);
  }
  message.Context({when});
  return message;
}

std::string ProblemListText(const std::vector<store::Problem>& problems, bool open_only) {
  if (problems.empty()) {
    return open_only ? "No open problems." : "No problems yet.";
  }
  std::string text = open_only ? "*Open problems*" : "*Problems*";
  for (std::size_t i = 0; i < problems.size() && i < kListed; ++i) {
    const store::Problem& problem = problems[i];
    text += "\n• *" + store::ProblemNumberText(problem.number) + "* · " +
            lifecycle::StateLabel(problem.state) + " · " +
            EscapeMrkdwn(Truncate(problem.title, 120)) + " · " + UserMention(problem.owner);
  }
  if (problems.size() > kListed) {
    text += "\n…only the newest " + std::to_string(kListed) + " are shown";
  }
  return text;
}

std::string ProblemsText(const std::vector<store::Problem>& problems) {
  std::string text;
  for (const store::Problem& problem : problems) {
    text += (text.empty() ? "" : ", ") + store::ProblemNumberText(problem.number) + " (" +
            lifecycle::StateLabel(problem.state) + ")";
  }
  return text;
}

}  // namespace swarmbot::handlers
