#pragma once

#include <string_view>

// The Slack side effects that lifecycle operations enqueue in the outbox, and
// the arguments they carry. handlers::EffectRunner performs them, rendering
// texts from the store's state at that moment, so an effect that runs late
// shows the incident as it is then, not as it was when it was enqueued.
//
// Every effect of an incident runs on the stream "INC-n", in enqueue order.
namespace swarmbot::lifecycle::effect {

// Post the incident summary to the incident managers' channel.
inline constexpr std::string_view kAnnounce = "incident.announce";
// Refresh that announcement (state, links, swarm channel).
inline constexpr std::string_view kUpdateAnnouncement = "incident.update_announcement";
// A direct message to whoever declared it through the modal: the number and
// what to do next (the modal itself just closes).
inline constexpr std::string_view kTellDeclarer = "incident.tell_declarer";

// args[kArgUser] started the swarm (or reopened it): told when the name was
// taken and the channel got another, or when Slack refused it for good
// (SwarmService::ChannelRefused).
inline constexpr std::string_view kCreateChannel = "swarm.create_channel";
inline constexpr std::string_view kSetTopic = "swarm.set_topic";
inline constexpr std::string_view kSetPurpose = "swarm.set_purpose";
inline constexpr std::string_view kPostSummary = "swarm.post_summary";
inline constexpr std::string_view kPinSummary = "swarm.pin_summary";
// Bookmark the incident's announcement in the swarm channel, titled "INC-n"
// (skipped when there is no announcement to link to).
inline constexpr std::string_view kAddBookmark = "swarm.add_bookmark";
// Invite users and user groups' members (resolved when the effect runs).
inline constexpr std::string_view kInvite = "swarm.invite";
inline constexpr std::string_view kUpdateSummary = "swarm.update_summary";
// The closing summary and the archive act on args[kArgChannel], the channel
// the swarm had when it closed: by the time they run, a reopened incident's
// swarm may have moved on to a new channel.
inline constexpr std::string_view kPostClosing = "swarm.post_closing";
// args[kArgUser] closed the swarm: told if the archive fails for good, which
// goes to SwarmService::ArchiveFailed.
inline constexpr std::string_view kArchive = "swarm.archive";
// The archive of args[kArgChannel] failed for good (args[kArgReason], Slack's
// code): the channel and whoever closed the swarm (args[kArgUser]) are told;
// with args[kArgMovedOn] "1" the swarm had moved to a new channel meanwhile.
inline constexpr std::string_view kTellArchiveFailed = "swarm.tell_archive_failed";
// Slack refused for good (args[kArgReason]) to create the swarm channel:
// whoever started the swarm (args[kArgUser]) is told.
inline constexpr std::string_view kTellChannelRefused = "swarm.tell_channel_refused";
// Post args[kArgText] (mrkdwn) in the swarm channel while it is live, e.g.
// who owns the incident now or why it was reopened.
inline constexpr std::string_view kPostNote = "swarm.post_note";
// In a reopened incident's new swarm channel: where the earlier swarm was.
inline constexpr std::string_view kPostReopened = "swarm.post_reopened";
// A reopened incident's archived swarm channel args[kArgChannel] is
// unarchived with the user token and the bot invited back; the outcome goes
// to SwarmService::RecordUnarchived (which queues the topic, summary, the
// kPostUnarchived note and the invitation of args[kArgUsers] and
// args[kArgUsergroups]) or UnarchiveFailed (a new channel instead).
inline constexpr std::string_view kUnarchive = "swarm.unarchive";
inline constexpr std::string_view kPostUnarchived = "swarm.post_unarchived";

// A `/swarm start` or `/swarm invite` that names user groups, waiting for
// their size: args[kArgGroupRequest] (handlers' encoding of the command) and
// args[kArgResponseUrl], on the incident's stream. The groups' members are
// read; a small enough total runs the command, a larger one asks its asker
// to confirm (handlers/group_invite.hpp).
inline constexpr std::string_view kCountGroups = "swarm.count_groups";
inline constexpr std::string_view kArgGroupRequest = "group_request";

// Post args[kArgBody] (JSON) to args[kArgResponseUrl]. Runs on the stream
// kResponseStream and has no incident: it may answer a click that named an
// incident that doesn't exist.
inline constexpr std::string_view kRespond = "slack.respond";
inline constexpr std::string_view kResponseStream = "responses";

// views.open with args[kArgTriggerId] and args[kArgView] (JSON), on the
// stream kResponseStream. The trigger_id expires 3 s after the click, so this
// must not queue behind an incident's effects, and it is never retried: the
// call waits 5 s at most and, failing, tells args[kArgUser] to try again.
inline constexpr std::string_view kOpenView = "slack.open_view";
// Routing (lifecycle/routing_service.hpp). kAssign serves the routing queue
// on kRoutingStream; it has no incident argument.
inline constexpr std::string_view kAssign = "routing.assign";
inline constexpr std::string_view kRoutingStream = "routing";
// A direct message to the new owner (args[kArgUsers]) with the summary.
inline constexpr std::string_view kNotifyOwner = "routing.notify_owner";
// Tells the incident managers' channel why the incident waits for an owner.
inline constexpr std::string_view kTellManagers = "routing.tell_managers";
// Tells the incident managers' channel that the owner (args[kArgUsers]) of an
// unresolved incident has a deactivated Slack account, so someone reassigns it.
inline constexpr std::string_view kOwnerDeactivated = "routing.owner_deactivated";
// A direct message to one previous case owner (args[kArgUsers]) listing the
// cases (args[kArgCases]) that moved to the incident owner.
inline constexpr std::string_view kCasesMoved = "routing.cases_moved";
// A direct message to one case owner (args[kArgUsers]) listing their cases
// (args[kArgCases]) that closed with the incident, and the resolution.
inline constexpr std::string_view kCasesClosed = "routing.cases_closed";
// A direct message to a case's owner (args[kArgUsers]) that the customer
// reopened their case (args[kArgCases]) after its incident closed, by what
// (args[kArgText], e.g. "a new e-mail from Ana Silva"), and that the case is
// no longer held by that incident.
inline constexpr std::string_view kCaseReopened = "routing.case_reopened";
// Post the alert of spike args[kArgSpike] to the incident managers' channel,
// and refresh it in place; both run on the stream "SPIKE-n".
inline constexpr std::string_view kPostSpikeAlert = "spike.post_alert";
inline constexpr std::string_view kUpdateSpikeAlert = "spike.update_alert";
inline constexpr std::string_view kSpikeEffectPrefix = "spike.";
// Post problem event args[kArgEvent] of problem args[kArgProblem] in the
// incident's swarm channel, on the incident's stream (lifecycle/problem_service.hpp).
inline constexpr std::string_view kProblemAnnounce = "problem.announce";

// Customer e-mail broadcasts (lifecycle/broadcast_service.hpp) on the stream
// "BC-n": post the progress message once, then refresh it in place.
inline constexpr std::string_view kPostBroadcastProgress = "broadcast.post_progress";
inline constexpr std::string_view kUpdateBroadcastProgress = "broadcast.update_progress";
// A new message in the progress channel when a broadcast stopped early (Stop
// pressed, or the mail server stayed unreachable), so people are told.
inline constexpr std::string_view kPostBroadcastStopped = "broadcast.post_stopped";
// Due when a broadcast's mail server has been unreachable for give_up_after,
// on the stream "BC-n.give_up": stops the broadcast then (and so tells the
// channel) unless the server answered or the broadcast ended meanwhile.
inline constexpr std::string_view kCheckBroadcastGiveUp = "broadcast.give_up_check";
inline constexpr std::string_view kBroadcastGiveUpStreamSuffix = ".give_up";
inline constexpr std::string_view kBroadcastEffectPrefix = "broadcast.";

// Change requests (lifecycle/change_service.hpp), on the stream "CHG-n":
// post the work plan message (to the change's plan channel, else the swarm
// channel of an incident it is linked to) and keep it current in place. With
// args[kArgChannel] (`/change plan`) the post goes there even when the plan is
// posted already: the new message becomes the plan, and the older one is
// retired (kRetirePlan).
inline constexpr std::string_view kPostPlan = "change.post_plan";
inline constexpr std::string_view kUpdatePlan = "change.update_plan";
// An older copy of the plan, message args[kArgTs] in args[kArgChannel], is
// edited to say where the plan is kept now, without its buttons.
inline constexpr std::string_view kRetirePlan = "change.retire_plan";
// Post args[kArgText] to the swarm channel of incident args[kArgIncident].
inline constexpr std::string_view kChangeNews = "change.news";
inline constexpr std::string_view kChangeEffectPrefix = "change.";
// Tell the incident's swarm channel that site banner args[kArgBanner] went up
// or came down (args[kArgBannerEvent]: set, replaced, cleared, closed); skipped
// when the incident has no live swarm channel.
inline constexpr std::string_view kBannerAnnounce = "banner.announce";
inline constexpr std::string_view kBannerEffectPrefix = "banner.";

// The Expert Finder (lifecycle/expert_service.hpp), on the incident's stream:
// rank and post the candidates in the swarm channel (args[kArgUser] asked);
// DM invitation args[kArgInvitation] with Accept / Decline; show its outcome
// in that DM; tell the swarm channel the answer (and args[kArgNext], who was
// asked next). The timeout runs on the stream "invitation-<id>".
inline constexpr std::string_view kProposeExperts = "experts.propose";
inline constexpr std::string_view kAskExpert = "experts.ask";
inline constexpr std::string_view kUpdateAsk = "experts.update_ask";
inline constexpr std::string_view kTellExpertAnswer = "experts.tell_answer";
inline constexpr std::string_view kInvitationTimeout = "experts.invitation_timeout";
inline constexpr std::string_view kInvitationStreamPrefix = "invitation-";
inline constexpr std::string_view kExpertEffectPrefix = "experts.";
inline constexpr std::string_view kArgInvitation = "invitation";
inline constexpr std::string_view kArgNext = "next";
// kUpdateAsk of an accepted invitation: "1" when the swarm channel
// args[kArgChannel] was archived before the invitee got in
// (detail::TellAcceptedTheChannelIsGone).
inline constexpr std::string_view kArgChannelGone = "channel_gone";

// Argument names.
inline constexpr std::string_view kArgIncident = "incident";      // the number, "42"
inline constexpr std::string_view kArgUsers = "users";            // "U1,U2"
inline constexpr std::string_view kArgUsergroups = "usergroups";  // "S1,S2"
inline constexpr std::string_view kArgCases = "cases";            // "12,13"
// A credential until it expires: never log it.
inline constexpr std::string_view kArgResponseUrl = "response_url";
inline constexpr std::string_view kArgBody = "body";
inline constexpr std::string_view kArgTriggerId = "trigger_id";
inline constexpr std::string_view kArgView = "view";
// Who opened a modal and where, to tell them if it could not open.
inline constexpr std::string_view kArgUser = "user";
inline constexpr std::string_view kArgChannel = "channel";
// The broadcast's number, "3".
inline constexpr std::string_view kArgBroadcast = "broadcast";
inline constexpr std::string_view kArgSpike = "spike";      // the number, "7"
inline constexpr std::string_view kArgProblem = "problem";  // the number, "3"
inline constexpr std::string_view kArgEvent = "event";      // a problem event's id
inline constexpr std::string_view kArgChange = "change";    // the number, "3"
inline constexpr std::string_view kArgTs = "ts";            // a message's ts
inline constexpr std::string_view kArgText = "text";
inline constexpr std::string_view kArgReason = "reason";     // Slack's error code
inline constexpr std::string_view kArgMovedOn = "moved_on";  // "1" or absent
// Why a swarm gathers again (kPostReopened, kUnarchive, kPostUnarchived):
// kOccasionReopened (the default when absent) or kOccasionRestarted, a
// `/swarm start` after its channel was archived in Slack.
inline constexpr std::string_view kArgOccasion = "occasion";
inline constexpr std::string_view kOccasionReopened = "reopened";
inline constexpr std::string_view kOccasionRestarted = "restarted";
inline constexpr std::string_view kArgBanner = "banner";             // the banner's id
inline constexpr std::string_view kArgBannerEvent = "banner_event";  // see kBannerAnnounce

}  // namespace swarmbot::lifecycle::effect
