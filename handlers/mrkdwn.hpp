#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/ids.hpp"

namespace swarmbot::handlers {

// Slack's three control characters: & < > become &amp; &lt; &gt; and nothing
// else changes (reference §9). For any user text placed in mrkdwn.
std::string EscapeMrkdwn(std::string_view text);

// Whether a user group's mention kept from people's text may notify the group.
enum class GroupMentions { kNotify, kQuiet };

// Plain text that may hold the mentions and links Slack put in a message or
// command (<@U…>, <#C…>, <!subteam^S…>, <https://…>, <mailto:…>, with or
// without a |label), for mrkdwn: each mention shows as one again (rebuilt
// from its id, the label dropped, as Slack shows the current name anyway) and
// each link as a link; everything else, <!here> included, is escaped. A
// group's mention shows as its label, which notifies nobody, unless kNotify
// asks for it live: text someone typed must not page a group again.
std::string EscapeMrkdwnKeepingMentions(std::string_view text,
                                        GroupMentions groups = GroupMentions::kQuiet);

// `mrkdwn` with every special mention (<!here>, <!channel>, <!everyone>,
// <!subteam^…>, any <!…>) shown as typed instead: for the top-level text of
// a message, which Slack's notifications read, and for replies. swarmbot
// never means to page a channel or a group there, and a reason or title
// someone typed must not.
std::string QuietSpecialMentions(std::string_view mrkdwn);

// `mrkdwn` for a place Slack shows as plain text, such as a form's inline
// errors (response_action "errors"), where markup would show as typed: a
// <@U…> or <#C…> becomes the name `name_of` gives for its id ("Kofi",
// "#incidents"), else its label ("@kofi", "#incidents"), else the id in
// words ("user U0KOFI"); a group's mention its label, @here and @channel
// their words, a link its label and address; &amp; &lt; &gt; the characters
// they stand for.
std::string PlainWords(std::string_view mrkdwn,
                       const std::function<std::string(std::string_view id)>& name_of = {});

// The reverse, for text Slack sent us (it escapes the same three).
std::string UnescapeSlackText(std::string_view text);

// At most `max` code points: a longer text is cut and ends in "…". Never cuts
// inside a UTF-8 sequence, and in mrkdwn mode never inside an &entity; or a
// <…> mention or link, which Slack would show broken.
std::string Truncate(std::string_view text, std::size_t max, bool mrkdwn = false);

// <@U…>, <#C…> and <!subteam^S…>. An id that isn't Slack-shaped (A-Z, 0-9)
// renders as plain, escaped text, so stored data can never inject markup.
std::string UserMention(const UserId& user);
std::string ChannelMention(const ChannelId& channel);
std::string UsergroupMention(const UserGroupId& group);
struct Mention;
std::string MentionMarkup(const Mention& mention);
bool IsSlackId(std::string_view id) noexcept;

// "2026-03-01 14:05 UTC".
std::string FormatTime(Clock::TimePoint t);

}  // namespace swarmbot::handlers
