// Private: turns the simulator's world into the records officers make, one
// visit at a time, and keeps the truth behind every person mention.
// Thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "simulate_internal.h"

namespace sweep::hub::sim::internal {

// 2026-11-02 00:00 in China Standard Time, in Unix milliseconds.
int64_t DefaultStartMs();

class Visits {
 public:
  Visits(Rng* rng, World* world, Station* out, int64_t start_ms)
      : rng_(rng), w_(world), out_(out), start_ms_(start_ms), mentioned_(world->people.size()) {}

  // Records a visit of unit `unit` by `officer` on `day` at `at_ms` (local
  // day start + hours). Returns the day a revisit is due, or -1.
  int Visit(int unit, const std::string& officer, int day, int64_t at_ms);

  size_t mentions() const { return mentions_; }
  // Grows the per-person bookkeeping after new people arrived.
  void PeopleAdded() { mentioned_.resize(w_->people.size()); }
  bool Mentioned(int person) const { return mentioned_[person]; }
  std::string Date(int day) const;  // YYYY-MM-DD (local) of day `day`
  static std::string PersonId(int person);

 private:
  std::string RecordId();
  v1::Record* NewRecord(const std::string& officer, int64_t at_ms);
  void Mention(v1::Person* p, int person, const std::string& record_id, const std::string& path,
               bool den);
  std::string Address(const UnitState& u);
  void Dispositions(const std::vector<int>& people, v1::RentalCheck* rc,
                    v1::AgencyFinding* finding);
  void DenRaid(UnitState* u, const std::string& record_id, v1::RentalCheck* rc);
  int RentalVisit(UnitState* u, const std::string& officer, int day, int64_t at_ms);
  void Occupants(UnitState* u, const std::string& record_id, int day, v1::RentalCheck* rc);
  int OfficeVisit(UnitState* u, const std::string& officer, int64_t at_ms);
  void CallCenterRaid(UnitState* u, const std::string& record_id, v1::OfficeSweep* os);

  Rng* rng_;
  World* w_;
  Station* out_;
  int64_t start_ms_;
  std::vector<bool> mentioned_;
  size_t mentions_ = 0;
};

}  // namespace sweep::hub::sim::internal
