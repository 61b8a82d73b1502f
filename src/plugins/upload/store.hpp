// The on-disk upload store: one directory per upload under <root> (= <data_dir>/uploads):
//
//   <root>/<uuid>/info.json   the upload record (owner, length, metadata, state), replaced
//                             atomically (temp + fsync + rename + fsync dir)
//   <root>/<uuid>/data        the bytes, written with pwrite at the upload offset
//   <root>/<uuid>/offset      "<durable offset> <unix time of last write>\n", replaced
//                             atomically only AFTER the data up to that offset was fsynced
//
// So the offset record never points past durable data: after a crash, bytes beyond it are
// cut off (they were never acknowledged) and the upload resumes from the recorded offset.
// New uploads are assembled in "<root>/.tmp-<uuid>" and renamed into place, removals
// rename to "<root>/.trash-<uuid>" first, so a crash never leaves a half-made upload
// visible. Directory names are server-generated UUIDs, never user input.
//
// Thread safety: all public functions may be called from any thread; blocking (disk I/O,
// fsync) — call them from the blocking pool, never a network thread. One WriteSession per
// upload at a time (a second begin_write answers 423).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "durable_io.hpp"
#include "hasher.hpp"
#include "result.hpp"
#include "tus_headers.hpp"

namespace sg::upload {

enum class ConcatKind { none, partial, final_upload };

// The persistent record of one upload (info.json).
struct UploadRecord {
  std::string id;
  std::string owner;               // wallet address, "" for anonymous uploads
  std::optional<uint64_t> length;  // nullopt while deferred (Upload-Defer-Length)
  Metadata metadata;               // decoded Upload-Metadata
  std::string metadata_header;     // Upload-Metadata as received, echoed on HEAD
  ConcatKind concat = ConcatKind::none;
  std::vector<std::string> parts;  // ids of the partial uploads (final only)
  int64_t created_at = 0;
  std::string state = "uploading";  // uploading | completed | failed
  std::string sha256;               // hex, once completed
  std::string failure;              // reason, when failed
  nlohmann::json probe;             // libavformat summary, once completed
  bool has_content = false;         // a metadata content record exists (id == upload id)
};

nlohmann::json record_to_json(const UploadRecord& r);
Result<UploadRecord> record_from_json(const nlohmann::json& j);

// A consistent snapshot of one upload.
struct UploadView {
  UploadRecord record;
  uint64_t offset = 0;     // durable offset
  int64_t updated_at = 0;  // unix seconds of the last committed write (or creation)
  int64_t expires_at = 0;  // 0 = never (completed uploads do not expire)
  bool busy = false;       // a write session is open
  bool complete() const { return record.length && offset == *record.length; }
};

struct RecoveryReport {
  size_t uploads = 0;            // uploads found intact
  size_t removed = 0;            // half-created, trashed or corrupt directories removed
  uint64_t truncated_bytes = 0;  // unacknowledged bytes cut off past durable offsets
  // Ids of the half-created uploads removed (".tmp-<id>"): a content record made for one
  // of them before the crash has no upload any more.
  std::vector<std::string> abandoned;
};

struct StoreOptions {
  std::filesystem::path root;
  // Without a per-request checksum, a long PATCH commits its offset every this many bytes
  // so that a resumed upload loses at most this much after a crash.
  uint64_t commit_interval = 64ull << 20;
  int64_t expiration_seconds = 24 * 3600;  // 0 = uploads never expire
};

class Store;

namespace detail {
// In-memory state of one upload; guarded by the Store's mutex.
struct StoreEntry {
  UploadRecord record;
  uint64_t offset = 0;
  int64_t updated_at = 0;
  bool busy = false;
  std::optional<Hasher> sha;  // running whole-file SHA-256 covering [0, sha_offset)
  uint64_t sha_offset = 0;
};
}  // namespace detail

// Exclusive writer for one PATCH (or creation-with-upload) body.
class WriteSession {
 public:
  WriteSession(const WriteSession&) = delete;
  WriteSession& operator=(const WriteSession&) = delete;
  ~WriteSession();

  // Appends at the current position. 413 when it would pass the upload length. Commits
  // the offset every commit_interval bytes when no checksum was requested.
  Status write(std::string_view data);
  // Verifies the checksum (460 and the chunk is discarded on mismatch), fsyncs the data
  // and makes the new offset durable. Returns the committed offset.
  Result<uint64_t> finish();
  // Ends the session early. keep = true commits the bytes written so far (client gone,
  // no checksum); keep = false cuts back to the last committed offset.
  void abandon(bool keep);

  uint64_t start_offset() const noexcept { return start_; }
  uint64_t position() const noexcept { return pos_; }
  std::optional<uint64_t> length() const noexcept { return length_; }

 private:
  friend class Store;
  WriteSession(Store* store, std::shared_ptr<detail::StoreEntry> entry, Fd fd, uint64_t start,
               std::optional<uint64_t> length, std::optional<ChecksumSpec> checksum,
               std::optional<Hasher> running);
  Status commit(uint64_t offset);
  void release();

  Store* store_;
  std::shared_ptr<detail::StoreEntry> entry_;
  Fd fd_;
  uint64_t start_;
  uint64_t pos_;
  uint64_t committed_;
  std::optional<uint64_t> length_;
  std::optional<ChecksumSpec> checksum_;
  std::optional<Hasher> chunk_hash_;
  std::optional<Hasher> running_;  // whole-file SHA-256 so far (nullopt after a restart)
  bool done_ = false;
};

// A final upload (tus concatenation) being assembled in three steps, so that the long copy
// holds no lock: Store::begin_concat (short) checks the parts and takes them — they stay
// busy, so nobody patches, deletes or concatenates them meanwhile — and reserves the total
// under the owner (owner_usage counts it); copy() (long, no lock) fills the new upload's
// temp directory; install() (short) makes the final upload visible and removes the parts.
// Dropped before install() succeeds, it gives the parts back, drops the reservation and
// removes the temp directory: a failed copy leaves nothing (a crash leaves only the temp
// directory, which Store::open removes).
class ConcatJob {
 public:
  ConcatJob(const ConcatJob&) = delete;
  ConcatJob& operator=(const ConcatJob&) = delete;
  ~ConcatJob();

  const UploadRecord& record() const noexcept { return record_; }  // id and length set
  uint64_t total() const noexcept { return *record_.length; }
  Status copy();
  Result<UploadView> install();

 private:
  friend class Store;
  ConcatJob(Store* store, UploadRecord record, std::vector<std::string> parts,
            std::filesystem::path tmp)
      : store_(store), record_(std::move(record)), parts_(std::move(parts)), tmp_(std::move(tmp)) {}

  Store* store_;
  UploadRecord record_;
  std::vector<std::string> parts_;
  std::filesystem::path tmp_;
  bool copied_ = false;
  bool installed_ = false;
};

class Store {
 public:
  explicit Store(StoreOptions options);

  // Creates the root and recovers from any crash (see the header comment).
  Result<RecoveryReport> open();

  // Creates an empty upload; assigns record.id when empty. Durable when it returns.
  Result<UploadView> create(UploadRecord record, int64_t now);
  // Starts a final upload from record.parts: complete partial uploads of record.owner, each
  // listed once (400 duplicate_concat_part; 400/403/423 for a missing, foreign, incomplete
  // or busy part). Short: no bytes are copied yet (see ConcatJob).
  Result<std::unique_ptr<ConcatJob>> begin_concat(UploadRecord record, int64_t now);
  // begin_concat, copy and install in one call.
  Result<UploadView> concatenate(UploadRecord record, int64_t now);

  Result<UploadView> get(const std::string& id) const;
  std::vector<UploadView> list() const;

  // Opens the single writer. 409 when `offset` differs from the durable offset, 423 when
  // another write is in progress, 403 for a final (concatenated) upload.
  Result<std::unique_ptr<WriteSession>> begin_write(const std::string& id, uint64_t offset,
                                                    std::optional<ChecksumSpec> checksum,
                                                    int64_t now);

  // Sets a deferred length (once). 400 when already set differently or below the offset.
  Status set_length(const std::string& id, uint64_t length);
  // Persists state changes of a record (state, sha256, probe, failure, has_content).
  Status update_record(const UploadRecord& record);
  // Removes an upload and its bytes. 423 while a write session is open.
  Status remove(const std::string& id);

  // Sum of the sizes (length, or offset while deferred) of this owner's uploads, plus the
  // final uploads being assembled for them.
  uint64_t owner_usage(const std::string& owner) const;
  // Ids of expired, idle uploads at `now`.
  std::vector<std::string> expired(int64_t now) const;
  // Hex SHA-256 of the complete data file, from the running hash when it covers the whole
  // upload, otherwise by reading the file.
  Result<std::string> sha256_of(const std::string& id) const;

  std::filesystem::path dir_of(const std::string& id) const { return options_.root / id; }
  std::filesystem::path data_path(const std::string& id) const { return dir_of(id) / "data"; }
  // The same path relative to server.data_dir ("uploads/<id>/data"), as events and jobs
  // carry it: clients can read job payloads, and must not learn the server's layout.
  std::string data_path_in_data_dir(const std::string& id) const {
    return (options_.root.filename() / id / "data").string();
  }
  const StoreOptions& options() const noexcept { return options_; }

 private:
  friend class WriteSession;
  friend class ConcatJob;
  using Entry = detail::StoreEntry;

  // Takes the upload out of the index (423 while busy unless `taken`: a ConcatJob holds
  // it), then removes its directory through the trash.
  Status remove_entry(const std::string& id, bool taken);
  void release_concat(const ConcatJob& job);

  UploadView view_locked(const Entry& e) const;
  Status write_offset(const std::string& id, uint64_t offset, int64_t updated_at) const;
  Result<Entry> load_dir(const std::filesystem::path& dir, RecoveryReport& report) const;
  Result<UploadView> install(Entry entry, const std::filesystem::path& tmp_dir);

  StoreOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>> entries_;
  std::map<std::string, std::pair<std::string, uint64_t>> reserved_;  // id -> (owner, bytes)
};

}  // namespace sg::upload
