#include "access.hpp"

#include <cctype>

namespace sg::streaming {
namespace {

bool same_address(const std::string& a, const char* b) {
  std::string_view bv(b);
  if (a.empty() || a.size() != bv.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(bv[i])))
      return false;
  return true;
}

Access denied(int status, std::string code, std::string message) {
  Access a;
  a.outcome = Access::deny;
  a.status = status;
  a.code = std::move(code);
  a.message = std::move(message);
  return a;
}

Access allowed(bool via_token = false) {
  Access a;
  a.outcome = Access::allow;
  a.via_token = via_token;
  return a;
}

}  // namespace

Access decide_access(const ContentInfo& content, const sg_http_identity& identity, TokenState token,
                     const std::string& token_error) {
  if (content.visibility == "public") return allowed();
  if (token == TokenState::valid) return allowed(true);
  if (token == TokenState::invalid)
    return denied(401, "invalid_playback_token",
                  token_error.empty() ? "the playback token is not valid for this content"
                                      : "the playback token is not valid: " + token_error);
  if (!identity.authenticated)
    return denied(401, "sign_in_required", "sign in (or use a playback token) to watch this");
  if (identity.is_admin || same_address(content.owner, identity.address)) return allowed();
  if (content.visibility == "signed_in") return allowed();
  if (content.visibility == "token_gated") {
    if (!content.gate.is_object())
      return denied(403, "gate_denied", "this content is gated but has no gate rule");
    Access a;
    a.outcome = Access::check_gate;
    return a;
  }
  return denied(403, "forbidden", "this content cannot be watched");
}

nlohmann::json required_for(const ContentInfo& content,
                            const std::map<uint64_t, std::string>& chain_names) {
  const auto& g = content.gate;
  if (!g.is_object()) return nullptr;
  nlohmann::json r{{"type", "nft"}};
  uint64_t chain = g.value("chain_id", uint64_t{0});
  r["chain_id"] = chain;
  auto name = chain_names.find(chain);
  r["chain_name"] =
      name == chain_names.end() ? nlohmann::json(nullptr) : nlohmann::json(name->second);
  r["contract"] = g.value("contract", "");
  r["standard"] = g.value("standard", "");
  r["token_id"] = g.contains("token_id") ? g["token_id"] : nlohmann::json(nullptr);
  r["min_balance"] = g.contains("min_balance") ? g["min_balance"] : nlohmann::json(1);
  return r;
}

}  // namespace sg::streaming
