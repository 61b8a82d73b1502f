#include "output_folder.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>

#include "manifests.hpp"

namespace sg::transcoder {
namespace fs = std::filesystem;
namespace {

std::string random_suffix() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 12; ++i) s += kHex[rng() % 16];
  return s;
}

bool is_temp_of(const std::string& name, const std::string& content_id) {
  return name.rfind(".tmp-" + content_id + "-", 0) == 0;
}

Status write_text(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return io_error("cannot write " + file.filename().string() + " (disk full?)");
  return ok;
}

}  // namespace

Result<fs::path> OutputFolder::make_temp(const std::string& content_id) const {
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec) return io_error("cannot create the media folder: " + ec.message());
  for (const auto& entry : fs::directory_iterator(root_, ec))
    if (is_temp_of(entry.path().filename().string(), content_id)) fs::remove_all(entry.path(), ec);
  fs::path temp = root_ / (".tmp-" + content_id + "-" + random_suffix());
  if (!fs::create_directory(temp, ec) || ec)
    return io_error("cannot create a temp folder: " + ec.message());
  return temp;
}

Status OutputFolder::write_manifests(const fs::path& dir, const MediaSet& media) {
  try {
    if (auto st = write_text(dir / kMasterPlaylistName, hls_master_playlist(media)); !st) return st;
    for (const auto& r : media.video)
      if (auto st = write_text(dir / r.id / kMediaPlaylistName, hls_media_playlist(r)); !st)
        return st;
    if (media.audio)
      if (auto st = write_text(dir / media.audio->id / kMediaPlaylistName,
                               hls_media_playlist(*media.audio));
          !st)
        return st;
    return write_text(dir / kDashManifestName, dash_manifest(media));
  } catch (const std::invalid_argument& e) {
    return internal_error(std::string("manifests: ") + e.what());
  }
}

Status OutputFolder::publish(const fs::path& temp, const std::string& content_id) const {
  const fs::path target = final_path(content_id);
  // Fresh: a plain rename. Replacing: swap both names atomically, so the old set is served
  // until the very instant the new one is, then remove the old one (now at `temp`).
  if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) == 0)
    return ok;
  if (errno != EEXIST)
    return io_error("cannot publish the media folder: " + std::string(std::strerror(errno)));
  if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0)
    return io_error("cannot replace the media folder: " + std::string(std::strerror(errno)));
  std::error_code ec;
  fs::remove_all(temp, ec);
  return ok;
}

size_t OutputFolder::remove_content(const std::string& content_id) const {
  std::error_code ec;
  size_t removed = 0;
  if (fs::exists(final_path(content_id), ec)) {
    fs::remove_all(final_path(content_id), ec);
    ++removed;
  }
  for (const auto& entry : fs::directory_iterator(root_, ec))
    if (is_temp_of(entry.path().filename().string(), content_id)) {
      fs::remove_all(entry.path(), ec);
      ++removed;
    }
  return removed;
}

size_t OutputFolder::remove_stale_temps(std::chrono::seconds age) const {
  std::error_code ec;
  size_t removed = 0;
  const auto now = fs::file_time_type::clock::now();
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    if (entry.path().filename().string().rfind(".tmp-", 0) != 0) continue;
    // The newest file inside tells whether a run still writes there.
    auto newest = fs::last_write_time(entry.path(), ec);
    for (const auto& f : fs::recursive_directory_iterator(entry.path(), ec))
      newest = std::max(newest, fs::last_write_time(f.path(), ec));
    if (now - newest < age) continue;
    fs::remove_all(entry.path(), ec);
    ++removed;
  }
  return removed;
}

}  // namespace sg::transcoder
