#pragma once

#include <string>
#include <vector>

#include "emulator/emulator.hpp"

namespace swarmbot::demo {

// The people, groups and channels of the Take-Out scenario
// (shared/scenarios/take-out-discount-code.md).
struct TakeOut {
  UserId mara;               // incident manager
  UserId ravi, lena, tom;    // support reps
  UserId priya, omar, chen;  // resolution team
  UserId sofia;              // promotions expert
  UserId dev, ines;          // DevOps
  UserId kofi, ana, luis;    // CAB
  UserGroupId devops, cab;
  ChannelId incidents;  // the incident managers' channel
  ChannelId support;    // where the reps work
};

TakeOut PopulateTakeOut(emulator::Emulator& slack);

// One customer case as a case source sends it to POST /api/cases.
struct CaseSpec {
  std::string contact_name;
  std::string contact_email;
  std::string channel;  // email, chat, messaging, phone, web
  std::string territory;
  std::string subject;
  std::string description;
  UserId owner;
  bool about_feast25 = false;
};

// The scenario's cases in arrival order: 36 about FEAST25 (12 e-mail, 10 chat,
// 8 messaging, 6 phone; North and East) interleaved with 10 unrelated ones.
std::vector<CaseSpec> TakeOutCases(const TakeOut& people);

std::string CaseJson(const CaseSpec& spec);

// An e-mail case as a mail gateway forwards it to POST /api/cases/email: a raw
// RFC 5322 message. `variant` picks the shape, so the scenario's mails are
// plain, multipart/alternative with an HTML part, base64 or quoted-printable,
// with encoded-word subjects and names; each decodes to `spec`'s values.
std::string CaseEmail(const CaseSpec& spec, std::size_t variant);
// The Message-ID (without brackets) CaseEmail gives the mail of `spec`.
std::string CaseEmailMessageId(const CaseSpec& spec);
// The query the gateway adds: the territory and owner, which a mail lacks.
std::string CaseEmailQuery(const CaseSpec& spec);
// The customer's answer to their own first mail, quoting it.
std::string ReplyEmail(const CaseSpec& spec, const std::string& text);
// The [routing] table of the scenario's config: which words call for which skill.
std::string TakeOutRoutingToml();
// The people file for `swarmbot import people` with the workspace's user ids:
// Priya promotions 5 and checkout 3, Omar promotions 4 and loyalty 3 (capacity
// 3), Chen payments 5, Sofia promotions 5 and pricing 4, Dev and Ines.
std::string TakeOutPeopleToml(const TakeOut& people);
// The config steps 9 to 16 add to the routing table: approval requests go to
// `cab_channel`, where two of @cab must approve an emergency change within two
// hours or the incident managers hear of it; customer
// e-mail goes through the SMTP server at `smtp_url`; and a site banner stays
// up when its incident closes, since in step 15 Priya takes it down herself.
std::string TakeOutLaterStepsToml(const TakeOut& people, const ChannelId& cab_channel,
                                  const std::string& smtp_url);
// Past tickets for `swarmbot import history` (JSON Lines): Sofia resolved two
// discount-code incidents; Omar, Chen and Dev resolved others of their own.
std::string TakeOutHistoryJsonl(const TakeOut& people);

}  // namespace swarmbot::demo
