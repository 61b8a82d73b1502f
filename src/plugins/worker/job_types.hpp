// Shape rules for job types, shared by the service, REST and schedules.
#pragma once

#include <string_view>

namespace sg::worker {

// [a-z0-9_.-]{1,64}
inline bool valid_job_type(std::string_view t) {
  if (t.empty() || t.size() > 64) return false;
  for (char c : t)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
      return false;
  return true;
}

inline bool valid_job_state(std::string_view s) {
  return s == "queued" || s == "running" || s == "succeeded" || s == "dead" || s == "cancelled";
}

}  // namespace sg::worker
