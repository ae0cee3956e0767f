// Realistic station data with ground truth, for the demo, the tests and the
// benchmarks of the merge (issue 5): beats in real communities of a real
// district (default 郴州市北湖区, 431002), buildings with floors and units,
// residents with valid resident ID numbers for real region codes, landlords
// who let several units, planted fraud dens with indicators, and the visits
// officers record — with the noise real typing has (typos, homophones,
// 15-digit IDs, missing IDs, phone format variants, swapped digits) — and
// the truth: which mention is which person, which unit is a den.
//
// Deterministic: the same Options (seed included) give byte-identical output
// on every machine. Pure: no clock, no files except in WriteStation.
// Thread-compatible.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sweep/schema/status.h"
#include "sweep/v1/record.pb.h"

namespace sweep::hub::sim {

struct Options {
  uint64_t seed = 1;
  std::string district = "431002";  // 6-digit district code; communities come from the real data
  int communities = 4;              // communities of the district used for beats (one beat each)
  int officers = 3;                 // officer ids "A1001", "A1002", …
  int buildings_per_community = 6;
  int days = 1;          // days of visits
  int64_t start_ms = 0;  // first day's 00:00 local (UTC+8); 0: 2026-11-02
  size_t visits_per_officer_day = 40;
  double den_share = 0.01;  // share of rental units that are dens
  double noise = 0.15;      // share of person mentions typed with noise
  // Hard noise: each noisy mention carries several errors at once (a name
  // error, an ID error and a phone error, a third also a wrong birth date)
  // instead of one; docs/simulate.md "Noise".
  bool hard_noise = false;
  // For the benchmarks: when > 0, keep generating visits (more days) until
  // at least this many person mentions exist; ignores `days`.
  // Also grows the world so that persons are mentioned about ten times each:
  // communities, buildings per community and officers are raised as needed
  // (communities at most what the district has; see docs/simulate.md).
  size_t target_mentions = 0;
  // On-the-spot disposition codes given to den occupants (configurable, as
  // the station's checklist is), drawn in these proportions: the first two
  // 40% each, the rest sharing 20%.
  std::vector<std::string> disposition_codes = {"detained", "admonished", "credit_punishment"};
};

// A resident the rental register lists for a unit (registered before day 0).
struct RegisterResident {
  std::string unit_key;  // "2-502" or "502"
  std::string name;
  std::string id_number;
};

// One register row (docs/coverage.md: JSON Lines import format).
struct BuildingSpec {
  std::string address;  // e.g. "郴州市北湖区人民路街道国庆北路社区国庆北路18号3栋"
  int floors = 0;
  int units_per_floor = 0;
  int stairwells = 1;
  std::string type;                         // "residential", "office", "mixed"
  std::string community;                    // community name (beats are made of communities)
  std::vector<RegisterResident> residents;  // in unit order; dens and unregistered lets absent
};

// The truth behind one person mention. Paths name the Person inside its
// record's body: "landlord", "occupants[3]" (rental check) or "persons[0]"
// (office sweep) — the same convention the merge uses for mention ids.
struct MentionTruth {
  std::string record_id;
  std::string path;
  std::string person_id;  // "T000123": the true person
  std::string noise;      // "" or what was done: "typo", "homophone", "id15", "no_id",
                          // "phone_format", "swapped_digits", …
};

struct TruePerson {
  std::string person_id;
  std::string name;
  std::string id_number;  // 18-digit, valid
  std::string phone;      // E.164
  std::string role;       // "resident", "landlord", "worker", "staff"
  bool suspect = false;   // lives or works in a den
};

struct DenTruth {
  std::string unit_address;  // the unit's address as the register spells it
  std::string kind;          // "simbox" (SIM-box/GOIP room) or "call_center" (office)
};

struct Station {
  Options options;  // as used: communities, buildings and officers grown for target_mentions
  std::vector<BuildingSpec> buildings;
  std::vector<std::pair<std::string, std::string>> beats;        // (beat name, community name)
  std::vector<std::pair<std::string, std::string>> assignments;  // (beat, officer)
  // Visits in the order the officers recorded them. record_id, officer_id,
  // version 1, base 0 and hlc.wall_ms are set; device_id is left empty.
  std::vector<v1::Record> records;
  std::vector<MentionTruth> truth;  // one per person mention in `records`
  std::vector<TruePerson> persons;
  std::vector<DenTruth> dens;
};

Result<Station> Simulate(const Options& options);
// The same, calling `progress(mentions so far, mentions expected)` once per
// simulated day (for a progress line; it must not throw).
using SimulateProgress = std::function<void(size_t done, size_t total)>;
Result<Station> Simulate(const Options& options, const SimulateProgress& progress);
// For runs too large to hold (a million mentions take about 1.2 GB as
// records): hands each day's records and their truth to `sink` as they are
// made and keeps neither, so the returned Station has empty `records` and
// `truth`; memory stays at the size of the world. Same records, same order.
// A sink error stops the run and is returned.
using RecordSink = std::function<Status(const std::vector<v1::Record>& records,
                                        const std::vector<MentionTruth>& truth)>;
Result<Station> Simulate(const Options& options, const SimulateProgress& progress,
                         const RecordSink& sink);

// Writes the station into `dir` (created if missing; files replaced):
//   buildings.jsonl            the register (sweep-hub buildings import)
//   beats.tsv                  beat <TAB> community, one line each
//   assignments.tsv            beat <TAB> officer
//   records-<officer>.jsonl    that officer's visits, one RentalCheck or
//                              OfficeSweep JSON per line (Protobuf JSON
//                              mapping, what `sweep-field record … --jsonl`
//                              takes), in recording order
//   rental-<officer>.jsonl     the same visits split by kind, for
//   office-<officer>.jsonl     `sweep-field record rental-check|office-sweep --jsonl`
//   truth.jsonl                one MentionTruth per line (with the file and
//                              line of its record), then one line per den
//                              ({"den": …}) and per person ({"person": …})
// Format: docs/simulate.md.
Status WriteStation(const Station& station, const std::string& dir);

// WriteStation in steps, for Simulate with a RecordSink: the same files,
// byte for byte. Files are written beside their names and renamed into place
// by Finish; a writer destroyed before Finish leaves "*.tmp" files only.
class StationWriter {
 public:
  ~StationWriter();
  static Result<std::unique_ptr<StationWriter>> Open(const std::string& dir);
  Status Add(const std::vector<v1::Record>& records, const std::vector<MentionTruth>& truth);
  // Writes the register, beats, assignments, dens and persons of `station`
  // (its records and truth, if any, are Added first) and renames all files.
  Status Finish(const Station& station);

 private:
  struct Files;
  explicit StationWriter(std::string dir);
  std::string dir_;
  std::unique_ptr<Files> files_;
};

}  // namespace sweep::hub::sim
