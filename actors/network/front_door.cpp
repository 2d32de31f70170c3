#include "actors/network/front_door.hpp"

#include "caf/all.hpp"

namespace keel::network {

namespace {

class front_door : public caf::monitorable_actor {
public:
  front_door(caf::actor_config& cfg, caf::actor target,
             std::shared_ptr<std::atomic<uint64_t>> dropped)
    : caf::monitorable_actor(cfg),
      target_(std::move(target)),
      dropped_(std::move(dropped)) {}

  const char* name() const override { return "keel.front_door"; }

  void enqueue(caf::mailbox_element_ptr what, caf::execution_unit* host) override {
    auto& content = what->content();
    bool system = content.match_elements<caf::exit_msg>() || content.match_elements<caf::down_msg>()
                  || (content.match_elements<caf::error>() && !what->mid.is_response());
    if (system) {
      if (dropped_)
        ++*dropped_;
      return;
    }
    if (auto t = caf::actor_cast<caf::strong_actor_ptr>(target_))
      t->enqueue(std::move(what), host); // a dead target bounces requests itself
    else
      bounce(what, caf::sec::request_receiver_down);
  }

private:
  caf::actor target_;
  std::shared_ptr<std::atomic<uint64_t>> dropped_;
};

} // namespace

caf::actor make_front_door(caf::actor_system& sys, const caf::actor& target,
                           std::shared_ptr<std::atomic<uint64_t>> dropped) {
  caf::actor_config cfg;
  auto ptr = caf::make_actor<front_door, caf::strong_actor_ptr>(
    sys.next_actor_id(), sys.node(), &sys, cfg, target, std::move(dropped));
  auto door = caf::actor_cast<caf::actor>(ptr);
  // The door closes with the actor behind it: its remote monitors (peers'
  // dialers, clients) then learn that the actor is gone.
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(ptr);
  caf::actor_cast<caf::abstract_actor*>(target)->attach_functor([weak](const caf::error& reason) {
    if (auto door = caf::actor_cast<caf::strong_actor_ptr>(weak))
      static_cast<front_door*>(caf::actor_cast<caf::abstract_actor*>(door))
        ->cleanup(caf::error{reason}, nullptr);
  });
  return door;
}

} // namespace keel::network
