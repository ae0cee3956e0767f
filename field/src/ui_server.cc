// UiServer: the tablet screen's assets and API on 127.0.0.1 (ui_server.h;
// the API in docs/api.md). One mutex serialises every use of the store:
// cpp-httplib answers on a pool of threads, the Store is single-threaded.
#include "sweep/field/ui_server.h"

#include <google/protobuf/util/json_util.h>
#include <httplib.h>
#include <sodium.h>

#include <algorithm>
#include <mutex>
#include <string_view>
#include <thread>

#include "sweep/field/coverage.h"
#include "sweep/field/sync_client.h"
#include "sweep/schema/indicators.h"
#include "sweep/schema/record_json.h"
#include "sweep/v1/ui.pb.h"

namespace sweep::field {

namespace {

constexpr const char* kCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

std::string ContentType(std::string_view path) {
  auto ends = [&](std::string_view s) {
    return path.size() >= s.size() && path.substr(path.size() - s.size()) == s;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  return "application/octet-stream";
}

void SecurityHeaders(httplib::Response& res) {
  res.set_header("Content-Security-Policy", kCsp);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cache-Control", "no-store");
  res.set_header("Cross-Origin-Opener-Policy", "same-origin");
  res.set_header("Cross-Origin-Resource-Policy", "same-origin");
}

std::string ToJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return out;
}

void SendError(httplib::Response& res, int http, const std::string& code,
               const std::string& message, int attempts_left = 0, int64_t wait_ms = 0) {
  v1::UiError e;
  e.set_code(code);
  e.set_message(message);
  e.set_attempts_left(attempts_left);
  e.set_wait_ms(wait_ms);
  res.status = http;
  res.set_content(ToJson(e), "application/json");
}

bool SameSecret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string NewUiSecret() {
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  char hex[2 * sizeof raw + 1];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  sodium_memzero(raw, sizeof raw);
  std::string out(hex);
  sodium_memzero(hex, sizeof hex);
  return out;
}

struct UiServer::Impl {
  Store* store;
  UiOptions options;
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::mutex mu;  // the store
  std::mutex sync_mu;  // the two below (never held while waiting for mu)
  v1::UiSync sync;     // progress of the running sync, or the last result
  std::thread sync_thread;

  v1::UiSync SyncState() {
    std::lock_guard lock(sync_mu);
    return sync;
  }

  // Starts a sync on a thread of its own (one at a time); the page polls
  // GET /api/sync for its progress and result.
  void StartSync(httplib::Response& res) {
    std::lock_guard lock(sync_mu);
    if (sync.running()) {
      res.set_content(ToJson(sync), "application/json");
      return;
    }
    if (sync_thread.joinable()) sync_thread.join();  // finished: it no longer needs sync_mu
    sync.Clear();
    sync.set_running(true);
    sync.set_phase("push");
    sync_thread = std::thread([this] { RunSync(); });
    res.status = 202;
    res.set_content(ToJson(sync), "application/json");
  }

  void RunSync() {
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

  // REQUIRES: mu held.
  Result<SyncSummary> DoSync(v1::UiSync* out) {
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

  // Host must name this server exactly; a foreign Origin is refused; API
  // calls need the secret. Empty when the request may go on.
  std::string Refusal(const httplib::Request& req, bool api) const {
    const std::string self = "127.0.0.1:" + std::to_string(port);
    if (req.get_header_value("Host") != self) return "wrong Host: open " + self;
    const std::string origin = req.get_header_value("Origin");
    if (!origin.empty() && origin != "http://" + self) return "requests from other sites refused";
    if (!api) return "";
    if (!SameSecret(req.get_header_value("X-Sweep-Key"), options.secret)) {
      return "missing or wrong X-Sweep-Key: open the address sweep-field ui printed";
    }
    if (req.method == "POST" &&
        req.get_header_value("Content-Type").rfind("application/json", 0) != 0) {
      return "POST bodies must be application/json";
    }
    return "";
  }

  v1::UiStatus Snapshot() {
    v1::UiStatus s;
    s.set_idle_lock_ms(options.idle_lock_ms);
    s.set_device_id(store->device_id());
    if (auto info = store->Info(); info.ok()) {
      s.set_failed_attempts(info->failed_attempts);
      s.set_attempts_left(std::max(0, info->max_failed_attempts - info->failed_attempts));
      s.set_wait_ms(std::max<int64_t>(0, info->locked_until_ms - store->env()->NowMillis()));
      s.set_records(info->records);
    }
    if (auto officers = store->Officers(); officers.ok()) {
      for (const OfficerInfo& o : *officers) {
        auto* u = s.add_officers();
        u->set_officer_id(o.officer_id);
        u->set_name(o.name);
      }
    }
    s.set_unlocked(store->unlocked());
    if (store->unlocked()) {
      s.set_officer_id(store->officer_id());
      if (auto sync = store->GetSyncState(); sync.ok()) {
        s.set_unsynced(sync->head_seq - std::min(sync->head_seq, sync->synced_seq));
      }
    }
    return s;
  }

  void Unlock(const httplib::Request& req, httplib::Response& res) {
    v1::UiUnlockRequest u;
    google::protobuf::util::JsonParseOptions o;
    if (!google::protobuf::util::JsonStringToMessage(req.body, &u, o).ok() ||
        u.officer_id().empty()) {
      SendError(res, 400, "bad_request",
                "the body must be {\"officerId\": \"…\", \"pin\": \"…\"} as JSON");
      return;
    }
    std::lock_guard lock(mu);
    Status st = store->Unlock(u.officer_id(), u.pin());
    sodium_memzero(u.mutable_pin()->data(), u.pin().size());
    if (st.ok()) {
      res.set_content(ToJson(Snapshot()), "application/json");
      return;
    }
    v1::UiStatus now = Snapshot();
    switch (st.code()) {
      case Code::kUnauthorized:
        SendError(res, 401, "wrong_pin", st.message(), now.attempts_left(), now.wait_ms());
        return;
      case Code::kLocked:
        SendError(res, 429, "wait", st.message(), now.attempts_left(), now.wait_ms());
        return;
      case Code::kShredded:
        SendError(res, 410, "shredded", st.message());
        return;
      case Code::kNotFound:
        SendError(res, 404, "unknown_officer", st.message(), now.attempts_left());
        return;
      default:
        SendError(res, 500, "internal", st.ToString());
    }
  }

  // The officer's day and one building (coverage.h), read from the store
  // now: a visit recorded a moment ago counts. REQUIRES: mu held.
  bool NeedUnlocked(httplib::Response& res) {
    if (store->unlocked()) return true;
    SendError(res, 423, "locked", "the tablet is locked: unlock it first");
    return false;
  }

  // A store failure as an answer: locked (idle time ran out) or internal.
  static void SendStoreError(httplib::Response& res, const Status& st) {
    if (st.code() == Code::kLocked) {
      SendError(res, 423, "locked", st.message());
    } else {
      SendError(res, 500, "internal", st.ToString());
    }
  }

  void Today(httplib::Response& res) {
    auto data = LoadCoverage(*store);
    if (!data.ok()) {
      SendStoreError(res, data.status());
      return;
    }
    const TodayView t = TodayOf(*data, store->env()->NowMillis());
    v1::UiToday out;
    out.set_officer_id(t.officer_id);
    out.set_today(t.today);
    out.set_cycle(t.cycle.label);
    out.set_local_visits(t.local_visits);
    out.set_config_from_hub(t.config_from_hub);
    for (const BeatView& b : t.beats) {
      auto* beat = out.add_beats();
      beat->set_beat(b.beat);
      beat->set_units(b.units);
      beat->set_covered(b.covered);
      beat->set_remaining(b.remaining);
      beat->set_revisits_open(b.revisits_open);
      for (const BuildingSummary& s : b.buildings) {
        auto* u = beat->add_buildings();
        u->set_building_key(s.building_key);
        u->set_address(s.address);
        u->set_units(s.units);
        u->set_covered(s.covered);
        u->set_remaining(s.remaining);
      }
    }
    for (const RevisitView& r : t.revisits) {
      auto* v = out.add_revisits();
      v->set_building_key(r.building_key);
      v->set_unit_key(r.unit_key);
      v->set_address(r.address);
      v->set_reason(r.reason);
      v->set_window(r.window);
      v->set_due_date(r.due_date);
      v->set_open(r.open);
      v->set_overdue(r.overdue);
      v->set_attempts(r.attempts);
    }
    if (auto sync = store->GetSyncState(); sync.ok()) {
      out.set_unsynced(sync->head_seq - std::min(sync->head_seq, sync->synced_seq));
    }
    res.set_content(ToJson(out), "application/json");
  }

  void Building(const std::string& key, httplib::Response& res) {
    if (key.empty()) {
      SendError(res, 400, "bad_request", "give the building: /api/building?key=<building key>");
      return;
    }
    auto data = LoadCoverage(*store);
    if (!data.ok()) {
      SendStoreError(res, data.status());
      return;
    }
    auto view = BuildingOf(*data, key, store->env()->NowMillis());
    if (!view.ok()) {
      const bool unreadable = view.status().code() == Code::kInvalidArgument;
      SendError(res, unreadable ? 400 : 404, unreadable ? "bad_address" : "unknown_building",
                view.status().message());
      return;
    }
    v1::UiBuilding out;
    out.set_building_key(view->building_key);
    out.set_address(view->address);
    for (const std::string& b : view->beats) out.add_beats(b);
    for (const std::string& c : view->columns) out.add_columns(c);
    for (const GridRow& r : view->rows) {
      auto* row = out.add_rows();
      row->set_floor(r.floor);
      for (int c : r.cells) row->add_cells(c);
    }
    for (const UnitView& u : view->units) {
      auto* unit = out.add_units();
      unit->set_unit_key(u.unit_key);
      unit->set_room(u.room);
      unit->set_floor(u.floor);
      unit->set_state(std::string(schema::ledger::StateName(u.state)));
      unit->set_covered(u.covered);
      unit->set_registered(u.registered);
      unit->set_local_visits(u.local_visits);
      unit->set_last_officer_id(u.last_officer_id);
      unit->set_last_visit_ms(u.last_visit_ms);
      if (u.revisit) unit->set_revisit_due_date(u.revisit->due_date);
    }
    out.set_total(view->total);
    out.set_covered(view->covered);
    out.set_remaining(view->remaining);
    out.set_coverage_pct(view->coverage_pct);
    out.set_extra(view->extra);
    res.set_content(ToJson(out), "application/json");
  }

  // A record body from the page (Record JSON; only rental_check or
  // office_sweep is read). False (and the answer sent) when it does not parse.
  static bool ReadBody(const httplib::Request& req, httplib::Response& res, v1::Record* out) {
    google::protobuf::util::JsonParseOptions o;
    auto st = google::protobuf::util::JsonStringToMessage(req.body, out, o);
    if (!st.ok() || (!out->has_rental_check() && !out->has_office_sweep())) {
      SendError(res, 400, "bad_request",
                "the body must be a record as JSON with rentalCheck or officeSweep set" +
                    (st.ok() ? std::string() : ": " + std::string(st.message())));
      return false;
    }
    v1::Record body;  // nothing but the body: ids, versions, clocks are the store's
    if (out->has_rental_check()) *body.mutable_rental_check() = out->rental_check();
    if (out->has_office_sweep()) *body.mutable_office_sweep() = out->office_sweep();
    *out = std::move(body);
    return true;
  }

  void Check(const httplib::Request& req, httplib::Response& res) {
    v1::Record r;
    if (!ReadBody(req, res, &r)) return;
    v1::UiCheck out;
    for (auto& v : schema::ValidateRecord(r)) *out.add_problems() = std::move(v);
    auto hits = store->WatchlistHits(r);
    if (!hits.ok()) {
      SendStoreError(res, hits.status());
      return;
    }
    for (auto& v : *hits) *out.add_watchlist() = std::move(v);
    res.set_content(ToJson(out), "application/json");
  }

  void Save(const httplib::Request& req, httplib::Response& res) {
    v1::Record r;
    if (!ReadBody(req, res, &r)) return;
    auto hits = store->WatchlistHits(r);
    if (!hits.ok()) {
      SendStoreError(res, hits.status());
      return;
    }
    std::vector<NewVersion> items;
    items.push_back({"", 0, std::move(r)});
    auto saved = store->Append(std::move(items));
    if (!saved.ok()) {
      SendStoreError(res, saved.status());
      return;
    }
    const v1::Record& rec = saved->front();
    v1::UiSaved out;
    out.set_record_id(rec.record_id());
    out.set_version(rec.version());
    for (const auto& v : rec.validation()) *out.add_problems() = v;
    for (auto& v : *hits) *out.add_watchlist() = std::move(v);
    if (auto sync = store->GetSyncState(); sync.ok()) {
      out.set_unsynced(sync->head_seq - std::min(sync->head_seq, sync->synced_seq));
    }
    res.set_content(ToJson(out), "application/json");
  }

  void ListDrafts(httplib::Response& res) {
    auto drafts = store->Drafts();
    if (!drafts.ok()) {
      SendStoreError(res, drafts.status());
      return;
    }
    v1::UiDrafts out;
    for (const Draft& d : *drafts) {
      auto* u = out.add_drafts();
      u->set_key(d.key);
      u->set_body(d.body);
      u->set_updated_ms(d.updated_ms);
    }
    res.set_content(ToJson(out), "application/json");
  }

  void ChangeDraft(const httplib::Request& req, httplib::Response& res, bool remove) {
    v1::UiDraft d;
    google::protobuf::util::JsonParseOptions o;
    if (!google::protobuf::util::JsonStringToMessage(req.body, &d, o).ok() || d.key().empty()) {
      SendError(res, 400, "bad_request", "the body must be {\"key\": \"…\", \"body\": \"…\"}");
      return;
    }
    Status st = remove ? store->DeleteDraft(d.key()) : store->SaveDraft(d.key(), d.body());
    sodium_memzero(d.mutable_body()->data(), d.body().size());
    if (!st.ok()) {
      if (st.code() == Code::kInvalidArgument) {
        SendError(res, 400, "bad_request", st.message());
      } else {
        SendStoreError(res, st);
      }
      return;
    }
    res.set_content("{}", "application/json");
  }

  void Routes() {
    server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      SecurityHeaders(res);
      const bool api = req.path.rfind("/api/", 0) == 0;
      std::string why = Refusal(req, api);
      if (!why.empty()) {
        SendError(res, 403, "forbidden", why);
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    server.Get("/api/status", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard lock(mu);
      res.set_content(ToJson(Snapshot()), "application/json");
    });
    server.Post("/api/unlock", [this](const httplib::Request& req, httplib::Response& res) {
      Unlock(req, res);
    });
    server.Get("/api/today", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard lock(mu);
      if (NeedUnlocked(res)) Today(res);
    });
    server.Get("/api/building", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      if (NeedUnlocked(res)) Building(req.get_param_value("key"), res);
    });
    server.Get("/api/form", [](const httplib::Request&, httplib::Response& res) {
      v1::UiFormOptions out;
      for (const schema::IndicatorInfo& i : schema::KnownIndicators()) {
        auto* u = out.add_indicators();
        u->set_code(std::string(i.code));
        u->set_zh(std::string(i.zh));
        u->set_en(std::string(i.en));
        u->set_strong(i.strong);
      }
      res.set_content(ToJson(out), "application/json");
    });
    server.Post("/api/check", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      if (NeedUnlocked(res)) Check(req, res);
    });
    server.Post("/api/records", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      if (NeedUnlocked(res)) Save(req, res);
    });
    server.Get("/api/drafts", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard lock(mu);
      if (NeedUnlocked(res)) ListDrafts(res);
    });
    server.Post("/api/drafts", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      if (NeedUnlocked(res)) ChangeDraft(req, res, false);
    });
    server.Post("/api/drafts/delete", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu);
      if (NeedUnlocked(res)) ChangeDraft(req, res, true);
    });
    server.Post("/api/sync", [this](const httplib::Request&, httplib::Response& res) {
      StartSync(res);
    });
    server.Get("/api/sync", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(ToJson(SyncState()), "application/json");
    });
    server.Post("/api/lock", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard lock(mu);
      store->Lock();
      res.set_content(ToJson(Snapshot()), "application/json");
    });
    server.Get(R"(/(.*))", [](const httplib::Request& req, httplib::Response& res) {
      const std::string path = req.path == "/" ? "/index.html" : req.path;
      for (size_t i = 0; i < kEmbeddedFileCount; ++i) {
        if (path == kEmbeddedFiles[i].path) {
          res.set_content(reinterpret_cast<const char*>(kEmbeddedFiles[i].data),
                          kEmbeddedFiles[i].size, ContentType(path));
          return;
        }
      }
      SendError(res, 404, "not_found", "no such page: " + req.path);
    });
  }
};

UiServer::UiServer(Store* store, UiOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->store = store;
  impl_->options = std::move(options);
  store->SetIdleTimeout(impl_->options.idle_lock_ms);
}

UiServer::~UiServer() { Stop(); }

Status UiServer::Start() {
  if (impl_->options.secret.size() < 32) {
    return Status::InvalidArgument("the screen needs a per-launch secret (NewUiSecret())");
  }
  impl_->Routes();
  if (impl_->options.port == 0) {
    impl_->port = impl_->server.bind_to_any_port("127.0.0.1");
  } else if (impl_->server.bind_to_port("127.0.0.1", impl_->options.port)) {
    impl_->port = impl_->options.port;
  }
  if (impl_->port <= 0) {
    return Status::IOError("cannot listen on 127.0.0.1:" + std::to_string(impl_->options.port) +
                           ": is the port in use? Give another with --port, or 0 for any");
  }
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  return Status::Ok();
}

int UiServer::port() const { return impl_->port; }

std::string UiServer::url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port) + "/#key=" + impl_->options.secret;
}

void UiServer::Stop() {
  if (!impl_) return;
  if (impl_->thread.joinable()) {
    impl_->server.stop();
    impl_->thread.join();
  }
  if (impl_->sync_thread.joinable()) impl_->sync_thread.join();  // a sync ends on its own
}

}  // namespace sweep::field
