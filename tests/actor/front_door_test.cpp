// The front door (actors/network/front_door.hpp): it passes requests through,
// drops what would end the actor behind it, closes with that actor, and leaves
// nothing behind on it when the door goes first (a dialer offers a new door at
// every redial, and its gate lives through many).
#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "caf/all.hpp"

#include "actors/network/front_door.hpp"
#include "keel_test_config.hpp"

namespace {

using namespace std::chrono_literals;
using keel::network::front_door_token;
using keel::network::make_front_door;

caf::behavior echo(caf::event_based_actor*) {
  return {[](const std::string& s) { return "echo " + s; }};
}

caf::attachable::token closer_of(const caf::actor& door) {
  return {front_door_token, caf::actor_cast<caf::abstract_actor*>(door)};
}

struct FrontDoor : ::testing::Test {
  keel::test::keel_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  caf::actor target = sys.spawn(echo);

  ~FrontDoor() override { self->send_exit(target, caf::exit_reason::user_shutdown); }

  caf::abstract_actor& target_actor() { return *caf::actor_cast<caf::abstract_actor*>(target); }
};

TEST_F(FrontDoor, PassesRequestsAndDropsWhatWouldEndTheTarget) {
  auto dropped = std::make_shared<std::atomic<uint64_t>>(0);
  auto door = make_front_door(sys, target, dropped);
  self->send_exit(door, caf::exit_reason::kill); // forged: cannot be trapped by the target
  self->anon_send(door, caf::make_error(caf::sec::runtime_error));
  std::string answer;
  self->request(door, 5s, std::string{"hi"})
    .receive([&](const std::string& s) { answer = s; },
             [&](caf::error& err) { answer = sys.render(err); });
  EXPECT_EQ(answer, "echo hi");
  EXPECT_EQ(dropped->load(), 2u);
}

TEST_F(FrontDoor, ClosesWithTheActorBehindIt) {
  auto door = make_front_door(sys, target);
  self->monitor(door);
  self->send_exit(target, caf::exit_reason::user_shutdown);
  caf::actor_addr closed;
  self->receive([&](caf::down_msg& dm) { closed = dm.source; },
                caf::after(5s) >> [] { ADD_FAILURE() << "the door stayed open"; });
  EXPECT_EQ(closed, door.address());
}

TEST_F(FrontDoor, ADoorGoneFirstLeavesNothingAttachedToTheTarget) {
  auto kept = make_front_door(sys, target);
  auto dropped = make_front_door(sys, target);
  auto dropped_token = closer_of(dropped);
  dropped = nullptr; // the last reference: the door is destroyed here
  EXPECT_EQ(target_actor().detach(dropped_token), 0u);
  // The token is the real one: the closer of the living door is found by it.
  EXPECT_EQ(target_actor().detach(closer_of(kept)), 1u);
}

} // namespace
