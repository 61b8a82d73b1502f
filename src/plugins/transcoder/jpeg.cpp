#include "jpeg.hpp"

#include <cstdio>

namespace sg::transcoder {

Status write_jpeg(const AVFrame* picture, int width, int height,
                  const std::filesystem::path& file) {
  SwsPtr sws(sws_getContext(picture->width, picture->height,
                            static_cast<AVPixelFormat>(picture->format), width, height,
                            AV_PIX_FMT_YUVJ420P, SWS_BICUBIC, nullptr, nullptr, nullptr));
  FramePtr frame = make_frame();
  PacketPtr packet = make_packet();
  if (!sws || !frame || !packet) return internal_error("jpeg: out of memory");
  frame->format = AV_PIX_FMT_YUVJ420P;
  frame->width = width;
  frame->height = height;
  if (av_frame_get_buffer(frame.get(), 0) < 0) return internal_error("jpeg: out of memory");
  sws_scale(sws.get(), picture->data, picture->linesize, 0, picture->height, frame->data,
            frame->linesize);
  frame->pts = 0;

  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
  if (codec == nullptr) return internal_error("this FFmpeg build has no JPEG encoder");
  CodecPtr enc(avcodec_alloc_context3(codec));
  if (!enc) return internal_error("jpeg: out of memory");
  enc->width = width;
  enc->height = height;
  enc->pix_fmt = AV_PIX_FMT_YUVJ420P;
  enc->time_base = AVRational{1, 25};
  enc->flags |= AV_CODEC_FLAG_QSCALE;
  enc->global_quality = FF_QP2LAMBDA * 3;  // visually clean, a few tens of KB per poster
  frame->quality = enc->global_quality;
  int rc = avcodec_open2(enc.get(), codec, nullptr);
  if (rc < 0) return internal_error("jpeg encoder: " + av_error_text(rc));
  rc = avcodec_send_frame(enc.get(), frame.get());
  if (rc >= 0) rc = avcodec_send_frame(enc.get(), nullptr);
  if (rc >= 0) rc = avcodec_receive_packet(enc.get(), packet.get());
  if (rc < 0) return internal_error("jpeg encoder: " + av_error_text(rc));

  std::FILE* f = std::fopen(file.c_str(), "wb");
  if (f == nullptr) return io_error("cannot write " + file.filename().string());
  bool good = std::fwrite(packet->data, 1, static_cast<size_t>(packet->size), f) ==
              static_cast<size_t>(packet->size);
  good = std::fclose(f) == 0 && good;
  if (!good) return io_error("cannot write " + file.filename().string() + " (disk full?)");
  return ok;
}

}  // namespace sg::transcoder
