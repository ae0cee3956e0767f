// sections_bench: what sealing a joint inspection's agency sections costs
// (docs/protocol.md "Agency sections", issue 7).
//
// A realistic joint office sweep (police and market regulator findings,
// three persons questioned with their checks, notes) is sealed as a tablet
// seals it when it saves (sync::sections::Seal: one crypto_box_seal per
// agency) and opened as the hub opens it at ingest (Open with every
// agency's key), next to the baseline every save and every ingest pays
// anyway: serialising and parsing the record. Also the hub's shared view
// for one agency (SharedView, what pull sends a regulator) and the bytes
// sealing adds. Single thread.
// Exit codes: 0 ok, 1 a check failed, 2 bad usage.

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "bench_util.h"
#include "sweep/sync/sections.h"

namespace sweep::bench {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

constexpr const char* kUsage = R"(usage: sections_bench [options]

Times sealing and opening a joint office sweep's agency sections against
serialising and parsing the same record (the baseline every save and
ingest pays).

  --count N   records sealed and opened          (default 20000)
  --help      this text

Output: a table and one JSON line per figure on stdout,
{"name":"sections.seal","value":...,"unit":"records/s"}.

Exit codes: 0 ok, 1 a check failed (the message says which), 2 bad usage.
)";

v1::Record JointSweep() {
  v1::Record r;
  r.set_record_id("5f0e3c1aa9d2474c8e4f3f1b2c3d4e5f");
  r.set_version(1);
  r.set_officer_id("A1001");
  r.set_device_id("a1b2c3d4e5f60718");
  r.mutable_hlc()->set_wall_ms(1'764'300'000'000);
  v1::OfficeSweep* o = r.mutable_office_sweep();
  o->mutable_address()->set_raw("郴州市北湖区人民路街道国庆北路社区国庆北路20号1201室");
  o->set_company_name("郴州市云联网络科技有限公司");
  o->set_credit_code("91431002MA4T7K2R7D");
  o->set_licence(v1::LICENCE_STATUS_MISSING);
  o->set_registered_business("软件开发、信息技术咨询服务");
  o->set_actual_business("电话销售");
  o->set_staff_registered(3);
  o->set_staff_present(14);
  o->set_visited_at_ms(1'764'300'000'000);
  for (auto [agency, officer] : {std::pair{"police", "A1001"}, {"market_regulation", "SJ-0212"}}) {
    auto* p = o->add_participants();
    p->set_agency(agency);
    p->set_officer_id(officer);
  }
  auto* f = o->add_findings();
  f->set_agency("police");
  f->set_summary("机房内发现 GOIP 设备 3 台、电话卡 200 余张，话术本 2 册");
  for (const char* code : {"simbox_goip", "many_sim_cards", "call_scripts"}) {
    auto* i = f->add_indicators();
    i->set_code(code);
    i->set_present(true);
    i->set_count(3);
  }
  f->add_dispositions()->set_code("handed_to_investigation");
  f = o->add_findings();
  f->set_agency("market_regulation");
  f->set_summary("无营业执照从事经营活动，责令停止经营");
  f->add_dispositions()->set_code("ordered_to_close");
  const char* names[] = {"王小明", "李思远", "周婷"};
  for (int k = 0; k < 3; ++k) {
    auto* p = o->add_persons();
    p->set_name(names[k]);
    p->set_id_number("43100219880312451" + std::to_string(k));
    p->set_phone("1380013800" + std::to_string(k));
    auto* v = r.add_validation();
    v->set_field("persons[" + std::to_string(k) + "].idNumber");
    v->set_code("ok");
    v->set_normalized(p->id_number());
  }
  o->set_notes("负责人称设备为朋友寄存，现场未能提供租赁合同");
  return r;
}

int Run(uint64_t count) {
  crypto::Init();
  crypto::SecretBuffer hub = crypto::NewBoxKeyPair().secret_key;
  std::map<std::string, crypto::BoxKeyPair> pairs;
  sync::sections::PublicKeys pub;
  sync::sections::SecretKeys all;
  for (auto a : sync::sections::kAgencies) {
    auto [it, _] = pairs.emplace(std::string(a), sync::sections::DeriveAgencyKey(hub, a));
    pub[it->first] = it->second.public_key;
    all[it->first] = &it->second.secret_key;
  }
  const v1::Record plain = JointSweep();
  const std::string plain_bytes = plain.SerializeAsString();

  // Baseline: serialise and parse, what every save and every ingest pays.
  Stopwatch base;
  size_t sink = 0;
  for (uint64_t i = 0; i < count; ++i) {
    std::string b = plain.SerializeAsString();
    v1::Record back;
    if (!back.ParseFromString(b)) return kExitFailure;
    sink += back.office_sweep().persons_size();
  }
  const double base_s = base.Seconds();

  std::string sealed_bytes;
  Stopwatch seal;
  for (uint64_t i = 0; i < count; ++i) {
    v1::Record r = plain;
    if (!sync::sections::Seal(&r, "police", pub).ok()) {
      std::fprintf(stderr, "sections_bench: Seal failed\n");
      return kExitFailure;
    }
    sealed_bytes = r.SerializeAsString();
  }
  const double seal_s = seal.Seconds();

  Stopwatch open;
  for (uint64_t i = 0; i < count; ++i) {
    v1::Record r;
    if (!r.ParseFromString(sealed_bytes)) return kExitFailure;
    auto left = sync::sections::Open(&r, all);
    if (!left.ok() || *left != 0 || r.office_sweep().persons_size() != 3) {
      std::fprintf(stderr, "sections_bench: Open did not give the record back\n");
      return kExitFailure;
    }
    sink += r.office_sweep().findings_size();
  }
  const double open_s = open.Seconds();

  Stopwatch view;
  const crypto::BoxKeyPair& mr = pairs.at("market_regulation");
  for (uint64_t i = 0; i < count; ++i) {
    v1::OfficeSweep v =
        sync::sections::SharedView(plain.office_sweep(), plain, "market_regulation", mr.public_key);
    sink += v.sections_size();
  }
  const double view_s = view.Seconds();
  if (sealed_bytes.find("王小明") != std::string::npos) {
    std::fprintf(stderr, "sections_bench: a name is readable in the sealed record\n");
    return kExitFailure;
  }

  Report report;
  report.Section("one joint sweep (2 agencies, 3 persons), " + std::to_string(count) + " times");
  const double n = static_cast<double>(count);
  report.Add("sections.baseline", n / base_s, "records/s", "baseline: serialise + parse");
  report.Add("sections.seal", n / seal_s, "records/s", "Seal (tablet, at save) + serialise");
  report.Add("sections.open", n / open_s, "records/s", "parse + Open (hub, at ingest)");
  report.Add("sections.shared_view", n / view_s, "records/s", "SharedView (hub, per agency)");
  report.Add("sections.seal_us", seal_s / n * 1e6, "us", "Seal, per record");
  report.Add("sections.open_us", open_s / n * 1e6, "us", "Open, per record");
  report.Add("sections.seal_vs_baseline", seal_s / base_s, "x", "Seal time / baseline time");
  report.Add("sections.open_vs_baseline", open_s / base_s, "x", "Open time / baseline time");
  report.Add("sections.plain_bytes", static_cast<double>(plain_bytes.size()), "bytes",
             "record, sections in clear");
  report.Add("sections.sealed_bytes", static_cast<double>(sealed_bytes.size()), "bytes",
             "record, sections sealed");
  report.PrintTable(stderr);
  report.PrintJsonLines(stdout);
  return sink == 0 ? kExitFailure : 0;
}

}  // namespace
}  // namespace sweep::bench

int main(int argc, char** argv) {
  uint64_t count = 20000;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(sweep::bench::kUsage, stdout);
      return 0;
    }
    if (a == "--count" && i + 1 < argc) {
      char* end = nullptr;
      count = std::strtoull(argv[++i], &end, 10);
      if (*end != '\0' || count == 0) {
        std::fprintf(stderr, "sections_bench: --count wants a positive number\n");
        return sweep::bench::kExitUsage;
      }
      continue;
    }
    std::fprintf(stderr, "sections_bench: unknown option %s (see --help)\n", argv[i]);
    return sweep::bench::kExitUsage;
  }
  return sweep::bench::Run(count);
}
