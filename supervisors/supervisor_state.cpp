#include "supervisors/supervisor_state.hpp"

#include <algorithm>
#include <chrono>

#include "caf/event_based_actor.hpp"
#include "caf/send.hpp"

#include "messages/type_ids.hpp"
#include "supervisors/core/spec_check.hpp"
#include "supervisors/exit_reason.hpp"

namespace keel::sup {

supervisor_state::supervisor_state(caf::event_based_actor* self)
  : self_(self),
    published_(std::make_shared<std::map<std::string, caf::actor_addr>>()) {}

void supervisor_state::init(std::string path, supervisor_spec spec, std::shared_ptr<directory> dir,
                            std::shared_ptr<metrics::node_metrics> metrics) {
  path_ = std::move(path);
  dir_ = std::move(dir);
  metrics_ = std::move(metrics);
  log_ = std::make_unique<event_log>(path_, metrics_);
  policy_ = restart_policy{spec.f};
  started_at_ms_ = now_ms();
  // Children die with their supervisor, however it ends: killed by its
  // parent after a shutdown timeout, or crashed. OTP links for this; a CAF 0.17
  // link would also propagate a child's exit_reason::kill to the supervisor,
  // where kill cannot be trapped, so a killed child would take its supervisor
  // down. Hence monitors one way and this termination hook the other way.
  // After an orderly stop nothing is left to kill.
  self_->attach_functor(
    [dir = dir_, published = published_, path = path_, me = self_->address()](const caf::error&) {
      // Kill first: erasing may drop a child's last strong reference.
      for (const auto& [child_path, addr] : *published) {
        caf::anon_send_exit(addr, caf::exit_reason::kill);
        dir->erase(child_path, addr);
      }
      dir->erase(path, me);
    });
  if (spec.f.strat == strategy::simple_one_for_one) {
    template_ = std::move(spec.children.front());
    return;
  }
  std::vector<std::string> ids;
  for (auto& cs : spec.children) {
    ids.push_back(cs.id);
    child_record rec;
    rec.path = path_ + "/" + cs.id;
    rec.spec = std::move(cs);
    children_.push_back(std::move(rec));
  }
  start_in_order(ids);
}

// -- children ----------------------------------------------------------------

child_record* supervisor_state::find(const std::string& id) {
  for (auto& rec : children_)
    if (rec.spec.id == id)
      return &rec;
  return nullptr;
}

child_record* supervisor_state::find(const caf::actor_addr& incarnation) {
  for (auto& rec : children_)
    if (rec.handle && rec.handle.address() == incarnation)
      return &rec;
  return nullptr;
}

std::vector<child_view> supervisor_state::views() const {
  std::vector<child_view> result;
  result.reserve(children_.size());
  for (const auto& rec : children_)
    result.push_back({rec.spec.id, rec.spec.restart, static_cast<bool>(rec.handle)});
  return result;
}

void supervisor_state::remove_stopped(const std::vector<std::string>& ids) {
  auto doomed = [&](const child_record& rec) {
    return !rec.handle && std::find(ids.begin(), ids.end(), rec.spec.id) != ids.end();
  };
  children_.erase(std::remove_if(children_.begin(), children_.end(), doomed), children_.end());
}

uint64_t supervisor_state::now_ms() const {
  // CAF's actor clock: virtual under the test coordinator.
  auto since_epoch = self_->clock().now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count();
}

// -- starting ----------------------------------------------------------------

caf::error supervisor_state::try_start(child_record& rec) {
  start_context ctx{self_, rec.path, rec.spec.id, dir_, metrics_};
  caf::expected<caf::actor> started{caf::actor{}};
  if (!rec.spec.start)
    return caf::make_error(caf::sec::invalid_argument, "child has no start function");
  try {
    started = rec.spec.start(ctx);
  } catch (const std::exception& e) {
    // A start function is user code: its failure is the child's, not ours.
    return caf::make_error(caf::sec::runtime_error,
                           std::string("start function threw: ") + e.what());
  } catch (...) {
    return caf::make_error(caf::sec::runtime_error, "start function threw");
  }
  if (!started)
    return started.error();
  if (!*started)
    return caf::make_error(caf::sec::invalid_argument, "start function returned an invalid actor");
  rec.handle = std::move(*started);
  // The down_msg drives restarts; a child that is already dead still gets one.
  self_->monitor(rec.handle);
  if (rec.incarnation > 0)
    ++rec.restart_count;
  ++rec.incarnation;
  rec.retry_pending = false;
  rec.started_at_ms = now_ms();
  dir_->put(rec.path, rec.handle);
  (*published_)[rec.path] = rec.handle.address();
  log_->child_started(rec.path, rec.handle.id(), rec.restart_count);
  return caf::none;
}

void supervisor_state::start_in_order(const std::vector<std::string>& ids) {
  // OTP start_children: with one_for_all and rest_for_one, later children
  // depend on earlier ones, so a failed start leaves the rest for the retry
  // (whose plan covers them). With one_for_one they are independent.
  auto strat = policy_.config().strat;
  bool dependent = strat == strategy::one_for_all || strat == strategy::rest_for_one;
  for (const auto& id : ids) {
    auto* rec = find(id);
    if (rec == nullptr || rec->handle)
      continue;
    if (auto err = try_start(*rec)) {
      on_start_failed(id, err);
      if (dependent)
        return;
    }
  }
}

void supervisor_state::on_start_failed(const std::string& id, const caf::error& reason) {
  auto* rec = find(id);
  bool retry = rec->spec.restart != restart_type::temporary;
  log_->start_failed(rec->path, describe(reason), retry);
  rec->last_exit_reason = describe(reason);
  if (!retry) {
    // OTP never restarts a temporary child: it is forgotten.
    remove_stopped({id});
    return;
  }
  // OTP try_again_restart: a message to self, so the supervisor stays
  // responsive; the retry goes through the policy and counts against the
  // intensity, so a start that keeps failing ends in escalation, not a loop.
  rec->retry_pending = true;
  auto delay = policy_.config().retry_delay_ms;
  if (delay == 0)
    self_->send(self_, restart_atom_v, id);
  else
    self_->delayed_send(self_, std::chrono::milliseconds(delay), restart_atom_v, id);
}

void supervisor_state::on_retry(const std::string& id) {
  if (job_) {
    if (!job_->then_quit)
      deferred_.push_back({id, 0, exit_class::abnormal, true});
    return;
  }
  auto* rec = find(id);
  if (rec == nullptr || !rec->retry_pending || rec->handle)
    return; // started meanwhile by another plan, or forgotten
  rec->retry_pending = false;
  decide(id, exit_class::abnormal);
}

// -- executing plans ---------------------------------------------------------

void supervisor_state::on_down(const caf::down_msg& msg) {
  auto* rec = find(msg.source);
  if (rec == nullptr)
    return; // an old incarnation, or a child already forgotten
  auto why = classify(msg.reason);
  rec->last_exit_reason = describe(msg.reason);
  log_->child_exited(rec->path, rec->handle.id(), rec->last_exit_reason, why);
  dir_->erase(rec->path, rec->handle);
  published_->erase(rec->path);
  rec->handle = caf::actor{};
  auto id = rec->spec.id;
  if (!job_) {
    decide(id, why);
    return;
  }
  if (job_->current == id) {
    job_->current.clear();
    advance_job();
    return;
  }
  auto& q = job_->queue;
  if (auto i = std::find(q.begin(), q.end(), id); i != q.end()) {
    q.erase(i); // the job was going to stop it anyway; its plan covers it
    return;
  }
  if (!job_->then_quit)
    deferred_.push_back({id, rec->incarnation, why, false});
}

void supervisor_state::decide(const std::string& id, exit_class why) {
  auto p = policy_.on_child_exit(views(), id, why, now_ms());
  auto* rec = find(id);
  auto failed_path = rec != nullptr ? rec->path : path_ + "/" + id;
  switch (p.what) {
    case plan::verdict::none: remove_stopped(p.remove); return;
    case plan::verdict::give_up: {
      const auto& f = policy_.config();
      log_->intensity_exceeded(failed_path, f.intensity, f.period_ms);
      stop_job job;
      job.queue.assign(p.stop.begin(), p.stop.end());
      job.then_quit = true;
      job.quit_reason = caf::make_error(caf::sec::runtime_error, "reached_max_restart_intensity");
      begin_job(std::move(job));
      return;
    }
    case plan::verdict::restart: {
      log_->restarting(failed_path, policy_.config().strat, p.stop, p.start);
      stop_job job;
      job.queue.assign(p.stop.begin(), p.stop.end());
      job.then_start = std::move(p.start);
      job.then_remove = std::move(p.remove);
      begin_job(std::move(job));
      return;
    }
  }
}

void supervisor_state::begin_job(stop_job job) {
  if (job.then_quit)
    quitting_ = true;
  job_ = std::move(job);
  advance_job();
}

void supervisor_state::advance_job() {
  while (job_ && job_->current.empty()) {
    if (job_->queue.empty()) {
      finish_job();
      return;
    }
    auto id = job_->queue.front();
    job_->queue.pop_front();
    if (auto* rec = find(id); rec != nullptr && rec->handle)
      stop_child(*rec);
  }
}

void supervisor_state::stop_child(child_record& rec) {
  job_->current = rec.spec.id;
  job_->ticket = ++next_ticket_;
  const auto& sd = rec.spec.shutdown;
  switch (sd.k) {
    case shutdown_spec::kind::brutal_kill:
      self_->send_exit(rec.handle, caf::exit_reason::kill);
      break;
    case shutdown_spec::kind::timeout:
      self_->send_exit(rec.handle, caf::exit_reason::user_shutdown);
      self_->delayed_send(self_, std::chrono::milliseconds(sd.timeout_ms), shutdown_atom_v,
                          job_->ticket);
      break;
    case shutdown_spec::kind::infinity:
      self_->send_exit(rec.handle, caf::exit_reason::user_shutdown);
      break;
  }
}

void supervisor_state::on_stop_deadline(uint64_t ticket) {
  if (!job_ || job_->current.empty() || job_->ticket != ticket)
    return; // the child went down in time
  auto* rec = find(job_->current);
  if (rec == nullptr || !rec->handle)
    return;
  log_->shutdown_timeout(rec->path, rec->spec.shutdown.timeout_ms);
  // kill cannot be trapped: the down_msg follows and advances the job.
  self_->send_exit(rec->handle, caf::exit_reason::kill);
}

void supervisor_state::finish_job() {
  auto job = std::move(*job_);
  job_.reset();
  remove_stopped(job.then_remove);
  if (job.then_quit) {
    self_->quit(job.quit_reason);
    return;
  }
  start_in_order(job.then_start);
  drain_deferred();
}

void supervisor_state::drain_deferred() {
  if (draining_)
    return; // the outer drain continues once this plan is under way
  draining_ = true;
  while (!job_ && !deferred_.empty()) {
    auto ev = std::move(deferred_.front());
    deferred_.pop_front();
    if (ev.is_retry) {
      on_retry(ev.id);
      continue;
    }
    auto* rec = find(ev.id);
    if (rec != nullptr && !rec->handle && rec->incarnation == ev.incarnation)
      decide(ev.id, ev.why);
  }
  draining_ = false;
}

void supervisor_state::on_exit(const caf::exit_msg& msg) {
  if (!msg.reason || msg.reason == caf::exit_reason::normal)
    return;
  shut_down(msg.reason);
}

void supervisor_state::shut_down(caf::error reason) {
  if (quitting_)
    return;
  log_->supervisor_stopping(describe(reason));
  deferred_.clear();
  auto all = restart_policy::stop_all(views()).stop;
  if (job_) {
    // Abandon the plan's restarts; the stop in progress completes, then
    // every other running child stops in reverse order.
    job_->queue.assign(all.begin(), all.end());
    job_->then_start.clear();
    job_->then_quit = true;
    job_->quit_reason = std::move(reason);
    quitting_ = true;
    return;
  }
  stop_job job;
  job.queue.assign(all.begin(), all.end());
  job.then_quit = true;
  job.quit_reason = std::move(reason);
  begin_job(std::move(job));
}

// -- dynamic children ----------------------------------------------------------

caf::expected<caf::actor> supervisor_state::start_dynamic(const std::string& id) {
  if (!template_)
    return caf::make_error(caf::sec::unexpected_message,
                           "start_atom needs a simple_one_for_one supervisor");
  if (quitting_)
    return caf::make_error(caf::sec::runtime_error, "supervisor is shutting down");
  if (auto checked = check_child_id(id); !checked.ok())
    return caf::make_error(caf::sec::invalid_argument, checked.error().detail);
  if (find(id) != nullptr)
    return caf::make_error(caf::sec::invalid_argument, "child id '" + id + "' already present");
  child_record rec;
  rec.spec = *template_;
  rec.spec.id = id;
  rec.path = path_ + "/" + id;
  children_.push_back(std::move(rec));
  if (auto err = try_start(children_.back())) {
    // OTP start_child: the caller gets the error; nothing is retried.
    log_->start_failed(children_.back().path, describe(err), false);
    children_.pop_back();
    return err;
  }
  return children_.back().handle;
}

which_result supervisor_state::which() const {
  which_result result;
  for (const auto& rec : children_)
    if (rec.handle)
      result.emplace_back(rec.spec.id, rec.handle);
  return result;
}

} // namespace keel::sup
