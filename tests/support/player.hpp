#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "process.hpp"
#include "temp_dir.hpp"

namespace sgtest {

// Real-browser playback: tests/node/player/play.mjs drives Debian's chromium (playwright-core)
// with the pinned hls.js or dash.js and reports one JSON line; see that script for the
// details. Needs node, tests/node/node_modules (scripts/install-node-deps.sh) and chromium
// (scripts/install-deps.sh test; another binary with $SG_CHROMIUM).

enum class PlayerKind { hls, dash };

struct PlayOptions {
  // Playback must pass this many seconds of media time.
  double seconds = 3.0;
  // Start on the lowest video rung with ABR off, then switch to the top rung: both rungs'
  // segments must be fetched and the top one rendered.
  bool switch_levels = false;
  // The whole run (browser start, load, play) inside play.mjs; the child is killed a little
  // after it if it does not exit by itself.
  std::chrono::milliseconds timeout = std::chrono::seconds(30);
};

struct PlayResult {
  bool ok = false;          // play.mjs exited 0 and said ok
  int exit_code = -1;       // play.mjs's exit code; -1 when it was killed at the timeout
  double current_time = 0;  // the video element's currentTime at the end, seconds
  // Video rungs (by height; by bitrate when the manifest has no height) with at least one
  // media segment the player loaded and the browser fetched with a 2xx, ascending.
  std::vector<int64_t> levels_fetched;
  // Rungs the player reported switching to on screen (dash.js does not report the first).
  std::vector<int64_t> levels_rendered;
  std::string fatal_error;          // "" when none
  std::vector<std::string> errors;  // non-fatal errors, failed requests, console errors
  std::string reason;               // why it is not ok ("" when ok)
  nlohmann::json report;            // the whole JSON line (null when there was none)
  std::string output;               // play.mjs's raw stdout + stderr

  // One paragraph for assertion messages: reason, fatal error, errors and the raw output.
  std::string describe() const;
};

// Plays `manifest_url` (used as given, query string included) in headless chromium and
// proves playback as PlayOptions ask. Never throws for a failed playback: look at ok.
PlayResult play_in_browser(const std::string& manifest_url, PlayerKind kind, PlayOptions opts = {});

// Why play_in_browser cannot run here ("" when it can): node missing, node_modules missing
// (playwright-core, hls.js, dashjs), no chromium, or chromium failing to start. Checked once
// per process (the check starts the browser once, about a second). For GTEST_SKIP().
std::string browser_skip_reason();

// tests/node/player/static.mjs as a child process: serves `root` on 127.0.0.1 (a free port)
// with CORS open to every origin and the MIME types players expect. The query string of a
// request is ignored when looking up the file. Killed with the object.
class StaticServer {
 public:
  // Throws std::runtime_error (with the server's output) if it does not start.
  explicit StaticServer(const std::filesystem::path& root,
                        std::chrono::milliseconds ready_timeout = std::chrono::seconds(10));
  StaticServer(const StaticServer&) = delete;
  StaticServer& operator=(const StaticServer&) = delete;
  ~StaticServer();

  uint16_t port() const { return port_; }
  // "http://127.0.0.1:<port>/" + path (path without a leading slash).
  std::string url(const std::string& path = "") const;
  // Its output so far: the JSON line, then one line per request ("GET /a/b?x 200").
  std::string log() const;

 private:
  TempDir dir_;
  Process process_;
  uint16_t port_ = 0;
};

}  // namespace sgtest
