// The tablet screen's forms (docs/api.md): the checklist and disposition
// codes, checking a record as it is typed, saving it (a new record, or a new
// version of one this tablet holds), loading one for editing, and drafts.
#include <sodium.h>

#include "sweep/schema/dispositions.h"
#include "sweep/schema/indicators.h"
#include "sweep/schema/record_json.h"
#include "ui_internal.h"

namespace sweep::field {

namespace {

void SendFormOptions(const httplib::Request&, httplib::Response& res) {
  v1::UiFormOptions out;
  for (const schema::IndicatorInfo& i : schema::KnownIndicators()) {
    auto* u = out.add_indicators();
    u->set_code(std::string(i.code));
    u->set_zh(std::string(i.zh));
    u->set_en(std::string(i.en));
    u->set_strong(i.strong);
  }
  // The hub keeps its configured list but does not send it to tablets yet:
  // the tablet offers the defaults; a code the hub does not know is kept
  // and flagged there.
  for (const schema::DispositionInfo& d : schema::DefaultDispositions()) {
    auto* u = out.add_dispositions();
    u->set_code(std::string(d.code));
    u->set_zh(std::string(d.zh));
    u->set_en(std::string(d.en));
    u->set_scope(std::string(d.scope));
  }
  res.set_content(sync::web::ApiJson(out), "application/json");
}

// A record body from the page (Record JSON; rental_check or office_sweep,
// and for an edit record_id and base_version, are read: ids, versions and
// clocks are otherwise the store's). False (and the answer sent) when it
// does not parse.
bool ReadBody(const httplib::Request& req, httplib::Response& res, v1::Record* out) {
  if (!ui::ParseJson(req, res, out, "a record as JSON with rentalCheck or officeSweep set")) {
    return false;
  }
  if (!out->has_rental_check() && !out->has_office_sweep()) {
    ui::SendError(res, 400, "bad_request",
                  "the body must be a record as JSON with rentalCheck or officeSweep set");
    return false;
  }
  v1::Record body;
  if (out->has_rental_check()) body.mutable_rental_check()->Swap(out->mutable_rental_check());
  if (out->has_office_sweep()) body.mutable_office_sweep()->Swap(out->mutable_office_sweep());
  body.set_record_id(out->record_id());
  body.set_base_version(out->base_version());
  *out = std::move(body);
  return true;
}

}  // namespace

void UiServer::Impl::FormRoutes() {
  server.Get("/api/form", SendFormOptions);
  server.Post("/api/check", Unlocked(&Impl::Check));
  server.Post("/api/records", Unlocked(&Impl::Save));
  server.Get("/api/records", Unlocked(&Impl::LoadRecord));
  server.Get("/api/drafts", Unlocked(&Impl::ListDrafts));
  server.Post("/api/drafts", Unlocked(&Impl::SaveDraft));
  server.Post("/api/drafts/delete", Unlocked(&Impl::DeleteDraft));
}

void UiServer::Impl::Check(const httplib::Request& req, httplib::Response& res) {
  v1::Record r;
  if (!ReadBody(req, res, &r)) return;
  r.clear_record_id();
  v1::UiCheck out;
  for (auto& v : schema::ValidateRecord(r)) *out.add_problems() = std::move(v);
  auto hits = store->WatchlistHits(r);
  if (!hits.ok()) {
    ui::SendStoreError(res, hits.status());
    return;
  }
  if (!LogWatchlistHits(r, *hits, res)) return;
  for (auto& v : *hits) *out.add_watchlist() = std::move(v);
  res.set_content(sync::web::ApiJson(out), "application/json");
}

void UiServer::Impl::Save(const httplib::Request& req, httplib::Response& res) {
  v1::Record r;
  if (!ReadBody(req, res, &r)) return;
  NewVersion item{r.record_id(), r.base_version(), {}};
  if (!item.record_id.empty()) {  // an edit: of a record this tablet holds, of the same kind
    auto base = store->Get(item.record_id);
    if (!base.ok()) {
      ui::SendStoreError(res, base.status());
      return;
    }
    if (base->body_case() != r.body_case()) {
      ui::SendError(res, 400, "bad_request",
                    "record " + item.record_id + " is of another kind: edit it with its own form");
      return;
    }
  }
  // The store signs the co-signatures once it has sealed the agency
  // sections: they cover the sweep as it is stored and sent.
  item.sign_cosignatures = r.has_office_sweep();
  auto hits = store->WatchlistHits(r);
  if (!hits.ok()) {
    ui::SendStoreError(res, hits.status());
    return;
  }
  if (!LogWatchlistHits(r, *hits, res)) return;
  item.content = std::move(r);
  std::vector<NewVersion> items;
  items.push_back(std::move(item));
  auto saved = store->Append(std::move(items));
  if (!saved.ok()) {
    ui::SendStoreError(res, saved.status());
    return;
  }
  v1::Record& rec = saved->front();
  // The problems of the persons questioned are in the (own) sealed section.
  if (auto opened = store->OpenSections(&rec); !opened.ok()) {
    ui::SendStoreError(res, opened.status());
    return;
  }
  v1::UiSaved out;
  out.set_record_id(rec.record_id());
  out.set_version(rec.version());
  for (const auto& v : rec.validation()) *out.add_problems() = v;
  for (auto& v : *hits) *out.add_watchlist() = std::move(v);
  out.set_unsynced(ui::Unsynced(*store));
  res.set_content(sync::web::ApiJson(out), "application/json");
}

void UiServer::Impl::LoadRecord(const httplib::Request& req, httplib::Response& res) {
  const std::string id = req.get_param_value("id");
  if (id.empty()) {
    ui::SendError(res, 400, "bad_request", "give the record: /api/records?id=<record id>");
    return;
  }
  auto rec = store->Get(id);
  if (!rec.ok()) {
    ui::SendStoreError(res, rec.status());
    return;
  }
  if (!rec->has_rental_check() && !rec->has_office_sweep()) {
    ui::SendError(res, 400, "bad_request",
                  "record " + id +
                      " is not a visit: only rental checks and office sweeps are "
                      "edited on the screen");
    return;
  }
  // A look at the record's persons: logged before it is sent, or not sent.
  if (Status st = store->LogView(
          "record:" + id,
          ViewDetail({{"version", std::to_string(rec->version())}, {"for", "edit"}}));
      !st.ok()) {
    ui::SendStoreError(res, st);
    return;
  }
  res.set_content(sync::web::ApiJson(*rec), "application/json");
}

bool UiServer::Impl::LogWatchlistHits(const v1::Record& r,
                                      const std::vector<v1::ValidationResult>& hits,
                                      httplib::Response& res) {
  auto entities = store->WatchlistEntities(r, hits);
  if (!entities.ok()) {
    ui::SendStoreError(res, entities.status());
    return false;
  }
  std::vector<std::string> fresh;
  for (const std::string& e : *entities) {
    if (!watchlist_logged.count(store->officer_id() + "|" + e)) fresh.push_back(e);
  }
  if (Status st = store->LogViews(fresh, ViewDetail({{"by", "check"}})); !st.ok()) {
    ui::SendStoreError(res, st);
    return false;
  }
  for (const std::string& e : fresh) watchlist_logged.insert(store->officer_id() + "|" + e);
  return true;
}

void UiServer::Impl::ListDrafts(const httplib::Request&, httplib::Response& res) {
  auto drafts = store->Drafts();
  if (!drafts.ok()) {
    ui::SendStoreError(res, drafts.status());
    return;
  }
  // Drafts are forms typed but not saved, persons included: shown once logged.
  if (!drafts->empty()) {
    if (Status st =
            store->LogView("list:drafts", ViewDetail({{"count", std::to_string(drafts->size())}}));
        !st.ok()) {
      ui::SendStoreError(res, st);
      return;
    }
  }
  v1::UiDrafts out;
  for (const Draft& d : *drafts) {
    auto* u = out.add_drafts();
    u->set_key(d.key);
    u->set_body(d.body);
    u->set_updated_ms(d.updated_ms);
  }
  res.set_content(sync::web::ApiJson(out), "application/json");
}

void UiServer::Impl::SaveDraft(const httplib::Request& req, httplib::Response& res) {
  ChangeDraft(req, res, false);
}

void UiServer::Impl::DeleteDraft(const httplib::Request& req, httplib::Response& res) {
  ChangeDraft(req, res, true);
}

void UiServer::Impl::ChangeDraft(const httplib::Request& req, httplib::Response& res, bool remove) {
  v1::UiDraft d;
  if (!sync::web::ParseApiJson(req.body, &d, nullptr) || d.key().empty()) {
    ui::SendError(res, 400, "bad_request", "the body must be {\"key\": \"…\", \"body\": \"…\"}");
    return;
  }
  Status st = remove ? store->DeleteDraft(d.key()) : store->SaveDraft(d.key(), d.body());
  sodium_memzero(d.mutable_body()->data(), d.body().size());
  if (!st.ok()) {
    ui::SendStoreError(res, st);
    return;
  }
  res.set_content("{}", "application/json");
}

}  // namespace sweep::field
