#include "raw_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace sgtest {
namespace {
int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}
}  // namespace

RawClient::RawClient(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error(std::string("connect failed: ") + std::strerror(errno));
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

RawClient::~RawClient() {
  close();
}

void RawClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool RawClient::send(std::string_view data, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!data.empty()) {
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) <= 0) return false;
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool RawClient::fill(std::chrono::steady_clock::time_point deadline) {
  pollfd p{fd_, POLLIN, 0};
  int r = ::poll(&p, 1, remaining_ms(deadline));
  if (r <= 0) return false;
  char tmp[65536];
  ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
  if (n <= 0) return false;
  buf_.append(tmp, static_cast<std::size_t>(n));
  return true;
}

std::string RawClient::read_some(std::size_t n, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (buf_.empty()) fill(deadline);
  std::string out = buf_.substr(0, n);
  buf_.erase(0, out.size());
  return out;
}

bool RawClient::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, remaining_ms(deadline));
    if (r <= 0) return false;
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n == 0) return true;
    if (n < 0) return errno != EAGAIN && errno != EINTR;
  }
  return false;
}

std::optional<sgtest::HttpResponse> RawClient::read_response(std::chrono::milliseconds timeout,
                                                             bool head) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t end;
  while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
    if (!fill(deadline)) return std::nullopt;
  std::string header = buf_.substr(0, end);
  buf_.erase(0, end + 4);
  sgtest::HttpResponse res;
  std::size_t line_end = header.find("\r\n");
  std::string status_line = header.substr(0, line_end);
  if (status_line.size() < 12) return std::nullopt;
  res.status = std::stoi(status_line.substr(9, 3));
  std::size_t pos = line_end == std::string::npos ? header.size() : line_end + 2;
  while (pos < header.size()) {
    std::size_t e = header.find("\r\n", pos);
    if (e == std::string::npos) e = header.size();
    std::string line = header.substr(pos, e - pos);
    std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      res.headers.emplace_back(line.substr(0, colon), value);
    }
    pos = e + 2;
  }
  if (head || res.status == 204 || res.status == 304 || res.status < 200) return res;
  std::string cl = res.header("content-length");
  if (!cl.empty()) {
    std::size_t len = std::stoull(cl);
    while (buf_.size() < len)
      if (!fill(deadline)) return std::nullopt;
    res.body = buf_.substr(0, len);
    buf_.erase(0, len);
    return res;
  }
  // No length: read to EOF.
  while (fill(deadline)) {
  }
  res.body = std::move(buf_);
  buf_.clear();
  return res;
}

}  // namespace sgtest
