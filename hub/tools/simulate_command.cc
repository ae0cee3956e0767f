#include "simulate_command.h"

#include <iostream>
#include <map>
#include <sstream>

#include "terminal.h"

namespace sweep::hubcli {

SimulateCli::SimulateCli(CLI::App* app) {
  cmd_ = app->add_subcommand("simulate",
                             "Generate a station's data with ground truth (no database needed)");
  cmd_->add_option("--out", out_, "Folder for the files (created; files in it are replaced)")
      ->required();
  cmd_->add_option("--seed", opt_.seed, "Random seed (same options, same files; default 1)");
  cmd_->add_option("--district", opt_.district, "6-digit district code (default 431002 北湖区)");
  cmd_->add_option("--communities", opt_.communities, "Real communities used, one beat each (4)");
  cmd_->add_option("--buildings", opt_.buildings_per_community, "Buildings per community (6)");
  cmd_->add_option("--officers", opt_.officers, "Officers A1001, A1002, … (3)");
  cmd_->add_option("--days", opt_.days, "Days of visits (1)");
  cmd_->add_option("--visits", opt_.visits_per_officer_day, "Visits per officer and day (40)");
  cmd_->add_option("--den-share", opt_.den_share, "Share of rental units that are dens (0.01)");
  cmd_->add_option("--noise", noise_,
                   "Share of person mentions typed with one error (0.15), or hard[:share]: "
                   "several errors per noisy mention (hard = hard:0.3)");
  cmd_->add_option("--target-mentions", opt_.target_mentions,
                   "Keep going until this many person mentions (grows the station; ignores "
                   "--days)");
  cmd_->add_option("--dispositions", codes_,
                   "Disposition codes for den occupants, comma-separated "
                   "(default detained,admonished,credit_punishment)");
  cmd_->footer(
      "Files: buildings.jsonl (sweep-hub buildings import), beats.tsv, assignments.tsv,\n"
      "records-<officer>.jsonl (+ rental-/office- split), truth.jsonl. See docs/simulate.md.\n"
      "Exit codes: 0 ok, 2 bad option (unknown district, too many communities), 5 cannot\n"
      "write the folder, 1 internal error.");
}

namespace {

// --noise 0.2 | hard | hard:0.4
Status ParseNoise(const std::string& text, hub::sim::Options* o) {
  std::string share = text;
  o->hard_noise = text.rfind("hard", 0) == 0;
  if (o->hard_noise) share = text == "hard" ? "0.3" : text.substr(text.find(':') + 1);
  if (o->hard_noise && text != "hard" && text.rfind("hard:", 0) != 0) share.clear();
  try {
    size_t used = 0;
    o->noise = std::stod(share, &used);
    if (used == share.size()) return Status::Ok();
  } catch (...) {
  }
  return Status::InvalidArgument("--noise '" + text +
                                 "': give a share 0..1 (--noise 0.2), or hard, or hard:SHARE "
                                 "(--noise hard:0.4)");
}

}  // namespace

Status SimulateCli::Run(bool english) {
  SWEEP_RETURN_IF_ERROR(ParseNoise(noise_, &opt_));
  if (!codes_.empty()) {
    opt_.disposition_codes.clear();
    std::stringstream in(codes_);
    for (std::string c; std::getline(in, c, ',');) {
      if (!c.empty()) opt_.disposition_codes.push_back(c);
    }
  }
  // Records go to the files day by day: a million mentions need not fit in memory.
  SWEEP_ASSIGN_OR_RETURN(auto writer, hub::sim::StationWriter::Open(out_));
  size_t visits = 0, mentions = 0, noisy = 0;
  auto sink = [&](const std::vector<v1::Record>& records,
                  const std::vector<hub::sim::MentionTruth>& truth) {
    visits += records.size();
    mentions += truth.size();
    for (const auto& t : truth) noisy += t.noise.empty() ? 0 : 1;
    return writer->Add(records, truth);
  };
  Progress progress(english ? "simulating (mentions)" : "生成中（人员记录）");
  auto station = hub::sim::Simulate(
      opt_,
      [&progress](size_t done, size_t total) { progress.Update(done, std::max(done, total)); },
      sink);
  progress.Done();
  if (!station.ok()) return station.status();
  SWEEP_RETURN_IF_ERROR(writer->Finish(*station));
  size_t units = 0;
  for (const auto& b : station->buildings) {
    units += static_cast<size_t>(b.floors) * b.units_per_floor * b.stairwells;
  }
  std::map<std::string, size_t> dens;
  for (const auto& d : station->dens) ++dens[d.kind];
  if (english) {
    std::cout << "wrote " << out_ << ": " << station->buildings.size() << " buildings, " << units
              << " units, " << station->beats.size() << " beats, " << visits << " visits, "
              << mentions << " person mentions (" << noisy << " noisy) of "
              << station->persons.size() << " people, " << dens["simbox"] << " SIM-box dens, "
              << dens["call_center"] << " call-centre dens\n";
  } else {
    std::cout << "已写入 " << out_ << "：楼栋 " << station->buildings.size() << " 栋，房屋 "
              << units << " 户，责任区 " << station->beats.size() << " 个，走访 " << visits
              << " 次，人员记录 " << mentions << " 条（含噪声 " << noisy << " 条），涉及 "
              << station->persons.size() << " 人，GOIP窝点 " << dens["simbox"]
              << " 个，呼叫中心窝点 " << dens["call_center"] << " 个\n";
  }
  return Status::Ok();
}

}  // namespace sweep::hubcli
