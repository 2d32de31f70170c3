// The client's outcome rules: how a node's answer is judged and how the failed
// attempts of one operation fold into "unavailable" (definitely not applied)
// or "unknown" (may be applied).
#include <gtest/gtest.h>

#include "actors/client/core/outcome.hpp"

namespace keel::client {
namespace {

using keel::kv::Response;
using keel::kv::Status;

Response answer(Status s) {
  Response r;
  r.set_status(s);
  return r;
}

TEST(ClientOutcome, DefiniteAnswersEndTheOperation) {
  EXPECT_EQ(judge(answer(keel::kv::STATUS_OK)).final, outcome::ok);
  EXPECT_EQ(judge(answer(keel::kv::STATUS_NOT_FOUND)).final, outcome::not_found);
  EXPECT_EQ(judge(answer(keel::kv::STATUS_CAS_MISMATCH)).final, outcome::cas_mismatch);
  EXPECT_EQ(judge(answer(keel::kv::STATUS_INVALID_ARGUMENT)).final, outcome::invalid);
}

TEST(ClientOutcome, NotLeaderAndUnavailableAreRetriedAsNotApplied) {
  for (auto s : {keel::kv::STATUS_NOT_LEADER, keel::kv::STATUS_UNAVAILABLE}) {
    auto v = judge(answer(s));
    EXPECT_FALSE(v.final.has_value()) << s;
    EXPECT_EQ(v.retry_reason, failure::rejected) << s;
    EXPECT_FALSE(may_apply(v.retry_reason));
  }
}

TEST(ClientOutcome, NodeTimeoutIsRetriedAsMaybeApplied) {
  // Thesis §6.3: the retry keeps its seq, so retrying an unknown write is safe.
  auto v = judge(answer(keel::kv::STATUS_TIMEOUT));
  EXPECT_FALSE(v.final.has_value());
  EXPECT_EQ(v.retry_reason, failure::timed_out);
  EXPECT_TRUE(may_apply(v.retry_reason));
}

TEST(ClientOutcome, StaleRequestAndUnknownStatusesAreUnknown) {
  EXPECT_EQ(judge(answer(keel::kv::STATUS_STALE_REQUEST)).final, outcome::unknown);
  EXPECT_EQ(judge(answer(keel::kv::STATUS_UNSPECIFIED)).final, outcome::unknown);
  EXPECT_EQ(judge(answer(static_cast<Status>(99))).final, outcome::unknown);
}

TEST(ClientOutcome, ExpiredSessionEndsTheOperationAsUnknown) {
  auto v = judge(answer(keel::kv::STATUS_SESSION_EXPIRED));
  ASSERT_TRUE(v.final); // no retry: another attempt meets the same expired session
  EXPECT_EQ(*v.final, outcome::unknown);
  EXPECT_EQ(outcome_of(keel::kv::STATUS_SESSION_EXPIRED), outcome::unknown);
}

TEST(ClientOutcome, StatusEncodingRoundTripsEveryOutcome) {
  for (auto x : {outcome::ok, outcome::not_found, outcome::cas_mismatch, outcome::invalid,
                 outcome::unavailable, outcome::unknown})
    EXPECT_EQ(outcome_of(status_of(x)), x) << to_string(x);
}

TEST(ClientOutcome, GivingUpAfterOnlyRefusalsAndRejectionsIsUnavailable) {
  attempt_record rec;
  rec.record(failure::not_sent);
  EXPECT_FALSE(rec.contacted());
  rec.record(failure::rejected);
  rec.record(failure::not_sent);
  EXPECT_TRUE(rec.contacted());
  EXPECT_EQ(rec.give_up(), outcome::unavailable);
}

TEST(ClientOutcome, OneLostAttemptMakesGivingUpUnknown) {
  for (auto lost : {failure::lost, failure::timed_out}) {
    attempt_record rec;
    rec.record(failure::rejected);
    rec.record(lost);
    rec.record(failure::not_sent); // later definite failures cannot undo it
    rec.record(failure::rejected);
    EXPECT_EQ(rec.give_up(), outcome::unknown);
  }
}

TEST(ClientOutcome, NamesAreStable) {
  EXPECT_EQ(to_string(outcome::ok), "ok");
  EXPECT_EQ(to_string(outcome::not_found), "not_found");
  EXPECT_EQ(to_string(outcome::cas_mismatch), "cas_mismatch");
  EXPECT_EQ(to_string(outcome::invalid), "invalid");
  EXPECT_EQ(to_string(outcome::unavailable), "unavailable");
  EXPECT_EQ(to_string(outcome::unknown), "unknown");
}

} // namespace
} // namespace keel::client
