#include "siwe_login.hpp"

#include <algorithm>

#include "signer.hpp"
#include "web3/address.hpp"
#include "web3/ecrecover.hpp"

namespace sg::auth {

std::string check_siwe_policy(const web3::SiweMessage& m, const AuthConfig& config, int64_t now,
                              std::string* message) {
  bool domain_ok =
      std::find(config.domains.begin(), config.domains.end(), m.domain) != config.domains.end();
  if (!domain_ok) {
    *message = "the message's domain is not this site";
    return "domain_mismatch";
  }
  if (!m.scheme.empty() &&
      std::find(config.schemes.begin(), config.schemes.end(), m.scheme) == config.schemes.end()) {
    *message = "the message's scheme is not accepted";
    return "scheme_mismatch";
  }
  if (std::find(config.chain_ids.begin(), config.chain_ids.end(), m.chain_id) ==
      config.chain_ids.end()) {
    *message = "chain " + std::to_string(m.chain_id) + " is not allowed for sign-in";
    return "chain_not_allowed";
  }
  if (m.issued_at_unix > now + config.clock_skew) {
    *message = "the message was issued in the future";
    return "message_not_yet_valid";
  }
  if (m.not_before && m.not_before_unix > now + config.clock_skew) {
    *message = "the message is not valid yet (Not Before)";
    return "message_not_yet_valid";
  }
  if (m.expiration_time && m.expiration_unix + config.clock_skew <= now) {
    *message = "the message has expired (Expiration Time)";
    return "message_expired";
  }
  return "";
}

std::optional<std::string> SiweLogin::issue_nonce(KvStatus* status) const {
  std::string nonce = random_token(16);  // hex is alphanumeric per the SIWE ABNF
  *status = store_.add_nonce(nonce, tokens_.now() + config_.nonce_ttl);
  if (*status != KvStatus::kOk) return std::nullopt;
  return nonce;
}

LoginResult SiweLogin::login(std::string_view message, std::string_view signature) const {
  LoginResult r;
  r.status = 401;
  if (message.size() > 16 * 1024) {
    r.status = 400;
    r.code = "invalid_siwe_message";
    r.message = "message is too long";
    return r;
  }
  web3::SiweParseError perr;
  auto m = web3::parse_siwe(message, &perr);
  if (!m) {
    r.status = 400;
    r.code = "invalid_siwe_message";
    r.message = perr.field + ": " + perr.message;
    return r;
  }
  r.code = check_siwe_policy(*m, config_, tokens_.now(), &r.message);
  if (!r.code.empty()) return r;
  auto address = web3::parse_checksummed(m->address);  // the parser already checked it
  SignerResult sig = verify_signer(web3::personal_message_hash(message), signature, *address,
                                   chains_.find(m->chain_id));
  if (sig.verdict == SignerVerdict::kUnavailable) {
    r.status = 503;
    r.code = "signature_check_unavailable";
    r.message = sig.message;
    return r;
  }
  if (sig.verdict != SignerVerdict::kValid) {
    r.code = "invalid_signature";
    r.message = sig.message;
    return r;
  }
  // Consumed only after the signature verified, so garbage cannot burn a user's nonce; take()
  // is atomic, so of two concurrent replays exactly one wins.
  switch (store_.take_nonce(m->nonce)) {
    case KvStatus::kOk:
      break;
    case KvStatus::kMissing:
      r.code = "invalid_nonce";
      r.message = "nonce is unknown, expired or already used";
      return r;
    default:
      r.status = 503;
      r.code = "nonce_store_unavailable";
      r.message = "cannot check the nonce right now";
      return r;
  }
  r.token = tokens_.mint_session(m->address, m->chain_id, tokens_.now(), &r.claims);
  r.status = 200;
  return r;
}

}  // namespace sg::auth
