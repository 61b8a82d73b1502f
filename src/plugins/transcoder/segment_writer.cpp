#include "segment_writer.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>

extern "C" {
#include <libavutil/mem.h>
#include <libavutil/opt.h>
}

namespace sg::transcoder {

SegmentWriter::~SegmentWriter() {
  if (muxer_ != nullptr) avformat_free_context(muxer_);
  if (io_ != nullptr) {
    av_freep(&io_->buffer);
    avio_context_free(&io_);
  }
}

int SegmentWriter::on_write(void* self, uint8_t* data, int size) {
  static_cast<SegmentWriter*>(self)->pending_.append(reinterpret_cast<const char*>(data),
                                                     static_cast<size_t>(size));
  return size;
}

Status SegmentWriter::open(const std::filesystem::path& dir, const AVCodecContext* encoder) {
  dir_ = dir;
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return io_error("cannot create " + dir_.filename().string() + ": " + ec.message());

  int rc = avformat_alloc_output_context2(&muxer_, nullptr, "mp4", nullptr);
  if (rc < 0 || muxer_ == nullptr) return internal_error("mp4 muxer: " + av_error_text(rc));
  AVStream* st = avformat_new_stream(muxer_, nullptr);
  if (st == nullptr) return internal_error("mp4 muxer: no stream");
  rc = avcodec_parameters_from_context(st->codecpar, encoder);
  if (rc < 0) return internal_error("mp4 stream parameters: " + av_error_text(rc));
  st->time_base = encoder->time_base;
  encoder_time_base_ = encoder->time_base;

  constexpr int kBufferSize = 64 * 1024;
  auto* buffer = static_cast<unsigned char*>(av_malloc(kBufferSize));
  if (buffer == nullptr) return internal_error("out of memory");
  io_ =
      avio_alloc_context(buffer, kBufferSize, 1, this, nullptr, &SegmentWriter::on_write, nullptr);
  if (io_ == nullptr) {
    av_free(buffer);
    return internal_error("out of memory");
  }
  io_->seekable = 0;  // fragments are cut by hand; the muxer must never seek back
  muxer_->pb = io_;
  muxer_->flags |= AVFMT_FLAG_CUSTOM_IO;

  AVDictionary* opts = nullptr;
  // frag_custom: a fragment ends only when we flush; delay_moov: the init segment is
  // written at the first flush, once the codec configuration is final; dash + cmaf: the
  // brands and per-fragment boxes of CMAF/DASH segments; no sidx or mfra: segments are
  // addressed by the manifests, never by byte ranges inside one file.
  av_dict_set(&opts, "movflags", "frag_custom+dash+delay_moov+skip_sidx+skip_trailer", 0);
  rc = avformat_write_header(muxer_, &opts);
  av_dict_free(&opts);
  if (rc < 0) return internal_error("mp4 header: " + av_error_text(rc));
  stream_time_base_ = st->time_base;
  timescale_ = static_cast<uint32_t>(stream_time_base_.den / std::max(1, stream_time_base_.num));
  return ok;
}

Status SegmentWriter::write_file(const std::string& name, const std::string& bytes) {
  const auto path = dir_ / name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return io_error("cannot write " + name + ": " + std::strerror(errno));
  bool good = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  good = std::fclose(f) == 0 && good;
  if (!good) return io_error("cannot write " + name + " (disk full?)");
  return ok;
}

Status SegmentWriter::flush_fragment() {
  if (!init_written_) {
    // With delay_moov the first flush writes ftyp + moov only: that is the init segment.
    int rc = av_write_frame(muxer_, nullptr);
    if (rc < 0) return internal_error("mp4 init segment: " + av_error_text(rc));
    avio_flush(io_);
    if (auto st = write_file(kInitName, pending_); !st) return st;
    pending_.clear();
    init_written_ = true;
  }
  int rc = av_write_frame(muxer_, nullptr);
  if (rc < 0) return internal_error("mp4 fragment: " + av_error_text(rc));
  avio_flush(io_);
  SegmentInfo seg;
  // Presentation time: samples before 0 (AAC priming) are hidden by the init segment's
  // edit list, so no segment starts before 0.
  seg.start = std::max<int64_t>(0, segment_start_);
  seg.duration = end_pts_ - seg.start;
  seg.bytes = pending_.size();
  if (auto st = write_file(segment_name(segments_.size() + 1), pending_); !st) return st;
  pending_.clear();
  segments_.push_back(seg);
  segment_open_ = false;
  return ok;
}

Status SegmentWriter::write(AVPacket* packet, bool starts_segment) {
  av_packet_rescale_ts(packet, encoder_time_base_, stream_time_base_);
  packet->stream_index = 0;
  if (starts_segment && segment_open_) {
    // The previous segment ends where this one starts, whatever its last packet said.
    end_pts_ = packet->pts;
    if (auto st = flush_fragment(); !st) {
      av_packet_unref(packet);
      return st;
    }
  }
  if (!segment_open_) {
    segment_start_ = packet->pts;
    segment_open_ = true;
  }
  end_pts_ = std::max(end_pts_, packet->pts + packet->duration);
  int rc = av_write_frame(muxer_, packet);
  av_packet_unref(packet);
  if (rc < 0) return internal_error("mp4 write: " + av_error_text(rc));
  return ok;
}

Status SegmentWriter::finish() {
  if (segment_open_) {
    if (auto st = flush_fragment(); !st) return st;
  }
  int rc = av_write_trailer(muxer_);
  if (rc < 0) return internal_error("mp4 trailer: " + av_error_text(rc));
  avio_flush(io_);
  pending_.clear();  // skip_trailer: nothing that belongs to a segment
  return ok;
}

}  // namespace sg::transcoder
