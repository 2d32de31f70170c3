#include "actors/network/front_door.hpp"

#include "caf/all.hpp"

namespace keel::network {

namespace {

// Closes a door when the actor behind it terminates. The door detaches it
// again when the door goes first: a dialer offers a new door at every
// handshake, and a gate that outlives many redials must not keep a closer for
// each door it ever had.
class door_closer : public caf::attachable {
public:
  door_closer(caf::weak_actor_ptr door, const void* door_address)
    : door_(std::move(door)),
      door_address_(door_address) {}

  void actor_exited(const caf::error& reason, caf::execution_unit* host) override;

  bool matches(const token& what) override {
    return what.subtype == front_door_token && what.ptr == door_address_;
  }

private:
  caf::weak_actor_ptr door_;
  const void* door_address_;
};

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

  void close(const caf::error& reason, caf::execution_unit* host) {
    cleanup(caf::error{reason}, host);
  }

  void on_destroy() override {
    // CAF calls this once the last strong reference is gone, before the
    // destructor: the target no longer needs to close this door.
    if (target_)
      caf::actor_cast<caf::abstract_actor*>(target_)->detach(
        caf::attachable::token{front_door_token, static_cast<const caf::abstract_actor*>(this)});
    caf::monitorable_actor::on_destroy();
  }

private:
  caf::actor target_;
  std::shared_ptr<std::atomic<uint64_t>> dropped_;
};

void door_closer::actor_exited(const caf::error& reason, caf::execution_unit* host) {
  if (auto door = caf::actor_cast<caf::strong_actor_ptr>(door_))
    static_cast<front_door*>(caf::actor_cast<caf::abstract_actor*>(door))->close(reason, host);
}

} // namespace

caf::actor make_front_door(caf::actor_system& sys, const caf::actor& target,
                           std::shared_ptr<std::atomic<uint64_t>> dropped) {
  caf::actor_config cfg;
  auto ptr = caf::make_actor<front_door, caf::strong_actor_ptr>(
    sys.next_actor_id(), sys.node(), &sys, cfg, target, std::move(dropped));
  // The door closes with the actor behind it: its remote monitors (peers'
  // dialers, clients) then learn that the actor is gone.
  const caf::abstract_actor* address = caf::actor_cast<caf::abstract_actor*>(ptr);
  caf::actor_cast<caf::abstract_actor*>(target)->attach(
    std::make_unique<door_closer>(caf::actor_cast<caf::weak_actor_ptr>(ptr), address));
  return caf::actor_cast<caf::actor>(ptr);
}

} // namespace keel::network
