// Mentions from records, and the features computed once per mention
// (docs/merge.md §1–2).
#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <cstdio>
#include <memory>
#include <unordered_map>

#include "resolver_internal.h"
#include "sweep/schema/identifiers.h"

namespace sweep::hub::resolve {

uint32_t Interner::Intern(std::string_view s) {
  if (s.empty()) return 0;
  auto it = ids_.find(s);
  if (it != ids_.end()) return it->second;
  const auto id = static_cast<uint32_t>(strings_.size());
  strings_.emplace_back(s);
  ids_.emplace(strings_.back(), id);
  return id;
}

uint32_t Bucket(uint32_t n) {
  uint32_t b = 1;
  while (b <= n / 2) b *= 2;
  return b;
}

uint64_t Fnv1a64(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string EntityIdFor(std::string_view anchor_mention_id) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "P%016llx",
                static_cast<unsigned long long>(Fnv1a64(anchor_mention_id)));
  return buf;
}

std::string NormaliseName(std::string_view typed) {
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(err);
  icu::UnicodeString in = icu::UnicodeString::fromUTF8(
      icu::StringPiece(typed.data(), static_cast<int32_t>(typed.size())));
  icu::UnicodeString out = U_SUCCESS(err) ? nfkc->normalize(in, err) : in;
  if (U_FAILURE(err)) out = in;
  icu::UnicodeString kept;
  for (int32_t i = 0; i < out.length();) {
    const UChar32 c = out.char32At(i);
    i += U16_LENGTH(c);
    if (!u_isUWhiteSpace(c)) kept.append(c);
  }
  std::string s;
  kept.toUTF8String(s);
  return s;
}

namespace {

// One character's toneless pinyin (or the character itself outside Han).
std::string PinyinOfChar(UChar32 c) {
  // One transliterator per thread: creating one parses rule tables (slow),
  // and Transliterator::transliterate is not thread-safe on a shared one.
  thread_local std::unique_ptr<icu::Transliterator> translit = [] {
    UErrorCode err = U_ZERO_ERROR;
    std::unique_ptr<icu::Transliterator> t(
        icu::Transliterator::createInstance("Han-Latin; Latin-ASCII; Lower", UTRANS_FORWARD, err));
    if (U_FAILURE(err)) t.reset();
    return t;
  }();
  icu::UnicodeString s(c);
  if (translit) translit->transliterate(s);
  std::string latin, out;
  s.toUTF8String(latin);
  for (char ch : latin) {
    if (ch != ' ' && ch != '\'' && ch != '-') out.push_back(ch);
  }
  return out;
}

}  // namespace

// Han-Latin reads a name character by character, so the transliteration
// (slow: ~10 µs a call) is cached per character, per thread.
std::string PinyinOfName(const std::string& normalised_name) {
  thread_local std::unordered_map<UChar32, std::string> cache;
  std::string out;
  const auto* p = reinterpret_cast<const uint8_t*>(normalised_name.data());
  const auto len = static_cast<int32_t>(normalised_name.size());
  for (int32_t i = 0; i < len;) {
    UChar32 c;
    U8_NEXT(p, i, len, c);
    if (c < 0) continue;
    auto it = cache.find(c);
    if (it == cache.end()) it = cache.emplace(c, PinyinOfChar(c)).first;
    out += it->second;
  }
  return out;
}

uint32_t FeatureMaker::PinyinOf(uint32_t name, Interner& strings) {
  if (name == 0) return 0;
  if (pinyin_of_name_.size() <= name) pinyin_of_name_.resize(2 * strings.size(), 0);
  if (pinyin_of_name_[name] == 0) {
    pinyin_of_name_[name] = strings.Intern("py:" + PinyinOfName(strings.Str(name)));
  }
  return pinyin_of_name_[name];
}

namespace {

int32_t ParseDate(std::string_view d) {  // "YYYY-MM-DD" or "YYYYMMDD" → yyyymmdd
  int32_t v = 0, digits = 0;
  for (char c : d) {
    if (c >= '0' && c <= '9') {
      v = v * 10 + (c - '0');
      ++digits;
    } else if (c != '-' && c != '/' && c != '.') {
      return 0;
    }
  }
  return digits == 8 && v > 18000000 ? v : 0;
}

}  // namespace

void FeatureMaker::SetId(const std::string& typed, Interner& strings, Features& out) {
  if (typed.empty()) return;
  auto [cached, fresh] = id_cache_.try_emplace(typed);
  Features& f = cached->second;
  if (!fresh) {
    out.id_text = f.id_text, out.id17 = f.id17, out.id_valid = f.id_valid;
    out.id_near = f.id_near, out.birth = f.birth, out.sex = f.sex;
    return;
  }
  const schema::Verdict v = schema::CheckResidentId(typed, env_);
  const std::string text = v.ok() ? v.normalized : schema::NormalizeIdentifierInput(typed);
  f.id_text = strings.Intern(text);
  f.id_valid = v.ok();
  uint64_t prefix = 0;
  bool digits = text.size() == 18;
  for (size_t i = 0; digits && i < 17; ++i) {
    digits = text[i] >= '0' && text[i] <= '9';
    prefix = prefix * 10 + static_cast<uint64_t>(text[i] - '0');
  }
  if (digits) {
    f.id17 = prefix;
    f.id_near = !f.id_valid;
    if (f.id_valid) {
      f.birth = ParseDate(std::string_view(text).substr(6, 8));
      f.sex = ((text[16] - '0') % 2 == 1) ? 1 : 2;
    }
  }
  SetId(typed, strings, out);  // now cached
}

Features FeatureMaker::Make(const PersonMention& m, Interner& strings) {
  Features f;
  auto name = name_cache_.find(m.name);
  if (name == name_cache_.end()) {
    name = name_cache_.emplace(m.name, strings.Intern(NormaliseName(m.name))).first;
  }
  f.name = name->second;
  f.pinyin = PinyinOf(f.name, strings);
  SetId(m.id_number, strings, f);
  if (!m.phone.empty()) {
    auto it = phone_cache_.find(m.phone);
    if (it == phone_cache_.end()) {
      const schema::Verdict v = schema::CheckPhone(m.phone);
      const std::string value =
          v.ok() ? v.normalized : "?" + schema::NormalizeIdentifierInput(m.phone);
      it = phone_cache_.emplace(m.phone, strings.Intern(value)).first;
    }
    f.phone = it->second;
  }
  if (f.birth == 0) f.birth = ParseDate(m.birth_date);
  if (f.sex == 0) f.sex = m.sex == v1::SEX_MALE ? 1 : m.sex == v1::SEX_FEMALE ? 2 : 0;
  f.unit = strings.Intern(m.premises_key);
  f.building = strings.Intern(m.building_key);
  return f;
}

namespace {

PersonMention BaseMention(const v1::Record& record, const v1::Address& raw_address,
                          int64_t visited_at_ms, const schema::AddressContext& context) {
  PersonMention m;
  m.record_id = record.record_id();
  m.officer_id = record.officer_id();
  m.at_ms = visited_at_ms != 0 ? visited_at_ms : record.hlc().wall_ms();
  v1::Address address = raw_address;
  if (address.normalized_key().empty() && !address.raw().empty()) {
    address = schema::NormalizeAddress(address.raw(), context);
  }
  m.premises_key = address.normalized_key();
  m.building_key = schema::BuildingKeyOf(address);
  return m;
}

void AddPerson(const PersonMention& base, const v1::Person& p, const std::string& path,
               const std::string& role, std::vector<PersonMention>& out) {
  if (p.name().empty() && p.id_number().empty() && p.phone().empty()) return;
  PersonMention m = base;
  m.mention_id = base.record_id + "/" + path;
  m.name = p.name();
  m.id_number = p.id_number();
  m.phone = p.phone();
  m.sex = p.sex();
  m.birth_date = p.birth_date();
  m.role = role;
  out.push_back(std::move(m));
}

}  // namespace

std::vector<PersonMention> MentionsOf(const v1::Record& record,
                                      const schema::AddressContext& context) {
  std::vector<PersonMention> out;
  if (record.has_rental_check()) {
    const v1::RentalCheck& r = record.rental_check();
    const PersonMention base = BaseMention(record, r.address(), r.visited_at_ms(), context);
    if (r.has_landlord()) AddPerson(base, r.landlord(), "landlord", "landlord", out);
    for (int i = 0; i < r.occupants_size(); ++i) {
      AddPerson(base, r.occupants(i), "occupants[" + std::to_string(i) + "]", "resident", out);
    }
  } else if (record.has_office_sweep()) {
    const v1::OfficeSweep& o = record.office_sweep();
    const PersonMention base = BaseMention(record, o.address(), o.visited_at_ms(), context);
    for (int i = 0; i < o.persons_size(); ++i) {
      AddPerson(base, o.persons(i), "persons[" + std::to_string(i) + "]", "staff", out);
    }
  }
  return out;
}

}  // namespace sweep::hub::resolve

namespace sweep::hub::resolve {

Result<uint64_t> OrdinalOf(uint64_t first_order, std::string_view mention_id) {
  constexpr int kSlotBits = 20;
  const size_t slash = mention_id.rfind('/');
  const std::string_view path =
      slash == std::string_view::npos ? mention_id : mention_id.substr(slash + 1);
  uint64_t slot = 0;
  if (path != "landlord") {
    const size_t open = path.find('[');
    const std::string_view list = path.substr(0, open);
    uint64_t index = 0;
    bool digits = open != std::string_view::npos && path.size() > open + 2 && path.back() == ']';
    for (size_t i = open + 1; digits && i + 1 < path.size(); ++i) {
      const char c = path[i];
      digits = c >= '0' && c <= '9' && index < (uint64_t{1} << kSlotBits);
      index = index * 10 + static_cast<uint64_t>(c - '0');
    }
    if ((list != "occupants" && list != "persons") || !digits) {
      return Status::InvalidArgument("mention '" + std::string(mention_id) +
                                     "' has no person path (landlord, occupants[i], persons[i])");
    }
    slot = index + 1;
  }
  if (first_order == 0 || first_order >= (uint64_t{1} << (63 - kSlotBits)) ||
      slot >= (uint64_t{1} << kSlotBits)) {
    return Status::InvalidArgument("mention '" + std::string(mention_id) + "': ingest order " +
                                   std::to_string(first_order) + " or slot " +
                                   std::to_string(slot) + " out of range for an ordinal");
  }
  return (first_order << kSlotBits) | slot;
}

}  // namespace sweep::hub::resolve
