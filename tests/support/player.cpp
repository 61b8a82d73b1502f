#include "player.hpp"

#include "process.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace sgtest {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path kNodeDir = SG_TEST_NODE_DIR;

fs::path play_script() {
  return kNodeDir / "player" / "play.mjs";
}

// The last line of `output` that is a JSON object (play.mjs prints exactly one; node may add
// warnings on stderr around it).
json last_json_line(const std::string& output) {
  json found;
  std::stringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line.front() != '{') continue;
    json j = json::parse(line, nullptr, false);
    if (j.is_object()) found = std::move(j);
  }
  return found;
}

// Stops a child and everything in its process group: SIGTERM first (playwright closes the
// browser on it), SIGKILL after a grace period.
void stop_group(Process& p) {
  if (!p.running()) return;
  ::kill(-p.pid(), SIGTERM);
  p.signal(SIGTERM);
  if (p.wait(std::chrono::seconds(5))) return;
  ::kill(-p.pid(), SIGKILL);
  p.signal(SIGKILL);
  p.wait(std::chrono::seconds(5));
}

struct NodeRun {
  std::optional<int> exit_code;  // nullopt: killed at the timeout
  std::string output;
};

NodeRun run_node(std::vector<std::string> argv, std::chrono::milliseconds timeout) {
  TempDir dir("sg-player");
  const fs::path log = dir.path() / "output.log";
  Process p = Process::spawn(std::move(argv), {}, log);
  NodeRun r;
  r.exit_code = p.wait(timeout);
  if (!r.exit_code) stop_group(p);
  r.output = read_file(log);
  return r;
}

std::string kind_name(PlayerKind kind) {
  return kind == PlayerKind::hls ? "hls" : "dash";
}

std::string format_seconds(double s) {
  std::ostringstream out;
  out << s;
  return out.str();
}

std::vector<int64_t> int_list(const json& j) {
  std::vector<int64_t> v;
  if (!j.is_array()) return v;
  for (const auto& x : j) {
    if (x.is_number()) v.push_back(static_cast<int64_t>(x.get<double>()));
  }
  return v;
}

std::string compute_skip_reason() {
  if (!in_path("node")) return "node is not in PATH";
  const fs::path modules = kNodeDir / "node_modules";
  for (const fs::path& need :
       {fs::path("playwright-core/package.json"), fs::path("hls.js/dist/hls.min.js"),
        fs::path("dashjs/dist/modern/umd/dash.all.min.js")}) {
    if (!fs::exists(modules / need)) {
      return "missing " + (modules / need).string() + " (run scripts/install-node-deps.sh)";
    }
  }
  const char* given = std::getenv("SG_CHROMIUM");
  if (given == nullptr || *given == '\0') {
    if (::access("/usr/bin/chromium", X_OK) != 0 &&
        ::access("/usr/bin/chromium-browser", X_OK) != 0) {
      return "no chromium (apt-get install chromium, or set SG_CHROMIUM)";
    }
  }
  NodeRun r = run_node({"node", play_script().string(), "--probe"}, std::chrono::seconds(45));
  const json report = last_json_line(r.output);
  if (r.exit_code == 0 && report.value("ok", false)) return "";
  std::string why = report.is_object() ? report.value("reason", std::string()) : std::string();
  if (why.empty()) why = r.output.substr(0, 2000);
  return "chromium does not start: " + why;
}

}  // namespace

std::string PlayResult::describe() const {
  std::ostringstream out;
  out << (ok ? "played" : "did not play") << " (exit " << exit_code << ", currentTime "
      << current_time << ")";
  if (!reason.empty()) out << "; reason: " << reason;
  if (!fatal_error.empty()) out << "; fatal error: " << fatal_error;
  if (!errors.empty()) {
    out << "; errors:";
    for (const auto& e : errors) out << "\n  " << e;
  }
  out << "\noutput: " << output.substr(0, 8000);
  return out.str();
}

PlayResult play_in_browser(const std::string& manifest_url, PlayerKind kind, PlayOptions opts) {
  std::vector<std::string> argv{"node",         play_script().string(),
                                "--url",        manifest_url,
                                "--kind",       kind_name(kind),
                                "--seconds",    format_seconds(opts.seconds),
                                "--timeout-ms", std::to_string(opts.timeout.count())};
  if (opts.switch_levels) argv.emplace_back("--switch");
  // play.mjs bounds itself; the margin covers node's start and the browser's close.
  NodeRun r = run_node(std::move(argv), opts.timeout + std::chrono::seconds(15));

  PlayResult result;
  result.exit_code = r.exit_code.value_or(-1);
  result.output = std::move(r.output);
  result.report = last_json_line(result.output);
  if (!result.report.is_object()) {
    result.report = nullptr;
    result.reason = r.exit_code ? "play.mjs printed no JSON report"
                                : "play.mjs did not finish in time and was killed";
    return result;
  }
  const json& j = result.report;
  if (j.contains("currentTime") && j["currentTime"].is_number()) {
    result.current_time = j["currentTime"].get<double>();
  }
  result.levels_fetched = int_list(j.value("levelsFetched", json::array()));
  result.levels_rendered = int_list(j.value("levelsRendered", json::array()));
  if (j.contains("fatalError") && j["fatalError"].is_string()) {
    result.fatal_error = j["fatalError"].get<std::string>();
  }
  if (j.contains("errors") && j["errors"].is_array()) {
    for (const auto& e : j["errors"])
      result.errors.push_back(e.is_string() ? e.get<std::string>() : e.dump());
  }
  if (j.contains("reason") && j["reason"].is_string())
    result.reason = j["reason"].get<std::string>();
  result.ok = r.exit_code == 0 && j.value("ok", false);
  if (!result.ok && result.reason.empty()) {
    result.reason = "play.mjs exited with " + std::to_string(result.exit_code);
  }
  return result;
}

std::string browser_skip_reason() {
  static const std::string reason = compute_skip_reason();
  return reason;
}

StaticServer::StaticServer(const fs::path& root, std::chrono::milliseconds ready_timeout)
    : dir_("sg-static") {
  process_ = Process::spawn(
      {"node", (kNodeDir / "player" / "static.mjs").string(), "--root", root.string()}, {},
      dir_.path() / "static.log");
  const auto deadline = std::chrono::steady_clock::now() + ready_timeout;
  while (true) {
    const std::string out = log();
    const json first = last_json_line(out.substr(0, out.find('\n')));
    if (first.is_object() && first.contains("port")) {
      port_ = first["port"].get<uint16_t>();
      return;
    }
    if (!process_.running()) {
      throw std::runtime_error("static.mjs exited: " + out);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("static.mjs did not start in time: " + out);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

StaticServer::~StaticServer() {
  if (process_.running()) {
    process_.signal(SIGTERM);
    if (!process_.wait(std::chrono::seconds(5))) process_.signal(SIGKILL);
  }
}

std::string StaticServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/" + path;
}

std::string StaticServer::log() const {
  return read_file(dir_.path() / "static.log");
}

}  // namespace sgtest
