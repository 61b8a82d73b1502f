#include "hasher.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace sg::upload {
namespace {

const EVP_MD* md_for(DigestAlgorithm alg) {
  switch (alg) {
    case DigestAlgorithm::sha1:
      return EVP_sha1();
    case DigestAlgorithm::sha256:
      return EVP_sha256();
    case DigestAlgorithm::md5:
      return EVP_md5();
  }
  return EVP_sha256();
}

}  // namespace

std::optional<DigestAlgorithm> digest_from_name(std::string_view name) {
  if (name == "sha1") return DigestAlgorithm::sha1;
  if (name == "sha256") return DigestAlgorithm::sha256;
  if (name == "md5") return DigestAlgorithm::md5;
  return std::nullopt;
}

std::string_view digest_name(DigestAlgorithm alg) {
  switch (alg) {
    case DigestAlgorithm::sha1:
      return "sha1";
    case DigestAlgorithm::sha256:
      return "sha256";
    case DigestAlgorithm::md5:
      return "md5";
  }
  return "sha256";
}

size_t digest_size(DigestAlgorithm alg) {
  switch (alg) {
    case DigestAlgorithm::sha1:
      return 20;
    case DigestAlgorithm::sha256:
      return 32;
    case DigestAlgorithm::md5:
      return 16;
  }
  return 32;
}

void Hasher::CtxDeleter::operator()(void* ctx) const noexcept {
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx));
}

Hasher::Hasher(DigestAlgorithm alg) : alg_(alg), ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_.get()), md_for(alg), nullptr) != 1)
    throw std::runtime_error("EVP_DigestInit_ex failed");
}

Hasher::Hasher(const Hasher& other) : alg_(other.alg_), ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_MD_CTX_copy_ex(static_cast<EVP_MD_CTX*>(ctx_.get()),
                                  static_cast<const EVP_MD_CTX*>(other.ctx_.get())) != 1)
    throw std::runtime_error("EVP_MD_CTX_copy_ex failed");
}

Hasher& Hasher::operator=(const Hasher& other) {
  if (this != &other) {
    Hasher copy(other);
    *this = std::move(copy);
  }
  return *this;
}

Hasher::~Hasher() = default;

void Hasher::update(std::string_view data) {
  if (data.empty()) return;
  if (EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_.get()), data.data(), data.size()) != 1)
    throw std::runtime_error("EVP_DigestUpdate failed");
}

std::string Hasher::digest() const {
  Hasher copy(*this);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(copy.ctx_.get()), out, &n) != 1)
    throw std::runtime_error("EVP_DigestFinal_ex failed");
  return std::string(reinterpret_cast<const char*>(out), n);
}

std::string Hasher::hex_digest() const {
  return to_hex(digest());
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

}  // namespace sg::upload
