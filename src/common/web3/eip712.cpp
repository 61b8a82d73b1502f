#include "web3/eip712.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <stdexcept>

#include "web3/address.hpp"
#include "web3/hex.hpp"
#include "web3/uint256.hpp"

namespace sg::web3::eip712 {

namespace {

using nlohmann::json;

// Internal failures are thrown and turned into an Error value at the public functions.
struct Fail : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Checks the shape of "types" once, so later lookups need no re-validation.
void validate_types(const json& types) {
  if (!types.is_object()) throw Fail("types must be an object");
  if (types.size() > Limits::kMaxTypes)
    throw Fail("types has more than " + std::to_string(Limits::kMaxTypes) + " entries");
  for (const auto& [name, fields] : types.items()) {
    if (name.empty() || name.size() > Limits::kMaxNameBytes) throw Fail("a type name is too long");
    if (!fields.is_array()) throw Fail("type '" + name + "' must be a list of fields");
    if (fields.size() > Limits::kMaxFields)
      throw Fail("type '" + name + "' has more than " + std::to_string(Limits::kMaxFields) +
                 " fields");
    for (const auto& f : fields) {
      if (!f.is_object() || !f.contains("name") || !f.contains("type") || !f["name"].is_string() ||
          !f["type"].is_string())
        throw Fail("type '" + name + "' has a malformed field");
      if (f["name"].get_ref<const std::string&>().size() > Limits::kMaxNameBytes ||
          f["type"].get_ref<const std::string&>().size() > Limits::kMaxNameBytes)
        throw Fail("type '" + name + "' has a field name or type that is too long");
    }
  }
}

// Bounds the values before anything is hashed: node count, array lengths and nesting.
void check_shape(const json& v, int depth, size_t& nodes) {
  if (depth > Limits::kMaxDepth) throw Fail("typed data nested too deeply");
  if (++nodes > Limits::kMaxValues)
    throw Fail("typed data has more than " + std::to_string(Limits::kMaxValues) + " values");
  if (v.is_array() && v.size() > Limits::kMaxArrayLength)
    throw Fail("an array has more than " + std::to_string(Limits::kMaxArrayLength) + " elements");
  if (v.is_array() || v.is_object()) {
    for (const auto& e : v) check_shape(e, depth + 1, nodes);  // an object's values
  }
}

const json& fields_of(const json& types, const std::string& type) {
  auto it = types.find(type);
  if (it == types.end()) throw Fail("unknown type '" + type + "'");
  return *it;  // validated by validate_types
}

std::string base_type(const std::string& t) {
  auto bracket = t.find('[');
  return bracket == std::string::npos ? t : t.substr(0, bracket);
}

void collect_deps(const json& types, const std::string& type, std::set<std::string>& out) {
  if (out.count(type) != 0 || !types.contains(type)) return;
  out.insert(type);
  for (const auto& f : fields_of(types, type)) collect_deps(types, base_type(f["type"]), out);
}

std::string encode_type_impl(const json& types, const std::string& primary) {
  std::set<std::string> deps;
  collect_deps(types, primary, deps);
  if (deps.empty()) throw Fail("unknown type '" + primary + "'");
  deps.erase(primary);
  std::vector<std::string> order{primary};
  order.insert(order.end(), deps.begin(), deps.end());  // std::set is already sorted
  std::string out;
  for (const auto& t : order) {
    out += t + "(";
    bool first = true;
    for (const auto& f : fields_of(types, t)) {
      if (!first) out += ",";
      first = false;
      out += f["type"].get<std::string>() + " " + f["name"].get<std::string>();
    }
    out += ")";
  }
  return out;
}

// One call's hashing state: typeHash memoised per struct type, so an array of N structs
// costs N field encodings, not N encodeType walks over the whole dependency graph.
class Encoder {
 public:
  Encoder(const json& types, Stats& stats) : types_(types), stats_(stats) {}
  Hash256 hash_struct(const std::string& type, const json& data, int depth);

 private:
  const Hash256& type_hash(const std::string& type) {
    auto it = type_hashes_.find(type);
    if (it != type_hashes_.end()) return it->second;
    ++stats_.type_hashes;
    return type_hashes_.emplace(type, keccak256(encode_type_impl(types_, type))).first->second;
  }
  Word encode_value(const std::string& t, const json& v, const std::string& name, int depth);

  const json& types_;
  Stats& stats_;
  std::map<std::string, Hash256> type_hashes_;
};

unsigned type_bits(const std::string& t, size_t prefix_len) {
  if (t.size() == prefix_len) return 256;
  unsigned bits = 0;
  auto r = std::from_chars(t.data() + prefix_len, t.data() + t.size(), bits);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size() || bits == 0 || bits > 256 ||
      bits % 8 != 0)
    throw Fail("invalid type '" + t + "'");
  return bits;
}

Bytes bytes_value(const json& v, const std::string& name) {
  if (!v.is_string()) throw Fail("field '" + name + "' must be 0x-hex");
  const auto& s = v.get_ref<const std::string&>();
  if (s.size() < 2 || s[0] != '0' || s[1] != 'x') throw Fail("field '" + name + "' must be 0x-hex");
  auto b = from_hex(s);
  if (!b) throw Fail("field '" + name + "' is not valid hex");
  return *b;
}

// The 32-byte encoding of one value of type `t` (encodeData's per-member step).
Word Encoder::encode_value(const std::string& t, const json& v, const std::string& name,
                           int depth) {
  if (depth > Limits::kMaxDepth) throw Fail("typed data nested too deeply");
  ++stats_.values_hashed;
  if (!t.empty() && t.back() == ']') {
    auto open = t.rfind('[');
    std::string elem = t.substr(0, open);
    std::string len = t.substr(open + 1, t.size() - open - 2);
    if (!v.is_array()) throw Fail("field '" + name + "' must be an array");
    if (!len.empty()) {
      size_t n = 0;
      auto r = std::from_chars(len.data(), len.data() + len.size(), n);
      if (r.ec != std::errc() || r.ptr != len.data() + len.size())
        throw Fail("invalid type '" + t + "'");
      if (v.size() != n) throw Fail("field '" + name + "' must have " + len + " elements");
    }
    Keccak256 k;
    for (const auto& e : v) k.update(encode_value(elem, e, name, depth + 1));
    return k.finish();
  }
  if (types_.contains(t)) return hash_struct(t, v, depth + 1);
  if (t == "string") {
    if (!v.is_string()) throw Fail("field '" + name + "' must be a string");
    return keccak256(v.get_ref<const std::string&>());
  }
  if (t == "bytes") return keccak256(bytes_value(v, name));
  if (t == "bool") {
    if (!v.is_boolean()) throw Fail("field '" + name + "' must be a boolean");
    return word_from_u64(v.get<bool>() ? 1 : 0);
  }
  if (t == "address") {
    if (!v.is_string()) throw Fail("field '" + name + "' must be an address");
    auto a = parse_address(v.get_ref<const std::string&>());
    if (!a) throw Fail("field '" + name + "' is not a valid address");
    Word w{};
    std::copy(a->begin(), a->end(), w.begin() + 12);
    return w;
  }
  if (t.rfind("uint", 0) == 0) {
    unsigned bits = type_bits(t, 4);
    auto w = uint256_from_json(v);
    if (!w || !fits_bits(*w, bits)) throw Fail("field '" + name + "' is not a valid " + t);
    return *w;
  }
  if (t.rfind("int", 0) == 0) {
    unsigned bits = type_bits(t, 3);
    auto w = int256_from_json(v, bits);
    if (!w) throw Fail("field '" + name + "' is not a valid " + t);
    return *w;
  }
  if (t.rfind("bytes", 0) == 0) {
    unsigned len = 0;
    auto r = std::from_chars(t.data() + 5, t.data() + t.size(), len);
    if (r.ec != std::errc() || r.ptr != t.data() + t.size() || len == 0 || len > 32)
      throw Fail("invalid type '" + t + "'");
    Bytes b = bytes_value(v, name);
    if (b.size() != len)
      throw Fail("field '" + name + "' must be " + std::to_string(len) + " bytes");
    Word w{};
    std::copy(b.begin(), b.end(), w.begin());
    return w;
  }
  throw Fail("unknown type '" + t + "'");
}

Hash256 Encoder::hash_struct(const std::string& type, const json& data, int depth) {
  if (depth > Limits::kMaxDepth) throw Fail("typed data nested too deeply");
  if (!data.is_object()) throw Fail("value of type '" + type + "' must be an object");
  const json& fields = fields_of(types_, type);
  Keccak256 k;
  k.update(type_hash(type));
  for (const auto& f : fields) {
    const std::string& name = f["name"].get_ref<const std::string&>();
    auto it = data.find(name);
    if (it == data.end()) throw Fail("missing field '" + name + "' of '" + type + "'");
    k.update(encode_value(f["type"].get_ref<const std::string&>(), *it, name, depth));
  }
  return k.finish();
}

json with_domain_type(const json& typed) {
  json types = typed.at("types");
  if (!types.is_object()) throw Fail("types must be an object");
  if (!types.contains("EIP712Domain")) {
    const json& domain = typed.at("domain");
    json fields = json::array();
    static const std::pair<const char*, const char*> known[] = {{"name", "string"},
                                                                {"version", "string"},
                                                                {"chainId", "uint256"},
                                                                {"verifyingContract", "address"},
                                                                {"salt", "bytes32"}};
    for (const auto& [n, t] : known) {
      if (domain.contains(n)) fields.push_back({{"name", n}, {"type", t}});
    }
    types["EIP712Domain"] = fields;
  }
  return types;
}

template <typename Fn>
auto guard(Error* err, Fn&& fn) -> std::optional<decltype(fn())> {
  try {
    return fn();
  } catch (const std::exception& e) {
    if (err != nullptr) err->message = e.what();
    return std::nullopt;
  }
}

}  // namespace

std::optional<Hash256> signing_digest(const json& typed, Error* err, Stats* stats) {
  return guard(err, [&] {
    if (!typed.is_object()) throw Fail("typed data must be an object");
    if (!typed.contains("primaryType") || !typed["primaryType"].is_string())
      throw Fail("primaryType must be a string");
    if (!typed.contains("domain") || !typed["domain"].is_object())
      throw Fail("domain must be an object");
    if (!typed.contains("types")) throw Fail("types is required");
    // Cheap checks first: nothing is hashed until the whole input is known to be bounded.
    validate_types(typed["types"]);
    size_t nodes = 0;
    check_shape(typed["domain"], 0, nodes);
    if (auto m = typed.find("message"); m != typed.end()) check_shape(*m, 0, nodes);
    json types = with_domain_type(typed);
    Stats local;
    Encoder enc(types, stats != nullptr ? *stats : local);
    Hash256 domain = enc.hash_struct("EIP712Domain", typed["domain"], 0);
    std::string primary = typed["primaryType"];
    Keccak256 k;
    static const uint8_t prefix[2] = {0x19, 0x01};
    k.update(prefix);
    k.update(domain);
    if (primary != "EIP712Domain") {
      if (!typed.contains("message")) throw Fail("message is required");
      k.update(enc.hash_struct(primary, typed["message"], 0));
    }
    return k.finish();
  });
}

std::optional<Hash256> hash_struct(const json& types, const std::string& type, const json& data,
                                   Error* err, Stats* stats) {
  return guard(err, [&] {
    validate_types(types);
    size_t nodes = 0;
    check_shape(data, 0, nodes);
    Stats local;
    Encoder enc(types, stats != nullptr ? *stats : local);
    return enc.hash_struct(type, data, 0);
  });
}

std::optional<std::string> encode_type(const json& types, const std::string& type, Error* err) {
  return guard(err, [&] {
    validate_types(types);
    return encode_type_impl(types, type);
  });
}

}  // namespace sg::web3::eip712
