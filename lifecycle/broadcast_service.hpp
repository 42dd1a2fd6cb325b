#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/result.hpp"
#include "lifecycle/mail_sender.hpp"
#include "store/broadcast_repository.hpp"
#include "store/database.hpp"
#include "store/records.hpp"

namespace swarmbot::lifecycle {

// Whether the reason a broadcast's server is marked unreachable is a 421 reply
// (busy, shutting down): it answers, but takes no mail for now.
bool ServerClosing(std::string_view reason);

// [broadcast] from the config, as the service needs it.
struct BroadcastSettings {
  bool enabled = false;  // an SMTP server is configured
  std::string from;
  std::string from_name;
  std::string subject_template;  // placeholders: kMailPlaceholders
  std::string body_template;
  std::string unsubscribe_url;  // https://… with an optional {email}; may be empty
  std::string unsubscribe_mailto;
  int max_attempts = 3;                  // for recipients the server defers (4xx)
  std::chrono::seconds retry_after{60};  // first pause after a deferral; doubles
  // A sending broadcast stops when its server stays unreachable this long.
  std::chrono::minutes give_up_after{30};
  // The progress message is refreshed after this many outcomes, or when this
  // long has passed since the last refresh, and always at the end.
  int progress_every = 10;
  std::chrono::seconds progress_interval{5};
};

// A contact address swarmbot can't send to (see SmtpAddress: non-ASCII before
// the @, a domain IDNA2008 refuses, malformed): never mailed, but named, so
// that someone can reach the customer another way.
struct UnusableContact {
  std::string email;
  std::string name;
  std::vector<std::int64_t> cases;  // the linked cases with this address
  std::string reason;               // for people: "not sent: …", from SmtpAddress
};

// What `/notify customers` shows before anything is sent.
struct BroadcastPreview {
  std::int64_t broadcast = 0;  // the draft, sent by Start(broadcast)
  std::int64_t incident = 0;
  int recipients = 0;
  int skipped = 0;                        // contact addresses that can't be mailed
  std::vector<UnusableContact> unusable;  // those, one per address, in case order
  int unsubscribed = 0;                   // addresses whose owners asked for no more e-mail
  std::vector<std::string> samples;       // the first few addresses, unmasked
  std::string subject;                    // as the first recipient gets it
  std::string body;
  std::optional<store::Broadcast> previous;  // the last one that went out, if any
};

struct BroadcastStatus {
  store::Broadcast broadcast;
  store::DeliveryCounts counts;
  std::vector<store::Delivery> refused;  // the first few refused or uncertain
  // Once the broadcast is done or stopped, for each of those: the incident's
  // cases with that contact address, so that whoever follows up knows which
  // customer it was. Keyed by FoldAddress.
  std::map<std::string, std::vector<std::int64_t>> cases_by_address;
  // While the server can't be reached: when swarmbot stops trying.
  std::optional<Clock::TimePoint> give_up_at;
};

// A delivery the mail worker has claimed: marked "sending" before it is
// handed to the server.
struct ClaimedMail {
  std::int64_t delivery = 0;
  std::int64_t broadcast = 0;
  int attempt = 1;
  OutgoingMail mail;
};

// E-mail to the customers of an incident: one message per distinct contact
// address (ignoring case) of the cases linked to it, nobody else.
//
// The Slack side (Prepare, Start, Cancel) runs on the io thread; the mail
// worker (ClaimNext, RecordOutcome, RecoverInterrupted) on its own thread
// with its own Database. Each call is one transaction.
//
// Delivery is at most once: a delivery is marked "sending" and committed
// before the message goes to the server, and "sent" after the server took
// it. A crash between the two leaves it "sending"; RecoverInterrupted makes
// it "uncertain" and it is not sent again. The window is one message wide, and
// a customer who may have missed one e-mail is better than one who gets two.
// A message the server asked for but never confirmed (it hung up or fell
// silent) is another matter: the server, not swarmbot, failed mid-message and
// most likely dropped it, so it is sent again like a deferral (RecordOutcome).
class BroadcastService {
 public:
  BroadcastService(store::Database& db, const Clock& clock, BroadcastSettings settings);

  const BroadcastSettings& settings() const noexcept { return settings_; }

  // Renders the e-mail and creates a draft with its recipients. kConflict
  // while another broadcast of the incident is sending; kInvalidInput when no
  // linked case has a usable address; kUnavailable when e-mail isn't configured.
  // `where` is where the command ran: progress goes to the swarm channel if
  // there is one, else there.
  Result<BroadcastPreview> Prepare(std::int64_t incident, const UserId& user,
                                   const ChannelId& where);
  // Whether Prepare would find someone to e-mail about `incident`: a linked
  // case with a usable address of a customer who hasn't unsubscribed.
  Result<bool> HasRecipients(std::int64_t incident);

  struct Started {
    store::Broadcast broadcast;
    bool started = false;  // false: it had been started (or cancelled) before
    int recipients = 0;
    // How the recipients differ from the preview's: a case unlinked (or its
    // address changed), a customer unsubscribed, a case linked meanwhile.
    int left_out_unlinked = 0;
    int left_out_unsubscribed = 0;
    int added = 0;
    // Contact addresses that can't be mailed: recorded as not delivered, with
    // why, so the result names them; not counted in `recipients`.
    int unusable = 0;
    // With `started` false and the broadcast cancelled: the incident's
    // broadcast whose start cancelled it (someone sent another preview
    // first), if that is how it ended.
    std::optional<store::Broadcast> superseded_by;
  };
  // Starts sending a draft and queues the progress message. The recipients
  // are those of the incident's cases linked now, not at the preview. A
  // second Start (a double click) changes nothing and says so through
  // `started`. kConflict when another broadcast of the incident is sending;
  // kInvalidInput when nobody is left to mail.
  Result<Started> Start(std::int64_t broadcast, const UserId& user);
  // Stops a sending broadcast: nobody not yet handed to the server is mailed,
  // and those deliveries are recorded as withheld. kConflict unless sending.
  Result<store::Broadcast> Stop(std::int64_t broadcast, const UserId& user);
  // Drops a draft; kConflict once it was started.
  Result<store::Broadcast> Cancel(std::int64_t broadcast, const UserId& user);

  Result<BroadcastStatus> StatusOf(std::int64_t broadcast);
  Status RecordProgressMessage(std::int64_t broadcast, const MessageTs& ts);

  // The oldest due delivery, marked "sending" (attempt counted), rendered.
  Result<std::optional<ClaimedMail>> ClaimNext();
  // Records what the server said. A deferral, or a message the server never
  // confirmed (kUnknown), is retried later until max_attempts, then recorded
  // as refused or uncertain; kNotSent and kLoginRefused put it back as if
  // never claimed. Finishes the
  // broadcast after its last outcome and queues progress updates.
  Status RecordOutcome(const ClaimedMail& claimed, const SendResult& result);
  // After a crash: deliveries left "sending" become "uncertain". Returns how many.
  Result<int> RecoverInterrupted();
  // When the next pending delivery is due, if one is pending.
  Result<std::optional<Clock::TimePoint>> NextDueAt();
  // The timer NoteServer sets when the server first can't be reached: stops
  // `broadcast` if it is still sending and its server has been unreachable
  // for give_up_after by now; otherwise (it came back, or the broadcast
  // ended) changes nothing.
  Status GiveUpIfStillUnreachable(std::int64_t broadcast);

 private:
  std::string Render(const std::string& text, const store::Incident& incident,
                     const std::string& email, const std::string& name) const;
  std::string UnsubscribeUrl(const std::string& email) const;
  // Finishes the broadcast after its last outcome, or queues a progress
  // update when one is due; inside the caller's transaction.
  void ReportProgress(std::int64_t broadcast);
  void QueueProgress(std::int64_t broadcast, std::string_view kind);
  // Brings the draft's deliveries in line with the cases linked now, and
  // records those whose address can't be mailed as not delivered.
  Status RefreshRecipients(const store::Broadcast& draft, Started& out);
  // What the last send said of the server: it answered, couldn't be reached
  // (kNotSent) or refused the login (kLoginRefused). Updates the broadcasts'
  // "unreachable" mark and its cause, schedules the give-up check for those
  // newly marked, and gives up on those past the limit.
  void NoteServer(SendVerdict verdict, const std::string& reply);
  // Stops `broadcast` when it is sending and unreachable for give_up_after
  // by `now`; inside the caller's transaction.
  void GiveUpIfDue(const store::Broadcast& broadcast, Clock::TimePoint now);
  // Ends sending `broadcast` early; inside the caller's transaction.
  void StopSending(const store::Broadcast& broadcast, const UserId& by, const std::string& reason);

  store::Database& db_;
  const Clock& clock_;
  BroadcastSettings settings_;
};

}  // namespace swarmbot::lifecycle
