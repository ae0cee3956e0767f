// The tablet screen's photos (docs/api.md): POST /api/photos takes an image
// (JPEG, PNG or WebP, checked by its first bytes too) and seals it in the
// store's attachments (files.cc: encrypted chunks, synced with the records);
// GET /api/photos?sha256= reads it back for a thumbnail. Nothing is written
// to disk in the clear.
#include <string_view>

#include "ui_internal.h"

namespace sweep::field {

namespace {

// The image type the first bytes show; "" when they show none we take.
std::string_view SniffImage(std::string_view b) {
  if (b.size() >= 3 && b.substr(0, 3) == "\xFF\xD8\xFF") return "image/jpeg";
  if (b.size() >= 8 && b.substr(0, 8) == "\x89PNG\r\n\x1A\n") return "image/png";
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") return "image/webp";
  return "";
}

void SendPhoto(httplib::Response& res, const FileInfo& f) {
  v1::UiPhoto out;
  out.set_sha256(f.sha256);
  out.set_media_type(f.media_type);
  out.set_size(f.size);
  res.set_content(sync::web::ApiJson(out), "application/json");
}

}  // namespace

void UiServer::Impl::PhotoRoutes() {
  server.Post(ui::kPhotosPath, Unlocked(&Impl::AddPhoto));
  server.Get(ui::kPhotosPath, Unlocked(&Impl::GetPhoto));
}

void UiServer::Impl::AddPhoto(const httplib::Request& req, httplib::Response& res) {
  std::string type = req.get_header_value("Content-Type");
  type = type.substr(0, type.find(';'));
  const std::string_view seen = SniffImage(req.body);
  if (type != "image/jpeg" && type != "image/png" && type != "image/webp") {
    ui::SendError(res, 415, "unsupported_type",
                  "photos are image/jpeg, image/png or image/webp, not " + type);
    return;
  }
  if (seen != type) {
    ui::SendError(res, 415, "unsupported_type",
                  "the body is not the " + type + " its Content-Type says");
    return;
  }
  if (req.body.size() > ui::kMaxPhotoBytes) {  // cpp-httplib refuses larger bodies already
    ui::SendError(res, 413, "too_large", "a photo may be at most 12 MiB");
    return;
  }
  auto added = store->AddFileBytes(crypto::AsBytes(req.body), type);
  if (!added.ok()) {
    ui::SendStoreError(res, added.status());
    return;
  }
  SendPhoto(res, *added);
}

void UiServer::Impl::GetPhoto(const httplib::Request& req, httplib::Response& res) {
  const std::string sha256 = req.get_param_value("sha256");
  if (sha256.size() != 64 || sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
    ui::SendError(res, 400, "bad_request", "give the photo: /api/photos?sha256=<64 hex digits>");
    return;
  }
  auto file = store->ReadFile(sha256);
  if (!file.ok()) {
    ui::SendStoreError(res, file.status());
    return;
  }
  if (SniffImage(std::string_view(reinterpret_cast<const char*>(file->bytes.data()),
                                  file->bytes.size())) != file->info.media_type) {
    ui::SendError(res, 415, "unsupported_type", "file " + sha256 + " is not a photo");
    return;
  }
  // A photo may show persons (evidence): logged before it is sent, as the
  // hub names it ("photo:<sha256>").
  if (Status st = store->LogView("photo:" + sha256); !st.ok()) {
    ui::SendStoreError(res, st);
    return;
  }
  res.set_content(reinterpret_cast<const char*>(file->bytes.data()), file->bytes.size(),
                  file->info.media_type);
}

}  // namespace sweep::field
