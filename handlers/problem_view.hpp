#pragma once

#include <string>
#include <vector>

#include "handlers/block_kit.hpp"
#include "lifecycle/problem_service.hpp"
#include "store/problem_repository.hpp"

namespace swarmbot::handlers {

// How a problem looks in Slack. Every function escapes user text for mrkdwn
// and stays within Block Kit's limits.

// The announcement of one change in a swarm channel: "PRB-n · title" and
// who did what.
BlockMessage ProblemNews(const store::Problem& problem, const store::ProblemEvent& event);

// The /problem show reply: state, owner, known error and workaround,
// incidents, assets and the root-cause notes (the latest when there are many).
BlockMessage ProblemCard(const lifecycle::ProblemDetails& details);

// The /problem list reply, one line per problem.
std::string ProblemListText(const std::vector<store::Problem>& problems, bool open_only);

// "PRB-1 (investigating), PRB-2 (closed)" for the incident's summary.
std::string ProblemsText(const std::vector<store::Problem>& problems);

}  // namespace swarmbot::handlers
