#include "postgres_server.hpp"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "ports.hpp"

namespace sgtest {
namespace {

std::filesystem::path postgres_bin_dir() {
  std::filesystem::path root("/usr/lib/postgresql");
  std::error_code ec;
  std::vector<std::filesystem::path> versions;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec))
    if (std::filesystem::exists(entry.path() / "bin" / "initdb")) versions.push_back(entry.path());
  if (versions.empty()) return {};
  std::sort(versions.begin(), versions.end());
  return versions.back() / "bin";
}

}  // namespace

PostgresServer::PostgresServer() : dir_("sg-pg"), port_(free_port()) {
  data_dir_ = dir_.path() / "data";
}

PostgresServer::~PostgresServer() {
  if (process_.running()) stop();
}

bool PostgresServer::available() { return !postgres_bin_dir().empty(); }

std::vector<std::string> PostgresServer::as_server_user(std::vector<std::string> argv) const {
  if (::geteuid() != 0) return argv;
  // initdb and postgres refuse to run as root.
  std::vector<std::string> wrapped = {"runuser", "-u", "postgres", "--"};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

void PostgresServer::start() {
  auto bin = postgres_bin_dir();
  if (bin.empty()) throw std::runtime_error("PostgreSQL server binaries not installed");
  if (!initialised_) {
    if (::geteuid() == 0) {
      passwd* pw = ::getpwnam("postgres");
      if (pw == nullptr) throw std::runtime_error("running as root but no 'postgres' user exists");
      if (::chown(dir_.path().c_str(), pw->pw_uid, pw->pw_gid) != 0)
        throw std::runtime_error("cannot chown " + dir_.path().string() + " to postgres");
    }
    auto r = run_command(as_server_user({(bin / "initdb").string(), "-D", data_dir_.string(), "-U",
                                         "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"}));
    if (r.exit_code != 0) throw std::runtime_error("initdb failed:\n" + r.output);
    initialised_ = true;
  }
  process_ = Process::spawn(
      as_server_user({(bin / "postgres").string(), "-D", data_dir_.string(), "-p",
                      std::to_string(port_), "-k", dir_.path().string(), "-c",
                      "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
                      "synchronous_commit=off", "-c", "full_page_writes=off", "-c",
                      "max_connections=100"}),
      {}, dir_.path() / "postgres.log");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_.running()) throw std::runtime_error("postgres exited during start-up:\n" + log());
    auto r = run_command({(bin / "pg_isready").string(), "-h", "127.0.0.1", "-p",
                          std::to_string(port_), "-U", "postgres"},
                         {}, std::chrono::seconds(5));
    if (r.exit_code == 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("postgres did not become ready within 30 s:\n" + log());
}

void PostgresServer::stop() {
  if (!process_.running()) return;
  auto bin = postgres_bin_dir();
  run_command(as_server_user({(bin / "pg_ctl").string(), "stop", "-D", data_dir_.string(), "-m",
                              "fast", "-w", "-t", "20"}));
  if (!process_.wait(std::chrono::seconds(20))) {
    process_.signal(SIGKILL);
    process_.wait(std::chrono::seconds(5));
  }
}

void PostgresServer::kill() {
  if (!process_.running()) return;
  auto bin = postgres_bin_dir();
  run_command(as_server_user({(bin / "pg_ctl").string(), "stop", "-D", data_dir_.string(), "-m",
                              "immediate", "-w", "-t", "20"}));
  process_.wait(std::chrono::seconds(20));
}

bool PostgresServer::running() { return process_.running(); }

std::string PostgresServer::url() const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres";
}

std::string PostgresServer::log() const { return read_file(dir_.path() / "postgres.log"); }

std::string PostgresServer::psql(const std::string& sql) const {
  auto r = run_command({"psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                        "-p", std::to_string(port_), "-U", "postgres", "-d", "postgres", "-c", sql});
  if (r.exit_code != 0) throw std::runtime_error("psql failed: " + r.output);
  return r.output;
}

}  // namespace sgtest
