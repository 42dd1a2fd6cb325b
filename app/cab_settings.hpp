#pragma once

#include "config/config.hpp"
#include "lifecycle/approval_policy.hpp"

namespace swarmbot::app {

// The [cab] config as the approval service uses it. The config was validated
// when read, so every rule name is known here.
lifecycle::CabSettings CabSettingsFrom(const config::CabConfig& cab);

}  // namespace swarmbot::app
