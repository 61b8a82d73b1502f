#include "webhook_topics.hpp"

#include <algorithm>

namespace sg::worker {

const std::vector<std::string>& webhook_topics() {
  static const std::vector<std::string> topics = {
      "upload.completed", "upload.failed",   "transcode.progress", "transcode.completed",
      "transcode.failed", "content.created", "content.updated",    "content.deleted"};
  return topics;
}

bool topic_matches(const std::vector<std::string>& filter, std::string_view topic) {
  for (const auto& f : filter) {
    if (f == "*" || f == topic) return true;
    if (f.size() >= 2 && f.compare(f.size() - 2, 2, ".*") == 0 &&
        topic.substr(0, f.size() - 1) == std::string_view(f).substr(0, f.size() - 1))
      return true;
  }
  return false;
}

Result<std::vector<std::string>, std::string> parse_topic_filter(const nlohmann::json& v) {
  if (!v.is_array() || v.empty())
    return std::string("must be a non-empty array of topics (e.g. [\"content.*\"])");
  if (v.size() > 32) return std::string("at most 32 entries");
  std::vector<std::string> out;
  for (const auto& e : v) {
    if (!e.is_string()) return std::string("every entry must be a string");
    std::string t = e.get<std::string>();
    bool known = t == "*";
    for (const auto& topic : webhook_topics()) known = known || topic_matches({t}, topic);
    if (!known) {
      // Appended rather than "literal" + string: GCC 12's -Wrestrict false positive.
      std::string message("'");
      message.append(t.substr(0, 80))
          .append(
              "' matches no webhook topic; use one of upload.completed, upload.failed, "
              "transcode.progress, transcode.completed, transcode.failed, content.created, "
              "content.updated, content.deleted, a prefix such as \"content.*\", or \"*\"");
      return message;
    }
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(std::move(t));
  }
  return out;
}

}  // namespace sg::worker
