#include "lifecycle/contact_preferences.hpp"

#include "common/mail_address.hpp"
#include "lifecycle/smtp_address.hpp"
#include "lifecycle/transaction.hpp"
#include "store/unsubscribe_repository.hpp"

namespace swarmbot::lifecycle {

Result<bool> ContactPreferences::Unsubscribe(std::string_view address) {
  const auto smtp = SmtpAddress(address);
  if (!smtp) {
    return MakeError(Errc::kInvalidInput, "not an address",
                     "That is not an e-mail address swarmbot can use.");
  }
  return InTransaction(db_, "unsubscribe", [&]() -> Result<bool> {
    return store::UnsubscribeRepository(db_).Add(FoldAddress(*smtp), clock_.Now());
  });
}

}  // namespace swarmbot::lifecycle
