// sweep::hub::sim::WriteStation: the station as files (docs/simulate.md).
// Each file is written beside its final name and renamed over it, so a
// reader never sees half a file.
#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "sweep/hub/simulate.h"

namespace sweep::hub::sim {
namespace {

namespace fs = std::filesystem;

std::string Q(const std::string& s) {  // a JSON string
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

class File {
 public:
  explicit File(const fs::path& path) : path_(path), tmp_(path.string() + ".tmp") {
    out_.open(tmp_, std::ios::binary | std::ios::trunc);
  }
  std::ofstream& out() { return out_; }
  Status Close() {
    out_.close();
    std::error_code ec;
    if (!out_) return Status::IOError("cannot write " + tmp_.string() + ": disk full or no access");
    fs::rename(tmp_, path_, ec);
    if (ec) return Status::IOError("cannot rename " + tmp_.string() + ": " + ec.message());
    return Status::Ok();
  }

 private:
  fs::path path_, tmp_;
  std::ofstream out_;
};

std::string BuildingLine(const BuildingSpec& b) {
  std::string s = "{\"address\":" + Q(b.address) + ",\"floors\":" + std::to_string(b.floors) +
                  ",\"unitsPerFloor\":" + std::to_string(b.units_per_floor) +
                  ",\"stairwells\":" + std::to_string(b.stairwells) + ",\"type\":" + Q(b.type);
  if (!b.residents.empty()) {
    s += ",\"residents\":{";
    for (size_t i = 0; i < b.residents.size(); ++i) {
      const auto& r = b.residents[i];
      bool first = i == 0 || b.residents[i - 1].unit_key != r.unit_key;
      bool last = i + 1 == b.residents.size() || b.residents[i + 1].unit_key != r.unit_key;
      if (first)
        s += (i ? "," : "") + Q(r.unit_key) + ":[";
      else
        s += ",";
      s += "{\"name\":" + Q(r.name) + ",\"idNumber\":" + Q(r.id_number) + "}";
      if (last) s += "]";
    }
    s += "}";
  }
  return s + "}";
}

Result<std::string> BodyJson(const v1::Record& r) {
  google::protobuf::util::JsonPrintOptions opt;
  opt.add_whitespace = false;
  std::string json;
  const google::protobuf::Message& body =
      r.has_office_sweep() ? static_cast<const google::protobuf::Message&>(r.office_sweep())
                           : r.rental_check();
  auto st = google::protobuf::util::MessageToJsonString(body, &json, opt);
  if (!st.ok()) return Status::Internal("record " + r.record_id() + ": " + st.ToString());
  return json;
}

std::string TruthLine(const MentionTruth& t, const std::string& file, size_t line) {
  return "{\"recordId\":" + Q(t.record_id) + ",\"path\":" + Q(t.path) +
         ",\"personId\":" + Q(t.person_id) + ",\"noise\":" + Q(t.noise) + ",\"file\":" + Q(file) +
         ",\"line\":" + std::to_string(line) + "}\n";
}

void WriteTail(const Station& s, std::ostream& out) {
  for (const auto& d : s.dens) {
    out << "{\"den\":{\"unitAddress\":" << Q(d.unit_address) << ",\"kind\":" << Q(d.kind) << "}}\n";
  }
  for (const auto& p : s.persons) {
    out << "{\"person\":{\"personId\":" << Q(p.person_id) << ",\"name\":" << Q(p.name)
        << ",\"idNumber\":" << Q(p.id_number) << ",\"phone\":" << Q(p.phone)
        << ",\"role\":" << Q(p.role) << ",\"suspect\":" << (p.suspect ? "true" : "false") << "}}\n";
  }
}

struct OfficerFiles {
  std::unique_ptr<File> all, rental, office;
  size_t lines = 0;
};

}  // namespace

struct StationWriter::Files {
  std::unique_ptr<File> truth;
  std::map<std::string, OfficerFiles> officers;
};

StationWriter::StationWriter(std::string dir) : dir_(std::move(dir)), files_(new Files) {}
StationWriter::~StationWriter() = default;

Result<std::unique_ptr<StationWriter>> StationWriter::Open(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  std::unique_ptr<StationWriter> w(new StationWriter(dir));
  w->files_->truth = std::make_unique<File>(fs::path(dir) / "truth.jsonl");
  if (!w->files_->truth->out()) return Status::IOError("cannot write in " + dir);
  return w;
}

Status StationWriter::Add(const std::vector<v1::Record>& records,
                          const std::vector<MentionTruth>& truth) {
  std::map<std::string, std::pair<std::string, size_t>> where;  // record → (file, line)
  const fs::path d(dir_);
  for (const auto& r : records) {
    auto& f = files_->officers[r.officer_id()];
    const std::string name = "records-" + r.officer_id() + ".jsonl";
    if (!f.all) {
      f.all = std::make_unique<File>(d / name);
      f.rental = std::make_unique<File>(d / ("rental-" + r.officer_id() + ".jsonl"));
      f.office = std::make_unique<File>(d / ("office-" + r.officer_id() + ".jsonl"));
    }
    SWEEP_ASSIGN_OR_RETURN(std::string json, BodyJson(r));
    f.all->out() << json << '\n';
    (r.has_office_sweep() ? f.office : f.rental)->out() << json << '\n';
    where[r.record_id()] = {name, ++f.lines};
  }
  for (const auto& t : truth) {
    auto it = where.find(t.record_id);
    if (it == where.end()) {
      return Status::Internal("truth names record " + t.record_id + " outside its batch");
    }
    files_->truth->out() << TruthLine(t, it->second.first, it->second.second);
  }
  return Status::Ok();
}

Status StationWriter::Finish(const Station& station) {
  SWEEP_RETURN_IF_ERROR(Add(station.records, station.truth));
  const fs::path d(dir_);
  File buildings(d / "buildings.jsonl"), beats(d / "beats.tsv"), assignments(d / "assignments.tsv");
  for (const auto& b : station.buildings) buildings.out() << BuildingLine(b) << '\n';
  for (const auto& [beat, community] : station.beats) {
    beats.out() << beat << '\t' << community << '\n';
  }
  for (const auto& [beat, officer] : station.assignments) {
    assignments.out() << beat << '\t' << officer << '\n';
  }
  WriteTail(station, files_->truth->out());
  for (File* f : {&buildings, &beats, &assignments, files_->truth.get()}) {
    SWEEP_RETURN_IF_ERROR(f->Close());
  }
  for (auto& [officer, f] : files_->officers) {
    for (File* x : {f.all.get(), f.rental.get(), f.office.get()}) SWEEP_RETURN_IF_ERROR(x->Close());
  }
  return Status::Ok();
}

Status WriteStation(const Station& station, const std::string& dir) {
  SWEEP_ASSIGN_OR_RETURN(auto writer, StationWriter::Open(dir));
  return writer->Finish(station);
}

}  // namespace sweep::hub::sim
