// A real streamgate (gateway + test identity + upload, plus metadata and worker when they
// are built) on a private port and data directory, with tus request helpers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "support.hpp"

namespace sgtest::upload {

inline const std::string kAlice = "0xA11CE00000000000000000000000000000000001";
inline const std::string kBob = "0xB0B0000000000000000000000000000000000002";

// True when <id>.so was built next to the other plugins.
bool plugin_built(const std::string& id);

class UploadServer {
 public:
  // `extra_config` is merged (JSON merge-patch) over the whole config, e.g. gateway CORS.
  explicit UploadServer(nlohmann::json upload_config = nlohmann::json::object(),
                        bool with_catalogue = true,
                        nlohmann::json extra_config = nlohmann::json::object());
  // Starts the server and waits until the upload routes answer (the gateway may listen a
  // moment before upload.so has registered its routes).
  bool start();

  // Authorization for a test wallet, plus Tus-Resumable.
  static Headers tus(const std::string& who = kAlice, Headers extra = {});
  // POST /files/ with Upload-Length; returns the Location path ("/files/<id>").
  std::string create(uint64_t length, const std::string& who = kAlice, Headers extra = {});
  HttpResponse patch(const std::string& location, uint64_t offset, const std::string& body,
                     const std::string& who = kAlice, Headers extra = {});
  HttpResponse head(const std::string& location, const std::string& who = kAlice);
  uint16_t port() const { return server.port(); }
  // Whether metadata.so / worker.so were built and loaded (they are optional for upload.so).
  bool has_metadata() const { return metadata_; }
  bool has_jobs() const { return jobs_; }

  StreamGateServer server;

 private:
  bool metadata_;
  bool jobs_;
};

// Sends raw bytes (a whole HTTP/1.1 request, e.g. with a chunked body) on a new
// connection and returns everything the server answered until it closed (bounded by 10 s).
std::string raw_exchange(uint16_t port, const std::string& request);

// A whole tus PATCH request with a chunked body (`chunk` bytes per chunk) and Connection:
// close, for raw_exchange: nothing tells the server the body's size up front.
// `extra_headers` are complete lines, e.g. "Upload-Length: 950\r\n".
std::string chunked_patch(const std::string& location, const std::string& who, uint64_t offset,
                          std::string_view body, size_t chunk = 65536,
                          const std::string& extra_headers = "");

// The id part of a "/files/<id>" location.
std::string id_of(const std::string& location);

}  // namespace sgtest::upload
