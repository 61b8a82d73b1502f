// REST endpoints of auth.so: /api/v1/auth/* (SIWE, sessions, EIP-712) and /api/v1/web3/*
// (NFT verification, chains). Anything that may block (cache service, chain RPC) runs on
// the host's blocking pool; handlers answer later from there.
#pragma once

#include <streamgate/plugin.hpp>
#include <streamgate/services/auth.hpp>
#include <streamgate/services/http.hpp>

#include "context.hpp"

namespace sg::auth {

// Context first and the Router second, as in every plugin; auth's Context has no Host of its
// own (tests build it without one), so the host comes third.
void add_routes(Context& core, sg::http::Router& router, const sg::Host& host);

// The session token a request carries, read by sg::credentials (shared with the gateway):
// "Authorization: Bearer <t>", else the sg_session cookie; "" when neither, nullopt when the
// credential is present but malformed.
std::optional<std::string> request_token(const sg::http::Exchange& ex);

}  // namespace sg::auth
