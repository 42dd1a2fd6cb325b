#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "lifecycle/banner_service.hpp"
#include "lifecycle/contact_preferences.hpp"
#include "store/database.hpp"

namespace swarmbot::handlers {

// A GET to one of the customer site's routes, as the HTTP layer hands it
// over (after it checked the API key, where the route has one).
struct SiteRequest {
  std::string query;                         // raw text after '?'
  std::optional<std::string> if_none_match;  // the If-None-Match header
};

struct SiteAnswer {
  int status = 500;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct SiteSettings {
  int max_age_seconds = 30;  // Cache-Control max-age of both routes
};

// What the customer site reads: the banner (JSON, behind the site's API key)
// and the public status page (HTML, for anyone). Both carry a strong ETag
// computed from the body and answer a matching If-None-Match with 304 and no
// body, so a site can poll every few seconds for the price of a header.
// Runs on the io thread; the store is used synchronously. Never throws on
// bad input.
class SiteApi {
 public:
  SiteApi(store::Database& db, const Clock& clock, SiteSettings settings)
      : banners_(db, clock), preferences_(db, clock), settings_(settings) {}

  // GET /api/site/banner?audience=signed-in|everyone (everyone when absent).
  // 200 with {"audience": asked, "banner": null | {text, severity, link (or
  // null), audience (the banner's own), updated_at (RFC 3339, UTC)}}: the
  // signed-in audience gets its banner or else the one for everyone; the
  // everyone audience never gets the signed-in one. 400 naming an unknown
  // audience, a parameter other than audience or given twice, or a malformed
  // query.
  SiteAnswer Banner(const SiteRequest& request);

  // GET /status: a small HTML page without scripts: the banner for everyone
  // and each open incident's public title (or a generic one naming its
  // territories) with a public wording of its state. Nothing internal: no
  // subject, description, cases, contacts, people or signed-in banner.
  SiteAnswer StatusPage(const SiteRequest& request);

  // POST /api/site/unsubscribe with {"email": "…"}, behind the site's key: the
  // site's unsubscribe page reports a customer who asked for no more e-mail,
  // and later broadcasts leave them out. 200 with {"unsubscribed": true,
  // "already": bool}; 400 for a body that isn't such an object (a key other
  // than email, or email twice, included: the message names it) or an address
  // that isn't usable, and nothing is recorded. The address is never logged.
  SiteAnswer Unsubscribe(std::string_view body);

 private:
  // 200 with `body`, or 304 when the client has it already.
  SiteAnswer WithValidators(const SiteRequest& request, std::string content_type, std::string body,
                            bool shared_cache);

  lifecycle::BannerService banners_;
  lifecycle::ContactPreferences preferences_;
  SiteSettings settings_;
};

// `text` with & < > " ' as HTML entities, for element content and quoted
// attribute values alike.
std::string EscapeHtml(std::string_view text);

// Whether an If-None-Match header value matches `etag` ("*", or a list of
// tags compared weakly as RFC 9110 §13.1.2 asks).
bool IfNoneMatchHits(std::string_view header, std::string_view etag);

}  // namespace swarmbot::handlers
