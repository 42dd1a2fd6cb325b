#include "handlers/site_api.hpp"

#include <array>
#include <variant>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "common/crypto.hpp"
#include "common/form.hpp"
#include "handlers/detail/api_error.hpp"
#include "handlers/detail/case_json.hpp"
#include "handlers/detail/flat_json.hpp"
#include "handlers/detail/request_keys.hpp"
#include "handlers/mrkdwn.hpp"
#include "lifecycle/banner_service.hpp"

namespace swarmbot::handlers {
namespace {

namespace json = boost::json;

// Hex digits of the body's SHA-256 kept in the ETag: 128 bits, plenty to
// tell versions of one small document apart.
constexpr std::size_t kEtagDigits = 32;

constexpr std::array<std::string_view, 1> kBannerParameters{"audience"};
constexpr std::array<std::string_view, 1> kUnsubscribeFields{"email"};

SiteAnswer JsonError(int status, std::string_view code, std::string message) {
  SiteAnswer answer;
  answer.status = status;
  answer.body = detail::ApiErrorBody(code, message);
  return answer;
}

json::value BannerJson(const std::optional<store::Banner>& banner) {
  if (!banner) {
    return nullptr;
  }
  json::object object;
  object["text"] = banner->text;
  object["severity"] = store::Name(banner->severity);
  object["link"] = banner->link.empty() ? json::value(nullptr) : json::value(banner->link);
  object["audience"] = store::Name(banner->audience);
  object["updated_at"] = detail::IsoTime(banner->set_at);
  return object;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// The audience the query asks for; an error answer for a bad query.
std::variant<store::BannerAudience, SiteAnswer> AudienceOf(std::string_view query) {
  auto fields = ParseForm(query);
  if (!fields) {
    return JsonError(400, "invalid_input", "the query string is malformed");
  }
  if (auto problem = detail::KeyProblem(*fields, kBannerParameters, "query parameter")) {
    return JsonError(400, "invalid_input", std::move(*problem));
  }
  const std::optional<std::string> asked = FormValue(*fields, "audience");
  if (!asked) {
    return store::BannerAudience::kEveryone;
  }
  if (auto audience = store::ParseBannerAudience(*asked)) {
    return *audience;
  }
  return JsonError(400, "unknown_audience",
                   "unknown audience \"" + Truncate(detail::EscapeInvalidUtf8(*asked), 40) +
                       "\"; use signed-in or everyone");
}

// The public wording of a state: no internal step names.
std::string_view PublicState(store::IncidentState state) {
  switch (state) {
    case store::IncidentState::kNew:
    case store::IncidentState::kTriaged:
      return "Investigating";
    case store::IncidentState::kInProgress:
      return "Identified, fix in progress";
    case store::IncidentState::kResolved:
      return "Resolved, monitoring";
    case store::IncidentState::kClosed:
      return "Resolved";
  }
  return "Investigating";
}

constexpr std::string_view kStyle =
    "body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;"
    "color:#1d1d1f}h1{font-size:1.5rem}.banner{padding:.75rem 1rem;border-radius:.4rem;"
    "margin:1rem 0}.info{background:#e8f1fb}.warning{background:#fff4d6}.critical{background:"
    "#fde2e1}ul{padding:0;list-style:none}li{border-bottom:1px solid #ddd;padding:.6rem 0}"
    ".state{font-weight:600}.when,.more{color:#666;font-size:.85rem}";

std::string BannerHtml(const std::optional<store::Banner>& banner) {
  if (!banner) {
    return {};
  }
  std::string html = "<div class=\"banner " + std::string(store::Name(banner->severity)) +
                     "\" role=\"status\">" + EscapeHtml(banner->text);
  if (!banner->link.empty()) {
    html += " <a href=\"" + EscapeHtml(banner->link) + "\" rel=\"nofollow\">More</a>";
  }
  return html + "</div>\n";
}

std::string StatusHtml(const lifecycle::PublicStatus& status) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>Service status</title>\n<style>" +
      std::string(kStyle) + "</style>\n</head>\n<body>\n<h1>Service status</h1>\n";
  html += BannerHtml(status.banner);
  if (status.incidents.empty()) {
    html += "<p>All services are running normally.</p>\n";
  } else {
    html += "<h2>Current incidents</h2>\n<ul>\n";
    for (const store::PublicIncident& incident : status.incidents) {
      html += "<li><div class=\"title\">" +
              EscapeHtml(lifecycle::PublicTitleOf(incident.public_title, incident.territories)) +
              "</div><div><span class=\"state\">" + std::string(PublicState(incident.state)) +
              "</span> <span class=\"when\">since " + FormatTime(incident.created_at) +
              "</span></div></li>\n";
    }
    html += "</ul>\n";
  }
  if (status.left_out > 0) {
    html += "<p class=\"more\">And " + std::to_string(status.left_out) + " more open " +
            (status.left_out == 1 ? "incident" : "incidents") +
            ", less urgent or older than these, not listed here.</p>\n";
  }
  return html + "</body>\n</html>\n";
}

}  // namespace

std::string EscapeHtml(std::string_view text) {
  // HTML needs the same three entities as mrkdwn, and quoted attributes the quotes too.
  std::string out;
  for (char c : EscapeMrkdwn(text)) {
    if (c == '"') {
      out += "&quot;";
    } else if (c == '\'') {
      out += "&#39;";
    } else {
      out += c;
    }
  }
  return out;
}

bool IfNoneMatchHits(std::string_view header, std::string_view etag) {
  const std::string_view wanted = etag.starts_with("W/") ? etag.substr(2) : etag;
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view tag = Trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    if (tag == "*") {
      return true;
    }
    if (tag.starts_with("W/")) {
      tag.remove_prefix(2);
    }
    if (!tag.empty() && tag == wanted) {
      return true;
    }
  }
  return false;
}

SiteAnswer SiteApi::WithValidators(const SiteRequest& request, std::string content_type,
                                   std::string body, bool shared_cache) {
  const std::string etag = "\"" + Sha256Hex(body).substr(0, kEtagDigits) + "\"";
  SiteAnswer answer;
  answer.content_type = std::move(content_type);
  answer.headers.emplace_back("ETag", etag);
  answer.headers.emplace_back("Cache-Control",
                              std::string(shared_cache ? "public" : "private") +
                                  ", max-age=" + std::to_string(settings_.max_age_seconds));
  if (request.if_none_match && IfNoneMatchHits(*request.if_none_match, etag)) {
    answer.status = 304;
    return answer;
  }
  answer.status = 200;
  answer.body = std::move(body);
  return answer;
}

SiteAnswer SiteApi::Banner(const SiteRequest& request) {
  auto audience = AudienceOf(request.query);
  if (auto* refused = std::get_if<SiteAnswer>(&audience)) {
    spdlog::info("event=site.banner_refused status={}", refused->status);
    return *refused;
  }
  const store::BannerAudience asked = std::get<store::BannerAudience>(audience);
  auto banner = banners_.ForSite(asked);
  if (!banner) {
    return JsonError(500, "internal_error", "the banner could not be read");
  }
  json::object body;
  body["audience"] = store::Name(asked);
  body["banner"] = BannerJson(*banner);
  // Signed-in text is for customers who logged in: no shared cache may keep it.
  return WithValidators(request, "application/json", json::serialize(body),
                        asked == store::BannerAudience::kEveryone);
}

SiteAnswer SiteApi::StatusPage(const SiteRequest& request) {
  auto status = banners_.Public();
  if (!status) {
    SiteAnswer answer;
    answer.content_type = "text/plain; charset=utf-8";
    answer.body = "The status page is unavailable right now.\n";
    return answer;
  }
  SiteAnswer answer =
      WithValidators(request, "text/html; charset=utf-8", StatusHtml(*status), true);
  // Belt and braces: the page needs no script, and a browser runs none.
  answer.headers.emplace_back("Content-Security-Policy",
                              "default-src 'none'; style-src 'unsafe-inline'");
  answer.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return answer;
}

SiteAnswer SiteApi::Unsubscribe(std::string_view body) {
  auto flat = detail::FlattenJson(body, 1);
  if (flat) {
    const std::vector<std::string_view> keys(flat->top_level_keys.begin(),
                                             flat->top_level_keys.end());
    if (auto problem = detail::KeyProblem(keys, kUnsubscribeFields, "field")) {
      spdlog::info("event=site.unsubscribe_refused reason=keys");
      return JsonError(400, "invalid_input", std::move(*problem));
    }
  }
  const std::optional<std::string> email = flat ? flat->String("email") : std::nullopt;
  if (!email) {
    spdlog::info("event=site.unsubscribe_refused reason=malformed");
    return JsonError(400, "invalid_input", "expected a JSON object with a string \"email\"");
  }
  auto done = preferences_.Unsubscribe(*email);
  if (!done) {
    spdlog::info("event=site.unsubscribe_refused reason={}", done.error().detail);
    return done.error().code == Errc::kInvalidInput
               ? JsonError(400, "invalid_email", done.error().user_message)
               : JsonError(500, "internal_error", "the request could not be recorded");
  }
  spdlog::info("event=site.unsubscribed already={}", !*done);
  SiteAnswer answer;
  answer.status = 200;
  answer.body = json::serialize(json::object{{"unsubscribed", true}, {"already", !*done}});
  answer.headers.emplace_back("Cache-Control", "no-store");
  return answer;
}

}  // namespace swarmbot::handlers
