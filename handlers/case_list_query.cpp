#include "handlers/case_list_query.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include "handlers/command_text.hpp"
#include "handlers/mrkdwn.hpp"

namespace swarmbot::handlers {
namespace {

using store::CaseStatus;

constexpr std::size_t kMaxTerritory = 100;

Error Refused(std::string message) {
  return MakeError(Errc::kInvalidInput, "bad /case list filter", std::move(message));
}

std::string Shown(std::string_view word) {
  return "`" + EscapeMrkdwn(Truncate(word, 40)) + "`";
}

// A mention's label may hold spaces; "owner=<@U1|a b>" is split so that the
// mention becomes its own word and Tokenize keeps it whole.
std::string SplitBeforeMentions(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    out.push_back(text[i]);
    if ((text[i] == '=' || text[i] == ':') && i + 1 < text.size() && text[i + 1] == '<') {
      out.push_back(' ');
    }
  }
  return out;
}

Result<std::vector<CaseStatus>> ParseStatuses(std::string_view value) {
  if (Lowercase(value) == "all") {
    return std::vector<CaseStatus>{};
  }
  std::vector<CaseStatus> statuses;
  std::size_t start = 0;
  while (start <= value.size()) {
    const std::size_t comma = std::min(value.find(',', start), value.size());
    const std::string one = Lowercase(value.substr(start, comma - start));
    const auto status = store::ParseCaseStatus(one);
    if (!status) {
      return Refused("Unknown status " + Shown(one) +
                     "; use new, open, held, closed or all (several with commas: new,open).");
    }
    if (std::find(statuses.begin(), statuses.end(), *status) == statuses.end()) {
      statuses.push_back(*status);
    }
    start = comma + 1;
  }
  return statuses;
}

Result<UserId> ParseOwner(std::string_view value, const UserId& caller) {
  const std::string lower = Lowercase(value);
  if (lower == "me") {
    return caller;
  }
  if (lower == "none" || lower == "nobody") {
    return UserId();
  }
  if (auto mention = ParseMention(value); mention && mention->kind == Mention::Kind::kUser) {
    return UserId(mention->id);
  }
  if (IsSlackId(value) && (value.front() == 'U' || value.front() == 'W')) {
    return UserId(std::string(value));
  }
  return Refused("Unknown owner " + Shown(value) +
                 "; name a person as @name (picked from Slack's list), or use me or none.");
}

Result<int> ParsePage(std::string_view value) {
  int page = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), page);
  if (ec != std::errc() || end != value.data() + value.size() || page < 1 || page > kMaxPage) {
    return Refused("Page " + Shown(value) + " isn't a page number; use page=2, page=3…");
  }
  return page;
}

Status Apply(std::string_view name, std::string_view value, const UserId& caller,
             CaseListQuery& query) {
  if (name == "status") {
    auto statuses = ParseStatuses(value);
    if (!statuses) {
      return statuses.error();
    }
    query.filter.statuses = *statuses;
  } else if (name == "channel") {
    const auto channel = store::ParseCaseChannel(Lowercase(value));
    if (!channel) {
      return Refused("Unknown channel " + Shown(value) +
                     "; use email, chat, messaging, phone or web.");
    }
    query.filter.channel = channel;
  } else if (name == "territory") {
    if (value.size() > kMaxTerritory) {
      return Refused("A territory has at most 100 characters.");
    }
    query.filter.territory = UnescapeSlackText(value);
  } else if (name == "owner") {
    auto owner = ParseOwner(value, caller);
    if (!owner) {
      return owner.error();
    }
    query.filter.owner = *owner;
  } else if (name == "page") {
    auto page = ParsePage(value);
    if (!page) {
      return page.error();
    }
    query.page = *page;
  } else {
    return Refused("Unknown filter " + Shown(name) +
                   "; use status=, channel=, territory=, owner= or page=.");
  }
  return {};
}

// The canonical words of the filter, so the next-page hint repeats it exactly.
std::vector<std::string> WordsOf(const store::CaseFilter& filter, bool default_statuses) {
  std::vector<std::string> words;
  if (!default_statuses) {
    std::string statuses;
    for (CaseStatus status : filter.statuses) {
      statuses += (statuses.empty() ? "" : ",") + std::string(store::Name(status));
    }
    words.push_back("status=" + (statuses.empty() ? std::string("all") : statuses));
  }
  if (filter.channel) {
    words.push_back("channel=" + std::string(store::Name(*filter.channel)));
  }
  if (filter.territory) {
    words.push_back("territory=" + *filter.territory);
  }
  if (filter.owner) {
    words.push_back("owner=" + (filter.owner->empty() ? std::string("none")
                                                      : "<@" + filter.owner->str() + ">"));
  }
  return words;
}

}  // namespace

Result<CaseListQuery> ParseCaseListQuery(std::string_view text, const UserId& caller) {
  CaseListQuery query;
  query.filter.statuses = {CaseStatus::kNew, CaseStatus::kOpen};
  bool default_statuses = true;
  const std::vector<std::string> words = Tokenize(SplitBeforeMentions(text));
  // Each filter's first word: a filter given twice is refused, since which
  // one was meant would be a guess.
  std::map<std::string, std::string> given;
  const auto once = [&](const std::string& name, const std::string& word) -> Status {
    const auto [earlier, first] = given.emplace(name, word);
    if (first) {
      return {};
    }
    return Refused(
        "The " + name + " filter is given twice (" + Shown(earlier->second) + " and " +
        Shown(word) + "); give it once" +
        (name == "status" ? ", with commas for several statuses: status=new,held." : "."));
  };
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    const std::size_t separator = word.find_first_of("=:");
    if (separator == std::string::npos) {
      if (auto first = once("status", word); !first) {
        return first.error();
      }
      auto statuses = ParseStatuses(word);
      if (!statuses) {
        return Refused("Unknown filter " + Shown(word) +
                       "; use a status (new, open, held, closed, all) or name=value such as "
                       "channel=email, territory=North, owner=@ravi, page=2.");
      }
      query.filter.statuses = *statuses;
      default_statuses = false;
      continue;
    }
    const std::string name = Lowercase(word.substr(0, separator));
    std::string value = word.substr(separator + 1);
    if (value.empty() && i + 1 < words.size()) {
      value = words[++i];
    }
    if (value.empty()) {
      return Refused("The filter " + Shown(word) + " has no value, e.g. channel=email.");
    }
    if (auto applied = Apply(name, value, caller, query); !applied) {
      return applied.error();
    }
    if (auto first = once(name, word + (word.size() == separator + 1 ? value : "")); !first) {
      return first.error();
    }
    default_statuses = default_statuses && name != "status";
  }
  query.words = WordsOf(query.filter, default_statuses);
  return query;
}

std::string DescribeFilter(const store::CaseFilter& filter) {
  std::string text;
  for (CaseStatus status : filter.statuses) {
    text += (text.empty() ? "" : ", ") + std::string(store::Name(status));
  }
  if (filter.statuses.empty()) {
    text = "all";
  }
  if (filter.channel) {
    text += " · " + std::string(store::Name(*filter.channel));
  }
  if (filter.territory) {
    text += " · territory " + EscapeMrkdwn(*filter.territory);
  }
  if (filter.owner) {
    text +=
        " · owner " + (filter.owner->empty() ? std::string("nobody") : UserMention(*filter.owner));
  }
  return text;
}

}  // namespace swarmbot::handlers
