#pragma once

#include <ostream>

#include "demo/scenario.hpp"

namespace swarmbot::demo {

// Plays the sixteen steps of the Take-Out scenario, with a loopback SMTP
// server for the customer e-mail, and prints at the end what every channel
// and direct message shows, what the banner endpoint answered, the e-mails
// the server received, and the swarm's closing summary.
// Throws std::runtime_error when an expected outcome doesn't happen.
void PlayWalkthrough(Scenario& scenario, std::ostream& out);

}  // namespace swarmbot::demo
