#include "content_model.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include <streamgate/plugin.hpp>

#include "sql/util.hpp"
#include "web3/address.hpp"

namespace sg::metadata {
namespace {

[[noreturn]] void bad(const std::string& field, const std::string& what) {
  throw Error(SG_ERR_INVALID, field + ": " + what);
}

std::string text(const json& v, const std::string& field, size_t max, bool allow_empty = true) {
  if (!v.is_string()) bad(field, "must be a string");
  std::string s = v.get<std::string>();
  if (!allow_empty && s.empty()) bad(field, "must not be empty");
  if (utf8_length(s) > max) bad(field, "must be at most " + std::to_string(max) + " characters");
  return s;
}

std::vector<std::string> tags_from(const json& v) {
  if (!v.is_array()) bad("tags", "must be an array of strings");
  if (v.size() > kMaxTags) bad("tags", "at most " + std::to_string(kMaxTags) + " tags");
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (size_t i = 0; i < v.size(); ++i) {
    std::string t = text(v[i], "tags[" + std::to_string(i) + "]", kMaxTagLength, false);
    if (seen.insert(t).second) out.push_back(std::move(t));  // duplicates collapse
  }
  return out;
}

int64_t integer(const json& v, const std::string& field, int64_t lo) {
  if (!v.is_number_integer()) bad(field, "must be an integer");
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
    bad(field, "is too large");
  int64_t n = v.get<int64_t>();
  if (n < lo) bad(field, "must be >= " + std::to_string(lo));
  return n;
}

Gate gate_from(const json& v) {
  if (!v.is_object()) bad("gate", "must be an object");
  static const std::set<std::string> known{"chain_id", "contract", "standard", "token_id",
                                           "min_balance"};
  for (auto it = v.begin(); it != v.end(); ++it)
    if (!known.count(it.key())) bad("gate." + it.key(), "unknown field");
  Gate g;
  if (!v.contains("chain_id")) bad("gate.chain_id", "is required");
  g.chain_id = integer(v["chain_id"], "gate.chain_id", 1);
  if (!v.contains("contract")) bad("gate.contract", "is required");
  // Stored in EIP-55 form: a mixed-case typo is caught here rather than making the content
  // unplayable later, when the gate check would refuse the address.
  std::optional<web3::Address> contract;
  if (v["contract"].is_string()) contract = web3::parse_address(v["contract"].get<std::string>());
  if (!contract)
    bad("gate.contract",
        "must be 0x followed by 40 hex digits (mixed case must be a valid EIP-55 checksum)");
  g.contract = web3::to_checksum(*contract);
  if (!v.contains("standard")) bad("gate.standard", "is required");
  if (!v["standard"].is_string() || (v["standard"] != "erc721" && v["standard"] != "erc1155"))
    bad("gate.standard", "must be erc721 or erc1155");
  g.standard = v["standard"];
  if (v.contains("token_id") && !v["token_id"].is_null()) {
    const auto& t = v["token_id"];
    if (!t.is_string()) bad("gate.token_id", "must be a decimal string");
    std::string s = t;
    if (s.empty() || s.size() > 78 ||
        !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
      bad("gate.token_id", "must be a decimal string of at most 78 digits");
    g.token_id = s;
  }
  if (g.standard == "erc1155" && !g.token_id) bad("gate.token_id", "is required for erc1155");
  g.min_balance = v.contains("min_balance") ? integer(v["min_balance"], "gate.min_balance", 1) : 1;
  return g;
}

json source_from(const json& v) {
  if (!v.is_object()) bad("source", "must be an object");
  json out = json::object();
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string& k = it.key();
    const std::string f = "source." + k;
    if (k == "size" || k == "width" || k == "height") {
      out[k] = integer(*it, f, 0);
    } else if (k == "duration") {
      if (!it->is_number() || it->get<double>() < 0) bad(f, "must be a number >= 0");
      out[k] = it->get<double>();
    } else if (k == "container") {
      out[k] = text(*it, f, 64);
    } else if (k == "codecs") {
      if (!it->is_array() || it->size() > 16) bad(f, "must be an array of at most 16 strings");
      json codecs = json::array();
      for (size_t i = 0; i < it->size(); ++i)
        codecs.push_back(text((*it)[i], f + "[" + std::to_string(i) + "]", 64));
      out[k] = codecs;
    } else {
      bad(f, "unknown field");
    }
  }
  return out;
}

json renditions_from(const json& v) {
  if (!v.is_array()) bad("renditions", "must be an array of objects");
  if (v.size() > kMaxRenditions)
    bad("renditions", "at most " + std::to_string(kMaxRenditions) + " entries");
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_object()) bad("renditions[" + std::to_string(i) + "]", "must be an object");
    if (v[i].dump().size() > 4096)
      bad("renditions[" + std::to_string(i) + "]", "must be at most 4096 bytes of JSON");
  }
  return v;
}

// The transcoder's description of the published set; a bounded object, stored as given.
json media_from(const json& v) {
  if (!v.is_object()) bad("media", "must be an object");
  if (v.dump().size() > 4096) bad("media", "must be at most 4096 bytes of JSON");
  return v;
}

std::string status_from(const json& v) {
  if (!v.is_string() || !valid_status(v.get<std::string>()))
    bad("status", "must be one of uploading, processing, ready, failed");
  return v;
}

std::string visibility_from(const json& v) {
  if (!v.is_string() || !valid_visibility(v.get<std::string>()))
    bad("visibility", "must be one of public, signed_in, token_gated");
  return v;
}

void check_invariants(Content& c) {
  if (c.visibility == "token_gated" && !c.gate)
    bad("gate", "is required when visibility is token_gated");
  if (c.visibility != "token_gated") c.gate.reset();  // a gate only means something when gated
  if (c.status != "failed" && c.status != "processing") c.status_reason.reset();
}

// Sets one field of `c` from `v` (a create or patch member), checking it may be written.
void set_field(Content& c, const std::string& key, const json& v, Writer writer, bool patch) {
  const bool svc = writer == Writer::service;
  if (key == "title") {
    c.title = text(v, "title", kMaxTitle);
  } else if (key == "description") {
    c.description = text(v, "description", kMaxDescription);
  } else if (key == "tags") {
    c.tags = tags_from(v);
  } else if (key == "visibility") {
    c.visibility = visibility_from(v);
  } else if (key == "gate") {
    if (v.is_null())
      c.gate.reset();
    else
      c.gate = gate_from(v);
  } else if (svc && key == "status") {
    c.status = status_from(v);
  } else if (svc && key == "status_reason") {
    if (v.is_null())
      c.status_reason.reset();
    else
      c.status_reason = text(v, "status_reason", kMaxReason);
  } else if (svc && key == "source") {
    if (v.is_null())
      c.source.reset();
    else
      c.source = source_from(v);
  } else if (svc && key == "renditions") {
    c.renditions = v.is_null() ? json::array() : renditions_from(v);
  } else if (svc && key == "poster") {
    if (v.is_null())
      c.poster.reset();
    else
      c.poster = text(v, "poster", kMaxPoster);
  } else if (svc && key == "media") {
    if (v.is_null())
      c.media.reset();
    else
      c.media = media_from(v);
  } else if (svc && !patch && key == "id") {
    if (!v.is_string() || !sql::is_uuid(v.get<std::string>())) bad("id", "must be a UUID");
    c.id = sql::lower(v.get<std::string>());
  } else {
    bad(key, "unknown field");
  }
}

}  // namespace

bool valid_status(const std::string& s) {
  return s == "uploading" || s == "processing" || s == "ready" || s == "failed";
}

bool metadata_visible(std::string_view visibility, bool signed_in) {
  return signed_in || visibility != "signed_in";
}

std::string pack_record(std::string_view visibility, std::string_view json_body) {
  std::string out;
  out.reserve(visibility.size() + 1 + json_body.size());
  out.append(visibility).append(1, '\n').append(json_body);
  return out;
}

std::optional<RecordView> unpack_record(std::string_view packed) {
  std::size_t nl = packed.find('\n');
  if (nl == std::string_view::npos || !valid_visibility(std::string(packed.substr(0, nl))))
    return std::nullopt;
  return RecordView{packed.substr(0, nl), packed.substr(nl + 1)};
}

bool valid_visibility(const std::string& s) {
  return s == "public" || s == "signed_in" || s == "token_gated";
}

size_t utf8_length(const std::string& s) {
  size_t n = 0;
  for (unsigned char ch : s)
    if ((ch & 0xC0) != 0x80) ++n;
  return n;
}

std::string utf8_prefix(const std::string& s, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && chars++ == max_chars)
      return s.substr(0, i);
  }
  return s;
}

Content new_content(const std::string& owner, const json& fields, Writer writer) {
  if (!fields.is_object()) throw Error(SG_ERR_INVALID, "body: must be a JSON object");
  if (!sql::is_address(owner)) bad("owner", "must be 0x followed by 40 hex digits");
  Content c;
  c.owner = owner;
  for (auto it = fields.begin(); it != fields.end(); ++it)
    set_field(c, it.key(), *it, writer, false);
  if (writer == Writer::rest) {
    if (!fields.contains("title")) bad("title", "is required");
    if (c.title.empty()) bad("title", "must not be empty");
  }
  if (c.id.empty()) c.id = sql::uuid_v4();
  if (c.gate && c.visibility != "token_gated")
    bad("gate", "is only allowed when visibility is token_gated");
  check_invariants(c);
  c.created_at = c.updated_at = sql::now_ms();
  return c;
}

void apply_patch(Content& c, const json& patch, Writer writer) {
  if (!patch.is_object()) throw Error(SG_ERR_INVALID, "body: must be a JSON object");
  if (patch.contains("gate") && !patch["gate"].is_null()) {
    // A gate may only be given together with (or onto) token_gated visibility.
    std::string vis = patch.contains("visibility") && patch["visibility"].is_string()
                          ? patch["visibility"].get<std::string>()
                          : c.visibility;
    if (vis != "token_gated") bad("gate", "is only allowed when visibility is token_gated");
  }
  for (auto it = patch.begin(); it != patch.end(); ++it) set_field(c, it.key(), *it, writer, true);
  if (writer == Writer::rest && patch.contains("title") && c.title.empty())
    bad("title", "must not be empty");
  check_invariants(c);
  c.updated_at = std::max(sql::now_ms(), c.updated_at);
}

json gate_to_json(const Gate& g) {
  return json{{"chain_id", g.chain_id},
              {"contract", g.contract},
              {"standard", g.standard},
              {"token_id", g.token_id ? json(*g.token_id) : json(nullptr)},
              {"min_balance", g.min_balance}};
}

Gate gate_from_json(const json& v) {
  return gate_from(v);
}

json to_json(const Content& c) {
  return json{{"id", c.id},
              {"owner", c.owner},
              {"title", c.title},
              {"description", c.description},
              {"tags", c.tags},
              {"visibility", c.visibility},
              {"gate", c.gate ? gate_to_json(*c.gate) : json(nullptr)},
              {"status", c.status},
              {"status_reason", c.status_reason ? json(*c.status_reason) : json(nullptr)},
              {"source", c.source ? *c.source : json(nullptr)},
              {"renditions", c.renditions},
              {"poster", c.poster ? json(*c.poster) : json(nullptr)},
              {"media", c.media ? *c.media : json(nullptr)},
              {"created_at", sql::rfc3339(c.created_at)},
              {"updated_at", sql::rfc3339(c.updated_at)}};
}

}  // namespace sg::metadata
