// Request validation at the trust boundary: every field of a client's
// kv::Request is checked before anything is proposed or read, and each
// refusal names the field (one test per rule; the limits are tested in
// storage_state_machine_test.cpp).
#include <google/protobuf/unknown_field_set.h>
#include <gtest/gtest.h>

#include "actors/storage/core/client_request.hpp"
#include "request_refusal.hpp"

namespace {

using namespace keel;
using namespace keel::storage;
using keel::storage::test::refusal;

constexpr limits lim{8, 16};

kv::Request put_by(uint64_t client, uint64_t seq) {
  kv::Request r;
  r.set_client_id(client);
  r.set_seq(seq);
  r.mutable_put()->set_key("k");
  r.mutable_put()->set_value("v");
  return r;
}

kv::Request get_by(uint64_t client, uint64_t seq) {
  kv::Request r;
  r.set_client_id(client);
  r.set_seq(seq);
  r.mutable_get()->set_key("k");
  return r;
}

google::protobuf::UnknownFieldSet* unknown(google::protobuf::Message& m) {
  return m.GetReflection()->MutableUnknownFields(&m);
}

void expect_refused(const kv::Request& r, const std::string& words) {
  auto problem = refusal(r, lim);
  ASSERT_TRUE(problem) << "accepted: " << r.ShortDebugString();
  EXPECT_NE(problem->find(words), std::string::npos) << *problem;
}

TEST(StorageClientRequest, SessionWritesAndPlainReadsPass) {
  EXPECT_EQ(refusal(put_by(7, 1), lim), std::nullopt);
  EXPECT_EQ(refusal(put_by(7, 99), lim), std::nullopt);
  EXPECT_EQ(refusal(get_by(7, 0), lim), std::nullopt);
  EXPECT_EQ(refusal(get_by(0, 0), lim), std::nullopt);
  EXPECT_EQ(refusal(put_by(0, 0), lim), std::nullopt); // no session: not deduplicated
}

TEST(StorageClientRequest, SeqWithoutClientIdIsRefused) {
  expect_refused(put_by(0, 3), "seq is 3 but client_id is 0");
}

TEST(StorageClientRequest, SessionWriteWithSeqZeroIsRefused) {
  expect_refused(put_by(7, 0), "seq is 0 on a write of client 7");
  auto d = put_by(7, 0);
  d.mutable_del()->set_key("k");
  expect_refused(d, "seq is 0 on a write");
}

TEST(StorageClientRequest, ReadWithSeqIsRefused) {
  expect_refused(get_by(7, 4), "seq is 4 on a get");
}

TEST(StorageClientRequest, CasExpectingAbsentAndAValueIsRefused) {
  kv::Request r;
  r.mutable_cas()->set_key("k");
  r.mutable_cas()->set_expect_absent(true);
  r.mutable_cas()->set_expected("old");
  expect_refused(r, "cas sets both expect_absent and expected (3 bytes)");
  r.mutable_cas()->clear_expected();
  EXPECT_EQ(refusal(r, lim), std::nullopt);
}

TEST(StorageClientRequest, CasWithEmptyKeyIsRefused) {
  kv::Request r;
  r.mutable_cas()->set_expected("a");
  expect_refused(r, "key is empty");
}

TEST(StorageClientRequest, EmptyOperationIsRefused) {
  kv::Request r;
  r.set_client_id(7);
  r.set_seq(1);
  expect_refused(r, "request has no operation");
}

TEST(StorageClientRequest, UnknownOperationIsRefusedByItsFieldNumber) {
  // What a newer client's operation looks like to this node: field 9 of
  // Request, a message (wire type 2), no known op set.
  kv::Request r;
  r.set_client_id(7);
  unknown(r)->AddLengthDelimited(9, "\x0a\x01k");
  ASSERT_EQ(r.op_case(), kv::Request::OP_NOT_SET);
  expect_refused(r, "request carries field 9, which this node does not know");
  // It survives the wire as it would from the client.
  kv::Request parsed;
  ASSERT_TRUE(parsed.ParseFromString(r.SerializeAsString()));
  expect_refused(parsed, "request carries field 9");
}

TEST(StorageClientRequest, UnknownFieldInsideAnOperationIsRefused) {
  auto r = put_by(7, 1);
  unknown(*r.mutable_put())->AddVarint(5, 1);
  expect_refused(r, "put carries field 5");
  auto c = put_by(7, 1);
  c.mutable_cas()->set_key("k");
  unknown(*c.mutable_cas())->AddVarint(6, 1);
  expect_refused(c, "cas carries field 6");
  auto g = get_by(7, 0);
  unknown(*g.mutable_get())->AddVarint(2, 1);
  expect_refused(g, "get carries field 2");
  auto d = put_by(7, 1);
  d.mutable_del()->set_key("k");
  unknown(*d.mutable_del())->AddVarint(2, 1);
  expect_refused(d, "del carries field 2");
}

} // namespace
