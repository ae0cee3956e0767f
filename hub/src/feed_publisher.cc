#include "feed_publisher.h"

#include <algorithm>
#include <map>

namespace sweep::hub::internal {

namespace {

constexpr int kMaxAttempts = 20;

PublishStats Count(const std::vector<FeedItemRow>& items) {
  PublishStats s;
  for (const FeedItemRow& i : items) (i.deleted ? s.tombstones : s.items)++;
  return s;
}

Status GaveUp(const std::string& what) {
  return Status::Unavailable("the register kept changing while the feed for " + what +
                             " was computed; run the command again");
}

}  // namespace

Result<DesiredFeed> FeedPublisher::DesiredFor(const std::vector<BeatRow>& beats,
                                              const std::string& officer) {
  DesiredFeed desired;
  const std::string audience = OfficerAudience(officer);
  std::map<std::string, bool> buildings;  // keys of the officer's buildings
  for (const BeatRow& beat : beats) {
    if (std::find(beat.officers.begin(), beat.officers.end(), officer) == beat.officers.end()) {
      continue;
    }
    SWEEP_ASSIGN_OR_RETURN(auto candidates, store_->ListBuildings(BeatCandidates(beat, true)));
    for (const BuildingRow& b : candidates) {
      if (!BeatHolds(beat, b.key, b.division_code)) continue;
      desired[{audience, "assignment", AssignmentFeedKey(beat.name, b.key)}] =
          ToBytes(AssignmentOf(b, beat.name).SerializeAsString());
      buildings[b.key] = true;
    }
  }
  if (buildings.empty()) return desired;
  std::vector<std::string> keys;
  for (const auto& [key, unused] : buildings) keys.push_back(key);
  SWEEP_ASSIGN_OR_RETURN(auto units, store_->LedgerUnits(keys));
  for (LedgerUnitRow& u : units) {
    std::string key = UnitFeedKey(u.building_key, u.unit_key);
    desired[{audience, "unit", key}] = std::move(u.progress);
    if (!u.revisit.empty()) desired[{audience, "revisit", key}] = std::move(u.revisit);
  }
  return desired;
}

Result<PublishStats> FeedPublisher::PublishOfficer(const std::string& officer) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    SWEEP_ASSIGN_OR_RETURN(uint64_t revision, store_->PublicationRevision());
    SWEEP_ASSIGN_OR_RETURN(auto beats, store_->ListBeats());
    SWEEP_ASSIGN_OR_RETURN(DesiredFeed desired, DesiredFor(beats, officer));
    FeedStateQuery q;
    q.kinds = {"assignment", "unit", "revisit"};
    q.audiences = {OfficerAudience(officer)};
    SWEEP_ASSIGN_OR_RETURN(auto current, store_->ReadFeedState(q));
    std::vector<FeedItemRow> items = DiffFeed(current, desired);
    if (items.empty()) return PublishStats{};
    Status st = store_->PublishFeed(items, revision);
    if (st.ok()) return Count(items);
    if (st.code() != Code::kConflict) return st;
  }
  return GaveUp("officer " + officer);
}

Result<PublishStats> FeedPublisher::PublishConfig() {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    SWEEP_ASSIGN_OR_RETURN(uint64_t revision, store_->PublicationRevision());
    SWEEP_ASSIGN_OR_RETURN(HubSettings settings, LoadSettings(store_));
    DesiredFeed desired;
    // Never configured: tablets use the same defaults, nothing to send.
    if (!settings.stored) return PublishStats{};
    desired[{"all", "config", "ledger"}] = ToBytes(settings.proto.SerializeAsString());
    // Key "ledger" only: other config items (e.g. "retention", retention.cc)
    // have publishers of their own and must not be tombstoned here.
    SWEEP_ASSIGN_OR_RETURN(auto current,
                           store_->ReadFeedState({{"config"}, {"all"}, {"ledger"}}));
    std::vector<FeedItemRow> items = DiffFeed(current, desired);
    if (items.empty()) return PublishStats{};
    Status st = store_->PublishFeed(items, revision);
    if (st.ok()) return Count(items);
    if (st.code() != Code::kConflict) return st;
  }
  return GaveUp("the ledger configuration");
}

Result<PublishStats> FeedPublisher::PublishOfficers(const std::set<std::string>& officers) {
  PublishStats total;
  for (const std::string& officer : officers) {
    SWEEP_ASSIGN_OR_RETURN(PublishStats s, PublishOfficer(officer));
    total += s;
  }
  return total;
}

Result<PublishStats> FeedPublisher::PublishAll() {
  SWEEP_ASSIGN_OR_RETURN(PublishStats total, PublishConfig());
  std::set<std::string> officers;
  SWEEP_ASSIGN_OR_RETURN(auto beats, store_->ListBeats());
  for (const BeatRow& b : beats) officers.insert(b.officers.begin(), b.officers.end());
  // Officers who were sent assignments and may have lost them all.
  SWEEP_ASSIGN_OR_RETURN(auto told, store_->ReadFeedState({{"assignment"}, {}, {}}));
  const std::string prefix = OfficerAudience("");
  for (const FeedStateRow& row : told) {
    if (!row.deleted && row.audience.rfind(prefix, 0) == 0) {
      officers.insert(row.audience.substr(prefix.size()));
    }
  }
  SWEEP_ASSIGN_OR_RETURN(PublishStats s, PublishOfficers(officers));
  total += s;
  return total;
}

}  // namespace sweep::hub::internal
