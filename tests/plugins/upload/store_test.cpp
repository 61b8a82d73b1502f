// In-process tests of the on-disk store: durable offsets, checksum rollback, crash
// recovery, concatenation, expiry, quotas.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "base64.hpp"
#include "store.hpp"
#include "support.hpp"

namespace sg::upload {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string sha256_hex(std::string_view s) {
  Hasher h(DigestAlgorithm::sha256);
  h.update(s);
  return h.hex_digest();
}

class StoreTest : public ::testing::Test {
 protected:
  StoreOptions opts() {
    StoreOptions o;
    o.root = dir_.path() / "uploads";
    o.commit_interval = 1024;
    o.expiration_seconds = 3600;
    return o;
  }
  // A partial upload (tus concatenation part) of `owner`, written in full.
  std::string complete_partial(Store& store, const std::string& bytes,
                               const std::string& owner = "0xA") {
    UploadRecord r = rec(bytes.size(), owner);
    r.concat = ConcatKind::partial;
    std::string id = store.create(r, 1)->record.id;
    auto s = store.begin_write(id, 0, std::nullopt, 2);
    EXPECT_TRUE(s->get()->write(bytes).ok());
    EXPECT_TRUE(s->get()->finish().ok());
    return id;
  }
  UploadRecord rec(std::optional<uint64_t> length, std::string owner = "0xA") {
    UploadRecord r;
    r.owner = std::move(owner);
    r.length = length;
    return r;
  }
  sgtest::TempDir dir_{"sg-upload-store"};
};

TEST_F(StoreTest, WritesCommitOffsetsAndComputeSha256) {
  Store store(opts());
  ASSERT_TRUE(store.open().ok());
  auto v = store.create(rec(10), 1000);
  ASSERT_TRUE(v.ok());
  std::string id = v->record.id;
  EXPECT_TRUE(valid_upload_id(id));
  EXPECT_EQ(v->offset, 0u);
  EXPECT_EQ(v->expires_at, 1000 + 3600);
  {
    auto s = store.begin_write(id, 0, std::nullopt, 1001);
    ASSERT_TRUE(s.ok());
    // A second writer is refused while the first is open.
    auto s2 = store.begin_write(id, 0, std::nullopt, 1001);
    ASSERT_FALSE(s2.ok());
    EXPECT_EQ(s2.error().status(), 423);
    ASSERT_TRUE(s.value()->write("hello").ok());
    auto off = s.value()->finish();
    ASSERT_TRUE(off.ok());
    EXPECT_EQ(off.value(), 5u);
  }
  EXPECT_EQ(store.get(id)->offset, 5u);
  auto mismatch = store.begin_write(id, 3, std::nullopt, 1002);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().status(), 409);
  {
    auto s = store.begin_write(id, 5, std::nullopt, 1002);
    ASSERT_TRUE(s.ok());
    auto over = s.value()->write("world!");
    ASSERT_FALSE(over.ok());
    EXPECT_EQ(over.error().status(), 413);
    ASSERT_TRUE(s.value()->write("world").ok());
    ASSERT_TRUE(s.value()->finish().ok());
  }
  auto done = store.get(id);
  EXPECT_TRUE(done->complete());
  EXPECT_EQ(done->expires_at, 0);
  EXPECT_EQ(read_all(store.data_path(id)), "helloworld");
  EXPECT_EQ(store.sha256_of(id).value(), sha256_hex("helloworld"));
  auto after = store.begin_write(id, 10, std::nullopt, 1003);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().status(), 409);
  EXPECT_EQ(after.error().code(), "upload_complete");
}

TEST_F(StoreTest, ChecksumMismatchDiscardsTheChunk) {
  Store store(opts());
  ASSERT_TRUE(store.open().ok());
  std::string id = store.create(rec(8), 1)->record.id;
  Hasher good(DigestAlgorithm::md5);
  good.update("abcd");
  {
    auto s = store.begin_write(id, 0, ChecksumSpec{DigestAlgorithm::md5, good.digest()}, 2);
    ASSERT_TRUE(s->get()->write("abcd").ok());
    ASSERT_TRUE(s->get()->finish().ok());
  }
  {
    auto s = store.begin_write(id, 4, ChecksumSpec{DigestAlgorithm::md5, good.digest()}, 3);
    ASSERT_TRUE(s->get()->write("XXXX").ok());
    auto r = s->get()->finish();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().status(), 460);
  }
  EXPECT_EQ(store.get(id)->offset, 4u);
  EXPECT_EQ(read_all(store.data_path(id)), "abcd");
  {
    auto s = store.begin_write(id, 4, std::nullopt, 4);
    ASSERT_TRUE(s->get()->write("efgh").ok());
    ASSERT_TRUE(s->get()->finish().ok());
  }
  // The running hash must not include the discarded chunk.
  EXPECT_EQ(store.sha256_of(id).value(), sha256_hex("abcdefgh"));
}

TEST_F(StoreTest, RecoveryCutsUnacknowledgedBytesAndDropsHalfCreatedUploads) {
  std::string id;
  {
    Store store(opts());
    ASSERT_TRUE(store.open().ok());
    id = store.create(rec(std::nullopt), 5)->record.id;
    auto s = store.begin_write(id, 0, std::nullopt, 6);
    // 3000 bytes with a 1024-byte commit interval: two intermediate commits (2048 durable).
    for (size_t n : {1024u, 1024u, 952u}) ASSERT_TRUE(s->get()->write(std::string(n, 'x')).ok());
    EXPECT_EQ(store.get(id)->offset, 2048u);
    // Simulate a crash: the session is never finished; forget it without cleanup.
    (void)s.value().release();
  }
  fs::create_directories(dir_.path() / "uploads" / (".tmp-" + new_upload_id()));
  Store again(opts());
  auto report = again.open();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->uploads, 1u);
  EXPECT_EQ(report->removed, 1u);
  EXPECT_EQ(report->truncated_bytes, 3000u - 2048u);
  EXPECT_EQ(again.get(id)->offset, 2048u);
  EXPECT_EQ(fs::file_size(again.data_path(id)), 2048u);
  // Deferred length is set later, then the upload resumes from the durable offset.
  ASSERT_TRUE(again.set_length(id, 2050).ok());
  EXPECT_EQ(again.set_length(id, 2051).error().status(), 400);
  auto s = again.begin_write(id, 2048, std::nullopt, 7);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s->get()->write("yy").ok());
  ASSERT_TRUE(s->get()->finish().ok());
  EXPECT_EQ(again.sha256_of(id).value(), sha256_hex(std::string(2048, 'x') + "yy"));
}

TEST_F(StoreTest, CorruptRecordIsRemovedOnRecovery) {
  std::string id;
  {
    Store store(opts());
    ASSERT_TRUE(store.open().ok());
    id = store.create(rec(4), 1)->record.id;
  }
  std::ofstream(dir_.path() / "uploads" / id / "info.json") << "{not json";
  Store again(opts());
  auto report = again.open();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->removed, 1u);
  EXPECT_FALSE(again.get(id).ok());
}

TEST_F(StoreTest, ConcatenatesCompletePartialsOfTheSameOwner) {
  Store store(opts());
  ASSERT_TRUE(store.open().ok());
  auto make_part = [&](const std::string& bytes, const std::string& owner) {
    return complete_partial(store, bytes, owner);
  };
  std::string a = make_part("first-", "0xA");
  std::string b = make_part("second", "0xA");
  std::string other = make_part("theirs", "0xB");
  UploadRecord bad = rec(std::nullopt);
  bad.concat = ConcatKind::final_upload;
  bad.parts = {a, other};
  EXPECT_EQ(store.concatenate(bad, 3).error().status(), 403);

  UploadRecord incomplete_part = rec(10);
  incomplete_part.concat = ConcatKind::partial;
  std::string c = store.create(incomplete_part, 1)->record.id;
  bad.parts = {a, c};
  EXPECT_EQ(store.concatenate(bad, 3).error().status(), 400);

  UploadRecord fin = rec(std::nullopt);
  fin.concat = ConcatKind::final_upload;
  fin.parts = {a, b};
  auto v = store.concatenate(fin, 3);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->offset, 12u);
  EXPECT_TRUE(v->complete());
  EXPECT_EQ(read_all(store.data_path(v->record.id)), "first-second");
  EXPECT_EQ(store.sha256_of(v->record.id).value(), sha256_hex("first-second"));
  EXPECT_FALSE(store.get(a).ok());  // parts are removed after concatenation
  auto patch = store.begin_write(v->record.id, 12, std::nullopt, 4);
  EXPECT_EQ(patch.error().status(), 403);
}

// Issue 10 item 5: a final upload is checked, then its parts are taken and its total
// reserved BEFORE any copy; a failed copy gives everything back and leaves no directory.
TEST_F(StoreTest, ConcatReservesBeforeCopyingAndAFailedCopyLeavesNothing) {
  Store store(opts());
  ASSERT_TRUE(store.open().ok());
  auto make_part = [&](const std::string& bytes) { return complete_partial(store, bytes); };
  std::string a = make_part(std::string(1000, 'a'));
  std::string b = make_part("bb");
  auto tmp_dirs = [&] {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir_.path() / "uploads"))
      if (e.path().filename().string().rfind(".tmp-", 0) == 0) ++n;
    return n;
  };

  UploadRecord dup = rec(std::nullopt);
  dup.concat = ConcatKind::final_upload;
  dup.parts = {a, a, b};
  auto refused = store.begin_concat(dup, 3);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().status(), 400);
  EXPECT_EQ(refused.error().code(), "duplicate_concat_part");
  EXPECT_EQ(tmp_dirs(), 0u);

  UploadRecord fin = rec(std::nullopt);
  fin.concat = ConcatKind::final_upload;
  fin.parts = {a, b};
  {
    auto job = store.begin_concat(fin, 3);
    ASSERT_TRUE(job.ok());
    EXPECT_EQ(job.value()->total(), 1002u);
    // Reserved: the owner's usage counts the copy-to-be, and the parts are held.
    EXPECT_EQ(store.owner_usage("0xA"), 2004u);
    EXPECT_EQ(store.remove(a).error().status(), 423);
    EXPECT_EQ(store.begin_concat(fin, 3).error().status(), 423);
    // Nothing copied yet: only an empty temp directory exists.
    EXPECT_EQ(tmp_dirs(), 1u);
    // The copy fails (a part's bytes are gone): the job is dropped without installing.
    fs::rename(store.data_path(b), dir_.path() / "b-data");
    EXPECT_FALSE(job.value()->copy().ok());
  }
  fs::rename(dir_.path() / "b-data", store.data_path(b));
  EXPECT_EQ(tmp_dirs(), 0u);
  EXPECT_EQ(store.owner_usage("0xA"), 1002u);
  EXPECT_EQ(store.list().size(), 2u);

  auto v = store.concatenate(fin, 4);
  ASSERT_TRUE(v.ok()) << v.error().what();
  EXPECT_EQ(read_all(store.data_path(v->record.id)), std::string(1000, 'a') + "bb");
  EXPECT_EQ(store.owner_usage("0xA"), 1002u);  // the parts are gone
  EXPECT_FALSE(store.get(a).ok());
  EXPECT_EQ(tmp_dirs(), 0u);
}

TEST_F(StoreTest, ExpiryQuotaAndRemoval) {
  Store store(opts());
  ASSERT_TRUE(store.open().ok());
  std::string a = store.create(rec(100, "0xA"), 1000)->record.id;
  std::string b = store.create(rec(50, "0xA"), 4000)->record.id;
  ASSERT_TRUE(store.create(rec(7, "0xB"), 1000).ok());
  EXPECT_EQ(store.owner_usage("0xA"), 150u);
  EXPECT_EQ(store.owner_usage("0xB"), 7u);
  auto expired = store.expired(4700);
  ASSERT_EQ(expired.size(), 2u);  // a and the 0xB upload
  auto late = store.begin_write(a, 0, std::nullopt, 4700);
  EXPECT_EQ(late.error().status(), 410);
  ASSERT_TRUE(store.remove(a).ok());
  EXPECT_EQ(store.get(a).error().status(), 404);
  EXPECT_FALSE(fs::exists(store.dir_of(a)));
  EXPECT_EQ(store.owner_usage("0xA"), 50u);
  EXPECT_TRUE(store.get(b).ok());
}

}  // namespace
}  // namespace sg::upload
