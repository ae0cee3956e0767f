// Retention: which records and photos are due (docs/hub-storage.md
// "Retention", "What is purged"), and the redaction R → R'. One pass over
// every stored version feeds a CaseFile (dens, suspects, links: the same
// view the dashboard shows) and gathers each record's facts; then every
// rule is checked against that one view.
#include <algorithm>
#include <ctime>
#include <memory>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "retention_internal.h"
#include "sweep/hub/case_service.h"
#include "sweep/hub/casefile.h"
#include "sweep/sync/protocol.h"

namespace sweep::hub {

namespace {

constexpr size_t kPage = 2000;  // versions read per ReadIngested call

// What the selection needs to know of one record, from all its versions.
struct Facts {
  uint64_t max_order = 0;  // highest ingest order
  uint64_t versions = 0;
  bool rental_only = true;  // every version is a rental check
  bool finding = false;     // some version holds a finding
  bool unmerged = false;    // a version the merge has not read
  std::vector<std::string> files;
};

void AddFiles(const google::protobuf::RepeatedPtrField<v1::Attachment>& attachments,
              const google::protobuf::RepeatedPtrField<v1::Indicator>& indicators,
              std::vector<std::string>* out) {
  for (const v1::Attachment& a : attachments) {
    if (!a.sha256().empty()) out->push_back(a.sha256());
  }
  for (const v1::Indicator& i : indicators) {
    for (const std::string& h : i.attachment_hashes()) out->push_back(h);
  }
}

// "occupants[0].idNumber" -> "occupants[0]": the mention a check names.
std::string MentionPath(const std::string& field) { return field.substr(0, field.find('.')); }

bool StartsWith(const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; }

}  // namespace

std::vector<std::string> RecordFiles(const v1::Record& record) {
  std::vector<std::string> out;
  if (record.has_rental_check()) {
    AddFiles(record.rental_check().attachments(), record.rental_check().indicators(), &out);
  } else if (record.has_office_sweep()) {
    const v1::OfficeSweep& o = record.office_sweep();
    AddFiles(o.attachments(), {}, &out);
    for (const v1::AgencyFinding& f : o.findings()) AddFiles({}, f.indicators(), &out);
  }
  return out;
}

bool RentalFinding(const v1::Record& record) {
  const v1::RentalCheck& rc = record.rental_check();
  for (const v1::Indicator& i : rc.indicators()) {
    if (i.present()) return true;
  }
  if (rc.dispositions_size() > 0 || rc.follow_up().needed()) return true;
  for (const v1::ValidationResult& v : record.validation()) {
    if (v.code() == "watchlist_hit") return true;
  }
  return false;
}

std::string UtcTime(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

v1::Record RedactRecord(const v1::Record& record) {
  if (!record.has_rental_check()) return record;
  v1::Record out;
  out.set_record_id(record.record_id());
  out.set_version(record.version());
  out.set_base_version(record.base_version());
  *out.mutable_hlc() = record.hlc();
  out.set_officer_id(record.officer_id());
  out.set_device_id(record.device_id());
  const v1::RentalCheck& in = record.rental_check();
  v1::RentalCheck* rc = out.mutable_rental_check();
  *rc->mutable_address() = in.address();
  rc->set_unit_status(in.unit_status());
  rc->set_registration(in.registration());
  rc->set_visited_at_ms(in.visited_at_ms());
  *rc->mutable_accompanying() = in.accompanying();
  for (const v1::Indicator& i : in.indicators()) {
    v1::Indicator* kept = rc->add_indicators();
    kept->set_code(i.code());
    kept->set_present(i.present());
    kept->set_count(i.count());
  }
  if (in.has_landlord())
    rc->mutable_landlord()->set_present_at_visit(in.landlord().present_at_visit());
  for (const v1::Person& p : in.occupants())
    rc->add_occupants()->set_present_at_visit(p.present_at_visit());
  return out;
}

namespace {

// What one pass over every stored version gives: the case file's view, the
// facts of each record, the mentions with a watchlist hit, and the merge's
// entity of each mention.
struct Station {
  cases::CaseView view;
  std::unordered_map<std::string, Facts> facts;
  std::unordered_set<std::string> hit_mentions;
  std::unordered_map<std::string, std::string> entities;  // mention id -> entity id

  // As the case file names persons: the merge's entity, else "m:<mention>".
  std::string EntityOf(const std::string& mention) const {
    auto it = entities.find(mention);
    return it == entities.end() ? "m:" + mention : it->second;
  }
  bool DenAt(const std::string& premises_key) const {
    auto it = view.premises.find(premises_key);
    return it != view.premises.end() && it->second.status != cases::DenStatus::kNone;
  }
};

void AddFacts(const StoredVersion& v, const v1::Record& record, uint64_t merge_cursor, Station* s) {
  Facts& f = s->facts[record.record_id()];
  f.max_order = std::max(f.max_order, v.ingest_order);
  ++f.versions;
  if (v.ingest_order > merge_cursor) f.unmerged = true;
  if (!record.has_rental_check()) f.rental_only = false;
  if (record.has_rental_check() && RentalFinding(record)) f.finding = true;
  for (std::string& h : RecordFiles(record)) f.files.push_back(std::move(h));
  for (const v1::ValidationResult& r : record.validation()) {
    if (r.code() == "watchlist_hit") {
      s->hit_mentions.insert(record.record_id() + "/" + MentionPath(r.field()));
    }
  }
}

Result<std::unique_ptr<Station>> ReadStation(HubStore* store, Env* env, uint64_t merge_cursor) {
  auto s = std::make_unique<Station>();
  SWEEP_ASSIGN_OR_RETURN(cases::CaseOptions options, CaseService(store, env).Options());
  cases::CaseFile file(options);
  uint64_t after = 0;
  for (;;) {
    uint64_t last = after;
    SWEEP_ASSIGN_OR_RETURN(auto page, store->ReadIngested(after, kPage, &last));
    for (const StoredVersion& v : page) {
      v1::Record record;
      const Bytes& bytes = v.Readable();
      if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) continue;
      AddFacts(v, record, merge_cursor, s.get());
      file.AddVersion(record);
    }
    if (page.size() < kPage || last == after) break;
    after = last;
  }
  SWEEP_ASSIGN_OR_RETURN(auto edits, store->ListCaseEdits());
  for (const cases::HubEdit& e : edits) file.AddHubEdit(e);
  SWEEP_ASSIGN_OR_RETURN(auto pairs, store->MergeMentionEntities());
  s->entities.insert(pairs.begin(), pairs.end());
  const Station* station = s.get();
  file.SetEntityOf([station](const std::string& mention) {
    auto it = station->entities.find(mention);
    return it == station->entities.end() ? std::string() : it->second;
  });
  s->view = file.Build();
  return s;
}

// The persons whose ID number, phone or a bank card is on the watchlist now
// (a live item, added by hand or derived).
Status AddWatched(HubStore* store, const Station& s, std::unordered_set<std::string>* kept) {
  SWEEP_ASSIGN_OR_RETURN(auto rows, store->ReadFeedState({{"watchlist"}, {"all"}, {}}));
  std::unordered_set<std::string> watched;
  for (const FeedStateRow& r : rows) {
    if (!r.deleted) watched.insert(r.key);
  }
  if (watched.empty()) return Status::Ok();
  SWEEP_ASSIGN_OR_RETURN(auto keys, store->LoadHubKeys());
  if (!keys) return Status::Ok();
  crypto::SecretBuffer key = crypto::SecretBuffer::CopyOf(keys->watchlist_key);
  auto on_list = [&](std::string_view kind, const std::string& value) {
    auto normal = sync::NormalizeWatchValue(kind, value);
    return normal.ok() && watched.count(crypto::ToHex(sync::WatchHash(key, kind, *normal)));
  };
  for (const auto& [entity, person] : s.view.persons) {
    for (const cases::Field& f : person.fields) {
      if ((f.name == "id_number" && on_list("id", f.value)) ||
          (f.name == "phone" && on_list("phone", f.value))) {
        kept->insert(entity);
      }
    }
  }
  for (const cases::Link& l : s.view.links) {
    if (l.role == "card" && StartsWith(l.a, "person:") && StartsWith(l.b, "card:") &&
        on_list("card", l.b.substr(5))) {
      kept->insert(l.a.substr(7));
    }
  }
  return Status::Ok();
}

// Rule 4 of docs/hub-storage.md "Retention": the persons the station has a
// reason to keep.
Result<std::unordered_set<std::string>> KeptPersons(HubStore* store, const Station& s,
                                                    const std::vector<resolve::Decision>& decided) {
  std::unordered_set<std::string> kept;
  for (const auto& [entity, person] : s.view.persons) {
    if (person.suspect()) kept.insert(entity);
  }
  for (const cases::Link& l : s.view.links) {
    if (StartsWith(l.a, "person:") && StartsWith(l.b, "premises:") && s.DenAt(l.b.substr(9))) {
      kept.insert(l.a.substr(7));
    }
  }
  SWEEP_ASSIGN_OR_RETURN(auto review, store->MergeReviewQueue());
  for (const resolve::ReviewPair& p : review) {
    for (const std::string& e : {p.entity_a, p.entity_b, s.EntityOf(p.a), s.EntityOf(p.b)}) {
      kept.insert(e);
    }
  }
  for (const resolve::Decision& d : decided) {
    kept.insert(s.EntityOf(d.a));
    kept.insert(s.EntityOf(d.b));
  }
  for (const std::string& m : s.hit_mentions) kept.insert(s.EntityOf(m));
  SWEEP_RETURN_IF_ERROR(AddWatched(store, s, &kept));
  return kept;
}

// The photos that go: named only by records that go (`going_r`
// residents_no_finding, `going_p` photos_no_finding), present at the hub; a
// purged photo uploaded again goes again. Each residents photo is placed
// with the last of its records.
Status PlanFiles(HubStore* store, const Station& s, const std::set<std::string>& going_r,
                 const std::set<std::string>& going_p, RetentionScan* scan) {
  std::unordered_set<std::string> still_named;
  for (const auto& [id, f] : s.facts) {
    if (!going_r.count(id) && !going_p.count(id))
      still_named.insert(f.files.begin(), f.files.end());
  }
  auto present = [store](const std::string& sha) { return store->GetFile(sha).ok(); };
  for (size_t i = 0; i < scan->purge.size(); ++i) {
    for (const std::string& sha : s.facts.at(scan->purge[i].record_id).files) {
      if (!still_named.count(sha)) scan->purge_files[sha] = i;
    }
  }
  for (auto it = scan->purge_files.begin(); it != scan->purge_files.end();) {
    it = present(it->first) ? std::next(it) : scan->purge_files.erase(it);
  }
  scan->residents.files = scan->purge_files.size();
  std::set<std::string> photos;
  for (const std::string& id : going_p) {
    for (const std::string& sha : s.facts.at(id).files) {
      if (!still_named.count(sha) && !scan->purge_files.count(sha)) photos.insert(sha);
    }
  }
  SWEEP_ASSIGN_OR_RETURN(auto purged_files, store->PurgedFiles());
  for (const std::string& sha : purged_files) {
    if (!still_named.count(sha) && !scan->purge_files.count(sha)) photos.insert(sha);
  }
  for (const std::string& sha : photos) {
    if (present(sha)) scan->photo_files.push_back(sha);
  }
  scan->photos.files = scan->photo_files.size();
  return Status::Ok();
}

}  // namespace

Result<RetentionService::Scan> RetentionService::Select(const RetentionSettings& settings,
                                                        int64_t now_ms) {
  Scan scan;
  scan.now_ms = now_ms;
  const bool residents_on = settings.residents_no_finding > 0;
  const bool photos_on = settings.photos_no_finding > 0;
  scan.residents = {std::string(kResidentsNoFinding), settings.residents_no_finding,
                    now_ms - int64_t{settings.residents_no_finding} * kDayMs};
  scan.photos = {std::string(kPhotosNoFinding), settings.photos_no_finding,
                 now_ms - int64_t{settings.photos_no_finding} * kDayMs};
  if (!residents_on && !photos_on) return scan;
  // The merge's state first: a version ingested after it is "unmerged".
  SWEEP_ASSIGN_OR_RETURN(scan.merge, store_->LoadMergeState());
  std::unordered_map<std::string, uint64_t> purged;
  SWEEP_ASSIGN_OR_RETURN(auto purged_rows, store_->PurgedRecords());
  for (const PurgedRecord& p : purged_rows) purged[p.record_id] = p.through_order;
  SWEEP_ASSIGN_OR_RETURN(auto station, ReadStation(store_, env_, scan.merge.cursor));
  SWEEP_ASSIGN_OR_RETURN(auto kept, KeptPersons(store_, *station, scan.merge.state.decisions));

  // Each visit, oldest first, against each category's cutoff.
  std::set<std::string> going_r, going_p;
  for (const cases::VisitSummary& v : station->view.visits) {
    const Facts& f = station->facts[v.record_id];
    auto done = purged.find(v.record_id);
    if ((done != purged.end() && done->second >= f.max_order) || !f.rental_only) continue;
    const bool due_r = residents_on && v.at_ms < scan.residents.cutoff_ms;
    const bool due_p = photos_on && v.at_ms < scan.photos.cutoff_ms;
    if (!due_r && !due_p) continue;
    if (f.unmerged) {
      ++scan.unmerged;
      continue;
    }
    uint64_t RetentionCounts::*kept_for = nullptr;
    if (f.finding) {
      kept_for = &RetentionCounts::kept_finding;
    } else if (!v.premises_key.empty() && station->DenAt(v.premises_key)) {
      kept_for = &RetentionCounts::kept_den;
    } else if (std::any_of(v.persons.begin(), v.persons.end(),
                           [&](const std::string& e) { return kept.count(e) > 0; })) {
      kept_for = &RetentionCounts::kept_person;
    }
    if (due_r && kept_for) ++(scan.residents.*kept_for);
    if (due_p && kept_for) ++(scan.photos.*kept_for);
    if (kept_for) continue;
    if (due_r) {
      going_r.insert(v.record_id);
      scan.purge.push_back({v.record_id, f.versions, static_cast<uint64_t>(v.persons.size())});
      ++scan.residents.records;
      scan.residents.versions += f.versions;
      scan.residents.mentions += v.persons.size();
    }
    if (due_p) going_p.insert(v.record_id);
  }
  SWEEP_RETURN_IF_ERROR(PlanFiles(store_, *station, going_r, going_p, &scan));
  return scan;
}

}  // namespace sweep::hub
