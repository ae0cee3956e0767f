// sweep-hub beats … / assign / unassign / ledger config / coverage.
#include <fstream>
#include <iostream>

#include "commands.h"
#include "terminal.h"
#include "sweep/hub/coverage.h"
#include "sweep/hub/ledger_service.h"
#include "sweep/schema/address.h"
#include "sweep/schema/ledger.h"

namespace sweep::hubcli {

using namespace sweep::hub;

namespace {

RegisterService Register(const Ctx& c) {
  return RegisterService(c.service->store(), c.service->env());
}

std::string Names(const std::vector<std::string>& codes) {
  std::string out;
  for (const std::string& code : codes) {
    auto d = schema::DivisionByCode(code);
    out += (out.empty() ? "" : ", ") + (d ? d->name : std::string("?")) + "(" + code + ")";
  }
  return out;
}

std::string JsonList(const std::vector<std::string>& list) {
  std::string out = "[";
  for (size_t i = 0; i < list.size(); ++i) out += (i ? "," : "") + JsonString(list[i]);
  return out + "]";
}

void PrintBeat(const Ctx& c, const BeatRow& b, size_t buildings, size_t units) {
  if (c.json) {
    std::cout << "{\"name\":" << JsonString(b.name)
              << ",\"communities\":" << JsonList(b.communities)
              << ",\"streets\":" << JsonList(b.streets)
              << ",\"buildings\":" << JsonList(b.buildings)
              << ",\"excluded\":" << JsonList(b.excluded)
              << ",\"officers\":" << JsonList(b.officers) << ",\"building_count\":" << buildings
              << ",\"unit_count\":" << units << "}\n";
    return;
  }
  std::cout << b.name << c.T("：", ": ") << buildings << c.T(" 栋 ", " buildings, ") << units
            << c.T(" 户", " units");
  if (!b.communities.empty()) std::cout << c.T("；社区 ", "; communities ") << Names(b.communities);
  if (!b.streets.empty()) std::cout << c.T("；街道 ", "; streets ") << Names(b.streets);
  if (!b.buildings.empty()) {
    std::cout << c.T("；另加 ", "; plus ") << b.buildings.size() << c.T(" 栋", " buildings");
  }
  if (!b.excluded.empty()) {
    std::cout << c.T("；除去 ", "; minus ") << b.excluded.size() << c.T(" 栋", " buildings");
  }
  std::cout << c.T("；民警 ", "; officers ");
  for (size_t i = 0; i < b.officers.size(); ++i) std::cout << (i ? ", " : "") << b.officers[i];
  std::cout << (b.officers.empty() ? c.T("（未分配）", "(unassigned)") : "") << "\n";
}

}  // namespace

Status CmdBeatsEdit(const Ctx& c, BeatEdit edit, const std::string& name,
                    const BeatMembers& members) {
  RegisterService reg = Register(c);
  if (edit == BeatEdit::kCreate) SWEEP_RETURN_IF_ERROR(reg.CreateBeat(name, members));
  if (edit == BeatEdit::kAdd) SWEEP_RETURN_IF_ERROR(reg.AddToBeat(name, members));
  if (edit == BeatEdit::kRemove) SWEEP_RETURN_IF_ERROR(reg.RemoveFromBeat(name, members));
  SWEEP_ASSIGN_OR_RETURN(BeatView view, reg.Beat(name));
  size_t units = 0;
  for (const BuildingRow& b : view.buildings) units += b.units.size();
  PrintBeat(c, view.beat, view.buildings.size(), units);
  return Status::Ok();
}

Status CmdBeatsDelete(const Ctx& c, const std::string& name) {
  SWEEP_RETURN_IF_ERROR(Register(c).DeleteBeat(name));
  std::cout << c.T("已删除责任区 ", "deleted beat ") << name << "\n";
  return Status::Ok();
}

Status CmdBeatsList(const Ctx& c) {
  RegisterService reg = Register(c);
  SWEEP_ASSIGN_OR_RETURN(auto beats, reg.Beats());
  for (const BeatRow& b : beats) {
    SWEEP_ASSIGN_OR_RETURN(BeatView view, reg.Beat(b.name));
    size_t units = 0;
    for (const BuildingRow& bb : view.buildings) units += bb.units.size();
    PrintBeat(c, view.beat, view.buildings.size(), units);
  }
  if (!c.json) std::cout << beats.size() << c.T(" 个责任区\n", " beats\n");
  return Status::Ok();
}

Status CmdBeatsShow(const Ctx& c, const std::string& name) {
  SWEEP_ASSIGN_OR_RETURN(BeatView view, Register(c).Beat(name));
  size_t units = 0;
  for (const BuildingRow& b : view.buildings) units += b.units.size();
  PrintBeat(c, view.beat, view.buildings.size(), units);
  for (const BuildingRow& b : view.buildings) {
    if (c.json) {
      std::cout << "{\"building\":" << JsonString(b.key)
                << ",\"address\":" << JsonString(b.address.raw()) << ",\"units\":" << b.units.size()
                << "}\n";
    } else {
      std::cout << "  " << b.key << "  " << b.address.raw() << "  " << b.units.size()
                << c.T("户", " units") << "\n";
    }
  }
  return Status::Ok();
}

Status CmdAssign(const Ctx& c, const std::string& beat, const std::string& officer, bool assign) {
  RegisterService reg = Register(c);
  SWEEP_RETURN_IF_ERROR(assign ? reg.Assign(beat, officer) : reg.Unassign(beat, officer));
  if (assign) {
    std::cout << c.T("已将责任区 ", "assigned beat ") << beat << c.T(" 分配给民警 ", " to officer ")
              << officer;
  } else {
    std::cout << c.T("已取消民警 ", "took beat ") << (c.english ? beat : officer)
              << c.T(" 的责任区 ", " from officer ") << (c.english ? officer : beat);
  }
  std::cout << c.T("；平板下次同步时更新\n", "; the tablet updates at its next sync\n");
  return Status::Ok();
}

Status CmdLedgerConfig(const Ctx& c, const LedgerConfigArgs& a) {
  RegisterService reg = Register(c);
  SWEEP_ASSIGN_OR_RETURN(v1::LedgerConfig config, reg.LedgerConfig());
  bool change = !a.cycle.empty() || !a.anchor.empty() || a.default_division_given ||
                a.cycle_days >= 0 || a.revisit_days >= 0;
  if (!a.cycle.empty()) config.set_cycle(a.cycle);
  if (a.cycle_days >= 0) config.set_cycle_days(static_cast<uint32_t>(a.cycle_days));
  if (a.revisit_days >= 0) {
    if (a.revisit_days < 1) return Status::InvalidArgument("--revisit-days must be 1..90");
    config.set_revisit_days(static_cast<uint32_t>(a.revisit_days));
  }
  if (!a.anchor.empty()) {
    SWEEP_ASSIGN_OR_RETURN(int64_t anchor,
                           ParseLocalDate(a.anchor, config.utc_offset_minutes(), "--anchor"));
    config.set_anchor_ms(anchor);
  }
  if (a.default_division_given) config.set_default_division(a.default_division);
  if (config.cycle() == "days" && config.cycle_days() == 0) config.set_cycle_days(30);
  if (change) {
    SWEEP_RETURN_IF_ERROR(reg.SetLedgerConfig(config));
    SWEEP_ASSIGN_OR_RETURN(config, reg.LedgerConfig());
  }
  SWEEP_ASSIGN_OR_RETURN(auto cycle, schema::ledger::ConfigFromProto(config));
  std::cout << c.T("周期：", "cycle: ")
            << (config.cycle() == "days" ? c.T("按天数", "days") : c.T("按自然月", "monthly"));
  if (config.cycle() == "days") {
    std::cout << ", " << config.cycle_days() << c.T(" 天，起于 ", " days from ")
              << schema::ledger::LocalDate(cycle, config.anchor_ms());
  }
  std::cout << "\n"
            << c.T("回访期限：", "revisit within: ") << config.revisit_days()
            << c.T(" 天\n", " days\n") << c.T("时区：UTC", "time zone: UTC")
            << (config.utc_offset_minutes() >= 0 ? "+" : "") << config.utc_offset_minutes() / 60
            << "\n"
            << c.T("默认区划：", "default division: ")
            << (config.default_division().empty()
                    ? std::string(c.T("（未设）", "(none)"))
                    : config.default_division() + " " +
                          schema::DivisionFullName(config.default_division()))
            << "\n";
  if (change) std::cout << c.T("已保存并发布给全部平板\n", "saved and published to every tablet\n");
  return Status::Ok();
}

Status CmdCoverage(const Ctx& c, const std::string& beat, const std::string& format,
                   const std::string& at, const std::string& output) {
  ReportFormat f = ReportFormat::kTable;
  if (format == "csv") f = ReportFormat::kCsv;
  if (format == "html") f = ReportFormat::kHtml;
  LedgerServiceOptions opts;
  opts.log = false;
  LedgerService ledger(c.service->store(), c.service->env(), opts);
  SWEEP_RETURN_IF_ERROR(ledger.CatchUp().status());
  CoverageOptions options;
  options.beat = beat;
  options.at_date = at;
  SWEEP_ASSIGN_OR_RETURN(auto report,
                         ComputeCoverage(c.service->store(), c.service->env(), options));
  std::string text = RenderCoverage(report, f, c.english ? Lang::kEn : Lang::kZh);
  return WriteReport(text, output, c.english);
}

}  // namespace sweep::hubcli
