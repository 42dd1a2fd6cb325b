// The transcript: the workspace as people would read it, for the demo.
#include <algorithm>
#include <sstream>

#include <boost/json/array.hpp>

#include "emulator/detail/core.hpp"

namespace swarmbot::emulator::detail {
namespace {

struct Line {
  std::int64_t micros;
  std::string text;
};

std::string Clock(std::string_view ts) {
  const std::int64_t seconds = ParseTs(ts).value_or(0) / 1'000'000;
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%02lld:%02lld:%02lld",
                static_cast<long long>(seconds / 3600 % 24),
                static_cast<long long>(seconds / 60 % 60), static_cast<long long>(seconds % 60));
  return buffer;
}

std::string NameOf(const Workspace& ws, const std::string& user) {
  const User* u = ws.FindUser(user);
  return u != nullptr ? u->name : user;
}

std::string TextOf(const json::value& v) {
  if (v.is_object() && v.as_object().contains("text") && v.at("text").is_string()) {
    return std::string(v.at("text").as_string());
  }
  return {};
}

// One line per block: headers, sections, context, buttons.
std::vector<std::string> RenderBlocks(const json::value& blocks) {
  std::vector<std::string> lines;
  if (!blocks.is_array()) {
    return lines;
  }
  for (const auto& block : blocks.as_array()) {
    if (!block.is_object() || !block.as_object().contains("type")) {
      continue;
    }
    const auto& b = block.as_object();
    const std::string type(b.at("type").as_string());
    std::string line;
    if (type == "header") {
      line = "== " + TextOf(b.at("text")) + " ==";
    } else if (type == "section") {
      line = b.contains("text") ? TextOf(b.at("text")) : "";
      if (const auto* fields = b.if_contains("fields"); fields && fields->is_array()) {
        for (const auto& f : fields->as_array()) {
          // A field is usually "*Label*\nvalue": one line reads better here.
          std::string field = TextOf(f);
          std::replace(field.begin(), field.end(), '\n', ' ');
          line += (line.empty() ? "" : " | ") + field;
        }
      }
      if (const auto* accessory = b.if_contains("accessory"); accessory && accessory->is_object()) {
        if (accessory->as_object().contains("text")) {
          line += " [" + TextOf(accessory->at("text")) + "]";
        }
      }
    } else if (type == "context" || type == "actions") {
      for (const auto& e : b.at("elements").as_array()) {
        const std::string t =
            e.is_object() && e.as_object().contains("text") ? TextOf(e.at("text")) : TextOf(e);
        const std::string shown = type == "actions" ? "[" + t + "]" : t;
        line += (line.empty() ? "" : (type == "actions" ? " " : " · ")) + shown;
      }
    } else if (type == "divider") {
      line = "----";
    }
    if (!line.empty()) {
      lines.push_back(line);
    }
  }
  return lines;
}

// Renders a message body: its blocks when it has some, else its text.
std::string Body(const Workspace& ws, const std::string& text, const json::value& blocks,
                 const std::string& indent) {
  auto lines = RenderBlocks(blocks);
  if (lines.empty()) {
    std::string t = Readable(ws, text);
    for (std::size_t p = t.find('\n'); p != std::string::npos; p = t.find('\n', p + 1)) {
      t.insert(p + 1, indent);
    }
    return t;
  }
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string line = Readable(ws, lines[i]);
    for (std::size_t p = line.find('\n'); p != std::string::npos; p = line.find('\n', p + 1)) {
      line.insert(p + 1, indent);
    }
    out += (i == 0 ? "" : "\n" + indent) + line;
  }
  return out;
}

std::string Heading(const Workspace& ws, const Channel& c) {
  std::string out;
  if (c.is_im) {
    out = "DM " + ws.options().bot_name + " <-> " + NameOf(ws, c.dm_user);
  } else {
    out = std::string(c.is_private ? "(private) #" : "#") + c.name;
  }
  out += " (" + c.id + ")";
  if (c.is_archived) {
    out += " [archived]";
  }
  out += "\n";
  if (!c.topic.empty()) {
    out += "  topic: " + Readable(ws, c.topic) + "\n";
  }
  if (!c.purpose.empty()) {
    out += "  purpose: " + Readable(ws, c.purpose) + "\n";
  }
  if (!c.is_im) {
    std::string members;
    for (const auto& m : c.members) {
      members += (members.empty() ? "" : ", ") + NameOf(ws, m);
    }
    out += "  members: " + (members.empty() ? "(none)" : members) + "\n";
  }
  for (const auto& b : c.bookmarks) {
    out += "  bookmark: " + b.title + " <" + b.link + ">\n";
  }
  return out;
}

std::vector<Line> ChannelLines(const Workspace& ws, const Channel& c) {
  const std::string indent(14, ' ');
  std::vector<Line> lines;
  for (const auto& m : c.messages) {
    std::string text = "  [" + Clock(m.ts) + "] ";
    if (!m.subtype.empty()) {
      // Join and leave notices start with the person; the others need a name.
      const bool names_someone = m.text.rfind("<@", 0) == 0;
      text += "· " + (names_someone ? "" : NameOf(ws, m.user) + " ") + Readable(ws, m.text);
    } else {
      text += NameOf(ws, m.user) + ": " + Body(ws, m.text, m.blocks, indent);
    }
    if (!m.edited_ts.empty()) {
      text += " (edited)";
    }
    if (c.IsPinned(m.ts)) {
      text += "  [pinned]";
    }
    lines.push_back({ParseTs(m.ts).value_or(0), text});
  }
  for (const auto& e : ws.ephemerals) {
    if (e.channel == c.id && !e.deleted) {
      lines.push_back({ParseTs(e.ts).value_or(0),
                       "  [" + Clock(e.ts) + "] (only " + NameOf(ws, e.user) + " sees) " +
                           ws.options().bot_name + ": " + Body(ws, e.text, e.blocks, indent)});
    }
  }
  for (const auto& a : ws.activity) {
    if (a.channel == c.id) {
      lines.push_back(
          {ParseTs(a.ts).value_or(0),
           "  [" + Clock(a.ts) + "] > " + NameOf(ws, a.user) + " " + Readable(ws, a.text)});
    }
  }
  std::stable_sort(lines.begin(), lines.end(),
                   [](const Line& a, const Line& b) { return a.micros < b.micros; });
  return lines;
}

}  // namespace

// <@U1>, <@U1|name>, <#C1|name>, <!subteam^S1|@team> and <!here> as people see them.
std::string Readable(const Workspace& ws, const std::string& text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto open = text.find('<', i);
    const auto close = open == std::string::npos ? open : text.find('>', open);
    if (close == std::string::npos) {
      out += text.substr(i);
      break;
    }
    out += text.substr(i, open - i);
    const std::string inner = text.substr(open + 1, close - open - 1);
    const auto bar = inner.find('|');
    const std::string id = inner.substr(0, bar);
    const std::string label = bar == std::string::npos ? "" : inner.substr(bar + 1);
    if (id.rfind("@", 0) == 0) {
      out += "@" + NameOf(ws, id.substr(1));
    } else if (id.rfind("#", 0) == 0) {
      const Channel* c = ws.FindChannel(id.substr(1));
      out += "#" + (c != nullptr ? c->name : label);
    } else if (id.rfind("!subteam^", 0) == 0) {
      auto it = ws.groups.find(id.substr(9));
      out += label.empty() && it != ws.groups.end() ? "@" + it->second.handle : label;
    } else if (id.rfind("!", 0) == 0) {
      out += "@" + id.substr(1);
    } else {
      out += label.empty() ? id : label;
    }
    i = close + 1;
  }
  return out;
}

std::string RenderTranscript(const Workspace& ws) {
  std::ostringstream out;
  for (const auto& id : ws.channel_order) {
    const Channel* c = ws.FindChannel(id);
    auto lines = ChannelLines(ws, *c);
    if (c->is_im && lines.empty()) {
      continue;
    }
    out << Heading(ws, *c);
    for (const auto& line : lines) {
      out << line.text << "\n";
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace swarmbot::emulator::detail
