#pragma once

#include <string>

#include "store/outbox.hpp"

namespace swarmbot::handlers {

// The Slack object that an outbox item reads and then writes although items
// of other streams do so too, or "" when its stream alone touches what it
// changes (OutboxWorkerOptions::shared_object).
//
// A change's work plan message is the one such object: change.post_plan runs
// on the hosting incident's stream ("INC-n", so that it follows the swarm
// channel's creation) or on the change's own ("CHG-n", `/change plan`), and
// change.update_plan and change.retire_plan on "CHG-n". Each reads the plan's
// ts and posts when it is empty: run at once, two posts would both see it
// empty and post twice, an update would skip a message being posted with
// older content, or a retired copy would name a plan being replaced.
std::string SharedSlackObject(const store::OutboxItem& item);

}  // namespace swarmbot::handlers
