// Who may fetch a content's media: the rule of each visibility, decided without I/O. NFT
// gates are only named here (check_gate); the caller asks auth's gate_check_async.
#pragma once

#include <map>
#include <optional>
#include <string>

#include <streamgate/services/http.h>
#include <nlohmann/json.hpp>

#include "content_cache.hpp"

namespace sg::streaming {

enum class TokenState { absent, valid, invalid };

struct Access {
  enum Outcome { allow, deny, check_gate } outcome = deny;
  bool via_token = false;  // allowed by the request's playback token (reuse it in manifests)
  int status = 0;          // for deny: 401 or 403
  std::string code;
  std::string message;
};

// - public: anyone (tokens are neither needed nor checked).
// - a playback token on the request decides alone: valid for this content = allow, anything
//   else = 401 (a bad token is never ignored in favour of another credential).
// - a session: the owner and administrators always; signed_in any session; token_gated
//   the NFT rule (check_gate).
// - nothing: 401.
Access decide_access(const ContentInfo& content, const sg_http_identity& identity, TokenState token,
                     const std::string& token_error = {});

// The `required` object of a 403: what the viewer must hold.
// {"type":"nft","chain_id","chain_name","contract","standard","token_id","min_balance"}
nlohmann::json required_for(const ContentInfo& content,
                            const std::map<uint64_t, std::string>& chain_names);

}  // namespace sg::streaming
