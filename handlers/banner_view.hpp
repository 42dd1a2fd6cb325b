#pragma once

#include <string>
#include <vector>

#include "store/banner_repository.hpp"

namespace swarmbot::handlers {

// How site banners look in Slack (mrkdwn, user text escaped).

// "*signed-in customers* · warning · INC-3: "text" (link) · set by @x <time>".
std::string BannerLine(const store::Banner& banner);

// The incident summary's line while the incident has banners up:
// ":loudspeaker: Site banner for signed-in customers: "text"".
std::string BannerSummaryText(const std::vector<store::Banner>& banners);

}  // namespace swarmbot::handlers
