#include "handlers/mrkdwn.hpp"

#include <optional>

#include "common/duration_text.hpp"
#include "handlers/command_text.hpp"

namespace swarmbot::handlers {
namespace {

bool IsContinuation(char c) noexcept {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// The byte offset after the first `count` code points of `text`.
std::size_t OffsetOfCodePoint(std::string_view text, std::size_t count) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!IsContinuation(text[i])) {
      if (seen == count) {
        return i;
      }
      ++seen;
    }
  }
  return text.size();
}

std::size_t CodePoints(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) {
    n += IsContinuation(c) ? 0 : 1;
  }
  return n;
}

// Moves `cut` back before an entity or angle-bracket token it would split.
std::size_t AvoidSplittingMarkup(std::string_view text, std::size_t cut) {
  const std::string_view head = text.substr(0, cut);
  const auto amp = head.rfind('&');
  if (amp != std::string_view::npos && head.find(';', amp) == std::string_view::npos) {
    cut = amp;
  }
  const auto open = text.substr(0, cut).rfind('<');
  if (open != std::string_view::npos &&
      text.substr(0, cut).find('>', open) == std::string_view::npos) {
    cut = open;
  }
  return cut;
}

// The part of a <…> token after its first '|', or "".
std::string_view LabelOf(std::string_view inner) {
  const auto bar = inner.find('|');
  return bar == std::string_view::npos ? std::string_view{} : inner.substr(bar + 1);
}

// A link as Slack formats one in a message or command (<https://x>,
// <https://x|label>, <mailto:a@b>), rebuilt with its parts escaped; nullopt
// for anything else, such as <!here>.
std::optional<std::string> LinkMarkup(std::string_view inner) {
  const std::string_view url = inner.substr(0, inner.find('|'));
  std::size_t scheme = 0;
  for (std::string_view known : {"http://", "https://", "mailto:"}) {
    if (url.starts_with(known)) {
      scheme = known.size();
    }
  }
  const bool plain = url.find_first_of(" \t\n<") == std::string_view::npos;
  if (scheme == 0 || url.size() == scheme || !plain) {
    return std::nullopt;
  }
  const std::string_view label = LabelOf(inner);
  return "<" + EscapeMrkdwn(url) + (label.empty() ? "" : "|" + EscapeMrkdwn(label)) + ">";
}

// How a <…> token of people's text shows in mrkdwn; nullopt when it is
// neither a mention nor a link.
std::optional<std::string> KeptToken(std::string_view token, GroupMentions groups) {
  const std::string_view inner = token.substr(1, token.size() - 2);
  const auto mention = ParseMention(token);
  if (!mention) {
    return LinkMarkup(inner);
  }
  if (mention->kind != Mention::Kind::kUsergroup || groups == GroupMentions::kNotify) {
    return MentionMarkup(*mention);
  }
  const std::string_view label = LabelOf(inner);
  return label.empty() ? std::string("a user group") : EscapeMrkdwn(label);
}

}  // namespace

std::string EscapeMrkdwn(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string EscapeMrkdwnKeepingMentions(std::string_view text, GroupMentions groups) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto close = text[i] == '<' ? text.find('>', i) : std::string_view::npos;
    if (close == std::string_view::npos) {
      out += EscapeMrkdwn(text.substr(i, 1));
      continue;
    }
    const auto kept = KeptToken(text.substr(i, close - i + 1), groups);
    if (!kept) {
      out += EscapeMrkdwn(text.substr(i, 1));
      continue;
    }
    out += *kept;
    i = close;
  }
  return out;
}

std::string QuietSpecialMentions(std::string_view mrkdwn) {
  std::string out;
  out.reserve(mrkdwn.size());
  for (std::size_t i = 0; i < mrkdwn.size(); ++i) {
    if (mrkdwn.substr(i).starts_with("<!")) {
      out += "&lt;";
    } else {
      out.push_back(mrkdwn[i]);
    }
  }
  return out;
}

std::string PlainWords(std::string_view mrkdwn,
                       const std::function<std::string(std::string_view id)>& name_of) {
  std::string out;
  std::size_t plain_from = 0;
  auto flush = [&](std::size_t until) {
    out += UnescapeSlackText(mrkdwn.substr(plain_from, until - plain_from));
  };
  for (std::size_t i = 0; i < mrkdwn.size(); ++i) {
    if (mrkdwn[i] != '<') {
      continue;
    }
    const std::size_t close = mrkdwn.find('>', i);
    if (close == std::string_view::npos) {
      break;
    }
    const std::string_view inner = mrkdwn.substr(i + 1, close - i - 1);
    const std::size_t bar = inner.find('|');
    const std::string_view target = inner.substr(0, bar);
    const std::string label(
        bar == std::string_view::npos ? "" : UnescapeSlackText(inner.substr(bar + 1)));
    std::string words;
    if (inner.starts_with("\xE2\x81\xA0")) {
      // Typed text made inert (a word joiner after its '<'): shown as typed.
      words = "<" + UnescapeSlackText(inner.substr(3)) + ">";
    } else if (target.starts_with('@') || target.starts_with('#')) {
      const std::string_view id = target.substr(1);
      const std::string name = name_of ? name_of(id) : "";
      const bool person = target.starts_with('@');
      words =
          !name.empty() ? name
          : !label.empty()
              ? (label.starts_with(target.front()) ? "" : std::string(1, target.front())) + label
              : (person ? "user " : "channel ") + std::string(id);
    } else if (target.starts_with("!subteam^")) {
      words = label.empty() ? "a user group" : label;
    } else if (target.starts_with('!')) {
      words = "@" + std::string(target.substr(1));
    } else {
      words = label.empty() ? std::string(target) : label + " (" + std::string(target) + ")";
    }
    flush(i);
    out += words;
    plain_from = close + 1;
    i = close;
  }
  flush(mrkdwn.size());
  return out;
}

std::string UnescapeSlackText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const std::string_view rest = text.substr(i);
    if (rest.starts_with("&amp;")) {
      out.push_back('&');
      i += 4;
    } else if (rest.starts_with("&lt;")) {
      out.push_back('<');
      i += 3;
    } else if (rest.starts_with("&gt;")) {
      out.push_back('>');
      i += 3;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string Truncate(std::string_view text, std::size_t max, bool mrkdwn) {
  if (CodePoints(text) <= max) {
    return std::string(text);
  }
  if (max == 0) {
    return {};
  }
  std::size_t cut = OffsetOfCodePoint(text, max - 1);  // room for the ellipsis
  if (mrkdwn) {
    cut = AvoidSplittingMarkup(text, cut);
  }
  return std::string(text.substr(0, cut)) + "…";
}

bool IsSlackId(std::string_view id) noexcept {
  if (id.empty() || id.size() > 32) {
    return false;
  }
  for (char c : id) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return true;
}

std::string UserMention(const UserId& user) {
  return IsSlackId(user.str()) ? "<@" + user.str() + ">" : EscapeMrkdwn(user.str());
}

std::string MentionMarkup(const Mention& mention) {
  switch (mention.kind) {
    case Mention::Kind::kUser:
      return UserMention(UserId(mention.id));
    case Mention::Kind::kChannel:
      return ChannelMention(ChannelId(mention.id));
    case Mention::Kind::kUsergroup:
      break;
  }
  return UsergroupMention(UserGroupId(mention.id));
}

std::string UsergroupMention(const UserGroupId& group) {
  return IsSlackId(group.str()) ? "<!subteam^" + group.str() + ">" : EscapeMrkdwn(group.str());
}

std::string ChannelMention(const ChannelId& channel) {
  return IsSlackId(channel.str()) ? "<#" + channel.str() + ">" : EscapeMrkdwn(channel.str());
}

std::string FormatTime(Clock::TimePoint t) {
  return FormatUtcMinute(t);
}

}  // namespace swarmbot::handlers
