// Topic filters of webhook endpoints: which bus topics an endpoint receives. An entry is an
// exact topic ("content.created"), a prefix pattern ("content.*") or "*" (everything).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <streamgate/result.hpp>

namespace sg::worker {

// The bus topics webhooks carry (the public event topics, docs: "The public event shape").
const std::vector<std::string>& webhook_topics();

// Checks a filter: a non-empty array of at most 32 strings, each an exact topic from
// webhook_topics(), "<prefix>.*" matching at least one of them, or "*". Returns the filter
// with duplicates removed (order kept), or an error message naming the bad entry.
Result<std::vector<std::string>, std::string> parse_topic_filter(const nlohmann::json& v);

// True when `topic` matches one entry of `filter`.
bool topic_matches(const std::vector<std::string>& filter, std::string_view topic);

}  // namespace sg::worker
