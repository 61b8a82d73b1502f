// streamgate: parses the command line, loads the configuration and runs the kernel.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli.hpp"
#include "config.hpp"
#include "kernel.hpp"
#include "log.hpp"
#include "redact.hpp"
#include "signals.hpp"

namespace {

int list_plugins(sgk::Kernel& kernel) {
  // Start order when dependencies resolve; load order (with a warning) when they do not, so
  // the listing still helps to find what is missing.
  std::vector<size_t> order;
  if (auto st = kernel.resolve_dependencies(); st) {
    order = kernel.start_order();
  } else {
    std::fprintf(stderr, "streamgate: warning: %s\n", st.error().c_str());
    for (size_t i = 0; i < kernel.plugins().size(); ++i) order.push_back(i);
  }
  for (size_t idx : order) {
    const auto& info = kernel.plugins()[idx]->info;
    std::string provides, requires_;
    for (const auto& s : info.provides) {
      provides += (provides.empty() ? "" : ",") + s.name + "@" + std::to_string(s.major) + "." +
                  std::to_string(s.minor);
    }
    for (const auto& r : info.requires_) {
      requires_ += (requires_.empty() ? "" : ",") + r.name + "@" + std::to_string(r.major) + "." +
                   std::to_string(r.min_minor) + (r.optional ? "?" : "");
    }
    std::cout << info.id << "\t" << info.version << "\t" << info.file.string()
              << "\tprovides=" << (provides.empty() ? "-" : provides)
              << "\trequires=" << (requires_.empty() ? "-" : requires_) << "\n";
  }
  std::cout.flush();
  return 0;
}

int run(sgk::Kernel& kernel) {
  auto log = sgk::logging::kernel();
  sgk::SignalWatcher watcher(
      [&kernel](int sig) { kernel.request_shutdown(sig == SIGINT ? "SIGINT" : "SIGTERM"); });
  if (auto st = kernel.start(); !st) {
    std::fprintf(stderr, "streamgate: error: %s\n", st.error().c_str());
    return 1;
  }
  kernel.wait_for_shutdown();
  bool clean = kernel.stop();
  log->info("streamgate stopped{}", clean ? "" : " (some plugins did not stop cleanly)");
  if (kernel.has_late_plugins()) {
    // A plugin may still run code that calls into the kernel: do not destroy it under it.
    std::fflush(nullptr);
    _exit(1);
  }
  return clean ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto cli = sgk::parse_cli(args);
  if (!cli) {
    std::fprintf(stderr, "streamgate: %s\n\n%s", cli.error().c_str(), sgk::usage_text().c_str());
    return 2;
  }
  const auto& opts = cli.value();
  if (opts.command == sgk::Command::help) {
    std::cout << sgk::usage_text();
    return 0;
  }
  if (opts.command == sgk::Command::version) {
    std::cout << sgk::version_text() << "\n";
    return 0;
  }
  // Before any thread exists, so that every thread inherits the blocked mask and the
  // signal watcher is the only receiver.
  if (opts.command == sgk::Command::run) sgk::block_termination_signals();

  std::optional<std::filesystem::path> file;
  if (opts.config_file) file = *opts.config_file;
  auto config = sgk::load_config(file, sgk::process_environment());
  if (!config) {
    std::fprintf(stderr, "streamgate: config error: %s\n", config.error().c_str());
    return 1;
  }
  sgk::logging::configure(config.value().logging);
  auto log = sgk::logging::kernel();
  log->info("{} starting (config {})", sgk::version_text(), config.value().source.file);
  if (log->should_log(spdlog::level::debug)) {
    log->debug("effective configuration: {}", sgk::redact(config.value().tree).dump());
  }

  int rc = 0;
  {
    sgk::Kernel kernel(std::move(config).value());
    auto st = opts.command == sgk::Command::list_plugins ? kernel.load_descriptors()
                                                         : kernel.load_plugins();
    if (!st) {
      std::fprintf(stderr, "streamgate: error: %s\n", st.error().c_str());
      return 1;
    }
    switch (opts.command) {
      case sgk::Command::check_config:
        std::cout << "configuration OK: " << kernel.config().source.file << ", "
                  << kernel.plugins().size() << " plugin(s), dependencies satisfied\n";
        rc = 0;
        break;
      case sgk::Command::list_plugins:
        rc = list_plugins(kernel);
        break;
      default:
        rc = run(kernel);
        break;
    }
  }
  return rc;
}
