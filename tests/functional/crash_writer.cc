// Test helper for the crash test: unlocks a store (PIN on the first line of
// stdin) and appends records forever, in commits of 1..8 versions, some of
// them edits. After each Append returns it prints one line per version,
// "ack <record_id> <version>", and flushes: a line on stdout is a promise
// that the version is durable. Usage: crash_writer STORE_DIR OFFICER SEED
#include <cstdio>
#include <iostream>
#include <random>
#include <string>

#include "support/records.h"
#include "sweep/field/store.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: crash_writer STORE_DIR OFFICER SEED\n");
    return 2;
  }
  std::string pin;
  std::getline(std::cin, pin);
  auto store = sweep::field::Store::Open(argv[1], sweep::Env::Default());
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  sweep::Status st = (*store)->Unlock(argv[2], pin);
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return 1;
  }
  std::mt19937_64 rng(std::stoull(argv[3]));
  std::vector<std::string> ids;
  for (uint64_t n = 0;; ++n) {
    std::vector<sweep::field::NewVersion> batch;
    size_t size = 1 + rng() % 8;
    for (size_t i = 0; i < size; ++i) {
      sweep::v1::Record r =
          rng() % 3 ? sweep::testing::SampleRentalCheck() : sweep::testing::SampleOfficeSweep();
      std::string note(static_cast<size_t>(rng() % 2000), 'x');
      if (r.has_rental_check()) r.mutable_rental_check()->set_notes(note);
      bool edit = !ids.empty() && rng() % 4 == 0 && r.has_rental_check();
      batch.push_back({edit ? ids[rng() % ids.size()] : "", 0, std::move(r)});
    }
    auto saved = (*store)->Append(std::move(batch));
    if (!saved.ok()) {
      std::fprintf(stderr, "%s\n", saved.status().ToString().c_str());
      return 1;
    }
    for (const auto& r : *saved) {
      if (r.version() == 1) ids.push_back(r.record_id());
      std::printf("ack %s %llu\n", r.record_id().c_str(),
                  static_cast<unsigned long long>(r.version()));
    }
    std::fflush(stdout);
  }
}
