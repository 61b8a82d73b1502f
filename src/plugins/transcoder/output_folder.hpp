// Where a content's media lives and how a finished set gets there without a reader ever
// seeing half of it: <data_dir>/media/<content_id>/ is written as a sibling temp folder
// (.tmp-<content_id>-<random>) and swapped in with one atomic rename. A re-run starts from
// a fresh temp folder and ends with the same layout.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "failure.hpp"
#include "media_set.hpp"

namespace sg::transcoder {

class OutputFolder {
 public:
  explicit OutputFolder(std::filesystem::path media_root) : root_(std::move(media_root)) {}

  std::filesystem::path final_path(const std::string& content_id) const {
    return root_ / content_id;
  }
  // Creates a new empty temp folder for `content_id`, after removing that content's older
  // temp folders (a crashed or cancelled run's leftovers).
  Result<std::filesystem::path> make_temp(const std::string& content_id) const;
  // Writes master.m3u8, <rendition>/index.m3u8 and manifest.mpd into `dir`.
  static Status write_manifests(const std::filesystem::path& dir, const MediaSet& media);
  // Makes `temp` the content's media folder in one step (an existing one is swapped out
  // atomically, then removed).
  Status publish(const std::filesystem::path& temp, const std::string& content_id) const;
  // Removes the content's media folder and temp folders. Returns what was removed.
  size_t remove_content(const std::string& content_id) const;
  // Removes temp folders untouched for `age` (left by a process that died mid-transcode;
  // a live run touches its folder with every segment).
  size_t remove_stale_temps(std::chrono::seconds age) const;

 private:
  std::filesystem::path root_;
};

}  // namespace sg::transcoder
