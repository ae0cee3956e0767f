// CaseService: the case file on the hub's storage (docs/cases.md,
// docs/hub-storage.md "Version 4"). Loads the CaseView from the ingested
// versions, the merge's entities and the supervisors' edits; stores edits;
// keeps the disposition codes; publishes the derived watchlist.
#include "sweep/hub/case_service.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <sodium.h>

#include <map>
#include <regex>
#include <set>
#include <unordered_map>

#include "register_rules.h"
#include "sweep/sync/protocol.h"
#include "sweep/v1/sync.pb.h"

namespace sweep::hub {

namespace {

using google::protobuf::Value;

constexpr size_t kPage = 2000;    // versions read per ReadIngested call
constexpr int kPublishTries = 5;  // derived watchlist: retries on Conflict

// Which disposition codes a person may configure (docs/cases.md §4).
Status CheckCode(const cases::DispositionCode& d) {
  static const std::regex kCode("[a-z0-9_]+");
  if (!std::regex_match(d.code, kCode)) {
    return Status::InvalidArgument("disposition code '" + d.code +
                                   "' is not made of a-z, 0-9 and _ (处置代码只能包含小写字母、"
                                   "数字和下划线): e.g. detained, admonished");
  }
  if (d.zh.empty() || d.en.empty()) {
    return Status::InvalidArgument("disposition code '" + d.code +
                                   "' needs both a Chinese (--zh) and an English (--en) name");
  }
  if (d.scope != "person" && d.scope != "premises") {
    return Status::InvalidArgument("disposition code '" + d.code + "': scope '" + d.scope +
                                   "' is neither person nor premises");
  }
  if (!d.watch.empty() && d.watch != "alert" && d.watch != "notice") {
    return Status::InvalidArgument("disposition code '" + d.code + "': watch '" + d.watch +
                                   "' is none of alert, notice or empty");
  }
  return Status::Ok();
}

std::string CodesJson(const std::vector<cases::DispositionCode>& codes) {
  Value list;
  auto* values = list.mutable_list_value();
  for (const auto& d : codes) {
    auto& f = *values->add_values()->mutable_struct_value()->mutable_fields();
    f["code"].set_string_value(d.code);
    f["zh"].set_string_value(d.zh);
    f["en"].set_string_value(d.en);
    f["scope"].set_string_value(d.scope);
    f["watch"].set_string_value(d.watch);
  }
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(list, &json);
  return json;
}

Result<std::vector<cases::DispositionCode>> ParseCodes(const std::string& json) {
  Value v;
  auto st = google::protobuf::util::JsonStringToMessage(json, &v);
  if (!st.ok() || !v.has_list_value()) {
    return Status::Corruption("the setting " + std::string(kDispositionSetting) +
                              " is not a JSON array: set the codes again with `dispositions add`");
  }
  std::vector<cases::DispositionCode> out;
  for (const Value& item : v.list_value().values()) {
    const auto& f = item.struct_value().fields();
    auto text = [&f](const char* k) {
      auto it = f.find(k);
      return it == f.end() ? std::string() : it->second.string_value();
    };
    cases::DispositionCode d{text("code"), text("zh"), text("en"), text("scope"), text("watch")};
    if (d.scope.empty()) d.scope = "person";
    if (Status bad = CheckCode(d); !bad.ok()) {
      return Status::Corruption("the setting " + std::string(kDispositionSetting) +
                                " holds a bad code: " + bad.message() +
                                "; set the codes again with `dispositions add|remove`");
    }
    out.push_back(std::move(d));
  }
  return out;
}

// The derived watchlist as feed items by key, duplicates (one phone shared
// by two suspects) folded into the strongest level.
struct Derived {
  std::map<std::string, FeedItemRow> items;  // by key
  std::map<std::string, std::string> levels;
};

Result<Derived> DeriveItems(const std::vector<cases::WatchItem>& watch, const HubKeys& keys) {
  crypto::SecretBuffer key = crypto::SecretBuffer::CopyOf(keys.watchlist_key);
  Derived out;
  for (const cases::WatchItem& w : watch) {
    auto normal = sync::NormalizeWatchValue(w.kind, w.value);
    if (!normal.ok()) continue;  // the case file keeps only valid values; never expected
    Bytes hash = sync::WatchHash(key, w.kind, *normal);
    std::string hex = crypto::ToHex(hash);
    auto known = out.levels.find(hex);
    if (known != out.levels.end() && (known->second == "alert" || w.level != "alert")) continue;
    v1::WatchlistEntry e;
    e.set_kind(w.kind);
    e.set_hash(std::string(hash.begin(), hash.end()));
    e.set_level(w.level);
    e.set_note(w.note);
    std::string payload = e.SerializeAsString();
    out.items[hex] =
        FeedItemRow{0, "all", "watchlist", hex, false, Bytes(payload.begin(), payload.end())};
    out.levels[hex] = w.level;
  }
  return out;
}

}  // namespace

CaseService::CaseService(HubStore* store, Env* env) : store_(store), env_(env) {}

Result<cases::CaseOptions> CaseService::Options() {
  cases::CaseOptions o;
  SWEEP_ASSIGN_OR_RETURN(internal::HubSettings settings, internal::LoadSettings(store_));
  o.address.default_division = settings.default_division;
  SWEEP_ASSIGN_OR_RETURN(auto json, store_->GetSetting(kDispositionSetting));
  if (json) {
    SWEEP_ASSIGN_OR_RETURN(o.dispositions, ParseCodes(*json));
  }
  return o;
}

Status CaseService::SetDispositionCodes(const std::vector<cases::DispositionCode>& codes) {
  std::set<std::string> seen;
  for (const auto& d : codes) {
    SWEEP_RETURN_IF_ERROR(CheckCode(d));
    if (!seen.insert(d.code).second) {
      return Status::AlreadyExists("disposition code '" + d.code + "' is given twice");
    }
  }
  return store_->PutSettings({{kDispositionSetting, CodesJson(codes)}});
}

Result<cases::CaseFile> CaseService::LoadFile(const cases::CaseOptions& options,
                                              const std::function<void(uint64_t)>& progress,
                                              uint64_t* unreadable) {
  cases::CaseFile file(options);
  uint64_t after = 0, read = 0;
  for (;;) {
    uint64_t last = after;
    SWEEP_ASSIGN_OR_RETURN(auto page, store_->ReadIngested(after, kPage, &last));
    for (const StoredVersion& v : page) {
      v1::Record record;
      if (!record.ParseFromArray(v.Readable().data(), static_cast<int>(v.Readable().size()))) {
        ++*unreadable;  // the ingest checked it; counted, never fatal
        continue;
      }
      file.AddVersion(record);
    }
    read += page.size();
    if (progress) progress(read);
    if (page.size() < kPage || last == after) break;
    after = last;
  }
  SWEEP_ASSIGN_OR_RETURN(auto edits, store_->ListCaseEdits());
  for (const cases::HubEdit& e : edits) file.AddHubEdit(e);
  SWEEP_ASSIGN_OR_RETURN(auto pairs, store_->MergeMentionEntities());
  auto entities =
      std::make_shared<std::unordered_map<std::string, std::string>>(pairs.begin(), pairs.end());
  file.SetEntityOf([entities](const std::string& mention) {
    auto it = entities->find(mention);
    return it == entities->end() ? std::string() : it->second;
  });
  return file;
}

Result<cases::CaseView> CaseService::Load(const std::function<void(uint64_t)>& progress) {
  SWEEP_ASSIGN_OR_RETURN(cases::CaseOptions options, Options());
  uint64_t unreadable = 0;
  SWEEP_ASSIGN_OR_RETURN(cases::CaseFile file, LoadFile(options, progress, &unreadable));
  cases::CaseView view = file.Build();
  if (unreadable > 0) {
    view.problems.push_back(std::to_string(unreadable) +
                            " stored record versions could not be read and were left out");
  }
  return view;
}

namespace {

// The current version of the update's subject in `view` (0 if not found:
// CheckEdit reports that).
uint64_t SubjectVersion(const cases::CaseView& view, const cases::CaseOptions& options,
                        const v1::CaseUpdate& u) {
  if (u.has_address()) {
    std::string raw = u.address().raw();
    v1::Address a = raw.empty() ? u.address() : schema::NormalizeAddress(raw, options.address);
    auto it = view.premises.find(a.normalized_key());
    return it == view.premises.end() ? 0 : it->second.version;
  }
  if (!u.person_entity().empty()) {
    auto it = view.persons.find(u.person_entity());
    return it == view.persons.end() ? 0 : it->second.version;
  }
  auto id = sync::NormalizeWatchValue("id", u.person_id_number());
  if (!id.ok()) return 0;
  for (const auto& [entity, p] : view.persons) {
    for (const cases::Field& f : p.fields) {
      if (f.name == "id_number" && f.value == *id) return p.version;
    }
  }
  return 0;
}

}  // namespace

Result<cases::CaseView> CaseService::Edit(const std::string& by, v1::CaseUpdate update,
                                          bool base_given) {
  if (by.empty()) return Status::InvalidArgument("say who makes the change: --by OFFICER");
  SWEEP_ASSIGN_OR_RETURN(cases::CaseOptions options, Options());
  uint64_t unreadable = 0;
  SWEEP_ASSIGN_OR_RETURN(cases::CaseFile file, LoadFile(options, {}, &unreadable));
  cases::CaseView before = file.Build();
  SWEEP_RETURN_IF_ERROR(cases::CheckEdit(before, options, update));
  if (!base_given) update.set_subject_version(SubjectVersion(before, options, update));
  cases::HubEdit edit;
  edit.by = by;
  edit.at_ms = env_->NowMillis();
  if (update.decided_at_ms() == 0) update.set_decided_at_ms(edit.at_ms);
  edit.update = std::move(update);
  SWEEP_ASSIGN_OR_RETURN(edit.seq, store_->AppendCaseEdit(edit));
  file.AddHubEdit(edit);
  return file.Build();
}

Result<WatchlistPublishStats> CaseService::PublishWatchlist(const cases::CaseView& view) {
  SWEEP_ASSIGN_OR_RETURN(cases::CaseOptions options, Options());
  SWEEP_ASSIGN_OR_RETURN(auto keys, store_->LoadHubKeys());
  if (!keys) {
    return Status::NotFound("the hub has no keys yet: run `sweep-hub serve` once first");
  }
  Result<Derived> derived = DeriveItems(cases::WatchlistOf(view, options), *keys);
  sodium_memzero(keys->watchlist_key.data(), keys->watchlist_key.size());
  sodium_memzero(keys->sign_sk.data(), keys->sign_sk.size());
  sodium_memzero(keys->box_sk.data(), keys->box_sk.size());
  if (!derived.ok()) return derived.status();
  Status last = Status::Ok();
  for (int attempt = 0; attempt < kPublishTries; ++attempt) {
    auto stats = TryPublish(derived->items);
    if (stats.ok() || stats.status().code() != Code::kConflict) return stats;
    last = stats.status();
  }
  return Status::Unavailable(last.message() + "; tried " + std::to_string(kPublishTries) +
                             " times: run `watchlist publish` again");
}

Result<WatchlistPublishStats> CaseService::RepublishWatchlist() {
  SWEEP_ASSIGN_OR_RETURN(cases::CaseView view, Load());
  return PublishWatchlist(view);
}

// One attempt (see docs/cases.md §8): appends what is new or changed,
// tombstones what this watchlist published and no longer derives, and never
// touches a key whose latest item someone else (`watchlist add|remove`) wrote.
Result<WatchlistPublishStats> CaseService::TryPublish(
    const std::map<std::string, FeedItemRow>& want) {
  SWEEP_ASSIGN_OR_RETURN(auto rows, store_->ListDerivedWatchlist());
  std::map<std::string, DerivedWatchRow> mine;
  for (auto& r : rows) mine[r.key] = std::move(r);
  std::set<std::string> keys;
  for (const auto& [k, item] : want) keys.insert(k);
  for (const auto& [k, row] : mine) keys.insert(k);
  SWEEP_ASSIGN_OR_RETURN(auto latest, store_->LatestWatchlistItems(
                                          std::vector<std::string>(keys.begin(), keys.end())));
  WatchlistPublishStats stats;
  stats.entries = want.size();
  DerivedWatchBatch batch;
  for (const WatchKeyLatest& l : latest) {
    batch.expected_latest.emplace_back(l.key, l.seq);
    auto m = mine.find(l.key);
    bool ours = m != mine.end() && m->second.feed_seq == l.seq;
    bool by_hand = !ours && l.seq != 0 && !l.deleted;  // a live entry someone added by hand
    if (m != mine.end() && !ours) batch.forget.push_back(l.key);  // taken over by hand
    auto w = want.find(l.key);
    if (w != want.end()) {
      if (by_hand) continue;
      if (ours && m->second.digest == FeedDigest(w->second.payload)) continue;
      batch.items.push_back(w->second);
      ++stats.added;
    } else if (ours) {
      batch.items.push_back(FeedItemRow{0, "all", "watchlist", l.key, true, {}});
      ++stats.removed;
    }
  }
  if (batch.items.empty() && batch.forget.empty()) return stats;
  SWEEP_RETURN_IF_ERROR(store_->ApplyDerivedWatchlist(batch));
  return stats;
}

}  // namespace sweep::hub
