// The community (社区/村) of an address: exact names, aliases, typos the data
// resolves to one answer, and names that lie outside the district (see
// docs/addresses.md, "Communities").

#include <algorithm>
#include <vector>

#include "address_parse.h"
#include "address_text.h"

namespace sweep::schema::address {
namespace {

using divisions::kNone;
using divisions::Level;
using divisions::Table;

}  // namespace

std::string_view CommunityToken(std::string_view s, size_t pos, bool* is_shequ) {
  const std::string_view rest = s.substr(pos);
  size_t chars = 0;
  for (size_t i = 0; i < rest.size() && chars < 12; ++chars) {
    if (static_cast<unsigned char>(rest[i]) < 0x80) return {};  // digits: a road or building
    for (std::string_view suffix : {"社区", "村"}) {
      if (rest.substr(i, suffix.size()) != suffix) continue;
      const std::string_view token = rest.substr(0, i + suffix.size());
      *is_shequ = suffix == "社区";
      // Shorter names are too close to each other to correct (济中村 → 亭中村).
      const size_t min_chars = 4;
      if (CodePointCount(token) < min_chars || token.ends_with("新村")) return {};
      return token;
    }
    i += (static_cast<unsigned char>(rest[i]) >= 0xF0)   ? 4
         : (static_cast<unsigned char>(rest[i]) >= 0xE0) ? 3
                                                         : 2;
  }
  return {};
}

namespace {

// Communities in (scope, End(scope)) within one edit of `token` that end the
// same way (社区 or 村).
std::vector<uint32_t> TypoCandidates(const Table& t, std::string_view token, uint32_t scope) {
  std::vector<uint32_t> out;
  const std::u32string want = ToU32(token);
  const std::string_view suffix = token.ends_with("社区") ? "社区" : "村";
  for (uint32_t i = scope + 1, end = t.End(scope); i < end; ++i) {
    if (t.level(i) != Level::kCommunity || !t.Name(i).ends_with(suffix)) continue;
    if (EditDistance(want, ToU32(t.Name(i)), 1) <= 1) out.push_back(i);
  }
  return out;
}

std::vector<uint32_t> ExactCommunities(const Table& t, std::string_view name, uint32_t scope) {
  std::vector<uint32_t> out;
  for (uint32_t i = scope + 1, end = t.End(scope); i < end; ++i) {
    if (t.level(i) == Level::kCommunity && t.Name(i) == name) out.push_back(i);
  }
  return out;
}

void Take(const Table& t, std::string_view s, uint32_t community, size_t end, Resolution* r) {
  // A committee word left after a name that has none (…生活区 + 社区).
  const std::string_view shequ = "社区";
  if (end <= s.size() && s.substr(end).starts_with(shequ) && !t.Name(community).ends_with(shequ)) {
    end += shequ.size();
  }
  r->community = community;
  r->community_name = std::string(t.Name(community));
  r->street = t.AncestorAt(community, Level::kStreet);
  r->district = t.DistrictOf(community);
  r->rest = end;
}

// Several communities of the district share the name: keep the name, and
// the street when they share it too.
void TakeAmbiguous(const Table& t, const std::vector<uint32_t>& found, std::string_view name,
                   size_t end, Resolution* r) {
  r->community = kNone;
  r->community_name = std::string(name);
  const uint32_t street = t.AncestorAt(found.front(), Level::kStreet);
  const bool same_street = std::all_of(found.begin(), found.end(), [&](uint32_t c) {
    return t.AncestorAt(c, Level::kStreet) == street;
  });
  if (same_street) r->street = street;
  r->rest = end;
}

}  // namespace

// Declared in address_resolve.cc. `scope` is the street or district named
// (or defaulted), `wider` the city, for names that lie outside the scope.
void ResolveCommunity(const Table& t, std::string_view s, uint32_t scope, uint32_t wider,
                      bool district_from_text, Resolution* r) {
  const size_t pos = SkipSpaces(s, r->rest);
  std::vector<uint32_t> scopes;
  if (scope != kNone) scopes.push_back(scope);
  if (scope != kNone && t.level(scope) == Level::kStreet) scopes.push_back(t.DistrictOf(scope));
  for (uint32_t sc : scopes) {
    std::vector<uint32_t> found;
    t.CommunitiesAt(sc, s.substr(pos), &found);
    size_t longest = 0;
    for (uint32_t i : found) longest = std::max(longest, t.Name(i).size());
    std::erase_if(found, [&](uint32_t i) { return t.Name(i).size() != longest; });
    const size_t end = pos + longest;
    if (found.empty()) continue;
    if (found.size() == 1) {
      Take(t, s, found[0], end, r);
    } else {
      TakeAmbiguous(t, found, s.substr(pos, end - pos), end, r);
    }
    return;
  }
  // No alias without 社区/村 here: estates are so often named like their
  // community (东方社区 → 东方之音小区) that "东方" would eat the estate's name.
  bool is_shequ = false;
  const std::string_view token = CommunityToken(s, pos, &is_shequ);
  if (token.empty()) return;
  std::vector<uint32_t> near;
  if (r->district != kNone) near = TypoCandidates(t, token, r->district);
  // A real 社区 elsewhere in the city beats a typo: the default district was
  // wrong (take it), or the text contradicts itself (say so).
  if (is_shequ && wider != kNone) {
    const std::vector<uint32_t> elsewhere = ExactCommunities(t, token, wider);
    if (elsewhere.size() == 1 && t.DistrictOf(elsewhere[0]) != r->district) {
      if (!district_from_text) return Take(t, s, elsewhere[0], pos + token.size(), r);
      r->problem = std::string(token) + " is in " + t.FullName(t.DistrictOf(elsewhere[0])) +
                   ", not in " + t.FullName(r->district) + " (社区与区县不符)" +
                   (near.size() == 1 ? "; or did you mean " + std::string(t.Name(near[0])) + "?"
                                     : std::string()) +
                   ": check the district";
      return;
    }
  }
  // A typo: one edit away from exactly one community of the district.
  if (near.size() == 1) Take(t, s, near[0], pos + token.size(), r);
}

}  // namespace sweep::schema::address
