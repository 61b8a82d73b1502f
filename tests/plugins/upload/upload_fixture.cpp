#include "upload_fixture.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <thread>

namespace sgtest::upload {

bool plugin_built(const std::string& id) {
  return std::filesystem::exists(std::filesystem::path(SG_TEST_PLUGIN_DIR) / (id + ".so"));
}

namespace {
nlohmann::json config_for(const nlohmann::json& upload_config, const nlohmann::json& extra) {
  nlohmann::json cfg{{"plugins", {{"upload", upload_config}}}};
  cfg["logging"]["level"] = "info";
  cfg.merge_patch(extra);
  return cfg;
}
}  // namespace

UploadServer::UploadServer(nlohmann::json upload_config, bool with_catalogue,
                           nlohmann::json extra_config)
    : server(config_for(upload_config, extra_config)),
      metadata_(with_catalogue && plugin_built("metadata")),
      jobs_(with_catalogue && plugin_built("worker")) {
  std::vector<std::string> plugins{"gateway", "test_identity", "upload"};
  if (metadata_) plugins.push_back("metadata");
  if (jobs_) plugins.push_back("worker");
  server.use_plugins(plugins);
}

bool UploadServer::start() {
  if (!server.start()) return false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (http(port(), "OPTIONS", "/files/").status == 204) return true;
    } catch (const std::exception&) {
      // not accepting yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "upload routes never appeared\n" << server.log();
  return false;
}

Headers UploadServer::tus(const std::string& who, Headers extra) {
  Headers h{{"Tus-Resumable", "1.0.0"}};
  if (!who.empty()) h.emplace_back("Authorization", "Bearer test." + who);
  h.insert(h.end(), extra.begin(), extra.end());
  return h;
}

std::string UploadServer::create(uint64_t length, const std::string& who, Headers extra) {
  extra.emplace_back("Upload-Length", std::to_string(length));
  auto r = http(port(), "POST", "/files/", "", tus(who, extra));
  EXPECT_EQ(r.status, 201) << r.body;
  return r.header("Location");
}

HttpResponse UploadServer::patch(const std::string& location, uint64_t offset,
                                 const std::string& body, const std::string& who, Headers extra) {
  extra.emplace_back("Upload-Offset", std::to_string(offset));
  extra.emplace_back("Content-Type", "application/offset+octet-stream");
  return http(port(), "PATCH", location, body, tus(who, extra), std::chrono::seconds(60));
}

HttpResponse UploadServer::head(const std::string& location, const std::string& who) {
  return http(port(), "HEAD", location, "", tus(who));
}

std::string chunked_patch(const std::string& location, const std::string& who, uint64_t offset,
                          std::string_view body, size_t chunk, const std::string& extra_headers) {
  std::string request = "PATCH " + location +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
                        "Authorization: Bearer test." +
                        who + "\r\nUpload-Offset: " + std::to_string(offset) +
                        "\r\nContent-Type: application/offset+octet-stream\r\n" + extra_headers +
                        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
  char size_line[32];
  for (size_t at = 0; at < body.size(); at += chunk) {
    std::string_view piece = body.substr(at, chunk);
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", piece.size());
    request += size_line;
    request.append(piece);
    request += "\r\n";
  }
  return request + "0\r\n\r\n";
}

std::string raw_exchange(uint16_t port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    size_t sent = 0;
    while (sent < request.size()) {
      ssize_t w = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (w <= 0) break;
      sent += static_cast<size_t>(w);
    }
    char buf[4096];
    for (;;) {
      ssize_t r = ::recv(fd, buf, sizeof buf, 0);
      if (r <= 0) break;
      out.append(buf, static_cast<size_t>(r));
    }
  }
  ::close(fd);
  return out;
}

std::string id_of(const std::string& location) {
  auto slash = location.rfind('/');
  return slash == std::string::npos ? location : location.substr(slash + 1);
}

}  // namespace sgtest::upload
