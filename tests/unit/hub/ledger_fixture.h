// Test helpers for the hub's register, ledger and coverage tests: a real
// SQLite hub store in a temporary folder, a fake clock, enrolled devices and
// rental-check visits pushed through HubStore::AppendVersions as the sync
// path stores them.
#pragma once

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../../support/fake_env.h"
#include "sweep/hub/hub_store.h"
#include "sweep/hub/register.h"
#include "sweep/v1/record.pb.h"
#include "sweep/v1/sync.pb.h"

namespace sweep::testing {

inline std::unique_ptr<hub::HubStore> OpenHubStore(const std::string& path) {
  auto store = hub::OpenSqliteHubStore(path);
  INFO(store.status().ToString());
  REQUIRE(store.ok());
  return std::move(store).value();
}

// Enrolls `device_id` for `officer` (a code numbered `code`).
inline void EnrollDevice(hub::HubStore* store, const std::string& device_id,
                         const std::string& officer, uint8_t code) {
  hub::EnrollCode c;
  c.code_id = hub::Bytes(8, code);
  c.secret = hub::Bytes(10, 0xC0);
  c.officer_id = officer;
  c.agency = "police";
  c.role = "officer";
  c.created_ms = 1;
  c.expires_ms = INT64_MAX;
  REQUIRE(store->AddEnrollCode(c).ok());
  hub::Device d;
  d.device_id = device_id;
  d.officer_id = officer;
  d.agency = "police";
  d.role = "officer";
  d.sign_pk = hub::Bytes(32, 1);
  d.box_pk = hub::Bytes(32, 2);
  d.enrolled_ms = 1;
  REQUIRE(store->ConsumeCodeAddDevice(c.code_id, 1, d).ok());
}

// Appends records as the next versions of `device_id`'s chain.
inline void PushRecords(hub::HubStore* store, const std::string& device_id,
                        const std::vector<v1::Record>& records) {
  auto device = store->GetDevice(device_id);
  REQUIRE(device.ok());
  std::vector<hub::StoredVersion> versions;
  uint64_t seq = device->acked_seq;
  for (v1::Record r : records) {
    r.set_device_id(device_id);
    std::string bytes = r.SerializeAsString();
    hub::StoredVersion v;
    v.device_id = device_id;
    v.seq = ++seq;
    v.record_id = r.record_id();
    v.version = r.version();
    v.record.assign(bytes.begin(), bytes.end());
    v.entry_hash = hub::Bytes(32, static_cast<uint8_t>(seq));
    versions.push_back(std::move(v));
  }
  Status st = store->AppendVersions(device_id, device->acked_seq, versions);
  INFO(st.ToString());
  REQUIRE(st.ok());
}

struct Occupant {
  std::string name, id_number;
  bool present = true;
};

inline v1::Record RentalVisit(const std::string& record_id, uint64_t version,
                              const std::string& officer, const std::string& address,
                              v1::UnitStatus status, int64_t at_ms,
                              const std::vector<Occupant>& occupants = {},
                              const std::vector<std::string>& indicators = {}) {
  v1::Record r;
  r.set_record_id(record_id);
  r.set_version(version);
  r.set_base_version(version - 1);
  r.set_officer_id(officer);
  r.mutable_hlc()->set_wall_ms(at_ms);
  auto* rc = r.mutable_rental_check();
  rc->mutable_address()->set_raw(address);
  rc->set_unit_status(status);
  rc->set_visited_at_ms(at_ms);
  for (const Occupant& o : occupants) {
    auto* p = rc->add_occupants();
    p->set_name(o.name);
    p->set_id_number(o.id_number);
    p->set_present_at_visit(o.present);
  }
  for (const std::string& code : indicators) {
    auto* i = rc->add_indicators();
    i->set_code(code);
    i->set_present(true);
  }
  return r;
}

// Every feed item (any audience) in order.
inline std::vector<hub::FeedItemRow> WholeFeed(hub::HubStore* store,
                                               const std::vector<std::string>& audiences) {
  auto items = store->ReadFeed(audiences, 0, 1'000'000);
  REQUIRE(items.ok());
  return *items;
}

// The latest item per (kind, key) for `audience`, tombstones removed: what a
// tablet holds after pulling everything.
inline std::map<std::pair<std::string, std::string>, hub::FeedItemRow> TabletView(
    hub::HubStore* store, const std::string& officer) {
  std::map<std::pair<std::string, std::string>, hub::FeedItemRow> view;
  for (const hub::FeedItemRow& item : WholeFeed(store, {"all", "officer:" + officer})) {
    if (item.deleted) {
      view.erase({item.kind, item.key});
    } else {
      view[{item.kind, item.key}] = item;
    }
  }
  return view;
}

template <typename M>
M ParsePayload(const hub::FeedItemRow& item) {
  M m;
  REQUIRE(m.ParseFromArray(item.payload.data(), static_cast<int>(item.payload.size())));
  return m;
}

inline void SetDefaultDivision(hub::RegisterService* reg, const std::string& code) {
  auto config = reg->LedgerConfig();
  REQUIRE(config.ok());
  config->set_default_division(code);
  Status st = reg->SetLedgerConfig(*config);
  INFO(st.ToString());
  REQUIRE(st.ok());
}

}  // namespace sweep::testing
