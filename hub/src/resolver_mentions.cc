// MentionTable: the resolver's compact copy of every mention it was given.
//
// Block layout, in order: the mention id, the record id (empty when it is
// the mention id's prefix up to its last '/', as MentionsOf makes them),
// name, id_number, phone, birth_date, role and officer_id, each a LEB128
// length then its bytes; then sex (1 byte), at_ms (8 bytes, little endian),
// the unit and building key ids (4 bytes each). Private to the process:
// nothing here is stored or sent.
#include <cstring>

#include "resolver_internal.h"

namespace sweep::hub::resolve {

namespace {

void PutLength(std::string& out, size_t n) {
  while (n >= 0x80) {
    out.push_back(static_cast<char>((n & 0x7F) | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
}

void PutField(std::string& out, std::string_view s) {
  PutLength(out, s.size());
  out.append(s);
}

template <typename T>
void PutFixed(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));  // the table never leaves this process
  out.append(b, sizeof(T));
}

// Reads one length-prefixed field at *p and moves past it.
std::string_view TakeField(const char** p) {
  size_t n = 0;
  int shift = 0;
  for (;;) {
    const auto byte = static_cast<unsigned char>(*(*p)++);
    n |= static_cast<size_t>(byte & 0x7F) << shift;
    if (!(byte & 0x80)) break;
    shift += 7;
  }
  std::string_view s(*p, n);
  *p += n;
  return s;
}

template <typename T>
T TakeFixed(const char** p) {
  T v;
  std::memcpy(&v, *p, sizeof(T));
  *p += sizeof(T);
  return v;
}

bool RecordIsPrefix(std::string_view mention_id, std::string_view record_id) {
  const size_t slash = mention_id.rfind('/');
  return slash != std::string_view::npos && mention_id.substr(0, slash) == record_id;
}

}  // namespace

uint32_t MentionTable::Add(const PersonMention& m, Interner& strings) {
  std::string b;
  b.reserve(m.mention_id.size() + m.name.size() + m.id_number.size() + m.phone.size() +
            m.birth_date.size() + m.role.size() + m.officer_id.size() + 40);
  PutField(b, m.mention_id);
  PutField(b, RecordIsPrefix(m.mention_id, m.record_id) ? std::string_view() : m.record_id);
  for (const std::string* f :
       {&m.name, &m.id_number, &m.phone, &m.birth_date, &m.role, &m.officer_id}) {
    PutField(b, *f);
  }
  PutFixed<int8_t>(b, static_cast<int8_t>(m.sex));
  PutFixed<int64_t>(b, m.at_ms);
  PutFixed<uint32_t>(b, strings.Intern(m.premises_key));
  PutFixed<uint32_t>(b, strings.Intern(m.building_key));
  auto block = std::make_unique<char[]>(b.size());
  std::memcpy(block.get(), b.data(), b.size());
  const auto slot = static_cast<uint32_t>(ordinal_.size());
  ordinal_.push_back(m.ordinal);
  blocks_.push_back(std::move(block));
  return slot;
}

std::string_view MentionTable::Id(uint32_t slot) const {
  const char* p = blocks_[slot].get();
  return TakeField(&p);
}

std::string_view MentionTable::RecordId(uint32_t slot) const {
  const char* p = blocks_[slot].get();
  const std::string_view id = TakeField(&p);
  const std::string_view record = TakeField(&p);
  return record.empty() ? id.substr(0, id.rfind('/')) : record;
}

PersonMention MentionTable::Get(uint32_t slot, const Interner& strings) const {
  PersonMention m;
  m.ordinal = ordinal_[slot];
  m.mention_id = std::string(Id(slot));
  m.record_id = std::string(RecordId(slot));
  const char* p = blocks_[slot].get();
  TakeField(&p);
  TakeField(&p);
  for (std::string* f : {&m.name, &m.id_number, &m.phone, &m.birth_date, &m.role, &m.officer_id}) {
    *f = std::string(TakeField(&p));
  }
  m.sex = static_cast<v1::Sex>(TakeFixed<int8_t>(&p));
  m.at_ms = TakeFixed<int64_t>(&p);
  m.premises_key = strings.Str(TakeFixed<uint32_t>(&p));
  m.building_key = strings.Str(TakeFixed<uint32_t>(&p));
  return m;
}

}  // namespace sweep::hub::resolve
