// The development session key: generated once, kept under server.data_dir, reused on later
// starts so sessions survive a restart. Used only in server.dev_mode when no jwt_secret is
// configured; there is no built-in key anywhere.
#pragma once

#include <filesystem>
#include <string>

namespace sg::auth {

struct StoredSecret {
  std::string value;  // >= 32 bytes
  bool created = false;
};

// Returns the key in `file`, creating it first when absent: 32 CSPRNG bytes as 64 hex chars,
// file mode 0600 in a 0700 directory, published atomically (written to a private temporary
// file, then link()ed into place, so concurrent starters agree on one key and nobody ever
// reads a partial file). An existing file must be a regular file (not a symlink) readable by
// its owner only and hold >= 32 bytes. Throws std::runtime_error naming the path (never the
// key) on failure.
StoredSecret load_or_create_secret(const std::filesystem::path& file);

}  // namespace sg::auth
