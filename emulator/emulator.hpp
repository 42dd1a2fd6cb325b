#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/result.hpp"
#include "common/secret.hpp"

namespace swarmbot::emulator {

namespace detail {
class Core;
}  // namespace detail

// The bot_events of the app manifest in the reference (§10): what a default
// emulated app subscribes to.
std::set<std::string> DefaultEventSubscriptions();

// How the emulated workspace and app are set up. Every field has a default, so
// `Emulator emulator;` gives a working workspace with one bot user.
struct Options {
  std::string team_id = "T0EMU0TEAM";
  std::string team_domain = "takeout";
  std::string team_name = "Take-Out";
  std::string app_id = "A0EMU0APP1";
  std::string bot_id = "B0EMU0BOT1";
  std::string bot_user_id = "U0EMU0BOT1";
  std::string bot_name = "swarmbot";

  Secret bot_token{"xoxb-1000000001-2000000002-emulatorbottoken0001"};
  Secret app_token{"xapp-1-A0EMU0APP1-3000000003-emulatorapptoken0001"};
  Secret signing_secret{"e6b1c0ffee5e1ec7ab1e0123456789ab"};
  // A user token (xoxp-) issued to user_token_user, who is added to the
  // workspace. Empty: the emulated app has no user token. Only the methods a
  // user token is needed for accept it (conversations.unarchive and
  // conversations.invite); it acts as that user, who must be in the channel.
  Secret user_token{};
  std::string user_token_user_id = "U0EMU0ADMN";
  std::string user_token_user_name = "workspace-admin";
  // The deprecated verification token that payloads still carry.
  std::string verification_token = "emuVerificationToken0001";

  // Time for ts values, trigger expiry, response_url expiry, signatures and
  // Socket Mode redelivery. nullptr: the system clock. Must outlive the emulator.
  const Clock* clock = nullptr;

  // 0 picks an ephemeral port on 127.0.0.1.
  std::uint16_t port = 0;

  // How long the driver waits for an acknowledgement (Slack's 3 s rule). Tests
  // on a loaded machine may lengthen it; the emulator never shortens it.
  std::chrono::milliseconds ack_deadline{3000};

  // Socket Mode: an events_api envelope not acked this long after it was sent
  // (measured on `clock`) is sent again with retry_attempt + 1, up to
  // max_event_retries times.
  std::chrono::milliseconds socket_redelivery_after{3000};
  int max_event_retries = 3;
  // After SendDisconnect("warning"|"refresh_requested") the emulator closes
  // the old sockets this long after the disconnect message (real time).
  std::chrono::milliseconds disconnect_close_after{10000};
  // The server sends a WebSocket ping when a socket has been idle this long.
  std::chrono::milliseconds ping_interval{15000};
  int max_sockets = 10;

  // Request-URL mode: how long the emulator waits for swarmbot's HTTP answer
  // (http_timeout), and the pauses before retries 1, 2 and 3 of an event
  // (Slack: at once, ~1 min, ~5 min). Tests shrink these.
  std::chrono::milliseconds http_timeout{3000};
  std::vector<std::chrono::milliseconds> http_retry_delays{
      std::chrono::milliseconds{0}, std::chrono::minutes{1}, std::chrono::minutes{5}};

  // Slack's per-method tier budgets (per minute, by `clock`) and
  // chat.postMessage's one message per second per channel. Off by default.
  bool rate_limits = false;

  std::set<std::string> event_subscriptions = DefaultEventSubscriptions();
};

// A fault injected into the next calls of one Web API method (or
// "response_url" for the response_url endpoint, or "*" for every method).
struct Fault {
  enum class Kind {
    kRateLimited,      // HTTP 429, Retry-After, {"ok":false,"error":"ratelimited"}
    kHttpError,        // HTTP `status` (500, 503…), nothing done
    kDelay,            // wait `delay`, then do the call normally
    kHold,             // accept, then wait for ReleaseHeld()
    kPerformThenDrop,  // do the call, then close the connection without answering
    kRefused,          // HTTP 200 {"ok":false,"error":`error`}, nothing done
  };
  Kind kind = Kind::kHttpError;
  int status = 500;
  std::chrono::seconds retry_after{1};
  std::chrono::milliseconds delay{0};
  std::string error;  // kRefused: Slack's error code

  static Fault RateLimited(std::chrono::seconds retry_after);
  static Fault HttpError(int status);
  static Fault Delay(std::chrono::milliseconds delay);
  static Fault Hold();
  static Fault PerformThenDrop();
  // A refusal for good, e.g. restricted_action, which no retry changes.
  static Fault Refused(std::string error);
};

// What the workspace holds, copied out for tests to inspect. JSON fields are
// compact JSON text ("" when absent).
struct MessageSnapshot {
  MessageTs ts;
  UserId user;          // the author; the bot user for the app's posts
  std::string bot_id;   // set on the app's posts
  std::string subtype;  // "" for ordinary messages; channel_join, channel_topic…
  std::string text;
  std::string blocks_json;
  std::string metadata_json;  // {"event_type":…,"event_payload":{…}}
  MessageTs thread_ts;
  bool edited = false;
  bool pinned = false;
  std::vector<std::string> reactions;  // "name:user"
};

struct BookmarkSnapshot {
  std::string id;
  std::string title;
  std::string link;
  std::string emoji;
};

struct ChannelSnapshot {
  ChannelId id;
  std::string name;  // "" for DMs
  std::string topic;
  std::string purpose;
  UserId creator;
  bool is_private = false;
  bool is_im = false;
  bool is_mpim = false;
  bool is_archived = false;
  UserId dm_user;  // the other party of a DM
  std::vector<UserId> members;
  std::vector<MessageTs> pins;
  std::vector<BookmarkSnapshot> bookmarks;
  std::vector<MessageSnapshot> messages;  // oldest first

  const MessageSnapshot* FindMessage(const MessageTs& ts) const;
  bool HasMember(const UserId& user) const;
};

// An ephemeral message (chat.postEphemeral, a command's acknowledgement or a
// response_url reply) shown to one user.
struct EphemeralSnapshot {
  MessageTs ts;
  ChannelId channel;
  UserId user;
  std::string source;  // "chat.postEphemeral", "ack", "response_url"
  std::string text;
  std::string blocks_json;
  bool deleted = false;
};

struct ViewSnapshot {
  std::string id;
  UserId user;
  std::string type;  // modal, home
  std::string callback_id;
  std::string private_metadata;
  std::string hash;
  std::string root_view_id;
  std::string previous_view_id;
  std::string view_json;    // the view as last opened, pushed or updated
  std::string errors_json;  // the last response_action:errors, "" if none
  bool open = false;        // on the user's modal stack (modals) or published (home)
};

struct UserSnapshot {
  UserId id;
  std::string name;
  std::string real_name;
  std::string email;
  std::string tz;
  bool is_bot = false;
  bool deleted = false;
  bool active = true;  // presence
};

// A local Slack workspace for tests and the demo, on 127.0.0.1 with TLS:
// the Web API (https://127.0.0.1:<port>/api/<method>), Socket Mode
// (wss://127.0.0.1:<port>/link/…), response_url endpoints, and signed HTTP
// delivery to a request URL. It starts serving in the constructor, on its own
// thread, and stops in the destructor.
//
// Thread safety: every member function may be called from any thread while
// the emulator serves. Driver functions that deliver something (SlashCommand,
// ClickButton, SubmitView…) block the calling thread until the acknowledgement
// arrives or Options::ack_deadline passes; never call them from a callback
// running on the emulator's own thread.
class Emulator {
 public:
  explicit Emulator(Options options = {});
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // ---- Connecting --------------------------------------------------------

  const Options& options() const noexcept;
  std::uint16_t Port() const noexcept;
  // "https://127.0.0.1:<port>/api/"
  std::string BaseUrl() const;
  // The PEM of the CA that signed the server certificate (SAN IP:127.0.0.1,
  // DNS:localhost); trust it to talk to the emulator.
  std::string CaPem() const;
  void WriteCaFile(const std::filesystem::path& path) const;
  UserId BotUserId() const;

  // ---- Workspace setup ---------------------------------------------------

  UserId AddUser(std::string name, std::string email, std::string tz = "Europe/London",
                 bool is_bot = false);
  UserGroupId AddUserGroup(std::string handle, std::vector<UserId> members);
  // Replaces the group's members, as an admin editing it in Slack would.
  // Throws std::invalid_argument for an unknown group (a bug in the test).
  void SetUserGroupMembers(const UserGroupId& group, std::vector<UserId> members);
  // Members may include BotUserId(). Throws std::invalid_argument on a bad or
  // taken name (setup mistakes are bugs in the test).
  ChannelId AddChannel(std::string name, std::vector<UserId> members, bool is_private = false);
  void SetPresence(const UserId& user, bool active);
  // An admin deactivates the account, or brings it back: users.info shows
  // `deleted`, DMs and invites are refused while deactivated, and a
  // `user_change` event carries the user (subscription "user_change").
  void DeactivateUser(const UserId& user);
  void ReactivateUser(const UserId& user);
  // From now on Options::user_token answers token_revoked.
  void RevokeUserToken();
  // Which events the app subscribes to (bot_events names such as
  // "message.channels", "member_joined_channel").
  void SetEventSubscriptions(std::set<std::string> events);

  // ---- Delivery transport ------------------------------------------------

  // Switches delivery to signed HTTP POSTs: commands to <base>/slack/commands,
  // interactivity to <base>/slack/interactive, events to <base>/slack/events.
  // `base` is http://127.0.0.1:<port> or https://…; for https, `ca_file`
  // is the trust anchor for swarmbot's certificate. Empty `base`: Socket Mode.
  void SetRequestUrl(std::string base, std::string ca_file = {});
  // As Slack does when a request URL is saved: sends a signed url_verification
  // to the events URL and checks the echoed challenge; on success, switches to
  // HTTP delivery like SetRequestUrl.
  Status ConfigureRequestUrl(std::string base, std::string ca_file = {});
  // Signatures use clock time plus this offset (to test the 5-minute window).
  void SetSigningTimeOffset(std::chrono::seconds offset);

  // ---- Socket Mode control -----------------------------------------------

  int OpenSocketCount() const;
  // Sends {"type":"disconnect","reason":reason} on every open socket, then
  // closes them after Options::disconnect_close_after.
  void SendDisconnect(std::string reason);
  // Closes every socket's TCP connection without a close frame.
  void DropSockets();

  // ---- Acting as a user --------------------------------------------------

  // Types `/command text` in `channel`. Returns the acknowledgement body: the
  // ack's payload (Socket Mode) or the HTTP 200 body, "" for a bare ack. A
  // reply is recorded as an ephemeral for `user` (or posted in the channel for
  // response_type in_channel). Errors: kUnavailable when nothing acked in time
  // or no socket is open, kNotFound for an unknown user or channel.
  Result<std::string> SlashCommand(const UserId& user, const ChannelId& channel,
                                   std::string command, std::string text);
  // Clicks the element `action_id` of a message in `channel`; the
  // block_actions payload is built from the message's stored blocks.
  Result<std::string> ClickButton(const UserId& user, const ChannelId& channel,
                                  const MessageTs& message_ts, std::string action_id);
  // Clicks the element `action_id` of an ephemeral message shown to `user`
  // (EphemeralSnapshot::ts), as Slack does: container.is_ephemeral is true,
  // the payload carries no `message`, and its response_url acts on the
  // ephemeral message. kNotFound when the ephemeral isn't the user's.
  Result<std::string> ClickEphemeralButton(const UserId& user, const MessageTs& ephemeral_ts,
                                           std::string action_id);
  // `clicker` clicks `action_id` of the ephemeral message `ephemeral_ts`
  // shown to someone else, `times` times in a row, each payload built before
  // any is delivered: a double click (Slack sends one block_actions per
  // click), or a click Slack itself wouldn't send (the message isn't
  // `clicker`'s), to test that swarmbot checks who clicked. Returns the last
  // acknowledgement.
  Result<std::string> ClickEphemeralButtonAs(const UserId& clicker, const MessageTs& ephemeral_ts,
                                             std::string action_id, int times = 1);
  // Clicks a button inside an open view (container type "view").
  Result<std::string> ClickViewButton(const UserId& user, std::string view_id,
                                      std::string action_id);
  // Submits the view. `state_values_json` is the view's state.values object
  // ({block_id: {action_id: {type, value | selected_*}}}). Returns the ack
  // payload; the view stack follows its response_action (errors, update, push,
  // clear; a bare ack closes the view).
  Result<std::string> SubmitView(const UserId& user, std::string view_id,
                                 std::string state_values_json);
  // Fills an open modal's inputs as a person does, then submits it like
  // SubmitView. `fields` maps an input's block_id to what is typed (one
  // string, "" for emptied) or the option values picked in a static_select
  // (one) or multi_static_select (any number). Inputs not named keep their
  // initial value, as in Slack. kInvalidInput for a block that isn't an input
  // of the view or an option its select doesn't offer.
  Result<std::string> FillAndSubmitView(
      const UserId& user, std::string view_id,
      const std::map<std::string, std::vector<std::string>>& fields);
  // Delivers another view_submission of `view_id` with the state it was last
  // submitted with, as a double-clicked Submit does, even when the first one
  // closed the modal. The view stack doesn't change; returns the ack payload.
  Result<std::string> ResubmitView(const UserId& user, std::string view_id);
  // A user posts a message (a `message` event, and `app_mention` if it
  // mentions the bot).
  Result<MessageTs> PostMessageAs(const UserId& user, const ChannelId& channel, std::string text);
  Status AddReaction(const UserId& user, const ChannelId& channel, const MessageTs& ts,
                     std::string name);
  // A member pins a message (a `pin_added` event carrying the message).
  // kConflict when it is already pinned, kForbidden when the user isn't in
  // the channel or it is archived.
  Status PinMessage(const UserId& user, const ChannelId& channel, const MessageTs& ts);
  Status JoinChannel(const UserId& user, const ChannelId& channel);
  Status LeaveChannel(const UserId& user, const ChannelId& channel);
  // A member archives the channel in Slack's UI: a `channel_archive` (or, for
  // a private one, `group_archive`) event, then the bot is out of it.
  Status ArchiveChannelAs(const UserId& user, const ChannelId& channel);
  // Slack delivers `event_json` (an Events API `event` object) as it stands,
  // e.g. a late retry of an old member_joined_channel with its own event_ts.
  // Filtered by `subscription` and by the bot's membership of the event's
  // channel, as Slack does. kInvalidInput for JSON that isn't an object.
  Status DeliverEvent(const std::string& event_json, std::string_view subscription);
  // The user opens the app's Home tab (app_home_opened).
  Status OpenAppHome(const UserId& user);

  // ---- Observing ---------------------------------------------------------

  std::optional<ChannelSnapshot> Channel(const ChannelId& id) const;
  std::optional<ChannelSnapshot> ChannelByName(std::string_view name) const;
  std::vector<ChannelSnapshot> Channels() const;  // not DMs, in creation order
  // The bot's DM with `user`, if one was opened.
  std::optional<ChannelSnapshot> DirectMessage(const UserId& user) const;
  std::vector<EphemeralSnapshot> Ephemerals(const UserId& user) const;
  std::optional<ViewSnapshot> View(std::string_view view_id) const;
  std::vector<ViewSnapshot> Views(const UserId& user) const;
  std::optional<UserSnapshot> User(const UserId& id) const;
  std::optional<UserId> UserByName(std::string_view name) const;
  // Web API calls received per method (including failed and faulted ones).
  int CallCount(std::string_view method) const;
  std::map<std::string, int> CallCounts() const;
  // Deliveries handed to a transport, per kind: "events_api",
  // "slash_commands", "interactive" (redeliveries count again).
  int DeliveryCount(std::string_view kind) const;

  // Blocks until `predicate` is true, re-checking it after every change of
  // the workspace, the sockets or the call counts. The predicate runs on the
  // calling thread without any emulator lock held, so it may call any member.
  // Returns false on timeout.
  bool WaitFor(const std::function<bool()>& predicate, std::chrono::milliseconds timeout);

  // Every channel and DM as a person would read it: name, topic, messages as
  // "[hh:mm:ss] name: text", pins and archiving marked, ephemerals marked.
  std::string Transcript() const;

  // One piece of mrkdwn as a person reads it: mentions of people, channels
  // and groups as their names.
  std::string AsPeopleSeeIt(const std::string& mrkdwn) const;

  // ---- Fault switches ----------------------------------------------------

  void FailNext(std::string method, int count, Fault fault);
  void ClearFaults();
  // Blocks until a call to `method` is being held by a kHold fault.
  bool WaitForHeld(std::string_view method, std::chrono::milliseconds timeout);
  // Lets every held call go: drop_connection=false performs it and answers
  // (the answer is lost if the client has gone); true closes the connection
  // without performing it.
  void ReleaseHeld(bool drop_connection);

 private:
  void SetDeleted(const UserId& user, bool deleted);

  std::unique_ptr<detail::Core> core_;
};

}  // namespace swarmbot::emulator
