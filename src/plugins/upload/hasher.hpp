// Incremental digests over OpenSSL EVP for the tus checksum extension and the whole-file
// SHA-256. Copyable (EVP_MD_CTX_copy_ex) so a chunk's effect can be rolled back when its
// checksum does not match.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sg::upload {

enum class DigestAlgorithm { sha1, sha256, md5 };

// "sha1" | "sha256" | "md5" (exact, lowercase as tus names them); nullopt otherwise.
std::optional<DigestAlgorithm> digest_from_name(std::string_view name);
std::string_view digest_name(DigestAlgorithm alg);
size_t digest_size(DigestAlgorithm alg);

class Hasher {
 public:
  explicit Hasher(DigestAlgorithm alg);
  Hasher(const Hasher& other);
  Hasher& operator=(const Hasher& other);
  Hasher(Hasher&&) noexcept = default;
  Hasher& operator=(Hasher&&) noexcept = default;
  ~Hasher();

  void update(std::string_view data);
  // Raw digest bytes; the hasher is left unchanged (a copy is finalised).
  std::string digest() const;
  std::string hex_digest() const;
  DigestAlgorithm algorithm() const noexcept { return alg_; }

 private:
  struct CtxDeleter {
    void operator()(void* ctx) const noexcept;
  };
  DigestAlgorithm alg_;
  std::unique_ptr<void, CtxDeleter> ctx_;
};

std::string to_hex(std::string_view bytes);

}  // namespace sg::upload
