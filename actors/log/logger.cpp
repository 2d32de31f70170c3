#include "actors/log/logger.hpp"

#include <mutex>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace keel {
namespace {

// spdlog's registry is process-wide by design (loggers are found by name), so
// the recipe the loggers share is too.
struct current_recipe {
  std::mutex mutex;
  logger_recipe recipe;
};

current_recipe& current() {
  static current_recipe instance;
  return instance;
}

// REQUIRES: current().mutex held.
std::shared_ptr<spdlog::logger> install(logger_recipe& r, const std::string& name) {
  if (r.sinks.empty())
    r.sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  spdlog::drop(name);
  auto logger = std::make_shared<spdlog::logger>(name, r.sinks.begin(), r.sinks.end());
  logger->set_level(r.level);
  logger->set_pattern(r.pattern);
  logger->flush_on(spdlog::level::warn);
  spdlog::register_logger(logger);
  return logger;
}

} // namespace

void install_component_loggers(logger_recipe recipe) {
  auto& c = current();
  std::lock_guard guard{c.mutex};
  c.recipe = std::move(recipe);
  for (auto name : component_logger_names)
    install(c.recipe, std::string{name});
  spdlog::set_default_logger(spdlog::get("node"));
}

std::shared_ptr<spdlog::logger> component_logger(std::string_view name) {
  std::string key{name};
  if (auto logger = spdlog::get(key))
    return logger;
  auto& c = current();
  std::lock_guard guard{c.mutex};
  if (auto logger = spdlog::get(key)) // another thread was faster
    return logger;
  return install(c.recipe, key);
}

} // namespace keel
