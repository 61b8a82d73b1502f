#include "process_stats.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace sg::monitor {
namespace {

std::optional<std::string> read_file(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Counts the entries of /proc/self/fd, leaving out the descriptor opendir() itself holds.
std::optional<double> count_open_fds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  const std::string own = std::to_string(dirfd(dir));
  double count = 0;
  while (dirent* entry = readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name == "." || name == ".." || name == own) continue;
    ++count;
  }
  closedir(dir);
  return count;
}

std::optional<double> boot_time_seconds() {
  auto stat = read_file("/proc/stat");
  if (!stat) return std::nullopt;
  std::istringstream in(*stat);
  std::string key;
  while (in >> key) {
    if (key == "btime") {
      double btime = 0;
      if (in >> btime) return btime;
      return std::nullopt;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return std::nullopt;
}

// Fields of /proc/self/stat after the command name, which may itself hold spaces and
// parentheses: everything after the LAST ')' is whitespace-separated, starting at field 3.
std::vector<std::string> stat_fields_after_comm() {
  auto stat = read_file("/proc/self/stat");
  std::vector<std::string> fields;
  if (!stat) return fields;
  size_t close = stat->rfind(')');
  if (close == std::string::npos) return fields;
  std::istringstream in(stat->substr(close + 1));
  std::string f;
  while (in >> f) fields.push_back(f);
  return fields;
}

}  // namespace

ProcessStats read_process_stats() {
  ProcessStats s;
  const long page = sysconf(_SC_PAGESIZE);
  const long ticks = sysconf(_SC_CLK_TCK);

  if (auto statm = read_file("/proc/self/statm")) {
    std::istringstream in(*statm);
    double size_pages = 0;
    double resident_pages = 0;
    if (in >> size_pages >> resident_pages && page > 0) {
      s.virtual_memory_bytes = size_pages * static_cast<double>(page);
      s.resident_memory_bytes = resident_pages * static_cast<double>(page);
    }
  }

  s.open_fds = count_open_fds();
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    s.max_fds = static_cast<double>(lim.rlim_cur);
  }

  // Field numbers from proc(5): utime=14, stime=15, starttime=22; index 0 here is field 3.
  const std::vector<std::string> f = stat_fields_after_comm();
  if (f.size() > 19 && ticks > 0) {
    const double hz = static_cast<double>(ticks);
    s.cpu_seconds_total =
        (std::strtod(f[11].c_str(), nullptr) + std::strtod(f[12].c_str(), nullptr)) / hz;
    if (auto btime = boot_time_seconds()) {
      s.start_time_seconds = *btime + std::strtod(f[19].c_str(), nullptr) / hz;
    }
  }
  return s;
}

}  // namespace sg::monitor
