// Blocking keys and Fellegi–Sunter scoring of a pair of mentions. Every m
// and u below is explained in docs/merge.md §4–5; change them there too.
#include <cmath>

#include "resolver_internal.h"

namespace sweep::hub::resolve {

namespace {

// m = P(level | same person), u = P(level | different persons).
struct Level {
  const char* name;
  double m, u;
  double Weight() const { return std::log2(m / u); }
};

// ID number (valid = CheckResidentId accepted it, 15-digit upgraded).
constexpr Level kIdEqual{"equal", 0.92, 1e-7};                      // hard rule: must-link
constexpr Level kIdDifferentValid{"different_valid", 1e-3, 0.999};  // hard rule: cannot-link
constexpr Level kIdNear{"near", 0.06, 1e-4};  // ≤ 2 positions differ, one invalid
constexpr Level kIdSameInvalid{"equal_invalid", 0.01, 1e-6};
constexpr Level kIdDifferent{"different", 0.02, 0.9999};
// Name (NFKC, spaces removed); exact agreement uses the term frequency.
constexpr Level kNameSamePinyin{"same_pinyin", 0.07, 1e-3};
constexpr Level kNameEdit1{"edit1", 0.05, 9e-3};  // u as measured at random pairs
constexpr Level kNameDifferent{"different", 0.03, 0.996};
constexpr double kNameExactM = 0.85;
constexpr double kNameTfDenominator = 1e5;  // u(v) = Bucket(count(v)) / 1e5
// Phone (E.164); exact agreement down-weighted by the distinct names on it.
constexpr Level kPhoneNear{"near", 0.05, 1e-4};
constexpr Level kPhoneDifferent{"different", 0.12, 0.99};
constexpr double kPhoneExactM = 0.8;
constexpr double kPhoneExactU = 1e-5;  // u(v) = 1e-5 × Bucket(distinct names)³, ≤ 0.8
// Birth date (from a valid ID, else as typed).
constexpr Level kBirthEqual{"equal", 0.93, 2e-4};
constexpr Level kBirthNear{"near", 0.04, 2e-3};
constexpr Level kBirthDifferent{"different", 0.03, 0.9978};
// Sex.
constexpr Level kSexEqual{"equal", 0.97, 0.5};
constexpr Level kSexDifferent{"different", 0.03, 0.5};
// Premises.
constexpr Level kSameUnit{"same_unit", 0.5, 0.01};
constexpr Level kSameBuilding{"same_building", 0.15, 0.05};
constexpr Level kPremisesDifferent{"different", 0.35, 0.94};

// Counts differing positions of two equal-length strings, stopping past 2.
int Mismatches(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return 99;
  int n = 0;
  for (size_t i = 0; i < a.size() && n <= 2; ++i) n += a[i] != b[i];
  return n;
}

// One substitution or one adjacent transposition.
bool NearString(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  size_t first = a.size(), count = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) {
      if (count++ == 0) first = i;
    }
  }
  if (count <= 1) return true;
  return count == 2 && first + 1 < a.size() && a[first] == b[first + 1] &&
         a[first + 1] == b[first] && a.compare(first + 2, std::string::npos, b, first + 2) == 0;
}

// Levenshtein distance ≤ 1 on code points.
bool Edit1(const std::string& a, const std::string& b) {
  auto decode = [](const std::string& s, char32_t* out, size_t cap) {
    size_t n = 0;
    for (size_t i = 0; i < s.size() && n < cap;) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      char32_t cp = len == 1 ? c : c & (0x3F >> (len - 1));
      for (int k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
      out[n++] = cp;
      i += static_cast<size_t>(len);
    }
    return n;
  };
  char32_t x[32], y[32];
  size_t nx = decode(a, x, 32), ny = decode(b, y, 32);
  if (nx > ny) {
    std::swap(nx, ny);
    for (size_t i = 0; i < 32; ++i) std::swap(x[i], y[i]);
  }
  if (ny - nx > 1) return false;
  size_t i = 0;
  while (i < nx && x[i] == y[i]) ++i;
  if (nx == ny) {
    for (size_t k = i + 1; k < nx; ++k)
      if (x[k] != y[k]) return false;
    return true;
  }
  for (size_t k = i; k < nx; ++k)
    if (x[k] != y[k + 1]) return false;
  return true;
}

struct Compared {
  const char* level;
  double weight;
};

Compared CompareId(const Features& a, const Features& b, const Interner& s) {
  if (!a.id_text || !b.id_text) return {"missing", 0};
  if (a.id_valid && b.id_valid) {
    return a.id_text == b.id_text ? Compared{kIdEqual.name, kIdEqual.Weight()}
                                  : Compared{kIdDifferentValid.name, kIdDifferentValid.Weight()};
  }
  if (a.id_text == b.id_text) return {kIdSameInvalid.name, kIdSameInvalid.Weight()};
  if (Mismatches(s.Str(a.id_text), s.Str(b.id_text)) <= 2) return {kIdNear.name, kIdNear.Weight()};
  return {kIdDifferent.name, kIdDifferent.Weight()};
}

Compared CompareName(const Features& a, const Features& b, const TermStats& tf, const Interner& s) {
  if (!a.name || !b.name) return {"missing", 0};
  if (a.name == b.name) {
    const double u = std::max(1.0, double(Bucket(tf.NameCount(a.name)))) / kNameTfDenominator;
    return {"equal", std::log2(kNameExactM / std::min(u, kNameExactM))};
  }
  if (a.pinyin == b.pinyin) return {kNameSamePinyin.name, kNameSamePinyin.Weight()};
  if (Edit1(s.Str(a.name), s.Str(b.name))) return {kNameEdit1.name, kNameEdit1.Weight()};
  return {kNameDifferent.name, kNameDifferent.Weight()};
}

Compared ComparePhone(const Features& a, const Features& b, const TermStats& tf,
                      const Interner& s) {
  if (!a.phone || !b.phone) return {"missing", 0};
  if (a.phone == b.phone) {
    const double k = Bucket(tf.PhoneDistinctNames(a.phone));
    const double u = std::min(kPhoneExactU * k * k * k, kPhoneExactM);
    return {"equal", std::log2(kPhoneExactM / u)};
  }
  if (NearString(s.Str(a.phone), s.Str(b.phone))) return {kPhoneNear.name, kPhoneNear.Weight()};
  return {kPhoneDifferent.name, kPhoneDifferent.Weight()};
}

Compared CompareBirth(const Features& a, const Features& b) {
  if (!a.birth || !b.birth) return {"missing", 0};
  if (a.birth == b.birth) return {kBirthEqual.name, kBirthEqual.Weight()};
  const std::string x = std::to_string(a.birth), y = std::to_string(b.birth);
  const bool swapped_md = a.birth / 10000 == b.birth / 10000 &&
                          (a.birth % 100) * 100 + (a.birth / 100) % 100 == b.birth % 10000;
  if (swapped_md || NearString(x, y)) return {kBirthNear.name, kBirthNear.Weight()};
  return {kBirthDifferent.name, kBirthDifferent.Weight()};
}

Compared CompareSex(const Features& a, const Features& b) {
  if (!a.sex || !b.sex) return {"missing", 0};
  return a.sex == b.sex ? Compared{kSexEqual.name, kSexEqual.Weight()}
                        : Compared{kSexDifferent.name, kSexDifferent.Weight()};
}

Compared ComparePremises(const Features& a, const Features& b) {
  if (!a.building || !b.building) return {"missing", 0};
  if (a.unit && a.unit == b.unit) return {kSameUnit.name, kSameUnit.Weight()};
  if (a.building == b.building) return {kSameBuilding.name, kSameBuilding.Weight()};
  return {kPremisesDifferent.name, kPremisesDifferent.Weight()};
}

std::string BirthText(int32_t d) {
  if (!d) return "";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d / 10000, (d / 100) % 100, d % 100);
  return buf;
}

const char* SexText(int8_t s) { return s == 1 ? "male" : s == 2 ? "female" : ""; }

}  // namespace

Score ScorePair(const Features& a, const Features& b, const TermStats& tf, const Interner& s) {
  const double w = CompareId(a, b, s).weight + CompareName(a, b, tf, s).weight +
                   ComparePhone(a, b, tf, s).weight + CompareBirth(a, b).weight +
                   CompareSex(a, b).weight + ComparePremises(a, b).weight;
  return ToScore(w);
}

std::vector<FieldEvidence> ComparePair(const Features& a, const Features& b, const TermStats& tf,
                                       const Interner& s) {
  std::vector<FieldEvidence> out;
  auto add = [&](const char* field, Compared c, std::string va, std::string vb) {
    out.push_back({field, c.level, std::move(va), std::move(vb), ToBits(ToScore(c.weight))});
  };
  add("id", CompareId(a, b, s), s.Str(a.id_text), s.Str(b.id_text));
  add("name", CompareName(a, b, tf, s), s.Str(a.name), s.Str(b.name));
  add("phone", ComparePhone(a, b, tf, s), s.Str(a.phone), s.Str(b.phone));
  add("birth_date", CompareBirth(a, b), BirthText(a.birth), BirthText(b.birth));
  add("sex", CompareSex(a, b), SexText(a.sex), SexText(b.sex));
  add("premises", ComparePremises(a, b), s.Str(a.unit ? a.unit : a.building),
      s.Str(b.unit ? b.unit : b.building));
  return out;
}

// ---------------------------------------------------------------- blocking

namespace {
constexpr uint64_t kTagPhone = 1, kTagNameYear = 2, kTagNameBuilding = 3, kTagBadId = 4;
uint64_t Mix(uint64_t tag, uint64_t a, uint64_t b) {
  uint64_t h = tag * 0x9E3779B97F4A7C15ULL ^ (a + 0x632BE59BD9B4E019ULL);
  h = (h ^ (h >> 29)) * 0xBF58476D1CE4E5B9ULL;
  h ^= b + 0x94D049BB133111EBULL + (h << 6) + (h >> 2);
  h = (h ^ (h >> 31)) * 0x94D049BB133111EBULL;
  return h ^ (h >> 32);
}
}  // namespace

void BlockKeysOf(const Features& f, std::vector<uint64_t>& out) {
  out.clear();
  if (f.phone) out.push_back(Mix(kTagPhone, f.phone, 0));
  if (f.pinyin && f.birth) out.push_back(Mix(kTagNameYear, f.pinyin, uint64_t(f.birth / 10000)));
  if (f.pinyin && f.building) out.push_back(Mix(kTagNameBuilding, f.pinyin, f.building));
  if (f.id_text && !f.id_valid) out.push_back(Mix(kTagBadId, f.id_text, 0));
}

void NearIdVariants(uint64_t id17, std::vector<uint64_t>& out) {
  out.clear();
  out.push_back(id17);
  uint64_t pow = 1;  // 10^(position from the right)
  for (int pos = 0; pos < 17; ++pos, pow *= 10) {
    const uint64_t digit = (id17 / pow) % 10;
    for (uint64_t d = 0; d < 10; ++d) {
      if (d != digit) out.push_back(id17 - digit * pow + d * pow);
    }
    if (pos < 16) {  // swap with the digit to the left
      const uint64_t left = (id17 / (pow * 10)) % 10;
      if (left != digit) {
        out.push_back(id17 - digit * pow - left * pow * 10 + left * pow + digit * pow * 10);
      }
    }
  }
}

}  // namespace sweep::hub::resolve
