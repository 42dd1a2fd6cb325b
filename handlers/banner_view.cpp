#include "handlers/banner_view.hpp"

#include "handlers/mrkdwn.hpp"
#include "lifecycle/banner_service.hpp"

namespace swarmbot::handlers {
namespace {

// Long enough to recognise the banner; the full text is one /banner show away.
constexpr std::size_t kSummaryQuote = 150;

}  // namespace

std::string BannerLine(const store::Banner& banner) {
  std::string line = "*" + lifecycle::AudienceWords(banner.audience) + "* · " +
                     std::string(store::Name(banner.severity));
  if (banner.incident) {
    line += " · " + store::IncidentNumberText(*banner.incident);
  }
  line += ": \"" + EscapeMrkdwn(banner.text) + "\"";
  if (!banner.link.empty()) {
    line += " (" + EscapeMrkdwn(banner.link) + ")";
  }
  return line + " · set by " + UserMention(banner.set_by) + " " + FormatTime(banner.set_at);
}

std::string BannerSummaryText(const std::vector<store::Banner>& banners) {
  std::string text;
  for (const store::Banner& banner : banners) {
    text += (text.empty() ? "" : "\n") + std::string(":loudspeaker: *Site banner* for ") +
            lifecycle::AudienceWords(banner.audience) + " (" +
            std::string(store::Name(banner.severity)) + "): \"" +
            EscapeMrkdwn(Truncate(banner.text, kSummaryQuote)) + "\"";
  }
  return text;
}

}  // namespace swarmbot::handlers
