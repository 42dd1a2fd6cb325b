#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "handlers/detail/flat_json.hpp"
#include "handlers/detail/services.hpp"
#include "handlers/slash_command.hpp"

namespace swarmbot::handlers {

// The action_id of the "Attach to INC-n" buttons on /kb results.
inline constexpr std::string_view kAttachActionId = "kb.attach";
// Results shown per search.
inline constexpr int kKbResults = 5;

// /kb <words>, /kb INC-n <words>, /kb help, and clicks on the results'
// Attach buttons.
class KnowledgeCommands {
 public:
  explicit KnowledgeCommands(detail::Services& services) : services_(services) {}

  // Returns the ephemeral reply JSON. With an incident in context (named
  // first, or the swarm channel the command was typed in) the search goes on
  // the incident's timeline and open incidents get Attach buttons.
  std::string Handle(const SlashCommand& command);

  // A block_actions click on action `index` (kAttachActionId) of `payload`:
  // attaches the article and answers the user through the payload's
  // response_url, queued in the outbox. A repeated click is answered
  // ("already attached"), not repeated; a stale or forged value, an unknown
  // article or incident gets a clear answer and changes nothing.
  void HandleAttachClick(const detail::FlatJson& payload, std::size_t index);

 private:
  void Answer(const detail::FlatJson& payload, const std::string& mrkdwn);

  detail::Services& services_;
};

// A stored snippet (store::kMatchStart/kMatchEnd around matched words) as
// mrkdwn: the text escaped, each match in *bold*, newlines as spaces.
std::string RenderSnippet(std::string_view snippet);

// The Attach button's value, "<article id>/INC-<n>", and back.
std::string AttachValue(std::int64_t article, std::int64_t incident);
struct AttachTarget {
  std::int64_t article = 0;
  std::int64_t incident = 0;
};
std::optional<AttachTarget> ParseAttachValue(std::string_view value);

}  // namespace swarmbot::handlers
