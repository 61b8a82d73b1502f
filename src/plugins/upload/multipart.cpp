#include "multipart.hpp"

#include <algorithm>
#include <cctype>

#include "tus_headers.hpp"

namespace sg::upload {
namespace {

constexpr size_t kMaxHeaderBlock = 16 * 1024;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Value of `key=` in a ;-separated header value (quoted-string or token), or nullopt.
std::optional<std::string> header_param(std::string_view value, std::string_view key) {
  constexpr auto npos = std::string_view::npos;
  size_t i = value.find(';');
  while (i != npos && i < value.size()) {
    ++i;
    size_t eq = value.find('=', i);
    if (eq == npos) return std::nullopt;
    std::string_view k = trim(value.substr(i, eq - i));
    size_t j = eq + 1;
    std::string out;
    if (j < value.size() && value[j] == '"') {
      ++j;
      while (j < value.size() && value[j] != '"') {
        if (value[j] == '\\' && j + 1 < value.size()) ++j;
        out.push_back(value[j]);
        ++j;
      }
      ++j;  // closing quote
    } else {
      size_t e = value.find(';', j);
      out = std::string(trim(value.substr(j, e == npos ? npos : e - j)));
      j = e == npos ? value.size() : e;
    }
    if (iequals(k, key)) return out;
    i = j < value.size() ? value.find(';', j) : npos;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  std::string_view ct = trim(content_type);
  size_t semi = ct.find(';');
  if (!iequals(trim(ct.substr(0, semi)), "multipart/form-data")) return std::nullopt;
  auto b = header_param(ct, "boundary");
  if (!b || b->empty() || b->size() > 70) return std::nullopt;
  return b;
}

MultipartParser::MultipartParser(std::string boundary, MultipartHandler handler)
    : delimiter_("\r\n--" + boundary), handler_(std::move(handler)) {
  // The first delimiter may start the body without a preceding CRLF.
  buf_ = "\r\n";
}

Status MultipartParser::parse_headers(std::string_view block) {
  part_ = PartInfo{};
  bool disposition = false;
  while (!block.empty()) {
    size_t eol = block.find("\r\n");
    std::string_view line = block.substr(0, eol);
    block = eol == std::string_view::npos ? std::string_view() : block.substr(eol + 2);
    if (line.empty()) continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos)
      return fail(400, "invalid_multipart", "malformed part header");
    std::string_view name = trim(line.substr(0, colon));
    std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "Content-Disposition")) {
      if (!iequals(trim(value.substr(0, value.find(';'))), "form-data"))
        return fail(400, "invalid_multipart", "part is not form-data");
      auto n = header_param(value, "name");
      if (!n) return fail(400, "invalid_multipart", "part without a name");
      part_.name = *n;
      if (auto f = header_param(value, "filename")) {
        part_.filename = *f;
        part_.has_filename = true;
      }
      disposition = true;
    } else if (iequals(name, "Content-Type")) {
      part_.content_type = std::string(value);
    }
  }
  if (!disposition) return fail(400, "invalid_multipart", "part without Content-Disposition");
  return ok_status();
}

Status MultipartParser::feed(std::string_view data) {
  buf_.append(data);
  size_t pos = 0;
  for (;;) {
    std::string_view view(buf_);
    view.remove_prefix(pos);
    if (state_ == State::preamble || state_ == State::body) {
      size_t hit = view.find(delimiter_);
      if (hit == std::string_view::npos) {
        // Keep a tail that could be the start of a delimiter split across chunks.
        size_t keep = std::min(view.size(), delimiter_.size() - 1);
        if (state_ == State::body && view.size() > keep) {
          if (auto st = handler_.data(view.substr(0, view.size() - keep)); !st) return st;
        }
        pos += view.size() - keep;
        break;
      }
      if (state_ == State::body) {
        if (auto st = handler_.data(view.substr(0, hit)); !st) return st;
        if (auto st = handler_.end(); !st) return st;
      }
      pos += hit + delimiter_.size();
      state_ = State::after_delimiter;
    } else if (state_ == State::after_delimiter) {
      if (view.size() < 2) break;
      if (view.substr(0, 2) == "--") {
        state_ = State::done;
        pos = buf_.size();  // the epilogue is ignored
        break;
      }
      // Transport padding (spaces/tabs) may follow the delimiter before the CRLF.
      size_t eol = view.find("\r\n");
      if (eol == std::string_view::npos) {
        if (view.size() > 256) return fail(400, "invalid_multipart", "malformed delimiter line");
        break;
      }
      if (!trim(view.substr(0, eol)).empty())
        return fail(400, "invalid_multipart", "malformed delimiter line");
      pos += eol + 2;
      state_ = State::headers;
    } else if (state_ == State::headers) {
      size_t end = view.find("\r\n\r\n");
      if (end == std::string_view::npos) {
        if (view.size() > kMaxHeaderBlock)
          return fail(400, "invalid_multipart", "part headers too large");
        break;
      }
      if (auto st = parse_headers(view.substr(0, end + 2)); !st) return st;
      if (auto st = handler_.begin(part_); !st) return st;
      pos += end + 4;
      state_ = State::body;
    } else {  // done: ignore the epilogue
      pos = buf_.size();
      break;
    }
  }
  buf_.erase(0, pos);
  return ok_status();
}

Status MultipartParser::finish() {
  if (state_ != State::done)
    return fail(400, "invalid_multipart", "multipart body ended before its closing delimiter");
  return ok_status();
}

}  // namespace sg::upload
