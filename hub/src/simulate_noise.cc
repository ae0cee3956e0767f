// How officers mistype people: homophones (the pinyin input method offers
// the wrong character), look-alikes (handwriting recognition), names with a
// space, legacy 15-digit ID numbers, missing ID numbers and phones, two
// adjacent digits swapped, phones with +86, spaces or hyphens. One noise per
// noisy mention, or with hard noise several (name, ID, phone, birth date);
// the true person behind the mention never changes.
#include <array>
#include <string_view>

#include "simulate_internal.h"

namespace sweep::hub::sim::internal {
namespace {

// Pairs of characters read the same (same pinyin, tone aside).
constexpr std::string_view kHomophones[] = {
    "明铭", "华化", "丽莉", "伟玮", "军君", "静晶", "涛韬", "杰洁", "玲琳", "峰锋", "斌彬",
    "婷亭", "辉晖", "红宏", "芳方", "敏民", "萍平", "霞侠", "燕艳", "文雯", "建健", "娜纳",
    "磊蕾", "勇永", "超潮", "鹏朋", "刚钢", "浩皓", "宇雨", "轩萱", "鑫新", "龙隆", "飞菲",
    "凯恺", "晨辰", "旭煦", "翔祥", "嘉佳", "振震", "荣蓉", "慧惠", "颖莹", "倩茜", "梅美",
    "欣馨", "怡宜", "思丝", "悦月", "晓小", "雅亚", "璐露", "瑶遥", "琴勤", "秀绣", "兰岚",
    "淑舒", "凤风", "诗师", "涵寒", "梦孟", "冰兵", "志智", "国果", "东冬", "成诚", "波博",
    "天添", "子紫", "俊骏", "强蔷", "林淋", "雪薛", "亮靓", "博搏", "阳洋", "英鹰"};
// Pairs of characters that look alike.
constexpr std::string_view kLookAlikes[] = {
    "王玉", "李季", "杨扬", "陈阵", "胡湖", "徐涂", "梅海", "鹏朋", "博搏", "婷停", "玲铃",
    "琳淋", "峰蜂", "俊峻", "明朋", "晶品", "辉挥", "涛祷", "雪雷", "斌赋", "宇字", "晨晟",
    "凯剀", "刘浏", "张弦", "林材", "洁浩", "红江", "燕蒸", "月用", "天夭", "军车", "文丈"};

constexpr size_t kCharBytes = 3;  // every character in the tables is 3 bytes of UTF-8

// Replaces one character of `name` that has a partner in `table`, never the
// first when the name has a one-character given name (the surname is typed
// with more care). Returns false when no character has a partner.
bool SwapChar(Rng& rng, std::string* name, const std::string_view* table, size_t n) {
  std::vector<std::pair<size_t, std::string_view>> options;
  for (size_t at = 0; at + kCharBytes <= name->size(); at += kCharBytes) {
    std::string_view ch(name->data() + at, kCharBytes);
    for (size_t i = 0; i < n; ++i) {
      if (table[i].substr(0, 3) == ch) options.emplace_back(at, table[i].substr(3, 3));
      if (table[i].substr(3, 3) == ch) options.emplace_back(at, table[i].substr(0, 3));
    }
  }
  if (options.empty()) return false;
  const auto& [at, repl] = options[Below(rng, options.size())];
  name->replace(at, kCharBytes, repl);
  return true;
}

// Swaps two adjacent different digits in [from, to).
bool SwapDigits(Rng& rng, std::string* s, size_t from, size_t to) {
  std::vector<size_t> at;
  for (size_t i = from; i + 1 < to; ++i) {
    if ((*s)[i] != (*s)[i + 1] && isdigit((*s)[i]) && isdigit((*s)[i + 1])) at.push_back(i);
  }
  if (at.empty()) return false;
  size_t i = at[Below(rng, at.size())];
  std::swap((*s)[i], (*s)[i + 1]);
  return true;
}

std::string PhoneFormat(Rng& rng, const std::string& p) {
  const std::string spaced = p.substr(0, 3) + " " + p.substr(3, 4) + " " + p.substr(7);
  switch (Below(rng, 6)) {
    case 0:
      return "+86 " + spaced;
    case 1:
      return "+86" + p;
    case 2:
      return p.substr(0, 3) + "-" + p.substr(3, 4) + "-" + p.substr(7);
    case 3:
      return spaced;
    case 4:
      return "0086 " + p;
    default:
      return "86-" + p;
  }
}

enum Kind {
  kTypo,
  kHomophone,
  kNameSpace,
  kNameFullWidth,
  kId15,
  kNoId,
  kIdSwapped,
  kPhoneFormat,
  kNoPhone,
  kPhoneSwapped,
  kKinds
};
constexpr const char* kCodes[kKinds] = {
    "typo",  "homophone",         "name_space",   "name_fullwidth", "id15",
    "no_id", "id_swapped_digits", "phone_format", "no_phone",       "phone_swapped_digits"};
constexpr int kWeights[kKinds] = {10, 15, 7, 5, 12, 12, 10, 14, 8, 7};

// Applies `kind` to `p`; false when it does not apply to this person.
bool Apply(Rng& rng, Kind kind, const Human& h, v1::Person* p) {
  std::string name = h.name;
  switch (kind) {
    case kTypo:
      if (!SwapChar(rng, &name, kLookAlikes, std::size(kLookAlikes))) return false;
      p->set_name(name);
      return true;
    case kHomophone:
      if (!SwapChar(rng, &name, kHomophones, std::size(kHomophones))) return false;
      p->set_name(name);
      return true;
    case kNameSpace:
    case kNameFullWidth: {
      size_t cut = name.size() == 12 && name.rfind("欧阳", 0) == 0 ? 6 : 3;
      p->set_name(name.substr(0, cut) + (kind == kNameSpace ? " " : "\xE3\x80\x80") +
                  name.substr(cut));
      return true;
    }
    case kId15:
      if (h.birth_year < 1900 || h.birth_year > 1999) return false;
      p->set_id_number(h.id_number.substr(0, 6) + h.id_number.substr(8, 9));
      return true;
    case kNoId:
      p->clear_id_number();
      return true;
    case kIdSwapped: {
      std::string id = h.id_number;
      if (!SwapDigits(rng, &id, 0, 17)) return false;
      p->set_id_number(id);
      return true;
    }
    case kPhoneFormat:
      p->set_phone(PhoneFormat(rng, h.phone));
      return true;
    case kNoPhone:
      p->clear_phone();
      return true;
    case kPhoneSwapped: {
      std::string phone = h.phone;
      if (!SwapDigits(rng, &phone, 3, 11)) return false;
      p->set_phone(phone);
      return true;
    }
    default:
      return false;
  }
}

// Draws a kind among [from, to) by weight and applies it, trying the next
// kinds of the range when it does not apply; "" when none does.
std::string ApplyOneOf(Rng& rng, int from, int to, const Human& h, v1::Person* p) {
  int total = 0;
  for (int k = from; k < to; ++k) total += kWeights[k];
  int x = static_cast<int>(Below(rng, total)), k = from;
  while ((x -= kWeights[k]) >= 0) ++k;
  for (int tries = 0; tries < to - from; ++tries, k = from + (k - from + 1) % (to - from)) {
    if (Apply(rng, static_cast<Kind>(k), h, p)) return kCodes[k];
  }
  return "";
}

// The birth date typed wrong: one digit of the day or month changed, or day
// and month swapped (when both are ≤ 12 and differ).
std::string BirthDateTypo(Rng& rng, v1::Person* p) {
  std::string d = p->birth_date();  // YYYY-MM-DD
  if (d.size() != 10) return "";
  if (Chance(rng, 0.5) && d.substr(5, 2) != d.substr(8, 2) && d.substr(8, 2) <= "12") {
    d = d.substr(0, 5) + d.substr(8, 2) + "-" + d.substr(5, 2);
  } else {
    size_t at = Chance(rng, 0.5) ? 9 : 6;  // last digit of the day or of the month
    char c = d[at];
    d[at] = static_cast<char>('0' + (c - '0' + 1 + Below(rng, 8)) % 10);
    if (d.substr(5, 2) < "01" || d.substr(5, 2) > "12" || d.substr(8, 2) < "01" ||
        d.substr(8, 2) > "28") {
      return "";
    }
  }
  p->set_birth_date(d);
  return "birth_date";
}

// Hard noise: a name error AND an ID error AND a phone error, and a third
// of the time a birth date typed wrong too; the codes joined by '+'.
std::string HardNoise(Rng& rng, const Human& h, v1::Person* p) {
  std::string codes;
  auto add = [&codes](const std::string& c) {
    if (!c.empty()) codes += (codes.empty() ? "" : "+") + c;
  };
  add(ApplyOneOf(rng, kTypo, kId15, h, p));
  add(ApplyOneOf(rng, kId15, kPhoneFormat, h, p));
  add(ApplyOneOf(rng, kPhoneFormat, kKinds, h, p));
  if (Chance(rng, 1.0 / 3)) add(BirthDateTypo(rng, p));
  return codes;
}

}  // namespace

std::string TypePerson(Rng& rng, const Human& h, double noise, bool hard, bool allow_missing_id,
                       v1::Person* out) {
  out->set_name(h.name);
  out->set_id_number(h.id_number);
  out->set_phone(h.phone);
  out->set_sex(h.male ? v1::SEX_MALE : v1::SEX_FEMALE);
  out->set_birth_date(BirthDate(h));
  out->set_origin(h.origin);
  if (!h.occupation.empty()) out->set_occupation(h.occupation);
  if (hard && Chance(rng, noise)) return HardNoise(rng, h, out);
  if (!hard && Chance(rng, noise)) {
    int total = 0;
    for (int w : kWeights) total += w;
    int x = static_cast<int>(Below(rng, total)), k = 0;
    while ((x -= kWeights[k]) >= 0) ++k;
    for (int tries = 0; tries < kKinds; ++tries, k = (k + 1) % kKinds) {
      if (Apply(rng, static_cast<Kind>(k), h, out)) return kCodes[k];
    }
  }
  // Not typing noise but how dens are: occupants often give no ID number.
  if (allow_missing_id && Chance(rng, 0.5)) {
    out->clear_id_number();
    return "den_no_id";
  }
  return "";
}

}  // namespace sweep::hub::sim::internal
