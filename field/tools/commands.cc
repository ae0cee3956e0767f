#include "commands.h"

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "json_out.h"
#include "sweep/field/store.h"
#include "sweep/field/sync_client.h"
#include "sweep/schema/identifiers.h"
#include "sweep/schema/record_json.h"
#include "terminal.h"

namespace sweep::cli {

using field::Store;
using field::ViewDetail;

namespace {

Result<std::string> ReadInput(const std::string& file) {
  std::ostringstream ss;
  if (file.empty() || file == "-") {
    ss << std::cin.rdbuf();
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Status::NotFound("cannot read " + file + ": no such file or no permission");
    ss << in.rdbuf();
  }
  return ss.str();
}

Result<std::string> ResolveOfficer(Store* store, const Globals& g) {
  if (!g.as_officer.empty()) return g.as_officer;
  SWEEP_ASSIGN_OR_RETURN(auto officers, store->Officers());
  if (officers.size() == 1) return officers.front().officer_id;
  std::string ids;
  for (const auto& o : officers) ids += (ids.empty() ? "" : ", ") + o.officer_id;
  return Status::InvalidArgument("this tablet has several officers (" + ids +
                                 "): say who you are with --as ID");
}

const char* SeverityWord(v1::Severity s) {
  return s == v1::SEVERITY_ERROR ? "error" : s == v1::SEVERITY_WARNING ? "warning" : "note";
}

void PrintValidation(const v1::Record& r, const std::string& indent) {
  for (const auto& v : r.validation()) {
    std::cout << indent << SeverityWord(v.severity()) << " " << v.field() << ": " << v.message()
              << "\n";
  }
}

Result<v1::Record> ParseBody(const std::string& kind, std::string_view json) {
  v1::Record rec;
  if (kind == "rental-check") {
    SWEEP_ASSIGN_OR_RETURN(*rec.mutable_rental_check(), schema::ParseRentalCheckJson(json));
  } else if (kind == "case-update") {
    SWEEP_ASSIGN_OR_RETURN(*rec.mutable_case_update(), schema::ParseCaseUpdateJson(json));
  } else {
    SWEEP_ASSIGN_OR_RETURN(*rec.mutable_office_sweep(), schema::ParseOfficeSweepJson(json));
  }
  return rec;
}

// Parses a JSON Lines text: one body per non-blank line. All or nothing:
// every bad line is reported, and any bad line fails the whole file.
Result<std::vector<v1::Record>> ParseLines(const std::string& kind, const std::string& text,
                                           const std::string& name) {
  std::vector<v1::Record> out;
  std::vector<std::string> errors;
  std::istringstream in(text);
  std::string line;
  size_t n = 0;
  Progress progress("parsing " + name, 0, text.size());
  uint64_t bytes = 0;
  while (std::getline(in, line)) {
    ++n;
    bytes += line.size() + 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto rec = ParseBody(kind, line);
    if (!rec.ok()) {
      errors.push_back(name + ":" + std::to_string(n) + ": " + rec.status().message());
    } else {
      out.push_back(std::move(rec).value());
    }
    progress.Update(n, bytes);
  }
  progress.Done();
  if (!errors.empty()) {
    std::string msg = std::to_string(errors.size()) + " of " + std::to_string(n) +
                      " lines are bad; nothing was saved. Fix them and run again:";
    for (const auto& e : errors) msg += "\n  " + e;
    return Status::InvalidArgument(msg);
  }
  if (out.empty()) return Status::InvalidArgument(name + " holds no records");
  return out;
}

}  // namespace

Result<std::unique_ptr<Store>> OpenUnlocked(const Globals& g) {
  SWEEP_ASSIGN_OR_RETURN(auto store, Store::Open(g.store_dir, Env::Default()));
  SWEEP_ASSIGN_OR_RETURN(std::string officer, ResolveOfficer(store.get(), g));
  SWEEP_ASSIGN_OR_RETURN(
      Pin pin, ReadPin("PIN for " + officer + " / 请输入PIN: ", g.pin_stdin, std::cin, false));
  SWEEP_RETURN_IF_ERROR(store->Unlock(officer, pin.view()));
  return store;
}

Status CmdInit(const Globals& g, const InitArgs& a) {
  if (a.officer_id.empty() || a.name.empty()) {
    return Status::InvalidArgument("init needs --officer ID and --name NAME");
  }
  SWEEP_ASSIGN_OR_RETURN(
      Pin pin,
      ReadPin("New PIN for " + a.officer_id + " / 设置PIN: ", g.pin_stdin, std::cin, true));
  field::InitOptions opt;
  opt.officer_id = a.officer_id;
  opt.officer_name = a.name;
  opt.max_failed_attempts = a.max_attempts;
  opt.kdf.ops_limit = a.kdf_ops;
  opt.kdf.mem_limit = a.kdf_mem_mib << 20;
  SWEEP_RETURN_IF_ERROR(Store::Create(g.store_dir, opt, pin.view(), Env::Default()));
  SWEEP_ASSIGN_OR_RETURN(auto store, Store::Open(g.store_dir, Env::Default()));
  SWEEP_ASSIGN_OR_RETURN(auto info, store->Info());
  std::cout << "created store in " << g.store_dir << " for officer " << a.officer_id << "\ndevice "
            << info.device_id << ", signing key " << info.sign_key_id << "\n";
  return Status::Ok();
}

Status CmdOfficerAdd(const Globals& g, const InitArgs& a) {
  if (a.officer_id.empty() || a.name.empty()) {
    return Status::InvalidArgument("officer add needs --officer ID and --name NAME");
  }
  SWEEP_ASSIGN_OR_RETURN(auto store, OpenUnlocked(g));
  SWEEP_ASSIGN_OR_RETURN(
      Pin pin,
      ReadPin("New PIN for " + a.officer_id + " / 设置PIN: ", g.pin_stdin, std::cin, true));
  crypto::KdfParams kdf;
  kdf.ops_limit = a.kdf_ops;
  kdf.mem_limit = a.kdf_mem_mib << 20;
  SWEEP_RETURN_IF_ERROR(store->AddOfficer(a.officer_id, a.name, pin.view(), kdf));
  std::cout << "officer " << a.officer_id << " added\n";
  return Status::Ok();
}

Status CmdOfficerList(const Globals& g) {
  SWEEP_ASSIGN_OR_RETURN(auto store, Store::Open(g.store_dir, Env::Default()));
  SWEEP_ASSIGN_OR_RETURN(auto officers, store->Officers());
  for (const auto& o : officers) std::cout << o.officer_id << "\n";
  return Status::Ok();
}

Status CmdRecord(const Globals& g, const RecordArgs& a) {
  bool lines = !a.jsonl_file.empty() || (a.json_file.size() > 6 && a.json_file.ends_with(".jsonl"));
  std::string file = a.jsonl_file.empty() ? a.json_file : a.jsonl_file;
  if (file.empty()) return Status::InvalidArgument("record needs --json FILE or --jsonl FILE");
  if (lines && !a.edit_id.empty()) {
    return Status::InvalidArgument("--edit takes one record (--json), not a JSON Lines file");
  }
  // Unlock first: with --pin-stdin the PIN is the first line of stdin.
  SWEEP_ASSIGN_OR_RETURN(auto store, OpenUnlocked(g));
  SWEEP_ASSIGN_OR_RETURN(std::string text, ReadInput(file));
  std::string name = file == "-" ? "stdin" : file;
  std::vector<v1::Record> bodies;
  if (lines) {
    SWEEP_ASSIGN_OR_RETURN(bodies, ParseLines(a.kind, text, name));
  } else {
    auto rec = ParseBody(a.kind, text);
    if (!rec.ok()) return rec.status().WithContext(name);
    bodies.push_back(std::move(rec).value());
  }
  std::vector<field::NewVersion> items;
  // Append validates every record (once) and keeps the results on it; only
  // --strict needs to know before saving.
  int errors = 0;
  std::string report;
  // A case update that is incomplete (no subject, no reason) means nothing:
  // it is always checked as with --strict.
  const bool strict = a.strict || a.kind == "case-update";
  for (size_t i = 0; i < bodies.size(); ++i) {
    if (strict) {
      for (const auto& v : schema::ValidateRecord(bodies[i])) {
        if (v.severity() == v1::SEVERITY_ERROR) ++errors;
        report += std::string(SeverityWord(v.severity())) + " " + v.field() + ": " + v.message() +
                  "\n";
      }
    }
    items.push_back({a.edit_id, a.base_version, std::move(bodies[i])});
  }
  if (errors > 0) {
    std::cerr << report;
    return Status::InvalidArgument(std::to_string(errors) +
                                   (a.strict ? " identifier errors and --strict"
                                             : " errors in the case update") +
                                   ": nothing was saved");
  }
  SWEEP_ASSIGN_OR_RETURN(auto saved, store->Append(std::move(items)));
  // Saved sealed; read back as this tablet may (its own agency's sections).
  for (auto& r : saved) SWEEP_RETURN_IF_ERROR(store->OpenSections(&r).status());
  // Watchlist hits are about to be printed: each entry hit is a look at a
  // suspect's record, logged first (the records are saved either way).
  std::vector<std::string> looked_up;
  for (const auto& r : saved) {
    std::vector<v1::ValidationResult> shown(r.validation().begin(), r.validation().end());
    SWEEP_ASSIGN_OR_RETURN(auto entities, store->WatchlistEntities(r, shown));
    looked_up.insert(looked_up.end(), entities.begin(), entities.end());
  }
  if (Status st = store->LogViews(looked_up, ViewDetail({{"by", "record"}})); !st.ok()) {
    return st.WithContext(std::to_string(saved.size()) +
                          " records were saved, but their watchlist hits are not shown");
  }
  for (const auto& r : saved) {
    if (g.json) {
      std::cout << "{\"recordId\":\"" << r.record_id() << "\",\"version\":" << r.version()
                << ",\"problems\":" << r.validation_size() << "}\n";
    } else {
      std::cout << "saved " << a.kind << " " << r.record_id() << " v" << r.version() << "\n";
      PrintValidation(r, "  ");
    }
  }
  if (!g.json && saved.size() > 1) std::cout << saved.size() << " records saved\n";
  return Status::Ok();
}

Status CmdList(const Globals& g) {
  SWEEP_ASSIGN_OR_RETURN(auto store, OpenUnlocked(g));
  SWEEP_ASSIGN_OR_RETURN(auto list, store->List());
  SWEEP_RETURN_IF_ERROR(
      store->LogView("list:records", ViewDetail({{"count", std::to_string(list.size())}})));
  for (const auto& r : list) {
    if (g.json) {
      std::cout << "{\"recordId\":\"" << r.record_id << "\",\"version\":" << r.version
                << ",\"kind\":\"" << r.kind << "\",\"errors\":" << r.errors
                << ",\"warnings\":" << r.warnings << "}\n";
      continue;
    }
    std::time_t t = static_cast<std::time_t>(r.wall_ms / 1000);
    std::tm tm{};
    localtime_r(&t, &tm);
    std::cout << r.record_id << "  v" << r.version << "  " << std::left << std::setw(12) << r.kind
              << " " << std::put_time(&tm, "%Y-%m-%d %H:%M") << "  " << r.officer_id << "  "
              << r.address << (r.subject.empty() ? "" : "  " + r.subject);
    if (r.errors + r.warnings > 0) {
      std::cout << "  [" << r.errors << " errors, " << r.warnings << " warnings]";
    }
    std::cout << "\n";
  }
  if (!g.json) std::cout << list.size() << " records\n";
  return Status::Ok();
}

Status CmdShow(const Globals& g, const std::string& id, bool history) {
  SWEEP_ASSIGN_OR_RETURN(auto store, OpenUnlocked(g));
  std::vector<v1::Record> versions;
  if (history) {
    SWEEP_ASSIGN_OR_RETURN(versions, store->History(id));
  } else {
    SWEEP_ASSIGN_OR_RETURN(auto rec, store->Get(id));
    versions.push_back(std::move(rec));
  }
  // Logged (durably) before anything is printed: no entry, no output.
  SWEEP_RETURN_IF_ERROR(store->LogView(
      "record:" + id, ViewDetail({{"version", std::to_string(versions.back().version())},
                                  {"history", history ? "all" : ""}})));
  for (const auto& r : versions) std::cout << schema::ToJson(r) << "\n";
  return Status::Ok();
}

Status CmdVerify(const Globals& g) {
  SWEEP_ASSIGN_OR_RETURN(auto store, OpenUnlocked(g));
  SWEEP_ASSIGN_OR_RETURN(auto report, store->Verify());
  for (const auto& p : report.problems) {
    std::cout << "seq " << p.seq;
    if (!p.record_id.empty()) std::cout << " record " << p.record_id << " v" << p.version;
    std::cout << ": " << p.what << "\n";
  }
  std::cout << "checked " << report.versions_checked << " versions and "
            << report.signatures_checked << " signatures: "
            << (report.ok() ? "OK" : std::to_string(report.problems.size()) + " problems") << "\n";
  if (!report.ok()) {
    return Status::Corruption(
        "the store failed verification; keep the tablet as it is and "
        "report it to the station");
  }
  return Status::Ok();
}

Status CmdLock(const Globals& g) {
  SWEEP_ASSIGN_OR_RETURN(auto store, Store::Open(g.store_dir, Env::Default()));
  SWEEP_RETURN_IF_ERROR(store->RequestLock());
  std::cout << "locked: every open session must unlock again with a PIN\n";
  return Status::Ok();
}

Status CmdWipe(const Globals& g, bool yes) {
  if (!yes) {
    return Status::InvalidArgument(
        "wipe destroys every record on this tablet that is not yet "
        "synced; run again with --yes to confirm");
  }
  SWEEP_ASSIGN_OR_RETURN(auto store, Store::Open(g.store_dir, Env::Default()));
  SWEEP_RETURN_IF_ERROR(store->Shred("wiped on request"));
  std::cout << "wiped: the keys are destroyed and the records are unreadable\n";
  return Status::Ok();
}

Status CmdInfo(const Globals& g) {
  SWEEP_ASSIGN_OR_RETURN(auto store, Store::Open(g.store_dir, Env::Default()));
  SWEEP_ASSIGN_OR_RETURN(auto info, store->Info());
  SWEEP_ASSIGN_OR_RETURN(auto officers, store->Officers());
  std::cout << "device " << info.device_id << "\nsigning key " << info.sign_key_id
            << "\nformat version " << info.format_version << "\nrecords " << info.records << " ("
            << info.versions << " versions)";
  if (info.purged_versions > 0) {
    std::cout << "\npurged after sync " << info.purged_versions << " versions (retention)";
  }
  std::cout << "\nofficers " << officers.size()
            << "\nwrong PIN attempts " << info.failed_attempts << " of " << info.max_failed_attempts
            << "\n";
  return Status::Ok();
}

Status CmdFind(const Globals& g, const std::string& kind, const std::string& value) {
  SWEEP_ASSIGN_OR_RETURN(auto store, OpenUnlocked(g));
  SWEEP_ASSIGN_OR_RETURN(auto ids, store->FindByIdentifier(kind, value));
  // A search for a person: the records found name whom (the value is not
  // logged, it would be the identifier in clear).
  std::string found;
  for (size_t i = 0; i < ids.size() && i < 20; ++i) found += (i ? "," : "") + ids[i];
  SWEEP_RETURN_IF_ERROR(store->LogView(
      "list:find", ViewDetail({{"kind", kind},
                               {"found", std::to_string(ids.size())},
                               {"records", found}})));
  for (const auto& id : ids) std::cout << id << "\n";
  if (ids.empty()) return Status::NotFound("no record carries that " + kind);
  return Status::Ok();
}

Status CmdEnroll(const Globals& g, const SyncArgs& a) {
  if (a.hub_url.empty() || a.code.empty()) {
    return Status::InvalidArgument("enroll needs --hub URL and --code CODE (from `sweep-hub "
                                   "enroll-code` at the station)");
  }
  SWEEP_ASSIGN_OR_RETURN(auto store, OpenUnlocked(g));
  field::TransportOptions topt;
  topt.tls_ca = a.tls_ca;
  SWEEP_ASSIGN_OR_RETURN(auto transport, field::NewHttpTransport(a.hub_url, topt));
  SWEEP_RETURN_IF_ERROR(field::Enroll(store.get(), transport.get(), a.hub_url, a.code, a.label));
  SWEEP_ASSIGN_OR_RETURN(auto hub, store->Hub());
  std::cout << "enrolled with hub " << hub->enrollment.hub_id() << " at " << a.hub_url
            << " as officer " << hub->enrollment.officer_id() << " ("
            << hub->enrollment.agency() << ", " << hub->enrollment.role() << ")\n";
  return Status::Ok();
}

Status CmdSync(const Globals& g, const SyncArgs& a) {
  SWEEP_ASSIGN_OR_RETURN(auto store, OpenUnlocked(g));
  SWEEP_ASSIGN_OR_RETURN(auto hub, store->Hub());
  if (!hub) return Status::NotFound("this tablet is not enrolled: run `enroll --hub URL --code CODE`");
  std::string url = a.hub_url.empty() ? hub->url : a.hub_url;
  field::TransportOptions topt;
  topt.tls_ca = a.tls_ca;
  SWEEP_ASSIGN_OR_RETURN(auto transport, field::NewHttpTransport(url, topt));
  SWEEP_ASSIGN_OR_RETURN(auto state, store->GetSyncState());
  uint64_t pending = state.head_seq - std::min(state.head_seq, state.synced_seq);
  Progress push("sync: sending records", pending, 0);
  std::unique_ptr<Progress> files;
  field::SyncOptions opt;
  opt.progress = [&](const field::SyncProgress& p) {
    if (p.phase == "push") push.Update(p.done, p.bytes);
    if (p.phase == "files") {
      if (!files) files = std::make_unique<Progress>("sync: sending photos (bytes)", p.total, 0);
      files->Update(p.done, p.bytes);
    }
  };
  int64_t start = Env::Default()->MonotonicMicros();
  auto summary = field::Sync(store.get(), transport.get(), opt);
  if (pending > 0) push.Done();
  if (files) files->Done();
  if (!summary.ok()) return summary.status();
  double secs = (Env::Default()->MonotonicMicros() - start) / 1e6;
  std::cout << "synced with " << url << ": " << summary->pushed << " versions sent";
  if (summary->duplicates > 0) std::cout << " (" << summary->duplicates << " already there)";
  if (summary->views > 0) std::cout << ", " << summary->views << " views logged";
  if (summary->files > 0 || summary->chunks_sent > 0) {
    std::cout << ", " << summary->files << " files (" << summary->chunks_sent << " chunks) sent";
  }
  std::cout << ", " << summary->pulled << " updates received, "
            << (summary->bytes_sent + summary->bytes_received) / 1024 << " KiB in "
            << summary->round_trips << " round trips, " << std::fixed << std::setprecision(2)
            << secs << " s; hub holds seq 1.." << summary->acked_seq << "\n";
  if (summary->purged_records > 0 || summary->purged_files > 0) {
    std::cout << "retention: " << summary->purged_records << " records and "
              << summary->purged_files
              << " photos the station holds were removed from this tablet\n";
  }
  return Status::Ok();
}

Status CmdAttach(const Globals& g, const std::string& path, const std::string& media_type) {
  SWEEP_ASSIGN_OR_RETURN(auto store, OpenUnlocked(g));
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return Status::NotFound("cannot read " + path + ": " + ec.message());
  std::string type = media_type;
  if (type.empty()) {
    std::string ext = std::filesystem::path(path).extension().string();
    for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    type = ext == ".jpg" || ext == ".jpeg" ? "image/jpeg"
           : ext == ".png"                 ? "image/png"
           : ext == ".pdf"                 ? "application/pdf"
                                           : "application/octet-stream";
  }
  Progress progress("storing " + path, 0, size);
  SWEEP_ASSIGN_OR_RETURN(auto info, store->AddFile(path, type, [&](uint64_t bytes) {
    progress.Update(bytes, bytes);
  }));
  progress.Done();
  if (g.json) {
    std::cout << "{\"sha256\":\"" << info.sha256 << "\",\"size\":" << info.size
              << ",\"mediaType\":" << JsonQuote(info.media_type) << "}\n";
  } else {
    std::cout << info.sha256 << "  " << info.size << " bytes  " << info.media_type
              << "\nput it in the record: \"attachments\": [{\"sha256\": \"" << info.sha256
              << "\", \"mediaType\": \"" << info.media_type << "\", \"size\": \"" << info.size
              << "\"}]\n";
  }
  return Status::Ok();
}

Status CmdFiles(const Globals& g) {
  SWEEP_ASSIGN_OR_RETURN(auto store, OpenUnlocked(g));
  SWEEP_ASSIGN_OR_RETURN(auto files, store->Files(false));
  int pending = 0;
  for (const auto& f : files) {
    std::cout << f.sha256 << "  " << f.size << " bytes  " << f.media_type << "  "
              << (f.uploaded ? "at the hub" : "not yet synced") << "\n";
    pending += f.uploaded ? 0 : 1;
  }
  std::cout << files.size() << " files, " << pending << " not yet synced\n";
  return Status::Ok();
}

Status CmdCheck(const std::string& kind, const std::string& file, bool json) {
  schema::Verdict (*check)(std::string_view) = nullptr;
  if (kind == "id")
    check = schema::CheckResidentId;
  else if (kind == "uscc")
    check = schema::CheckCreditCode;
  else if (kind == "phone")
    check = schema::CheckPhone;
  else if (kind == "bankcard")
    check = schema::CheckBankCard;
  else
    return Status::InvalidArgument("--kind must be id, uscc, phone or bankcard");
  SWEEP_ASSIGN_OR_RETURN(std::string text, ReadInput(file));
  std::istringstream in(text);
  std::string line;
  int bad = 0, n = 0;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    ++n;
    schema::Verdict v = check(line);
    const char* level = v.level == schema::VerdictLevel::kValid     ? "valid"
                        : v.level == schema::VerdictLevel::kWarning ? "warning"
                                                                    : "invalid";
    if (v.level == schema::VerdictLevel::kError) ++bad;
    if (json) {
      std::cout << "{\"input\":" << JsonQuote(line) << ",\"verdict\":\"" << level
                << "\",\"code\":\"" << v.code << "\",\"normalized\":" << JsonQuote(v.normalized)
                << ",\"reason\":" << JsonQuote(v.reason) << "}\n";
    } else {
      std::cout << line << "\t" << level << "\t" << (v.normalized.empty() ? "-" : v.normalized)
                << "\t" << v.code;
      if (!v.reason.empty()) std::cout << "\t" << v.reason_zh << " / " << v.reason;
      std::cout << "\n";
    }
  }
  if (bad > 0) {
    return Status::InvalidArgument(std::to_string(bad) + " of " + std::to_string(n) +
                                   " values are invalid");
  }
  return Status::Ok();
}

}  // namespace sweep::cli
