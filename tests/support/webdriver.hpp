// A headless Chromium driven through chromedriver's W3C WebDriver protocol
// (plain HTTP + JSON, so cpp-httplib and nlohmann-json suffice; no Selenium).
// Debian's chromium and chromium-driver packages; scripts/install-deps.sh
// installs them. The driver process is started on a port checked free, bound
// to 127.0.0.1, and killed by its PID when this object goes away.
#pragma once

#include <csignal>
#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "apps/launcher/port_probe.hpp"
#include "apps/launcher/process.hpp"

namespace keel::test {

class webdriver {
public:
  /// Starts chromedriver and a browser session; `work_dir` holds the
  /// driver's log and the browser's profile. Throws std::runtime_error with
  /// the reason (no chromium or chromedriver, or the session did not start).
  explicit webdriver(const std::string& work_dir) {
    for (const char* bin : {chromedriver_path, chromium_path})
      if (!std::filesystem::exists(bin))
        throw std::runtime_error(std::string{bin}
                                 + " is missing: scripts/install-deps.sh installs chromium and "
                                   "chromium-driver");
    std::set<uint16_t> taken;
    port_ = launcher::free_port(taken);
    auto log = work_dir + "/chromedriver.log";
    auto pid = launcher::spawn_process(
      chromedriver_path, {"--port=" + std::to_string(port_), "--allowed-ips=127.0.0.1"},
      {log, log});
    if (!pid)
      throw std::runtime_error(pid.error().detail);
    pid_ = *pid;
    http_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    http_->set_read_timeout(60, 0);
    bool up = launcher::poll_until(
      launcher::steady::now() + std::chrono::seconds(20),
      [&] {
        auto r = http_->Get("/status");
        return r && r->status == 200;
      },
      std::chrono::milliseconds(50));
    if (!up)
      throw std::runtime_error("chromedriver did not answer on port " + std::to_string(port_)
                               + launcher::output_tail(log, 0, 10));
    nlohmann::json caps
      = {{"capabilities",
          {{"alwaysMatch",
            {{"browserName", "chrome"},
             {"goog:chromeOptions",
              {{"binary", chromium_path},
               {"args",
                {"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--hide-scrollbars", "--window-size=1400,1300",
                 "--user-data-dir=" + work_dir + "/chromium-profile"}}}}}}}}};
    auto started = call("POST", "/session", caps);
    session_ = started.at("sessionId").get<std::string>();
  }

  ~webdriver() {
    if (!session_.empty())
      http_->Delete("/session/" + session_);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      launcher::wait_exit(pid_, std::chrono::seconds(5));
    }
  }

  webdriver(const webdriver&) = delete;
  webdriver& operator=(const webdriver&) = delete;

  void go(const std::string& url) { call("POST", path("/url"), {{"url", url}}); }

  /// The text of the first element matching the CSS `selector`, if any.
  std::optional<std::string> text(const std::string& selector) {
    auto v = call("POST", path("/execute/sync"),
                  {{"script", "const e = document.querySelector(arguments[0]);"
                              "return e ? e.textContent : null;"},
                   {"args", {selector}}});
    if (v.is_null())
      return std::nullopt;
    return v.get<std::string>();
  }

  /// Clicks the first element matching `selector`, as a user would.
  void click(const std::string& selector) {
    auto found = call("POST", path("/element"), {{"using", "css selector"}, {"value", selector}});
    auto id = found.begin().value().get<std::string>(); // the element reference
    call("POST", path("/element/" + id + "/click"), nlohmann::json::object());
  }

  /// The page as a PNG.
  std::string screenshot() {
    auto b64 = call("GET", path("/screenshot")).get<std::string>();
    std::string png(b64.size() / 4 * 3, '\0');
    auto n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(png.data()),
                             reinterpret_cast<const unsigned char*>(b64.data()),
                             static_cast<int>(b64.size()));
    if (n < 0)
      throw std::runtime_error("webdriver: the screenshot is not base64");
    // EVP_DecodeBlock counts the padding as bytes.
    auto padding = b64.size() - b64.find_last_not_of('=') - 1;
    png.resize(static_cast<size_t>(n) - padding);
    return png;
  }

private:
  static constexpr const char* chromedriver_path = "/usr/bin/chromedriver";
  static constexpr const char* chromium_path = "/usr/bin/chromium";

  std::string path(const std::string& rest) const { return "/session/" + session_ + rest; }

  // One WebDriver command: its "value", or a runtime_error with the driver's message.
  nlohmann::json call(const std::string& method, const std::string& where,
                      const nlohmann::json& body = nullptr) {
    httplib::Result r
      = method == "GET" ? http_->Get(where) : http_->Post(where, body.dump(), "application/json");
    if (!r)
      throw std::runtime_error("webdriver " + where + ": " + httplib::to_string(r.error()));
    auto doc = nlohmann::json::parse(r->body, nullptr, false);
    if (r->status != 200 || doc.is_discarded())
      throw std::runtime_error("webdriver " + where + ": HTTP " + std::to_string(r->status) + " "
                               + r->body.substr(0, 500));
    return doc["value"];
  }

  uint16_t port_ = 0;
  pid_t pid_ = -1;
  std::unique_ptr<httplib::Client> http_;
  std::string session_;
};

} // namespace keel::test
