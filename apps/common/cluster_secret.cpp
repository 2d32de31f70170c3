#include "apps/common/cluster_secret.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actors/security/core/crypto.hpp"

namespace keel::config {

namespace {

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

// Writes a fresh secret to a temporary file and links it into place: link()
// fails if the file exists, so a concurrent creator's secret wins and both
// read the same one.
result<void, secret_error> create(const std::string& path) {
  auto failed = [](std::string why) {
    return secret_error{secret_errc::cannot_create, std::move(why)};
  };
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  auto tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0)
    return failed("cannot create the cluster secret " + tmp + ": " + std::strerror(errno));
  auto text = hex(security::random_bytes(32)) + "\n";
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size())
                 && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    return failed("cannot write the cluster secret " + tmp);
  }
  int rc = ::link(tmp.c_str(), path.c_str());
  int err = errno;
  ::unlink(tmp.c_str());
  if (rc != 0 && err != EEXIST)
    return failed("cannot create the cluster secret " + path + ": " + std::strerror(err));
  return {};
}

} // namespace

result<std::string, secret_error> load_cluster_secret(const std::string& path,
                                                      bool create_missing) {
  auto unreadable = [](std::string why) {
    return secret_error{secret_errc::unreadable, std::move(why)};
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT || !create_missing)
      return unreadable("cannot read the cluster secret " + path + ": " + std::strerror(errno)
                        + " (set [cluster] secret_file, or start a node once to create it)");
    if (auto created = create(path); !created)
      return created.error();
    if (::stat(path.c_str(), &st) != 0)
      return unreadable("cannot read the cluster secret " + path + ": " + std::strerror(errno));
  }
  if (st.st_mode & 077)
    return secret_error{secret_errc::readable_by_others,
                        "the cluster secret " + path + " can be read by other users: chmod 600 "
                          + path};
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  auto text = s.str();
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.pop_back();
  if (text.size() < 32)
    return secret_error{secret_errc::too_short,
                        "the cluster secret " + path + " holds " + std::to_string(text.size())
                          + " bytes; at least 32 are needed (openssl rand -hex 32 > " + path + ")"};
  return text;
}

} // namespace keel::config
