#include "client_address.hpp"

namespace sg::gateway {

void ClientAddress::resolve(const TrustedProxies& proxies, const RequestParser& parser) {
  forwarded_ = false;
  if (proxies.empty() || !proxies.trusts(peer_ip_)) return;
  const auto& req = parser.get();
  std::string forwarded;
  for (auto range = req.equal_range("X-Forwarded-For"); range.first != range.second;
       ++range.first) {
    if (!forwarded.empty()) forwarded += ',';
    forwarded.append(range.first->value().data(), range.first->value().size());
  }
  forwarded_ip_ = proxies.client_ip(peer_ip_, forwarded);
  if (forwarded_ip_ == peer_ip_) return;
  forwarded_remote_ =
      forwarded_ip_.find(':') != std::string::npos ? "[" + forwarded_ip_ + "]" : forwarded_ip_;
  forwarded_ = true;
}

}  // namespace sg::gateway
