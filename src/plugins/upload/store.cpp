#include "store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <system_error>

namespace sg::upload {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string_view concat_name(ConcatKind k) {
  switch (k) {
    case ConcatKind::none:
      return "none";
    case ConcatKind::partial:
      return "partial";
    case ConcatKind::final_upload:
      return "final";
  }
  return "none";
}

Result<std::pair<uint64_t, int64_t>> parse_offset_record(std::string_view text) {
  uint64_t offset = 0;
  int64_t updated = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  auto r1 = std::from_chars(p, end, offset);
  if (r1.ec != std::errc() || r1.ptr == end || *r1.ptr != ' ')
    return fail(500, "storage_error", "corrupt offset record");
  auto r2 = std::from_chars(r1.ptr + 1, end, updated);
  if (r2.ec != std::errc() || r2.ptr == end || *r2.ptr != '\n')
    return fail(500, "storage_error", "corrupt offset record");
  return std::make_pair(offset, updated);
}

// Records hold client text (metadata); it is repaired on input, and the writer replaces
// anything ill-formed that slipped through rather than throwing out of the store.
std::string record_text(const UploadRecord& r) {
  return record_to_json(r).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

json record_to_json(const UploadRecord& r) {
  json j{{"id", r.id},
         {"owner", r.owner},
         {"length", r.length ? json(*r.length) : json(nullptr)},
         {"metadata", r.metadata},
         {"metadata_header", r.metadata_header},
         {"concat", concat_name(r.concat)},
         {"parts", r.parts},
         {"created_at", r.created_at},
         {"state", r.state},
         {"sha256", r.sha256},
         {"failure", r.failure},
         {"probe", r.probe},
         {"has_content", r.has_content}};
  return j;
}

Result<UploadRecord> record_from_json(const json& j) {
  try {
    UploadRecord r;
    r.id = j.at("id").get<std::string>();
    r.owner = j.at("owner").get<std::string>();
    if (!j.at("length").is_null()) r.length = j.at("length").get<uint64_t>();
    r.metadata = j.at("metadata").get<Metadata>();
    r.metadata_header = j.at("metadata_header").get<std::string>();
    std::string c = j.at("concat").get<std::string>();
    r.concat = c == "partial" ? ConcatKind::partial
               : c == "final" ? ConcatKind::final_upload
                              : ConcatKind::none;
    r.parts = j.at("parts").get<std::vector<std::string>>();
    r.created_at = j.at("created_at").get<int64_t>();
    r.state = j.at("state").get<std::string>();
    r.sha256 = j.at("sha256").get<std::string>();
    r.failure = j.at("failure").get<std::string>();
    r.probe = j.at("probe");
    r.has_content = j.at("has_content").get<bool>();
    if (!valid_upload_id(r.id)) return fail(500, "storage_error", "record has an invalid id");
    return r;
  } catch (const json::exception& e) {
    return fail(500, "storage_error", std::string("corrupt upload record: ") + e.what());
  }
}

// ---------------------------------------------------------------------------------------
// WriteSession

WriteSession::WriteSession(Store* store, std::shared_ptr<detail::StoreEntry> entry, Fd fd,
                           uint64_t start, std::optional<uint64_t> length,
                           std::optional<ChecksumSpec> checksum, std::optional<Hasher> running)
    : store_(store),
      entry_(std::move(entry)),
      fd_(std::move(fd)),
      start_(start),
      pos_(start),
      committed_(start),
      length_(length),
      checksum_(std::move(checksum)),
      running_(std::move(running)) {
  if (checksum_) chunk_hash_.emplace(checksum_->algorithm);
}

WriteSession::~WriteSession() {
  if (!done_) abandon(!checksum_);
}

Status WriteSession::write(std::string_view data) {
  if (done_) return fail(500, "internal_error", "write after the session ended");
  if (data.empty()) return ok_status();
  if (length_ && data.size() > *length_ - pos_)
    return fail(413, "upload_length_exceeded",
                "the request body goes past Upload-Length (" + std::to_string(*length_) + ")",
                static_cast<long long>(*length_));
  if (pos_ + data.size() > kMaxSizeValue)
    return fail(413, "upload_too_large", "upload too large", static_cast<long long>(kMaxSizeValue));
  if (auto st = pwrite_all(fd_.get(), data.data(), data.size(), pos_); !st) return st;
  // Start writeback of these pages now, without waiting: the disk works while the next
  // buffer arrives, so the fdatasync at the commit finds little left to do.
  (void)::sync_file_range(fd_.get(), static_cast<off_t>(pos_), static_cast<off_t>(data.size()),
                          SYNC_FILE_RANGE_WRITE);
  pos_ += data.size();
  if (chunk_hash_) chunk_hash_->update(data);
  if (running_) running_->update(data);
  // Intermediate commits only without a checksum: a checksummed chunk is all-or-nothing.
  if (!checksum_ && pos_ - committed_ >= store_->options_.commit_interval) return commit(pos_);
  return ok_status();
}

Status WriteSession::commit(uint64_t offset) {
  // Data first, then the offset record: the record must never point past durable bytes.
  if (::fdatasync(fd_.get()) != 0) return io_failure("fdatasync");
  int64_t now = static_cast<int64_t>(::time(nullptr));
  if (auto st = store_->write_offset(entry_->record.id, offset, now); !st) return st;
  std::lock_guard lock(store_->mu_);
  entry_->offset = offset;
  entry_->updated_at = now;
  if (running_ && offset == pos_) {
    entry_->sha = running_;
    entry_->sha_offset = offset;
  } else {
    entry_->sha.reset();
  }
  committed_ = offset;
  return ok_status();
}

Result<uint64_t> WriteSession::finish() {
  if (done_) return fail(500, "internal_error", "session already ended");
  if (checksum_ && chunk_hash_->digest() != checksum_->digest) {
    abandon(false);
    return fail(460, "checksum_mismatch",
                "Upload-Checksum does not match the " +
                    std::string(digest_name(checksum_->algorithm)) +
                    " of the received chunk; the chunk was discarded");
  }
  if (pos_ != committed_ || pos_ == start_) {
    if (auto st = commit(pos_); !st) {
      abandon(false);
      return st.error();
    }
  }
  release();
  return pos_;
}

void WriteSession::abandon(bool keep) {
  if (done_) return;
  if (keep && pos_ != committed_) {
    if (commit(pos_)) {
      release();
      return;
    }
  }
  // Cut back to the last durable offset; those bytes were never acknowledged.
  if (pos_ != committed_) {
    if (::ftruncate(fd_.get(), static_cast<off_t>(committed_)) == 0) (void)::fdatasync(fd_.get());
    std::lock_guard lock(store_->mu_);
    if (entry_->sha_offset != committed_) entry_->sha.reset();
  }
  release();
}

void WriteSession::release() {
  done_ = true;
  fd_ = Fd();
  std::lock_guard lock(store_->mu_);
  entry_->busy = false;
}

// ---------------------------------------------------------------------------------------
// Store

Store::Store(StoreOptions options) : options_(std::move(options)) {}

UploadView Store::view_locked(const Entry& e) const {
  UploadView v;
  v.record = e.record;
  v.offset = e.offset;
  v.updated_at = e.updated_at;
  v.busy = e.busy;
  bool finished =
      e.record.state != "uploading" ||
      (e.record.concat != ConcatKind::partial && e.record.length && e.offset == *e.record.length);
  v.expires_at =
      options_.expiration_seconds > 0 && !finished ? e.updated_at + options_.expiration_seconds : 0;
  return v;
}

Status Store::write_offset(const std::string& id, uint64_t offset, int64_t updated_at) const {
  std::string text = std::to_string(offset) + " " + std::to_string(updated_at) + "\n";
  return atomic_write(dir_of(id) / "offset", text);
}

Result<Store::Entry> Store::load_dir(const fs::path& dir, RecoveryReport& report) const {
  auto info_text = read_small_file(dir / "info.json");
  if (!info_text) return info_text.error();
  json j = json::parse(info_text.value(), nullptr, false);
  if (j.is_discarded()) return fail(500, "storage_error", "info.json is not JSON");
  auto rec = record_from_json(j);
  if (!rec) return rec.error();
  if (rec->id != dir.filename().string()) return fail(500, "storage_error", "record id mismatch");
  Entry e;
  e.record = std::move(rec.value());
  auto off_text = read_small_file(dir / "offset", 256);
  if (off_text) {
    auto parsed = parse_offset_record(off_text.value());
    if (!parsed) return parsed.error();
    e.offset = parsed->first;
    e.updated_at = parsed->second;
  } else {
    e.updated_at = e.record.created_at;
  }
  struct stat st {};
  fs::path data = dir / "data";
  if (::stat(data.c_str(), &st) != 0) return io_failure("stat data");
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size > e.offset) {
    // Written but never acknowledged: drop it so the client resends from the offset.
    if (::truncate(data.c_str(), static_cast<off_t>(e.offset)) != 0) return io_failure("truncate");
    report.truncated_bytes += size - e.offset;
  } else if (size < e.offset) {
    // Cannot happen when the disk honours fsync; trust the bytes, not the record.
    e.offset = size;
    if (auto w = write_offset(e.record.id, e.offset, e.updated_at); !w) return w.error();
  }
  return e;
}

Result<RecoveryReport> Store::open() {
  std::error_code ec;
  fs::create_directories(options_.root, ec);
  if (ec)
    return fail(500, "storage_error",
                "cannot create " + options_.root.string() + ": " + ec.message());
  RecoveryReport report;
  std::map<std::string, std::shared_ptr<Entry>> loaded;
  for (const auto& de : fs::directory_iterator(options_.root, ec)) {
    std::string name = de.path().filename().string();
    if (name.rfind(".tmp-", 0) == 0 || name.rfind(".trash-", 0) == 0) {
      fs::remove_all(de.path(), ec);
      ++report.removed;
      if (name.rfind(".tmp-", 0) == 0 && valid_upload_id(name.substr(5)))
        report.abandoned.push_back(name.substr(5));
      continue;
    }
    if (!valid_upload_id(name) || !de.is_directory()) continue;  // not ours; leave it alone
    auto e = load_dir(de.path(), report);
    if (!e) {
      // Unreadable record: the owner is unknown, so nobody could resume it. Quarantine by
      // removal (its bytes were never completed into content).
      fs::remove_all(de.path(), ec);
      ++report.removed;
      continue;
    }
    loaded.emplace(name, std::make_shared<Entry>(std::move(e.value())));
    ++report.uploads;
  }
  if (ec)
    return fail(500, "storage_error",
                "cannot list " + options_.root.string() + ": " + ec.message());
  std::lock_guard lock(mu_);
  entries_ = std::move(loaded);
  return report;
}

Result<UploadView> Store::install(Entry entry, const fs::path& tmp_dir) {
  const std::string id = entry.record.id;
  if (auto st = atomic_write(tmp_dir / "info.json", record_text(entry.record)); !st)
    return st.error();
  if (auto st = atomic_write(tmp_dir / "offset", std::to_string(entry.offset) + " " +
                                                     std::to_string(entry.updated_at) + "\n");
      !st)
    return st.error();
  if (::rename(tmp_dir.c_str(), dir_of(id).c_str()) != 0)
    return io_failure("rename upload directory");
  if (auto st = fsync_dir(options_.root); !st) {
    // Not durable, so not created: take the directory back out of sight.
    std::error_code ec;
    fs::remove_all(dir_of(id), ec);
    return st.error();
  }
  std::lock_guard lock(mu_);
  auto ptr = std::make_shared<Entry>(std::move(entry));
  entries_[id] = ptr;
  return view_locked(*ptr);
}

Result<UploadView> Store::create(UploadRecord record, int64_t now) {
  if (record.id.empty()) record.id = new_upload_id();
  if (!valid_upload_id(record.id)) return fail(500, "internal_error", "invalid upload id");
  record.created_at = now;
  fs::path tmp = options_.root / (".tmp-" + record.id);
  std::error_code ec;
  if (!fs::create_directory(tmp, ec))
    return fail(500, "storage_error", "cannot create upload directory: " + ec.message());
  {
    Fd fd(::open((tmp / "data").c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) {
      fs::remove_all(tmp, ec);
      return io_failure("create data file");
    }
    if (::fsync(fd.get()) != 0) {
      Failure f = io_failure("fsync");
      fs::remove_all(tmp, ec);
      return f;
    }
  }
  Entry e;
  e.record = std::move(record);
  e.updated_at = now;
  e.sha.emplace(DigestAlgorithm::sha256);
  auto v = install(std::move(e), tmp);
  if (!v) fs::remove_all(tmp, ec);
  return v;
}

Result<std::unique_ptr<ConcatJob>> Store::begin_concat(UploadRecord record, int64_t now) {
  if (record.parts.empty()) return fail(400, "invalid_concat", "a final upload needs parts");
  for (size_t i = 0; i < record.parts.size(); ++i) {
    for (size_t k = 0; k < i; ++k) {
      if (record.parts[k] == record.parts[i])
        return fail(400, "duplicate_concat_part",
                    "partial upload " + record.parts[i] + " is listed more than once");
    }
  }
  if (record.id.empty()) record.id = new_upload_id();
  if (!valid_upload_id(record.id)) return fail(500, "internal_error", "invalid upload id");
  record.created_at = now;
  // The temp directory comes first: from here on a crash leaves a trace that open() cleans.
  fs::path tmp = options_.root / (".tmp-" + record.id);
  std::error_code ec;
  if (!fs::create_directory(tmp, ec))
    return fail(500, "storage_error", "cannot create upload directory: " + ec.message());
  uint64_t total = 0;
  {
    std::lock_guard lock(mu_);
    std::optional<Failure> refused;
    for (const auto& pid : record.parts) {
      auto it = entries_.find(pid);
      if (it == entries_.end()) {
        refused = fail(400, "invalid_concat", "partial upload " + pid + " not found");
        break;
      }
      const Entry& p = *it->second;
      if (p.record.concat != ConcatKind::partial) {
        refused = fail(400, "invalid_concat", "upload " + pid + " is not a partial upload");
      } else if (p.record.owner != record.owner) {
        refused = fail(403, "forbidden", "partial upload " + pid + " belongs to someone else");
      } else if (!p.record.length || p.offset != *p.record.length) {
        refused = fail(400, "invalid_concat", "partial upload " + pid + " is not complete");
      } else if (p.busy) {
        refused =
            fail(423, "upload_locked", "partial upload " + pid + " is in use by another request");
      }
      if (refused) break;
      total += p.offset;
    }
    if (!refused && total > kMaxSizeValue)
      refused =
          fail(413, "upload_too_large", "upload too large", static_cast<long long>(kMaxSizeValue));
    if (refused) {
      fs::remove_all(tmp, ec);
      return *refused;
    }
    for (const auto& pid : record.parts) entries_[pid]->busy = true;
    reserved_[record.id] = {record.owner, total};
  }
  record.length = total;
  std::vector<std::string> parts = record.parts;
  return std::unique_ptr<ConcatJob>(new ConcatJob(this, std::move(record), std::move(parts), tmp));
}

Result<UploadView> Store::concatenate(UploadRecord record, int64_t now) {
  auto job = begin_concat(std::move(record), now);
  if (!job) return job.error();
  if (auto st = job.value()->copy(); !st) return st.error();
  return job.value()->install();
}

void Store::release_concat(const ConcatJob& job) {
  std::lock_guard lock(mu_);
  reserved_.erase(job.record_.id);
  for (const auto& pid : job.parts_) {
    auto it = entries_.find(pid);
    if (it != entries_.end()) it->second->busy = false;
  }
}

ConcatJob::~ConcatJob() {
  if (installed_) return;
  std::error_code ec;
  fs::remove_all(tmp_, ec);
  store_->release_concat(*this);
}

Status ConcatJob::copy() {
  if (copied_ || installed_) return fail(500, "internal_error", "concatenation already copied");
  Fd out(::open((tmp_ / "data").c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!out) return io_failure("create data file");
  for (const auto& pid : parts_) {
    uint64_t size = 0;
    {
      std::lock_guard lock(store_->mu_);
      auto it = store_->entries_.find(pid);  // held busy by this job, so still there
      if (it == store_->entries_.end())
        return fail(500, "internal_error", "partial upload " + pid + " vanished");
      size = it->second->offset;
    }
    Fd in(::open(store_->data_path(pid).c_str(), O_RDONLY | O_CLOEXEC));
    if (!in) return io_failure("open partial upload");
    if (auto st = copy_bytes(in.get(), out.get(), size); !st) return st;
  }
  if (::fdatasync(out.get()) != 0) return io_failure("fdatasync");
  copied_ = true;
  return ok_status();
}

Result<UploadView> ConcatJob::install() {
  if (!copied_ || installed_) return fail(500, "internal_error", "concatenation not copied");
  Store::Entry e;
  e.record = record_;
  e.offset = total();
  e.updated_at = record_.created_at;
  auto v = store_->install(std::move(e), tmp_);
  if (!v) return v;
  installed_ = true;
  store_->release_concat(*this);
  // The parts served their purpose (tus allows removing them after concatenation).
  for (const auto& pid : parts_) (void)store_->remove_entry(pid, true);
  return v;
}

Result<UploadView> Store::get(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return fail(404, "not_found", "no such upload");
  return view_locked(*it->second);
}

std::vector<UploadView> Store::list() const {
  std::lock_guard lock(mu_);
  std::vector<UploadView> out;
  out.reserve(entries_.size());
  for (const auto& [id, e] : entries_) out.push_back(view_locked(*e));
  return out;
}

Result<std::unique_ptr<WriteSession>> Store::begin_write(const std::string& id, uint64_t offset,
                                                         std::optional<ChecksumSpec> checksum,
                                                         int64_t now) {
  std::shared_ptr<Entry> e;
  std::optional<Hasher> running;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return fail(404, "not_found", "no such upload");
    e = it->second;
    UploadView v = view_locked(*e);
    if (e->record.concat == ConcatKind::final_upload)
      return fail(403, "final_upload", "a final (concatenated) upload cannot be patched");
    if (v.expires_at != 0 && v.expires_at <= now)
      return fail(410, "upload_expired", "the upload has expired");
    if (e->record.state != "uploading" || v.complete())
      return fail(409, "upload_complete", "the upload is already complete");
    if (e->busy) return fail(423, "upload_locked", "another request is writing this upload");
    if (offset != e->offset)
      return fail(409, "offset_mismatch",
                  "Upload-Offset " + std::to_string(offset) +
                      " does not match the current offset " + std::to_string(e->offset));
    e->busy = true;
    if (e->sha && e->sha_offset == offset) running = e->sha;
  }
  Fd fd(::open(data_path(id).c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) {
    std::lock_guard lock(mu_);
    e->busy = false;
    return io_failure("open data file");
  }
  std::optional<uint64_t> length = e->record.length;
  return std::unique_ptr<WriteSession>(new WriteSession(
      this, std::move(e), std::move(fd), offset, length, std::move(checksum), std::move(running)));
}

Status Store::set_length(const std::string& id, uint64_t length) {
  UploadRecord rec;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return fail(404, "not_found", "no such upload");
    const Entry& e = *it->second;
    if (e.record.length) {
      if (*e.record.length == length) return ok_status();
      return fail(400, "invalid_header", "Upload-Length cannot be changed once set");
    }
    if (length < e.offset)
      return fail(400, "invalid_header", "Upload-Length is below the current offset");
    rec = e.record;
  }
  rec.length = length;
  return update_record(rec);
}

Status Store::update_record(const UploadRecord& record) {
  std::shared_ptr<Entry> e;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(record.id);
    if (it == entries_.end()) return fail(404, "not_found", "no such upload");
    e = it->second;
  }
  if (auto st = atomic_write(dir_of(record.id) / "info.json", record_text(record)); !st) return st;
  std::lock_guard lock(mu_);
  e->record = record;
  return ok_status();
}

Status Store::remove(const std::string& id) {
  return remove_entry(id, false);
}

Status Store::remove_entry(const std::string& id, bool taken) {
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return fail(404, "not_found", "no such upload");
    if (it->second->busy && !taken)
      return fail(423, "upload_locked", "another request is writing this upload");
    entries_.erase(it);
  }
  fs::path trash = options_.root / (".trash-" + id);
  if (::rename(dir_of(id).c_str(), trash.c_str()) != 0) return io_failure("rename to trash");
  (void)fsync_dir(options_.root);
  std::error_code ec;
  fs::remove_all(trash, ec);
  return ok_status();
}

uint64_t Store::owner_usage(const std::string& owner) const {
  std::lock_guard lock(mu_);
  uint64_t sum = 0;
  for (const auto& [id, e] : entries_) {
    if (e->record.owner != owner) continue;
    sum += e->record.length ? *e->record.length : e->offset;
  }
  for (const auto& [id, r] : reserved_)
    if (r.first == owner) sum += r.second;
  return sum;
}

std::vector<std::string> Store::expired(int64_t now) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [id, e] : entries_) {
    UploadView v = view_locked(*e);
    if (!v.busy && v.expires_at != 0 && v.expires_at <= now) out.push_back(id);
  }
  return out;
}

Result<std::string> Store::sha256_of(const std::string& id) const {
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return fail(404, "not_found", "no such upload");
    const Entry& e = *it->second;
    if (e.sha && e.record.length && e.sha_offset == *e.record.length && e.offset == e.sha_offset)
      return e.sha->hex_digest();
  }
  Fd fd(::open(data_path(id).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return io_failure("open data file");
  Hasher h(DigestAlgorithm::sha256);
  std::string buf(1 << 20, '\0');
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_failure("read data file");
    if (n == 0) break;
    h.update(std::string_view(buf.data(), static_cast<size_t>(n)));
  }
  return h.hex_digest();
}

}  // namespace sg::upload
