// What the two local web screens share (the tablet's `sweep-field ui` and
// the hub's dashboard): the page's files compiled into the binary by
// cmake/SweepEmbed.cmake, their content types, the security headers every
// answer carries, and the JSON form of an API answer. Thread-safe (no state).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <google/protobuf/message.h>

namespace sweep::sync::web {

// One file of a page: its path ("/index.html") and bytes.
struct EmbeddedFile {
  const char* path;
  const unsigned char* data;
  size_t size;
};

// The file at `path` among `files`, or nullptr.
const EmbeddedFile* FindEmbedded(const EmbeddedFile* files, size_t count, std::string_view path);
// "text/html; charset=utf-8" etc. by the extension; application/octet-stream
// for anything else.
std::string ContentTypeOf(std::string_view path);
// The headers every answer of both screens carries: a Content-Security-
// Policy allowing nothing but this origin (no inline script or style, no
// frames, no form posts; images also from data: and blob: URLs, for photo
// previews), nosniff, no referrer, no caching, no framing, same-origin
// opener and resource policies.
const std::vector<std::pair<std::string, std::string>>& SecurityHeaders();
// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or
// code points above U+10FFFF). Request text that is not is refused before it
// can be echoed in an answer: the JSON mapping would print it as it is, and
// the answer would not be valid JSON (found by the dashboard's fuzzer).
bool IsUtf8(std::string_view text);
// An API answer through the Protobuf JSON mapping, every field printed
// (defaults too, so the page never guesses).
std::string ApiJson(const google::protobuf::Message& message);
// The same mapping back; false when `json` is not such a message (unknown
// fields are refused).
bool ParseApiJson(std::string_view json, google::protobuf::Message* message, std::string* error);

}  // namespace sweep::sync::web
