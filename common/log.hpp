#pragma once

#include <string>
#include <string_view>

namespace swarmbot {

// Sets up spdlog's default logger: one line per event, `key=value` fields,
// written to stderr through a sink that scrubs anything shaped like a Slack
// token as a last defence (the Secret type is the first).
// `level` is one of trace, debug, info, warn, error.
void InitLogging(std::string_view level);

// Replaces xoxb-/xoxp-/xapp-/xoxa-/xoxe- tokens and v0= signatures in `text`.
std::string ScrubSecrets(std::string_view text);

// One event, one line: control characters (which could forge a line of their
// own) are escaped, and the line is cut at 4 KiB. The sink applies it to
// every line.
std::string OneLogLine(std::string_view text);

// User-typed text for debug logs: scrubbed, cut to `max` characters.
std::string Truncated(std::string_view text, std::size_t max = 60);

}  // namespace swarmbot
