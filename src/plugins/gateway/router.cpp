#include "router.hpp"

#include <algorithm>
#include <thread>

namespace sg::gateway {

thread_local const Route* current_route = nullptr;

PathSegments split_path(std::string_view raw) {
  PathSegments p;
  p.raw = raw;
  if (raw.empty() || raw.front() != '/') return p;
  std::size_t pos = 1;
  while (true) {
    std::size_t slash = raw.find('/', pos);
    std::string_view s =
        raw.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
    if (p.count == PathSegments::kMax) {
      p.too_many = true;
      return p;
    }
    p.seg[p.count++] = s;
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  return p;
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

bool percent_decode(std::string_view in, std::string& out, bool plus_is_space) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = hex_value(in[i + 1]);
      int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      char d = static_cast<char>(hi * 16 + lo);
      if (d == '\0') return false;
      out.push_back(d);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      if (c == '\0') return false;
      out.push_back(c);
    }
  }
  return true;
}

bool compile_pattern(std::string_view pattern, std::vector<Segment>& out, std::string& why) {
  out.clear();
  if (pattern.empty() || pattern.front() != '/') {
    why = "pattern must start with '/'";
    return false;
  }
  PathSegments parts = split_path(pattern);
  if (parts.too_many) {
    why = "pattern has too many segments";
    return false;
  }
  for (std::size_t i = 0; i < parts.count; ++i) {
    std::string_view s = parts.seg[i];
    if (s.size() >= 2 && s.front() == '{' && s.back() == '}') {
      std::string_view name = s.substr(1, s.size() - 2);
      bool catch_all = !name.empty() && name.back() == '*';
      if (catch_all) name.remove_suffix(1);
      if (name.empty() || name.find_first_of("{}/*") != std::string_view::npos) {
        why = "bad parameter segment '" + std::string(s) + "'";
        return false;
      }
      if (catch_all && i + 1 != parts.count) {
        why = "a {name*} catch-all must be the last segment";
        return false;
      }
      for (const auto& prev : out) {
        if (prev.kind != Segment::kLiteral && prev.text == name) {
          why = "duplicate parameter '" + std::string(name) + "'";
          return false;
        }
      }
      out.push_back({catch_all ? Segment::kCatchAll : Segment::kParam, std::string(name)});
    } else {
      if (s.find_first_of("{}") != std::string_view::npos) {
        why = "braces must enclose a whole segment";
        return false;
      }
      std::string decoded;
      if (!percent_decode(s, decoded)) {
        why = "bad percent escape in pattern";
        return false;
      }
      out.push_back({Segment::kLiteral, std::move(decoded)});
    }
  }
  return true;
}

namespace {

// Two patterns are the same path shape when they differ only in parameter names.
bool same_shape(const std::vector<Segment>& a, const std::vector<Segment>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].kind != b[i].kind) return false;
    if (a[i].kind == Segment::kLiteral && a[i].text != b[i].text) return false;
  }
  return true;
}

// Most specific first: literals before parameters before catch-alls, segment by segment;
// then longer patterns first. The first matching route wins.
bool more_specific(const Route& a, const Route& b) {
  std::size_t n = std::min(a.segments.size(), b.segments.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a.segments[i].kind != b.segments[i].kind) return a.segments[i].kind < b.segments[i].kind;
  }
  if (a.segments.size() != b.segments.size()) return a.segments.size() > b.segments.size();
  return a.id < b.id;
}

std::uint32_t effective_methods(std::uint32_t m) {
  return (m & SG_HTTP_GET) ? (m | SG_HTTP_HEAD) : m;
}

}  // namespace

RouteTable::RouteTable()
    : routes_(std::make_shared<const std::vector<std::shared_ptr<const Route>>>()) {}

sg_status RouteTable::add(const sg_http_route& spec, std::uint64_t* out_id, std::string& why) {
  constexpr std::uint32_t kAll = SG_HTTP_GET | SG_HTTP_HEAD | SG_HTTP_POST | SG_HTTP_PUT |
                                 SG_HTTP_PATCH | SG_HTTP_DELETE | SG_HTTP_OPTIONS;
  if (spec.handler == nullptr || spec.pattern == nullptr) {
    why = "route needs a pattern and a handler";
    return SG_ERR_INVALID;
  }
  if (spec.methods == 0 || (spec.methods & ~kAll) != 0) {
    why = "route method mask is empty or has unknown bits";
    return SG_ERR_INVALID;
  }
  if (spec.body_mode != SG_HTTP_BODY_NONE && spec.body_mode != SG_HTTP_BODY_BUFFER &&
      spec.body_mode != SG_HTTP_BODY_STREAM) {
    why = "unknown body mode";
    return SG_ERR_INVALID;
  }
  auto route = std::make_shared<Route>();
  route->pattern.assign(spec.pattern, spec.pattern_size);
  if (!compile_pattern(route->pattern, route->segments, why)) return SG_ERR_INVALID;
  route->methods = spec.methods;
  route->body_mode = spec.body_mode;
  route->max_body_bytes = spec.max_body_bytes;
  route->handler = spec.handler;
  route->user = spec.user;

  std::lock_guard lock(write_mu_);
  auto current = snapshot();
  for (const auto& r : *current) {
    if (same_shape(r->segments, route->segments) &&
        (effective_methods(r->methods) & effective_methods(route->methods) &
         ~static_cast<std::uint32_t>(SG_HTTP_HEAD)) != 0) {
      why = "route " + route->pattern + " overlaps " + r->pattern;
      return SG_ERR_EXISTS;
    }
  }
  route->id = next_id_++;
  auto next = std::make_shared<std::vector<std::shared_ptr<const Route>>>(*current);
  next->push_back(route);
  std::sort(next->begin(), next->end(),
            [](const auto& a, const auto& b) { return more_specific(*a, *b); });
  std::atomic_store_explicit(&routes_, Snapshot(std::move(next)), std::memory_order_release);
  if (out_id != nullptr) *out_id = route->id;
  return SG_OK;
}

sg_status RouteTable::remove(std::uint64_t id) {
  std::shared_ptr<const Route> victim;
  {
    std::lock_guard lock(write_mu_);
    auto current = snapshot();
    auto next = std::make_shared<std::vector<std::shared_ptr<const Route>>>();
    next->reserve(current->size());
    for (const auto& r : *current) {
      if (r->id == id)
        victim = r;
      else
        next->push_back(r);
    }
    if (!victim) return SG_ERR_NOT_FOUND;
    std::atomic_store_explicit(&routes_, Snapshot(std::move(next)), std::memory_order_release);
  }
  const_cast<Route&>(*victim).removed.store(true);
  // Wait out calls that loaded the old snapshot; handlers are short (they must not block).
  // A handler removing its own route would wait for itself: its call is the one in flight.
  const int own = current_route == victim.get() ? 1 : 0;
  while (victim->active.load() > own) std::this_thread::yield();
  return SG_OK;
}

namespace {

bool match_route(const Route& r, const PathSegments& path, std::vector<Param>& params,
                 bool& bad_encoding) {
  const auto& segs = r.segments;
  std::size_t n = segs.size();
  bool catch_all = n > 0 && segs.back().kind == Segment::kCatchAll;
  std::size_t fixed = catch_all ? n - 1 : n;
  if (catch_all ? path.count < fixed : path.count != fixed) return false;
  // Literals first (cheap, no allocation); decode only when every literal matched.
  std::string decoded;
  for (std::size_t i = 0; i < fixed; ++i) {
    if (segs[i].kind != Segment::kLiteral) continue;
    std::string_view s = path.seg[i];
    if (s.find('%') == std::string_view::npos) {
      if (s != segs[i].text) return false;
    } else {
      if (!percent_decode(s, decoded)) {
        bad_encoding = true;
        return false;
      }
      if (decoded != segs[i].text) return false;
    }
  }
  params.clear();
  for (std::size_t i = 0; i < fixed; ++i) {
    if (segs[i].kind != Segment::kParam) continue;
    if (path.seg[i].empty()) return false;  // "{id}" never matches an empty segment
    Param p{&segs[i].text, {}};
    if (!percent_decode(path.seg[i], p.value)) {
      bad_encoding = true;
      return false;
    }
    params.push_back(std::move(p));
  }
  if (catch_all) {
    // The rest of the raw path after the fixed segments (may be empty).
    std::string_view rest;
    if (path.count > fixed) {
      const char* begin = path.seg[fixed].data();
      rest = std::string_view(begin,
                              static_cast<std::size_t>(path.raw.data() + path.raw.size() - begin));
    }
    Param p{&segs.back().text, {}};
    if (!percent_decode(rest, p.value)) {
      bad_encoding = true;
      return false;
    }
    params.push_back(std::move(p));
  }
  return true;
}

}  // namespace

Match RouteTable::match(const Snapshot& routes, std::uint32_t method, const PathSegments& path,
                        std::vector<Param>& params) {
  Match m;
  if (path.too_many || path.count == 0) return m;
  for (const auto& r : *routes) {
    bool bad = false;
    if (!match_route(*r, path, params, bad)) {
      m.bad_encoding |= bad;
      continue;
    }
    std::uint32_t allowed = effective_methods(r->methods);
    m.allowed |= allowed;
    if ((allowed & method) != 0) {
      m.route = r;
      return m;
    }
  }
  params.clear();
  return m;
}

}  // namespace sg::gateway
