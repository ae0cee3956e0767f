// Division names at the start of an address (see address_parse.h and
// docs/addresses.md, "Divisions").

#include <algorithm>
#include <vector>

#include "address_parse.h"
#include "address_text.h"

namespace sweep::schema::address {
namespace {

using divisions::kNone;
using divisions::Level;
using divisions::Table;

struct Match {
  uint32_t index = kNone;
  size_t end = 0;
  bool alias = false;
};

size_t NextChar(std::string_view s, size_t i) {
  ++i;
  while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  return i;
}

// Communities in `scope` whose full name starts at text[pos], longest first
// (aliases are not read in addresses: see address_community.cc).
std::vector<Match> CommunityMatches(const Table& t, std::string_view s, size_t pos,
                                    uint32_t scope) {
  std::vector<uint32_t> found;
  t.CommunitiesAt(scope, s.substr(pos), &found);
  std::vector<Match> out;
  for (uint32_t i : found) out.push_back({i, pos + t.Name(i).size(), false});
  std::stable_sort(out.begin(), out.end(),
                   [](const Match& a, const Match& b) { return a.end > b.end; });
  return out;
}

// Province, city, district or street names starting at text[pos] inside
// `within` (kNone: anywhere), longest first.
std::vector<Match> AdminMatches(const Table& t, std::string_view s, size_t pos, uint32_t within) {
  const uint32_t lengths = t.NameLengths(s.substr(pos));
  std::vector<Match> out;
  if (lengths == 0) return out;
  std::vector<size_t> ends;  // ends[n]: byte offset after n characters
  ends.push_back(pos);
  for (size_t e = pos; e < s.size() && ends.size() < 32;) ends.push_back(e = NextChar(s, e));
  for (size_t n = ends.size() - 1; n >= 2; --n) {
    if ((lengths & (1u << n)) == 0) continue;
    const auto* list = t.ByName(s.substr(pos, ends[n] - pos));
    if (list == nullptr) continue;
    for (uint32_t c : *list) {
      if (within != kNone && (!t.Contains(within, c))) continue;
      out.push_back({c, ends[n], t.Name(c).size() != ends[n] - pos});
    }
  }
  return out;
}

// The scope in which communities of `i` are searched: a district or street
// (or a district-less city); kNone above that.
uint32_t CommunityScope(const Table& t, uint32_t i) {
  if (i == kNone) return kNone;
  if (t.level(i) == Level::kStreet || t.level(i) == Level::kCommunity) {
    return t.AncestorAt(i, Level::kStreet);
  }
  return t.DistrictOf(i) == i ? i : kNone;
}

// An alias (湖南, 郴州, 北湖, 人民路) is a division only when a deeper
// division follows it (possibly misspelt: a district or street alias before
// "国庆北陆社区"). Not even the default district's alias alone: 苏仙岭小区
// is no 苏仙(区) + 岭小区.
bool AliasHolds(const Table& t, std::string_view s, const Match& m, uint32_t default_district) {
  if (!m.alias) return true;
  if (m.end < s.size() && s[m.end] == ' ') return true;  // "北湖 国庆小区": typed apart
  if (!AdminMatches(t, s, m.end, m.index).empty()) return true;
  const uint32_t scope = CommunityScope(t, m.index);
  if (!CommunityMatches(t, s, m.end, scope).empty()) return true;
  bool is_shequ = false;
  if (scope != kNone && !CommunityToken(s, m.end, &is_shequ).empty()) return true;
  return false;
}

// How closely `c` agrees with the default division: the depth of their
// deepest common ancestor (0: none).
int Agreement(const Table& t, uint32_t c, uint32_t def) {
  int depth = 0;
  for (uint32_t a = c; a != kNone; a = t.Parent(a)) {
    if (a == def || t.Contains(a, def)) {
      depth = std::max(depth, static_cast<int>(t.level(a)) + 1);
      break;
    }
  }
  return depth;
}

std::string NameList(const Table& t, const std::vector<Match>& ms) {
  std::string out;
  for (size_t k = 0; k < ms.size() && k < 4; ++k) {
    out += (k ? ", " : "") + t.Code(ms[k].index) + " " + t.FullName(ms[k].index);
  }
  return out;
}

struct State {
  const Table& t;
  std::string_view s;
  uint32_t def = kNone;  // default division
  uint32_t def_district = kNone;
  uint32_t cur = kNone;  // deepest division named so far
  size_t pos = 0;
  std::string problem;
};

// Drops candidates nested in another candidate: "北湖" is both 北湖区 and
// its 北湖街道; the district is the safe reading.
void DropNested(const Table& t, std::vector<Match>* ms) {
  std::vector<Match> kept;
  for (const Match& m : *ms) {
    const bool nested = std::any_of(ms->begin(), ms->end(), [&](const Match& o) {
      return o.index != m.index && t.Contains(o.index, m.index);
    });
    if (!nested) kept.push_back(m);
  }
  *ms = std::move(kept);
}

// The scope communities are looked for in at this point: what the text named
// so far, or the default district when the text agrees with it.
uint32_t CurrentScope(const State& st) {
  if (st.cur != kNone) {
    if (const uint32_t scope = CommunityScope(st.t, st.cur); scope != kNone) return scope;
  }
  const bool agrees = st.cur == kNone || st.t.Contains(st.cur, st.def_district);
  return agrees ? st.def_district : kNone;
}

// A street named before any district, outside the default district: not a
// reading to trust (城南小区 is no 城南街道 in another province).
// Likewise a short form of a district in another province (微山新村 is no
// 微山(县) + 新村 for a station in Shanghai).
bool ForeignStreet(const State& st, const Match& m) {
  if (st.cur != kNone || st.def_district == kNone) return false;
  const Level level = st.t.level(m.index);
  if (level == Level::kStreet) return !st.t.Contains(st.def_district, m.index);
  const uint32_t province = st.t.AncestorAt(st.def_district, Level::kProvince);
  return level == Level::kDistrict && m.alias && !st.t.Contains(province, m.index);
}

// Takes the best admin match at st->pos; false when there is none (or when a
// community of the current scope matches at least as much text).
bool TakeAdmin(State* st) {
  st->pos = SkipSpaces(st->s, st->pos);
  std::vector<Match> ms = AdminMatches(st->t, st->s, st->pos, st->cur);
  ms.erase(std::remove_if(
               ms.begin(), ms.end(),
               [&](const Match& m) {
                 return (st->cur != kNone && st->t.level(m.index) <= st->t.level(st->cur)) ||
                        ForeignStreet(*st, m) || !AliasHolds(st->t, st->s, m, st->def_district);
               }),
           ms.end());
  if (ms.empty()) return false;
  const size_t longest = ms.front().end;
  const std::vector<Match> communities = CommunityMatches(st->t, st->s, st->pos, CurrentScope(*st));
  // A longer community name wins (国庆北路社区 over a street alias 国庆).
  if (!communities.empty() && communities.front().end > longest) return false;
  ms.erase(std::remove_if(ms.begin(), ms.end(), [&](const Match& m) { return m.end != longest; }),
           ms.end());
  DropNested(st->t, &ms);
  if (ms.size() > 1 && st->def != kNone) {
    int best = 0;
    for (const Match& m : ms) best = std::max(best, Agreement(st->t, m.index, st->def));
    ms.erase(
        std::remove_if(ms.begin(), ms.end(),
                       [&](const Match& m) { return Agreement(st->t, m.index, st->def) != best; }),
        ms.end());
  }
  if (ms.size() > 1 && ms.front().alias) {
    // Short forms are read as the highest level they name (上海 the city,
    // not a 上海镇 somewhere); if that is still shared, as nothing.
    Level top = Level::kCommunity;
    for (const Match& m : ms) top = std::min(top, st->t.level(m.index));
    ms.erase(std::remove_if(ms.begin(), ms.end(),
                            [&](const Match& m) { return st->t.level(m.index) != top; }),
             ms.end());
    if (ms.size() > 1) return false;
  }
  if (ms.size() > 1) {
    // A full name shared by several divisions is an ambiguity the officer
    // must settle.
    st->problem = "ambiguous division: " + std::string(st->s.substr(st->pos, longest - st->pos)) +
                  " is " + NameList(st->t, ms) +
                  "; add the province or city (区划名称重复，请写上省或市)";
    return false;
  }
  st->cur = ms.front().index;
  st->pos = longest;
  return true;
}

}  // namespace

// Defined in address_community.cc.
void ResolveCommunity(const Table& t, std::string_view s, uint32_t scope, uint32_t wider,
                      bool district_from_text, Resolution* r);

namespace {

// Words that are an estate only with a name before them: when one follows the
// divisions read, the last division name was the estate's (树村小区, 合庆镇小区).
bool GenericPlaceAt(std::string_view s, size_t pos) {
  pos = SkipSpaces(s, pos);
  static constexpr std::string_view kGeneric[] = {"小区", "花园", "新村", "家园",   "公寓", "大厦",
                                                  "苑",   "院",   "宿舍", "生活区", "大院"};
  for (std::string_view g : kGeneric) {
    if (s.substr(pos, g.size()) != g) continue;
    // …then the end, a number or 第: nothing else of a name.
    const std::string_view after = s.substr(pos + g.size());
    if (after.empty() || static_cast<unsigned char>(after[0]) < 0x80) return true;
    for (std::string_view n :
         {"第", "零", "〇", "一", "二", "两", "三", "四", "五", "六", "七", "八", "九", "十"}) {
      if (after.starts_with(n)) return true;
    }
  }
  return false;
}

// One reading: at most `max_steps` division names, communities only if
// `communities`. `steps` receives how many names were read.
Resolution ResolveOnce(std::string_view text, std::string_view default_division, size_t max_steps,
                       bool communities, size_t* steps) {
  const Table& t = Table::Get();
  State st{t, text, kNone, kNone, kNone, 0, {}};
  Resolution r;
  if (!default_division.empty()) {
    st.def = t.Find(default_division);
    if (st.def == kNone) {
      r.problem = "default division " + std::string(default_division) +
                  " is not a known division code (默认区划代码无效): fix the station settings";
      return r;
    }
    st.def_district = t.DistrictOf(st.def);
  }
  // "中国" / "中华人民共和国" before a province is dropped (but not from
  // 中国农业大学).
  for (std::string_view country : {"中华人民共和国", "中国"}) {
    if (text.substr(0, country.size()) != country) continue;
    st.pos = country.size();
    if (!TakeAdmin(&st) || st.t.level(st.cur) != Level::kProvince) {
      st.cur = kNone;
      st.pos = 0;
      st.problem.clear();
    }
    break;
  }
  *steps = 0;
  while (*steps < max_steps && st.pos < text.size() && TakeAdmin(&st)) ++*steps;
  if (!st.problem.empty()) {
    r.problem = st.problem;
    return r;
  }
  r.rest = SkipSpaces(text, st.pos);
  // Without a district in the text, the default's district applies when it
  // agrees with what the text names (湖南省 … with default 431002).
  uint32_t district = t.DistrictOf(st.cur);
  const bool from_text = district != kNone;
  if (district == kNone && st.def_district != kNone &&
      (st.cur == kNone || st.cur == st.def_district || t.Contains(st.cur, st.def_district))) {
    district = st.def_district;
  }
  if (st.cur != kNone && t.level(st.cur) == Level::kStreet) r.street = st.cur;
  r.district = district;
  const uint32_t scope = r.street != kNone ? r.street : district;
  // Where a community outside the scope may still be looked for: the city.
  const uint32_t city_of = district != kNone ? district : st.cur;
  const uint32_t wider = city_of == kNone ? kNone : t.AncestorAt(city_of, Level::kCity);
  if (communities && *steps < max_steps) {
    ResolveCommunity(t, text, scope, wider, from_text, &r);
    *steps += r.community_name.empty() ? 0 : 1;
  }
  if (!r.problem.empty()) return r;
  if (r.district == kNone) {
    r.problem = st.cur == kNone ? "no district: the text names none and no default division is set "
                                  "(未写区县且未设默认区划): write the district, e.g. 北湖区"
                                : "no district: the text names " + t.FullName(st.cur) +
                                      " but no district in it (未写区县): add the district";
    return r;
  }
  r.finest = r.community != kNone ? r.community : r.street != kNone ? r.street : r.district;
  // The default may be finer than what the text names (a street or community
  // of the same district).
  if (r.finest == r.district && st.def != kNone && st.def_district == r.district) {
    r.finest = st.def;
  }
  return r;
}

}  // namespace

Resolution ResolveDivisions(std::string_view text, std::string_view default_division) {
  size_t steps = 0;
  Resolution r = ResolveOnce(text, default_division, SIZE_MAX, true, &steps);
  if (steps == 0 || !r.problem.empty() || !GenericPlaceAt(text, r.rest)) return r;
  // The last name read belongs to the estate: read one name less.
  size_t fewer = 0;
  Resolution again = ResolveOnce(text, default_division, steps - 1, true, &fewer);
  return again.problem.empty() ? again : r;
}

}  // namespace sweep::schema::address
