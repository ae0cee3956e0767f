// dashboard_bench: the tablet screen phase (dashboard_bench.h).
//
// A field store (production key derivation) holding what a beat officer's
// tablet holds: the hub's feed for a beat of --buildings buildings of 6
// floors × 4 units (config, assignments, the hub's unit states for a
// quarter of the units, revisits for another quarter) and --local-visits
// rental checks recorded on the tablet (bench_records, readdressed to the
// beat's units, all in this cycle). Then field::UiServer in-process,
// unlocked over HTTP, and --requests rounds of GET /api/today,
// GET /api/building?key=, POST /api/check and POST /api/records, each beside
// the same store calls made directly (LoadCoverage + TodayOf / BuildingOf,
// ValidateRecord + WatchlistHits, WatchlistHits + Append), in alternating
// order, so that the ratio is what HTTP and JSON add.
#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include <functional>
#include <map>

#include "bench_records.h"
#include "dashboard_bench.h"
#include "sweep/field/coverage.h"
#include "sweep/field/store.h"
#include "sweep/field/ui_server.h"
#include "sweep/schema/address.h"
#include "sweep/schema/record_json.h"

namespace sweep::bench {
namespace {

namespace ledger = schema::ledger;

constexpr const char* kPin = "260315";
constexpr const char* kOfficer = "A1001";
constexpr const char* kDivision = "431002";
constexpr const char* kBeat = "国庆北路片";
constexpr int64_t kDayMs = 86'400'000;
constexpr size_t kAppendBatch = 200;

double Ms(const Stopwatch& w) { return w.Seconds() * 1000.0; }

struct BeatBuilding {
  v1::Address address;
  std::string key, label;
  std::vector<std::string> rooms;  // "101" … "604"
};

std::vector<BeatBuilding> MakeBeat(const ScreenOptions& o) {
  std::vector<BeatBuilding> out;
  for (int i = 0; i < o.buildings; ++i) {
    BeatBuilding b;
    b.address = schema::NormalizeAddress("郴州市北湖区国庆北路" + std::to_string(100 + i / 4) +
                                             "号" + std::to_string(i % 4 + 1) + "栋",
                                         {kDivision});
    b.key = schema::BuildingKeyOf(b.address);
    b.label = field::BuildingLabel(b.address);
    for (int f = 1; f <= o.floors; ++f) {
      for (int k = 1; k <= o.units_per_floor; ++k) b.rooms.push_back(std::to_string(f * 100 + k));
    }
    out.push_back(std::move(b));
  }
  return out;
}

// Appends an item to the page, numbered as the hub's feed numbers them.
void AddItem(v1::PullResponse* page, const std::string& kind, const std::string& key,
             const google::protobuf::MessageLite& payload) {
  v1::FeedItem* item = page->add_items();
  item->set_seq(static_cast<uint64_t>(page->items_size()));
  item->set_kind(kind);
  item->set_key(key);
  item->set_payload(payload.SerializeAsString());
}

// What a pull from the hub brings: the station's rules, the beat, and the
// other officers' progress on it (checked for a quarter of the units, a
// failed attempt to revisit for another quarter).
v1::PullResponse Feed(const std::vector<BeatBuilding>& beat, int64_t now_ms, int floors) {
  const ledger::CycleConfig config;
  const ledger::Cycle cycle = ledger::CycleAt(config, now_ms);
  v1::PullResponse page;
  AddItem(&page, "config", "ledger", ledger::ConfigToProto(config, kDivision));
  for (const BeatBuilding& b : beat) {
    v1::Assignment a;
    *a.mutable_address() = b.address;
    a.set_building_key(b.key);
    a.set_building_type("residential");
    a.set_beat(kBeat);
    a.set_floors(static_cast<uint32_t>(floors));
    for (const auto& room : b.rooms) a.add_units(room);
    AddItem(&page, "assignment", std::string(kBeat) + "|" + b.key, a);
    for (size_t u = 0; u < b.rooms.size(); ++u) {
      const int64_t at = cycle.start_ms + static_cast<int64_t>(u % 20) * kDayMs / 2;
      if (u % 4 == 0) {
        v1::UnitProgress p;
        p.set_building_key(b.key);
        p.set_unit_key(b.rooms[u]);
        p.set_state("checked");
        p.set_last_visit_ms(at);
        p.set_covered_ms(at);
        p.set_officer_id("A1002");
        p.set_cycle(cycle.label);
        AddItem(&page, "unit", b.key + "|" + b.rooms[u], p);
      } else if (u % 4 == 1) {
        v1::Revisit r;
        r.set_building_key(b.key);
        r.set_unit_key(b.rooms[u]);
        *r.mutable_address() = b.address;
        r.set_reason("no_answer");
        r.set_window("evening");
        r.set_from_ms(at + kDayMs);
        r.set_due_ms(at + 4 * kDayMs);
        r.set_due_date(ledger::LocalDate(config, at + 3 * kDayMs));
        r.set_attempts(1);
        r.set_last_attempt_ms(at);
        AddItem(&page, "revisit", b.key + "|" + b.rooms[u], r);
      }
    }
  }
  page.set_next_cursor(static_cast<uint64_t>(page.items_size()));
  return page;
}

// Local visit `i`: a generated rental check at one of the beat's units,
// this cycle; seven in ten checked, the rest no answer, refused or vacant.
v1::Record LocalVisit(const std::vector<BeatBuilding>& beat, uint64_t seed, uint64_t i,
                      int64_t cycle_start, int64_t now_ms) {
  v1::Record r = MakeRentalCheck(seed, i);
  const BeatBuilding& b = beat[i % beat.size()];
  const std::string& room = b.rooms[(i / beat.size() * 7 + i) % b.rooms.size()];
  auto* rc = r.mutable_rental_check();
  rc->clear_address();
  rc->mutable_address()->set_raw(field::UnitAddressText(b.label, "", room));
  static constexpr v1::UnitStatus kOther[] = {v1::UNIT_STATUS_NO_ANSWER, v1::UNIT_STATUS_REFUSED,
                                              v1::UNIT_STATUS_VACANT};
  if (i % 10 >= 7) {
    rc->set_unit_status(kOther[i % 3]);
    rc->clear_occupants();
  } else {
    rc->set_unit_status(v1::UNIT_STATUS_CHECKED);
  }
  const int64_t span = std::max<int64_t>(now_ms - cycle_start, 1);
  rc->set_visited_at_ms(cycle_start +
                        static_cast<int64_t>((i * 7919) % static_cast<uint64_t>(span)));
  return r;
}

Status FillStore(field::Store* store, const std::vector<BeatBuilding>& beat, const ScreenOptions& o,
                 int64_t now_ms) {
  SWEEP_RETURN_IF_ERROR(store->ApplyFeed(Feed(beat, now_ms, o.floors)).status());
  const int64_t cycle_start = ledger::CycleAt({}, now_ms).start_ms;
  Progress progress("tablet visits", static_cast<uint64_t>(o.local_visits));
  std::vector<field::NewVersion> batch;
  for (int i = 0; i < o.local_visits; ++i) {
    batch.push_back(
        {"", 0, LocalVisit(beat, o.seed, static_cast<uint64_t>(i), cycle_start, now_ms)});
    if (batch.size() == kAppendBatch || i + 1 == o.local_visits) {
      SWEEP_RETURN_IF_ERROR(store->Append(std::move(batch)).status());
      batch.clear();
      progress.Update(static_cast<uint64_t>(i + 1));
    }
  }
  return Status::Ok();
}

std::string Json(const v1::Record& r) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(r, &out);
  return out;
}

// One of the screen's requests, over HTTP and as direct store calls.
struct ScreenRoute {
  std::string name;
  std::function<httplib::Result(httplib::Client&, int round)> http;
  std::function<Status(int round)> direct;
};

std::vector<ScreenRoute> ScreenRoutes(field::Store* store, const std::vector<BeatBuilding>& beat,
                                      const httplib::Headers& key, uint64_t seed) {
  Env* env = store->env();
  // Bodies typed on the form: generated checks at the beat's units, new each round.
  auto body = [&beat, seed, env](int round, uint64_t offset) {
    const int64_t now = env->NowMillis();
    return LocalVisit(beat, seed, offset + static_cast<uint64_t>(round), now - kDayMs, now);
  };
  std::vector<ScreenRoute> r;
  r.push_back({"today", [key](httplib::Client& c, int) { return c.Get("/api/today", key); },
               [store](int) -> Status {
                 SWEEP_ASSIGN_OR_RETURN(auto data, field::LoadCoverage(*store));
                 return field::TodayOf(data, store->env()->NowMillis()).beats.empty()
                            ? Status::Internal("today: no beat")
                            : Status::Ok();
               }});
  r.push_back({"building",
               [key, &beat](httplib::Client& c, int i) {
                 return c.Get("/api/building", {{"key", beat[i % beat.size()].key}}, key);
               },
               [store, &beat](int i) -> Status {
                 SWEEP_ASSIGN_OR_RETURN(auto data, field::LoadCoverage(*store));
                 return field::BuildingOf(data, beat[i % beat.size()].key,
                                          store->env()->NowMillis())
                     .status();
               }});
  r.push_back({"check",
               [key, body](httplib::Client& c, int i) {
                 return c.Post("/api/check", key, Json(body(i, 1'000'000)), "application/json");
               },
               [store, body](int i) -> Status {
                 const v1::Record rec = body(i, 2'000'000);
                 auto problems = schema::ValidateRecord(rec);
                 return store->WatchlistHits(rec).status();
               }});
  r.push_back({"records",
               [key, body](httplib::Client& c, int i) {
                 return c.Post("/api/records", key, Json(body(i, 3'000'000)), "application/json");
               },
               [store, body](int i) -> Status {
                 v1::Record rec = body(i, 4'000'000);
                 SWEEP_RETURN_IF_ERROR(store->WatchlistHits(rec).status());
                 return store->Append({{"", 0, std::move(rec)}}).status();
               }});
  return r;
}

Result<double> Timed(const std::function<httplib::Result()>& call, const std::string& what) {
  Stopwatch w;
  httplib::Result r = call();
  const double ms = Ms(w);
  if (!r) return Status::IOError(what + ": " + httplib::to_string(r.error()));
  if (r->status != 200) {
    return Status::Internal(what + " answered " + std::to_string(r->status) + ": " +
                            r->body.substr(0, 300));
  }
  return ms;
}

}  // namespace

Status RunTabletPhase(const ScreenOptions& o, const std::string& dir, Report* report) {
  ResetPeakRss();
  Env* env = Env::Default();
  const std::string path = dir + "/tablet";
  field::InitOptions init;  // production key derivation
  init.officer_id = kOfficer;
  init.officer_name = "王建国";
  SWEEP_RETURN_IF_ERROR(field::Store::Create(path, init, kPin, env));
  SWEEP_ASSIGN_OR_RETURN(auto store, field::Store::Open(path, env));
  SWEEP_RETURN_IF_ERROR(store->Unlock(kOfficer, kPin));
  const std::vector<BeatBuilding> beat = MakeBeat(o);
  Stopwatch fill;
  SWEEP_RETURN_IF_ERROR(FillStore(store.get(), beat, o, env->NowMillis()));
  const double fill_s = fill.Seconds();
  store->Lock();

  field::UiOptions uo;
  uo.secret = field::NewUiSecret();
  uo.idle_lock_ms = 3'600'000;
  field::UiServer server(store.get(), uo);
  SWEEP_RETURN_IF_ERROR(server.Start());
  httplib::Client client("127.0.0.1", server.port());
  client.set_keep_alive(true);   // as a browser keeps its connection to the page's origin
  client.set_tcp_nodelay(true);  // and sends a request at once
  const httplib::Headers key{{"X-Sweep-Key", uo.secret}};
  SWEEP_ASSIGN_OR_RETURN(double unlock_ms, Timed(
                                               [&] {
                                                 return client.Post(
                                                     "/api/unlock", key,
                                                     std::string(R"({"officerId":")") + kOfficer +
                                                         R"(","pin":")" + kPin + "\"}",
                                                     "application/json");
                                               },
                                               "POST /api/unlock"));

  std::map<std::string, std::vector<double>> http_ms, direct_ms;
  std::vector<double> floor_ms;
  const auto routes = ScreenRoutes(store.get(), beat, key, o.seed);
  Progress progress("tablet requests", static_cast<uint64_t>(o.requests));
  for (int i = 0; i < o.requests; ++i) {
    for (const ScreenRoute& r : routes) {
      for (int side = 0; side < 2; ++side) {  // which goes first alternates by round
        if ((side + i) % 2 == 0) {
          SWEEP_ASSIGN_OR_RETURN(double ms, Timed([&] { return r.http(client, i); }, r.name));
          http_ms[r.name].push_back(ms);
        } else {
          Stopwatch w;
          SWEEP_RETURN_IF_ERROR(r.direct(i).WithContext(r.name + " (direct)"));
          direct_ms[r.name].push_back(Ms(w));
        }
      }
    }
    // The floor: a static answer (the form's codes), no store work; three
    // back to back, as a page's burst of requests, the last two counted.
    for (int k = 0; k < 3; ++k) {
      SWEEP_ASSIGN_OR_RETURN(double ms,
                             Timed([&] { return client.Get("/api/form", key); }, "form"));
      if (k > 0) floor_ms.push_back(ms);
    }
    progress.Update(static_cast<uint64_t>(i + 1));
  }
  server.Stop();

  report->Section("tablet: a beat of " + std::to_string(o.buildings) + " buildings × " +
                  std::to_string(o.floors * o.units_per_floor) + " units, " +
                  std::to_string(o.local_visits) + " local visits (" + std::to_string(o.requests) +
                  " requests a route)");
  report->Add("tablet.fill_s", fill_s, "s", "setup: feed + local visits");
  report->Add("tablet.unlock_ms", unlock_ms, "ms", "POST /api/unlock (production Argon2id)");
  for (const ScreenRoute& r : routes) {
    AddVersus(report, "tablet." + r.name, r.name, http_ms[r.name], Median(direct_ms[r.name]));
  }
  AddLatency(report, "tablet.form", "GET /api/form back to back (static)", floor_ms);
  report->Add("tablet.peak_rss", PeakRssMiB(), "MiB", "peak RSS of the tablet phase");
  return Status::Ok();
}

}  // namespace sweep::bench
