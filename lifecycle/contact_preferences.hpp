#pragma once

#include <string_view>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "store/database.hpp"

namespace swarmbot::lifecycle {

// What customers asked of swarmbot's e-mail. The customer site's unsubscribe
// page (the one `broadcast.unsubscribe_url` points at) reports each request;
// every later broadcast leaves the address out.
class ContactPreferences {
 public:
  ContactPreferences(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Records the address, compared ignoring case, in its SMTP form (see
  // SmtpAddress), so that an internationalised domain matches however it was
  // written. kInvalidInput (with a user_message) when it isn't a usable
  // address. Returns false when it was unsubscribed already, which is not an
  // error: a customer may click twice.
  Result<bool> Unsubscribe(std::string_view address);

 private:
  store::Database& db_;
  const Clock& clock_;
};

}  // namespace swarmbot::lifecycle
