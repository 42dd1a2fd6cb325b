// Migration 18 (check 13): invitations a close ended were stored as
// 'expired'; they become 'withdrawn' with why, and real timeouts stay.
#include <string>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include "store/database.hpp"
#include "store/detail/migrations.hpp"
#include "store/expert_repository.hpp"
#include "tests/support/testing.hpp"

namespace swarmbot::store {
namespace {

// A version 17 file: INC-1 closed at 500 with Sofia's invitation ended then;
// INC-2's swarm closed at 700 with Omar's ended then; Chen's to INC-2 timed
// out at 600, which wrote its timeline entry.
void WriteVersion17File(const std::string& path) {
  SQLite::Database raw(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  for (std::size_t i = 0; i < 17; ++i) {
    raw.exec(std::string(detail::Migrations()[i]));
  }
  raw.exec("PRAGMA user_version = 17");
  raw.exec(R"sql(
    INSERT INTO incidents (number, subject, impact, urgency, priority, matrix_priority, state,
                           declared_by, created_at, closed_at)
    VALUES (1, 'one', 'high', 'high', 1, 1, 'closed', 'U1', 10, 500),
           (2, 'two', 'high', 'high', 1, 1, 'resolved', 'U1', 20, NULL);
    INSERT INTO timeline (incident_id, at, actor, kind, text)
    VALUES (1, 500, 'U1', 'closed', 'Closed'),
           (2, 600, 'swarmbot', 'expert_expired', 'Chen didn''t answer within 15 minutes');
    INSERT INTO expert_invitations (id, incident_id, invitee, asked_by, state, asked_at, due_at,
                                    answered_at)
    VALUES (1, 1, 'USOFIA', 'U1', 'expired', 100, 1000, 500),
           (2, 2, 'UCHEN', 'U1', 'expired', 100, 600, 600),
           (3, 2, 'UOMAR', 'U1', 'expired', 650, 1500, 700),
           (4, 2, 'UDEV', 'U1', 'declined', 100, 1000, 300);
  )sql");
}

TEST(InvitationWithdrawalMigration, ClosesBecomeWithdrawalsAndTimeoutsStayExpired) {
  swarmbot::testing::TempDir dir;
  const std::string path = (dir / "v17.db").string();
  WriteVersion17File(path);

  auto db = Database::Open(path);
  ASSERT_TRUE(db) << db.error().detail;
  ExpertRepository experts(**db);
  const auto sofia = experts.FindInvitation(1).value();
  EXPECT_EQ(sofia.state, InvitationState::kWithdrawn);
  EXPECT_EQ(sofia.withdrawal, Withdrawal::kIncidentClosed);
  const auto omar = experts.FindInvitation(3).value();
  EXPECT_EQ(omar.state, InvitationState::kWithdrawn);
  EXPECT_EQ(omar.withdrawal, Withdrawal::kSwarmClosed);
  EXPECT_EQ(experts.FindInvitation(2).value().state, InvitationState::kExpired);
  EXPECT_EQ(experts.FindInvitation(4).value().state, InvitationState::kDeclined);
}

TEST(InvitationWithdrawalMigration, AWithdrawalIsStoredWithWhy) {
  auto db = Database::Open(":memory:").value();
  db->Sql().exec(R"sql(
    INSERT INTO incidents (number, subject, impact, urgency, priority, matrix_priority, state,
                           declared_by, created_at)
    VALUES (1, 'one', 'high', 'high', 1, 1, 'in_progress', 'U1', 10);
  )sql");
  ExpertRepository experts(*db);
  Invitation invitation;
  invitation.incident = 1;
  invitation.invitee = UserId("USOFIA");
  invitation.asked_by = "U1";
  const auto id = experts.InsertInvitation(invitation);
  experts.WithdrawInvitation(id, Withdrawal::kLeftPeopleList, Clock::TimePoint{});
  const auto stored = experts.FindInvitation(id).value();
  EXPECT_EQ(stored.state, InvitationState::kWithdrawn);
  EXPECT_EQ(stored.withdrawal, Withdrawal::kLeftPeopleList);
  EXPECT_TRUE(stored.answered_at.has_value());
}

}  // namespace
}  // namespace swarmbot::store
