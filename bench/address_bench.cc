// address_bench: what address normalisation costs (docs/addresses.md).
//
// Phases: first use of the division tables (inflate + parse + index, wall
// time and resident memory it adds), then NormalizeAddress over N generated
// spellings of rooms in real communities (random levels, numerals,
// full-width digits, separators, committee words, noise), single thread,
// next to the baseline: ICU NFKC alone over the same strings, the Unicode
// pass no normaliser can skip. Every spelling has a known key; the share
// that gets it is reported and must be at least 99%.
// Exit codes: 0 ok, 1 a check failed, 2 bad usage.

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "bench_util.h"
#include "sweep/schema/address.h"

namespace sweep::bench {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

constexpr const char* kUsage = R"(usage: address_bench [options]

Times NormalizeAddress on generated spellings of rooms in real communities
against ICU NFKC alone over the same strings, after timing the first use of
the embedded division tables.

  --count N   spellings normalised                       (default 1000000)
  --seed N    generator seed, printed in the output      (default 1)
  --misses N  print the first N spellings that did not get
              their key (raw, expected, got) on stderr   (default 0)
  --help      this text

Output: a table and one JSON line per figure on stdout,
{"name":"address.normalize","value":...,"unit":"addresses/s"}.

Exit codes: 0 ok, 1 a check failed (the message says which), 2 bad usage.
)";

struct Options {
  uint64_t count = 1'000'000;
  uint64_t seed = 1;
  uint64_t misses = 0;
};

bool ParseUint(std::string_view text, uint64_t* v) {
  if (text.empty() || text.size() > 12) return false;
  *v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    *v = *v * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

// Resident set size in MB (VmRSS of /proc/self/status), 0 if unknown.
double RssMb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  }
  return 0;
}

// ---- the generator

struct Place {
  std::string district_code;  // 6 digits
  std::string prefix_full;    // 湖南省郴州市北湖区
  std::string district;       // 北湖区, or 杭州市西湖区 when the name alone is shared
  std::string street;         // 人民路街道
  std::string community;      // 国庆北路社区
  std::string committee;      // 国庆北路社区居委会 / 三里田村委会
  std::string estate;         // 国庆北路小区 (invented from the community)
};

// Names the generator can append its own words to: no brackets, committee
// words, placeholders (虚拟社区), street names (石盖塘街道工业园社区) or Chinese
// numerals (二号院 becomes 2号院).
bool Plain(const std::string& name) {
  for (const char* bad : {"(", "委", "虚拟", "生活区", "街道", "零", "〇", "一", "二", "两", "三",
                          "四", "五", "六", "七", "八", "九", "十", "百"}) {
    if (name.find(bad) != std::string::npos) return false;
  }
  return true;
}

// Real communities of a few districts in different provinces (names with
// brackets or committee words left out: the generator appends its own).
std::vector<Place> Places() {
  std::vector<Place> out;
  for (const char* code : {"431002", "110108", "310115", "330106", "440106", "431003"}) {
    const auto district = schema::DivisionByCode(code);
    if (!district) continue;
    const std::string full = schema::DivisionFullName(code);
    const bool unique = schema::FindDivision(district->name).ok();
    const std::string named =
        unique ? district->name : schema::DivisionByCode(district->parent)->name + district->name;
    for (const auto& street : schema::DivisionChildren(code)) {
      for (const auto& c : schema::DivisionChildren(street.code)) {
        if (!Plain(c.name)) continue;
        std::string stem = c.name, committee = c.name + "居委会";
        if (stem.ends_with("社区")) {
          stem.resize(stem.size() - std::string_view("社区").size());
        } else if (stem.ends_with("村")) {
          stem.resize(stem.size() - std::string_view("村").size());
          committee = c.name + "委会";
        }
        out.push_back({code, full, named, street.name, c.name, committee, stem + "小区"});
      }
    }
  }
  return out;
}

template <typename T>
const T& Pick(std::mt19937_64& rng, const std::vector<T>& v) {
  return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
}

std::string Chinese(int n, bool positional) {
  static const char* kDigits[] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
  if (!positional || n >= 100) {
    std::string out;
    for (char c : std::to_string(n)) out += kDigits[c - '0'];
    return out;
  }
  if (n < 10) return kDigits[n];
  return std::string(n / 10 == 1 ? "" : kDigits[n / 10]) + "十" + (n % 10 ? kDigits[n % 10] : "");
}

std::string FullWidth(const std::string& ascii) {
  std::string out;
  for (char c : ascii) {
    const char32_t w = 0xFF00 + static_cast<char32_t>(c - 0x20);
    out += static_cast<char>(0xE0 | (w >> 12));
    out += static_cast<char>(0x80 | ((w >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (w & 0x3F));
  }
  return out;
}

std::string Number(std::mt19937_64& rng, int n) {
  switch (std::uniform_int_distribution<int>(0, 5)(rng)) {
    case 0:
      return FullWidth(std::to_string(n));
    case 1:
      return Chinese(n, true);
    case 2:
      return Chinese(n, false);
    default:
      return std::to_string(n);
  }
}

struct Sample {
  std::string raw;
  std::string default_division;
  std::string key;  // what it must normalise to
};

Sample Generate(std::mt19937_64& rng, const Place& p) {
  static const std::vector<std::string> kBuilding = {"栋", "幢", "号楼", "#", "座", "栋"};
  static const std::vector<std::string> kRoom = {"", "室", "室", "户", "号"};
  static const std::vector<std::string> kNoise = {"", "", "", " ", "，", "、"};
  const int building = std::uniform_int_distribution<int>(1, 40)(rng);
  const int unit = std::uniform_int_distribution<int>(1, 6)(rng);
  const int room = std::uniform_int_distribution<int>(1, 26)(rng) * 100 +
                   std::uniform_int_distribution<int>(1, 4)(rng);
  Sample s;
  s.key = p.district_code + "|" + p.estate + "|" + std::to_string(building) + "|" +
          std::to_string(unit) + "|" + std::to_string(room);
  const bool named = std::uniform_int_distribution<int>(0, 1)(rng) == 1;
  if (!named) s.default_division = p.district_code;
  const std::vector<std::string> prefixes =
      named ? std::vector<std::string>{p.prefix_full,
                                       p.district,
                                       p.district + p.street,
                                       p.prefix_full + p.street + p.community,
                                       p.district + p.community,
                                       p.district + p.committee}
            : std::vector<std::string>{"", "", p.community, p.street + p.community, p.street};
  std::string& r = s.raw;
  r = Pick(rng, prefixes) + Pick(rng, kNoise) + p.estate + Pick(rng, kNoise);
  if (std::uniform_int_distribution<int>(0, 4)(rng) == 0) {
    const std::string dash = Pick(rng, std::vector<std::string>{"-", "－", "—", "."});
    r += std::to_string(building) + dash + std::to_string(unit) + dash + std::to_string(room) +
         Pick(rng, kRoom);
    return s;
  }
  r += Number(rng, building) + Pick(rng, kBuilding) + Pick(rng, kNoise) + Number(rng, unit) +
       "单元" + Pick(rng, kNoise);
  if (std::uniform_int_distribution<int>(0, 4)(rng) == 0) r += Number(rng, room / 100) + "楼";
  r += Number(rng, room) + Pick(rng, kRoom);
  r += Pick(rng, std::vector<std::string>{"", "", "", "附近", "（出租屋）"});
  return s;
}

// ---- the phases

struct Decode {
  double ms = 0, rss_mb = 0;
};

Decode FirstUse() {
  const double before = RssMb();
  Stopwatch watch;
  (void)schema::DivisionByCode("431002");
  Decode d;
  d.ms = watch.Seconds() * 1000;
  d.rss_mb = RssMb() - before;
  return d;
}

double TimeNfkc(const std::vector<Sample>& samples, size_t* checksum) {
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(err);
  Stopwatch watch;
  std::string out;
  for (const Sample& s : samples) {
    const icu::UnicodeString in = icu::UnicodeString::fromUTF8(s.raw);
    const icu::UnicodeString folded = nfkc->normalize(in, err);
    out.clear();
    folded.toUTF8String(out);
    *checksum += out.size();
  }
  return watch.Seconds();
}

double TimeNormalize(const std::vector<Sample>& samples, uint64_t show, size_t* agree,
                     size_t* resolved) {
  Stopwatch watch;
  for (const Sample& s : samples) {
    const v1::Address a = schema::NormalizeAddress(s.raw, {s.default_division});
    *resolved += !a.normalized_key().empty();
    if (a.normalized_key() == s.key) {
      ++*agree;
    } else if (show > 0) {
      --show;
      std::fprintf(stderr, "miss: %s [default %s]\n  want %s\n  got  %s %s\n", s.raw.c_str(),
                   s.default_division.c_str(), s.key.c_str(), a.normalized_key().c_str(),
                   a.unresolved_reason().c_str());
    }
  }
  return watch.Seconds();
}

int Run(const Options& o) {
  std::printf("address_bench: %llu spellings, seed %llu\n",
              static_cast<unsigned long long>(o.count), static_cast<unsigned long long>(o.seed));
  Report report;
  report.Section("first use of the division tables");
  const Decode d = FirstUse();
  report.Add("address.decode_ms", d.ms, "ms", "inflate + parse + index, once per process");
  report.Add("address.decode_rss_mb", d.rss_mb, "MB", "resident memory it adds");

  const std::vector<Place> places = Places();
  if (places.empty()) {
    std::fprintf(stderr, "address_bench: no communities found: the division data is missing\n");
    return kExitFailure;
  }
  std::mt19937_64 rng(o.seed);
  std::vector<Sample> samples;
  samples.reserve(o.count);
  for (uint64_t i = 0; i < o.count; ++i) samples.push_back(Generate(rng, Pick(rng, places)));

  size_t checksum = 0, agree = 0, resolved = 0;
  // NFKC first warms ICU's data for both.
  const double nfkc_s = TimeNfkc(samples, &checksum);
  const double norm_s = TimeNormalize(samples, o.misses, &agree, &resolved);
  const double n = static_cast<double>(samples.size());
  report.Section("normalisation, one thread (" + std::to_string(places.size()) +
                 " real communities)");
  report.Add("address.normalize", n / norm_s, "addresses/s", "NormalizeAddress");
  report.Add("address.nfkc_baseline", n / nfkc_s, "addresses/s", "ICU NFKC alone (baseline)");
  report.Add("address.normalize_us", norm_s / n * 1e6, "us", "per address");
  report.Add("address.ratio_vs_nfkc", norm_s / nfkc_s, "x", "NormalizeAddress time / NFKC time");
  report.Add("address.key_agreement", 100.0 * agree / n, "%", "spellings given their known key");
  report.Add("address.key_misses", n - agree, "spellings", "spellings given another key");
  report.Add("address.resolved", 100.0 * resolved / n, "%", "spellings that resolved");
  report.Add("address.peak_rss_mb", RssMb(), "MB", "resident memory at the end");
  report.PrintTable(stdout);
  report.PrintJsonLines(stdout);
  if (agree < n * 0.99) {
    std::fprintf(stderr, "address_bench: only %zu of %.0f spellings got their key (seed %llu)\n",
                 agree, n, static_cast<unsigned long long>(o.seed));
    return kExitFailure;
  }
  return 0;
}

}  // namespace
}  // namespace sweep::bench

int main(int argc, char** argv) {
  using namespace sweep::bench;
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    uint64_t* target = arg == "--count"    ? &o.count
                       : arg == "--seed"   ? &o.seed
                       : arg == "--misses" ? &o.misses
                                           : nullptr;
    if (target == nullptr || i + 1 >= argc || !ParseUint(argv[i + 1], target) ||
        (target == &o.count && *target == 0)) {
      std::fprintf(stderr, "address_bench: bad argument '%s' (see --help)\n", argv[i]);
      return kExitUsage;
    }
    ++i;
  }
  return Run(o);
}
