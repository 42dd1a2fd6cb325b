#pragma once

#include <string>
#include <string_view>

#include "handlers/detail/services.hpp"
#include "handlers/slash_command.hpp"
#include "store/banner_repository.hpp"

namespace swarmbot::handlers {

// /banner set|clear|show|help, and /incident public-title. Returns the
// ephemeral reply JSON.
//
// Incident managers may put up and take down any banner; an incident's owner
// may do so for banners tied to that incident. In a swarm channel the
// incident is implied; elsewhere a banner without INC-n stands alone
// (managers only). Options come before the text: a word starting with "--"
// after the text is part of it.
class BannerCommands {
 public:
  explicit BannerCommands(detail::Services& services) : services_(services) {}

  std::string Handle(const SlashCommand& command);

  // `/incident public-title [INC-n] [text | --clear]`: what the public status
  // page calls the incident. Without text it shows the current one.
  std::string PublicTitle(const SlashCommand& command);

 private:
  std::string Set(const SlashCommand& command);
  std::string Clear(const SlashCommand& command);
  std::string Show();

  // Whether `user` may change `banner` (or, with no banner id, a banner tied
  // to `incident`, or a banner of its own when that is empty).
  Status MayChange(const std::optional<std::int64_t>& incident, const UserId& user,
                   std::string_view what);

  detail::Services& services_;
};

// Text Slack sent in a command, as plain text: links lose their angle
// brackets (`<https://a|label>` → `label`, `<https://a>` → `https://a`) and
// &amp; &lt; &gt; become & < > again.
std::string PlainCommandText(std::string_view slack_text);

}  // namespace swarmbot::handlers
