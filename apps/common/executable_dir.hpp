// The directory of the running executable: keelctl and keel-bench start the
// keel-node that sits next to them (build/bin/).
#pragma once

#include <filesystem>
#include <string>

namespace keel {

inline std::string executable_directory() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string{"."} : exe.parent_path().string();
}

} // namespace keel
