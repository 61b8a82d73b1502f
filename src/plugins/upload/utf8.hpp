// UTF-8 hygiene for text that comes from clients (tus metadata values, form fields, file
// names): the JSON writer throws on ill-formed UTF-8, so such text is repaired where it
// enters the plugin, and cut only at character boundaries.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sg::upload {

bool is_valid_utf8(std::string_view s) noexcept;

// `s` with every ill-formed subsequence replaced by U+FFFD (one per maximal subpart, as
// Unicode 15 §3.9 and WHATWG decoders do); valid input comes back unchanged.
std::string repair_utf8(std::string_view s);

// The longest prefix of `s` with at most `max_chars` code points. `s` must be valid UTF-8
// (repair it first): the cut never splits a character.
std::string_view utf8_prefix(std::string_view s, size_t max_chars) noexcept;

}  // namespace sg::upload
