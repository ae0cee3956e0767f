// The tablet screen's sync (docs/api.md): POST /api/sync starts one on a
// thread of the server's (one at a time); GET /api/sync tells its progress,
// then its result in a word the page can put in the officer's language.
#include "ui_internal.h"

namespace sweep::field {

void UiServer::Impl::SyncRoutes() {
  server.Post("/api/sync",
              [this](const httplib::Request&, httplib::Response& res) { StartSync(res); });
  server.Get("/api/sync", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(sync::web::ApiJson(SyncState()), "application/json");
  });
}

v1::UiSync UiServer::Impl::SyncState() {
  std::lock_guard lock(sync_mu);
  return sync;
}

void UiServer::Impl::StartSync(httplib::Response& res) {
  std::lock_guard lock(sync_mu);
  if (sync.running()) {
    res.set_content(sync::web::ApiJson(sync), "application/json");
    return;
  }
  if (sync_thread.joinable()) sync_thread.join();  // finished: it no longer needs sync_mu
  sync.Clear();
  sync.set_running(true);
  sync.set_phase("push");
  sync_thread = std::thread([this] { RunSync(); });
  res.status = 202;
  res.set_content(sync::web::ApiJson(sync), "application/json");
}

void UiServer::Impl::RunSync() {
  std::lock_guard store_lock(mu);
  v1::UiSync out;
  Result<SyncSummary> summary = DoSync(&out);
  std::lock_guard lock(sync_mu);
  sync.set_running(false);
  sync.set_finished(true);
  sync.set_hub_url(out.hub_url());
  if (summary.ok()) {
    sync.set_ok(true);
    sync.set_pushed(summary->pushed);
    sync.set_duplicates(summary->duplicates);
    sync.set_pulled(summary->pulled);
    sync.set_files(summary->files);
    return;
  }
  const Status& st = summary.status();
  auto* e = sync.mutable_error();
  e->set_message(st.message());
  switch (st.code()) {
    case Code::kUnavailable:
    case Code::kIOError:
      e->set_code("hub_unreachable");
      break;
    case Code::kNotFound:
      e->set_code("not_enrolled");
      break;
    case Code::kUnauthorized:
      e->set_code("refused");
      break;
    case Code::kShredded:
      e->set_code("shredded");
      break;
    case Code::kLocked:
      e->set_code("locked");
      break;
    default:
      e->set_code("internal");
  }
}

Result<SyncSummary> UiServer::Impl::DoSync(v1::UiSync* out) {
  if (!store->unlocked()) return Status::Locked("the tablet is locked: unlock it first");
  SWEEP_ASSIGN_OR_RETURN(auto hub, store->Hub());
  if (!hub) return Status::NotFound("this tablet is not enrolled with a hub");
  out->set_hub_url(hub->url);
  SWEEP_ASSIGN_OR_RETURN(auto transport, NewHttpTransport(hub->url, {}));
  SyncOptions options;
  options.progress = [this](const SyncProgress& p) {
    std::lock_guard lock(sync_mu);
    sync.set_phase(p.phase);
    sync.set_done(p.done);
    sync.set_total(p.total);
    sync.set_bytes(p.bytes);
  };
  return Sync(store, transport.get(), options);
}

}  // namespace sweep::field
