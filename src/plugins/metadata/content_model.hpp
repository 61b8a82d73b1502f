// The content record and its validation rules, independent of storage and HTTP.
//
// Every validation failure is sg::Error(SG_ERR_INVALID, "<field>: <what is wrong>") so the
// REST layer can answer 400 naming the field, and the service returns the same text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace sg::metadata {

using json = nlohmann::json;

inline constexpr size_t kMaxTitle = 200;
inline constexpr size_t kMaxDescription = 5000;
inline constexpr size_t kMaxTags = 20;
inline constexpr size_t kMaxTagLength = 50;
inline constexpr size_t kMaxReason = 1000;
inline constexpr size_t kMaxPoster = 1024;
inline constexpr size_t kMaxRenditions = 32;

struct Gate {
  int64_t chain_id = 0;
  std::string contract;                 // "0x" + 40 hex
  std::string standard;                 // erc721 | erc1155
  std::optional<std::string> token_id;  // decimal
  int64_t min_balance = 1;
};

struct Content {
  std::string id;
  std::string owner;
  std::string title;
  std::string description;
  std::vector<std::string> tags;
  std::string visibility = "public";
  std::optional<Gate> gate;
  std::string status = "uploading";
  std::optional<std::string> status_reason;
  std::optional<json> source;
  json renditions = json::array();
  std::optional<std::string> poster;
  // What the transcoder published: duration, manifests, storyboard (paths relative to the
  // content's media folder). Null until the content is ready.
  std::optional<json> media;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// Who is writing: REST callers may set only user-editable fields; trusted plugins (through
// the service) may also set id/status/source/renditions/poster/media.
enum class Writer { rest, service };

// Builds a new record from a create request (validated; unknown fields refused). The id is
// generated unless a service caller supplies one.
Content new_content(const std::string& owner, const json& fields, Writer writer);

// Applies a partial update onto `c` (validated; unknown fields refused). Re-checks the
// invariants of the whole record (token_gated needs a gate).
void apply_patch(Content& c, const json& patch, Writer writer);

json to_json(const Content& c);
json gate_to_json(const Gate& g);
Gate gate_from_json(const json& v);  // for rows read back from the database

bool valid_status(const std::string& s);
bool valid_visibility(const std::string& s);
// Who may read a record's metadata (title, description, poster, status). public and
// token_gated: anyone (a gated video advertises what it takes to watch it); signed_in: any
// signed-in wallet. Lists, filters and GET by id all apply this one rule; the media itself
// is gated by the streaming plugin.
bool metadata_visible(std::string_view visibility, bool signed_in);

// A GET body as the cache keeps it: "<visibility>\n<public JSON>", so a cache hit can apply
// metadata_visible() without parsing the JSON.
std::string pack_record(std::string_view visibility, std::string_view json_body);
struct RecordView {
  std::string_view visibility;
  std::string_view json_body;
};
std::optional<RecordView> unpack_record(std::string_view packed);
// Number of Unicode code points in a UTF-8 string (lengths are limited in characters).
size_t utf8_length(const std::string& s);
// The first `max_chars` characters of well-formed UTF-8 `s` (never half a character).
std::string utf8_prefix(const std::string& s, size_t max_chars);

}  // namespace sg::metadata
