#include "emulator/detail/web_api.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/form.hpp"
#include "emulator/detail/api.hpp"

namespace swarmbot::emulator::detail {
namespace {

// kBotOrUser: also accepted with the user token (methods Slack refuses or
// limits for bots, such as conversations.unarchive).
enum class TokenKind { kBot, kApp, kBotOrUser };

struct MethodSpec {
  std::string_view name;
  json::object (*run)(Call&);
  bool json_ok;  // json_input_supported in Slack's method docs
  char tier;     // '1'..'4' per minute budgets, 's' for special
  TokenKind token;
};

// json_input_supported and tiers from slack-api-ref/docs.slack.dev-methods
// (apps.connections.open at Tier 1 per the reference's note).
constexpr std::array<MethodSpec, 37> kMethods{{
    {"auth.test", api::AuthTest, true, 's', TokenKind::kBot},
    {"apps.connections.open", api::AppsConnectionsOpen, true, '1', TokenKind::kApp},
    {"chat.postMessage", api::ChatPostMessage, true, 's', TokenKind::kBot},
    {"chat.postEphemeral", api::ChatPostEphemeral, true, '4', TokenKind::kBot},
    {"chat.update", api::ChatUpdate, true, '3', TokenKind::kBot},
    {"chat.delete", api::ChatDelete, true, '3', TokenKind::kBot},
    {"chat.getPermalink", api::ChatGetPermalink, false, 's', TokenKind::kBot},
    {"conversations.create", api::ConversationsCreate, true, '2', TokenKind::kBot},
    {"conversations.invite", api::ConversationsInvite, true, '3', TokenKind::kBotOrUser},
    {"conversations.archive", api::ConversationsArchive, true, '2', TokenKind::kBot},
    {"conversations.unarchive", api::ConversationsUnarchive, true, '2', TokenKind::kBotOrUser},
    {"conversations.rename", api::ConversationsRename, true, '2', TokenKind::kBot},
    {"conversations.setTopic", api::ConversationsSetTopic, true, '2', TokenKind::kBot},
    {"conversations.setPurpose", api::ConversationsSetPurpose, true, '2', TokenKind::kBot},
    {"conversations.join", api::ConversationsJoin, true, '3', TokenKind::kBot},
    {"conversations.kick", api::ConversationsKick, true, '3', TokenKind::kBot},
    {"conversations.leave", api::ConversationsLeave, true, '3', TokenKind::kBot},
    {"conversations.info", api::ConversationsInfo, false, '3', TokenKind::kBot},
    {"conversations.members", api::ConversationsMembers, false, '4', TokenKind::kBot},
    {"conversations.list", api::ConversationsList, false, '2', TokenKind::kBot},
    {"conversations.history", api::ConversationsHistory, true, '3', TokenKind::kBot},
    {"conversations.open", api::ConversationsOpen, true, '3', TokenKind::kBot},
    {"pins.add", api::PinsAdd, true, '2', TokenKind::kBot},
    {"pins.remove", api::PinsRemove, true, '2', TokenKind::kBot},
    {"reactions.add", api::ReactionsAdd, true, '3', TokenKind::kBot},
    {"bookmarks.add", api::BookmarksAdd, true, '2', TokenKind::kBot},
    {"bookmarks.list", api::BookmarksList, false, '3', TokenKind::kBot},
    {"users.info", api::UsersInfo, false, '4', TokenKind::kBot},
    {"users.list", api::UsersList, false, '2', TokenKind::kBot},
    {"users.lookupByEmail", api::UsersLookupByEmail, false, '3', TokenKind::kBot},
    {"users.getPresence", api::UsersGetPresence, false, '3', TokenKind::kBot},
    {"usergroups.list", api::UsergroupsList, false, '2', TokenKind::kBot},
    {"usergroups.users.list", api::UsergroupsUsersList, false, '2', TokenKind::kBot},
    {"views.open", api::ViewsOpen, true, '4', TokenKind::kBot},
    {"views.push", api::ViewsPush, true, '4', TokenKind::kBot},
    {"views.update", api::ViewsUpdate, true, '4', TokenKind::kBot},
    {"views.publish", api::ViewsPublish, true, '4', TokenKind::kBot},
}};

const MethodSpec* FindMethod(std::string_view name) {
  for (const auto& m : kMethods) {
    if (m.name == name) {
      return &m;
    }
  }
  return nullptr;
}

HttpAnswer JsonAnswer(const json::object& body, int status = 200) {
  HttpAnswer answer;
  answer.status = status;
  answer.body = json::serialize(body);
  return answer;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return s;
}

// Arguments and how they arrived.
struct ParsedArgs {
  json::object values;
  bool json_body = false;
  std::vector<std::string> warnings;
  std::string error;  // a transport error code, if parsing failed
};

void AddForm(std::string_view text, json::object& into, std::string& error) {
  auto fields = ParseForm(text);
  if (!fields) {
    error = "invalid_form_data";
    return;
  }
  for (auto& [name, value] : *fields) {
    into[name] = value;
  }
}

ParsedArgs ParseArgs(const HttpCall& call) {
  ParsedArgs out;
  if (const auto q = call.target.find('?'); q != std::string::npos) {
    AddForm(std::string_view(call.target).substr(q + 1), out.values, out.error);
  }
  const std::string type = Lower(call.content_type);
  const std::string_view media = Trim(std::string_view(type).substr(0, type.find(';')));
  const bool has_charset = type.find("charset") != std::string::npos;
  if (media == "application/json") {
    out.json_body = true;
    if (!has_charset) {
      out.warnings.push_back("missing_charset");
    }
    boost::system::error_code ec;
    json::value body = json::parse(call.body, ec);
    if (ec) {
      out.error = "invalid_json";
    } else if (!body.is_object()) {
      out.error = "json_not_object";
    } else {
      for (auto& [key, value] : body.as_object()) {
        out.values[key] = value;
      }
    }
  } else if (media == "application/x-www-form-urlencoded") {
    if (has_charset) {
      out.warnings.push_back("superfluous_charset");
    }
    AddForm(call.body, out.values, out.error);
  } else if (media.empty() && call.body.empty()) {
    // Query arguments only.
  } else if (media == "multipart/form-data") {
    out.error = "invalid_form_data";
  } else {
    out.error = "invalid_post_type";
  }
  return out;
}

// Which token the call presents: the Authorization header first, else a
// `token` argument (never from a JSON body, as Slack requires).
std::string PresentedToken(const HttpCall& call, const ParsedArgs& args, bool header_only) {
  std::string_view auth = Trim(call.authorization);
  if (auth.size() > 7 && Lower(auth.substr(0, 7)) == "bearer ") {
    return std::string(Trim(auth.substr(7)));
  }
  if (header_only || args.json_body) {
    return {};
  }
  const json::value* token = args.values.if_contains("token");
  return token != nullptr && token->is_string() ? std::string(token->as_string()) : std::string();
}

int TierBudget(char tier) {
  switch (tier) {
    case '1':
      return 1;
    case '2':
      return 20;
    case '3':
      return 50;
    case '4':
      return 100;
    default:
      return 0;
  }
}

// Fixed one-minute windows per method (and one-second windows per channel for
// chat.postMessage, with a small burst). Returns the wait when over budget.
std::optional<std::chrono::seconds> OverBudget(Workspace& ws, const MethodSpec& spec,
                                               const json::object& args) {
  std::string key(spec.name);
  std::int64_t window = 60;
  int budget = TierBudget(spec.tier);
  if (spec.name == "chat.postMessage") {
    const json::value* channel = args.if_contains("channel");
    key += ":" + (channel != nullptr && channel->is_string() ? std::string(channel->as_string())
                                                             : std::string());
    window = 1;
    budget = 3;
  }
  if (budget == 0) {
    return std::nullopt;
  }
  const std::int64_t now = ws.Now();
  auto& [start, count] = ws.rate_windows[key];
  if (now - start >= window) {
    start = now;
    count = 0;
  }
  if (++count <= budget) {
    return std::nullopt;
  }
  return std::chrono::seconds(std::max<std::int64_t>(1, start + window - now));
}

}  // namespace

std::string ApiMethodName(std::string_view target) {
  constexpr std::string_view kPrefix = "/api/";
  if (target.substr(0, kPrefix.size()) != kPrefix) {
    return {};
  }
  target.remove_prefix(kPrefix.size());
  return std::string(target.substr(0, target.find('?')));
}

HttpAnswer RateLimitedAnswer(std::chrono::seconds retry_after) {
  HttpAnswer answer = JsonAnswer(Fail("ratelimited"), 429);
  answer.headers.emplace_back("Retry-After", std::to_string(retry_after.count()));
  return answer;
}

HttpAnswer RefusedAnswer(std::string_view error) {
  return JsonAnswer(Fail(error));
}

HttpAnswer RunWebApi(Workspace& ws, const HttpCall& call) {
  const std::string name = ApiMethodName(call.target);
  const MethodSpec* spec = FindMethod(name);
  if (spec == nullptr) {
    return JsonAnswer(Fail("unknown_method"));
  }
  if (call.verb != "GET" && call.verb != "POST") {
    return JsonAnswer(Fail("invalid_post_type"), 405);
  }
  ParsedArgs parsed = ParseArgs(call);
  if (!parsed.error.empty()) {
    return JsonAnswer(Fail(parsed.error));
  }
  const bool app_method = spec->token == TokenKind::kApp;
  const std::string token = PresentedToken(call, parsed, app_method);
  if (token.empty()) {
    return JsonAnswer(Fail("not_authed"));
  }
  const auto& o = ws.options();
  const bool is_bot = token == o.bot_token.Reveal();
  const bool is_app = token == o.app_token.Reveal();
  const bool is_user = !o.user_token.Empty() && token == o.user_token.Reveal();
  if (!is_bot && !is_app && !is_user) {
    return JsonAnswer(Fail("invalid_auth"));
  }
  if (is_user && ws.user_token_revoked) {
    return JsonAnswer(Fail("token_revoked"));
  }
  if (is_app != app_method || (is_user && spec->token != TokenKind::kBotOrUser)) {
    return JsonAnswer(Fail("not_allowed_token_type"));
  }
  if (app_method && call.verb != "POST") {
    return JsonAnswer(Fail("insecure_request"));
  }
  if (parsed.json_body && !spec->json_ok) {
    return JsonAnswer(FailWithMessages(
        "invalid_arguments",
        {"[ERROR] " + name + " does not read JSON bodies; send form or query arguments"}));
  }
  if (o.rate_limits) {
    if (auto wait = OverBudget(ws, *spec, parsed.values); wait) {
      return RateLimitedAnswer(*wait);
    }
  }
  parsed.values.erase("token");
  Call c{ws, Args(std::move(parsed.values)), std::move(parsed.warnings),
         is_user ? o.user_token_user_id : std::string()};
  HttpAnswer answer = JsonAnswer(spec->run(c));
  answer.headers.emplace_back("X-OAuth-Scopes",
                              "commands,chat:write,chat:write.public,channels:manage,"
                              "channels:read,channels:history,groups:write,groups:read,"
                              "im:write,pins:write,reactions:write,bookmarks:write,users:read,"
                              "users:read.email,usergroups:read,bookmarks:read");
  return answer;
}

// ---- Helpers shared by the methods ------------------------------------------

bool Args::Has(std::string_view key) const {
  return Str(key).has_value();
}

std::optional<std::string> Args::Str(std::string_view key) const {
  const json::value* v = values_.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return std::nullopt;
  }
  std::string out;
  if (v->is_string()) {
    out = std::string(v->as_string());
  } else if (v->is_bool()) {
    out = v->as_bool() ? "true" : "false";
  } else if (v->is_number()) {
    out = json::serialize(*v);
  } else {
    out = json::serialize(*v);
  }
  if (out.empty()) {
    return std::nullopt;
  }
  return out;
}

std::string Args::StrOr(std::string_view key, std::string fallback) const {
  auto v = Str(key);
  return v ? *v : fallback;
}

bool Args::Bool(std::string_view key) const {
  const json::value* v = values_.if_contains(key);
  if (v == nullptr) {
    return false;
  }
  if (v->is_bool()) {
    return v->as_bool();
  }
  if (v->is_number()) {
    return v->to_number<double>() != 0;
  }
  if (v->is_string()) {
    const std::string s = Lower(v->as_string());
    return s == "true" || s == "1" || s == "yes";
  }
  return false;
}

std::optional<json::value> Args::Json(std::string_view key, bool* bad) const {
  const json::value* v = values_.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return std::nullopt;
  }
  if (!v->is_string()) {
    return *v;
  }
  if (v->as_string().empty()) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  json::value parsed = json::parse(v->as_string(), ec);
  if (ec) {
    *bad = true;
    return std::nullopt;
  }
  return parsed;
}

json::object Ok(Call& call, json::object body) {
  json::object out;
  out["ok"] = true;
  for (auto& [key, value] : body) {
    out[key] = std::move(value);
  }
  if (!call.warnings.empty()) {
    std::string joined;
    json::array list;
    for (const auto& w : call.warnings) {
      joined += (joined.empty() ? "" : ",") + w;
      list.emplace_back(w);
    }
    out["warning"] = joined;
    json::object meta;
    if (auto* existing = out.if_contains("response_metadata"); existing && existing->is_object()) {
      meta = existing->as_object();
    }
    meta["warnings"] = std::move(list);
    out["response_metadata"] = std::move(meta);
  }
  return out;
}

json::object Fail(std::string_view error) {
  return {{"ok", false}, {"error", error}};
}

json::object FailWithMessages(std::string_view error, const std::vector<std::string>& messages) {
  json::array list;
  for (const auto& m : messages) {
    list.emplace_back(m);
  }
  json::object out = Fail(error);
  out["response_metadata"] = json::object{{"messages", std::move(list)}};
  return out;
}

Channel* VisibleChannel(Call& call, std::string_view id) {
  Channel* channel = call.ws.FindChannel(id);
  if (channel == nullptr) {
    return nullptr;
  }
  if ((channel->is_private || channel->is_im || channel->is_mpim) &&
      !channel->HasMember(call.bot_user())) {
    return nullptr;
  }
  return channel;
}

namespace {

constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64(std::string_view in) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    for (int shift : {18, 12, 6, 0}) {
      out.push_back(kBase64[(v >> shift) & 63]);
    }
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) {
      v |= static_cast<unsigned char>(in[i + 1]) << 8;
    }
    out.push_back(kBase64[(v >> 18) & 63]);
    out.push_back(kBase64[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kBase64[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::optional<std::string> Unbase64(std::string_view in) {
  std::string out;
  unsigned v = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') {
      break;
    }
    const auto pos = kBase64.find(c);
    if (pos == std::string_view::npos) {
      return std::nullopt;
    }
    v = (v << 6) | static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((v >> bits) & 0xff));
    }
  }
  return out;
}

}  // namespace

std::string EncodeCursor(std::size_t offset) {
  return Base64("next:" + std::to_string(offset));
}

std::optional<std::size_t> DecodeCursor(std::string_view cursor) {
  auto raw = Unbase64(cursor);
  if (!raw || raw->rfind("next:", 0) != 0 || raw->size() == 5 || raw->size() > 15) {
    return std::nullopt;
  }
  std::size_t offset = 0;
  for (char c : raw->substr(5)) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    offset = offset * 10 + static_cast<std::size_t>(c - '0');
  }
  return offset;
}

std::optional<Page> ReadPage(const Call& call, std::size_t default_limit, std::size_t max_limit,
                             json::object* error) {
  Page page{0, default_limit};
  if (auto limit = call.args.Str("limit"); limit) {
    char* end = nullptr;
    const long value = std::strtol(limit->c_str(), &end, 10);
    if (*end != '\0' || value < 0) {
      *error = Fail("invalid_limit");
      return std::nullopt;
    }
    // Slack treats 0 as "the default" and caps large values.
    page.limit = value == 0 ? default_limit : std::min<std::size_t>(value, max_limit);
  }
  if (auto cursor = call.args.Str("cursor"); cursor) {
    auto offset = DecodeCursor(*cursor);
    if (!offset) {
      *error = Fail("invalid_cursor");
      return std::nullopt;
    }
    page.offset = *offset;
  }
  return page;
}

json::object NextCursor(std::size_t next_offset, std::size_t total) {
  return {{"next_cursor", next_offset < total ? EncodeCursor(next_offset) : std::string()}};
}

}  // namespace swarmbot::emulator::detail
