// Private to the tablet screen's server (ui_server.h): the state behind
// UiServer and the helpers its screens share. One file per screen adds its
// routes: ui_server.cc (security checks, unlock, lock, status, the page),
// ui_coverage.cc (today, a building), ui_forms.cc (form options, checks,
// records, drafts), ui_photos.cc (photos), ui_sync.cc (sync),
// ui_inspections.cc (a regulator's joint inspections).
//
// Threads: cpp-httplib answers on a pool of threads; `mu` serialises every
// use of the store (single-threaded). `sync_mu` guards the sync progress and
// is never held while waiting for `mu`.
#pragma once

#include <httplib.h>

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "sweep/field/store.h"
#include "sweep/field/sync_client.h"
#include "sweep/field/ui_server.h"
#include "sweep/v1/ui.pb.h"

namespace sweep::field {

namespace ui {

// POST /api/photos takes the image itself, at most this large (a tablet
// camera's JPEG is 2–8 MiB); also the limit of any request body.
constexpr const char* kPhotosPath = "/api/photos";
constexpr size_t kMaxPhotoBytes = 12u << 20;

// A refusal: the HTTP status and a UiError body.
void SendError(httplib::Response& res, int http, const std::string& code,
               const std::string& message, int attempts_left = 0, int64_t wait_ms = 0);
// A store failure as an answer: locked (idle time ran out), not found,
// invalid, conflict, or internal.
void SendStoreError(httplib::Response& res, const Status& st);
// Parses a JSON request body into `out` (unknown fields refused); false,
// with the 400 answer sent, when it does not parse.
bool ParseJson(const httplib::Request& req, httplib::Response& res, google::protobuf::Message* out,
               const std::string& expected);
// Versions on the tablet the hub has not acknowledged.
uint64_t Unsynced(Store& store);

}  // namespace ui

struct UiServer::Impl {
  Store* store = nullptr;
  UiOptions options;
  httplib::Server server;
  std::thread thread;
  std::atomic<bool> listen_done{false};  // the listening thread has returned
  int port = 0;
  std::mutex mu;       // the store
  std::mutex sync_mu;  // the two below (never held while waiting for mu)
  v1::UiSync sync;     // progress of the running sync, or the last result
  std::thread sync_thread;
  // Watchlist entries whose hit was shown and logged in this unlocked
  // session ("<officer>|watchlist:<hash>"; guarded by `mu`): a form checked
  // at every keystroke shows the same hit again without a new entry.
  std::set<std::string> watchlist_logged;

  // A handler that needs the store unlocked: runs under `mu`, or answers
  // 423 locked.
  using StoreHandler = void (Impl::*)(const httplib::Request&, httplib::Response&);
  httplib::Server::Handler Unlocked(StoreHandler handler);

  // ui_server.cc
  void Routes();
  std::string Refusal(const httplib::Request& req, bool api) const;
  v1::UiStatus Snapshot();
  void Unlock(const httplib::Request& req, httplib::Response& res);

  // ui_coverage.cc
  void CoverageRoutes();
  void Today(const httplib::Request& req, httplib::Response& res);
  void Building(const httplib::Request& req, httplib::Response& res);

  // ui_forms.cc
  void FormRoutes();
  void Check(const httplib::Request& req, httplib::Response& res);
  void Save(const httplib::Request& req, httplib::Response& res);
  void LoadRecord(const httplib::Request& req, httplib::Response& res);
  void ListDrafts(const httplib::Request& req, httplib::Response& res);
  void SaveDraft(const httplib::Request& req, httplib::Response& res);
  void DeleteDraft(const httplib::Request& req, httplib::Response& res);
  void ChangeDraft(const httplib::Request& req, httplib::Response& res, bool remove);
  // Logs the watchlist hits about to be shown (docs/storage-format.md
  // "View log"), each entry once per unlocked session;
  // false, with the answer sent, when they cannot be logged.
  bool LogWatchlistHits(const v1::Record& r, const std::vector<v1::ValidationResult>& hits,
                        httplib::Response& res);

  // ui_photos.cc
  void PhotoRoutes();
  void AddPhoto(const httplib::Request& req, httplib::Response& res);
  void GetPhoto(const httplib::Request& req, httplib::Response& res);

  // ui_inspections.cc
  void InspectionRoutes();
  void ListInspections(const httplib::Request& req, httplib::Response& res);

  // ui_sync.cc
  void SyncRoutes();
  v1::UiSync SyncState();
  void StartSync(httplib::Response& res);
  void RunSync();
  Result<SyncSummary> DoSync(v1::UiSync* out);  // REQUIRES: mu held
};

}  // namespace sweep::field
