// The audit entry hash the tablet and the hub share (sync/audit_chain.h):
// the byte layout of docs/hub-storage.md "Audit log" (a vector computed
// independently, with Python's hashlib.blake2b), every field covered, the
// length prefixes keeping fields apart, the view-log head message, and the
// bounds on an entry's shape.
#include "sweep/sync/audit_chain.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>

using namespace sweep;

namespace {

const std::string kDevice = "00112233445566778899aabbccddeeff";

v1::AuditEntry Sample() {
  v1::AuditEntry e;
  e.set_chain(sync::DeviceChain(kDevice));
  e.set_seq(3);
  e.set_at_ms(1764300000000);
  e.set_actor("A1001");
  e.set_actor_role("officer");
  e.set_device(kDevice);
  e.set_action("read");
  e.set_entity("record:abcd");
  e.set_detail(R"({"version":"2"})");
  e.set_prev_hash(std::string(32, '\x11'));
  return e;
}

std::string Hex(const sync::Digest& d) { return crypto::ToHex(d); }

}  // namespace

TEST_CASE("audit chain: the entry hash follows the documented byte layout") {
  // python3: blake2b(b"sweep.audit.v1" + b"\x11"*32 + len‖chain + u64be(3)
  //   + u64be(at_ms) + len‖actor + … + len‖detail, digest_size=32)
  CHECK(Hex(sync::AuditHash(Sample())) ==
        "9423932364caa91259d50d8c0a30873115482e615b63ec2d2104b45b32c72d1b");
  CHECK(sync::DeviceChain(kDevice) == "device:" + kDevice);
}

TEST_CASE("audit chain: every field but the hash itself changes the hash") {
  const auto base = sync::AuditHash(Sample());
  v1::AuditEntry with_hash = Sample();
  with_hash.set_hash(std::string(32, '\x22'));
  CHECK(sync::AuditHash(with_hash) == base);  // the entry's own hash is not an input
  const std::vector<std::function<void(v1::AuditEntry*)>> edits = {
      [](v1::AuditEntry* e) { e->set_chain("hub"); },
      [](v1::AuditEntry* e) { e->set_seq(4); },
      [](v1::AuditEntry* e) { e->set_at_ms(e->at_ms() + 1); },
      [](v1::AuditEntry* e) { e->set_actor("A1002"); },
      [](v1::AuditEntry* e) { e->set_actor_role("supervisor"); },
      [](v1::AuditEntry* e) { e->set_device("cli"); },
      [](v1::AuditEntry* e) { e->set_action("merge"); },
      [](v1::AuditEntry* e) { e->set_entity("record:abce"); },
      [](v1::AuditEntry* e) { e->set_detail("{}"); },
      [](v1::AuditEntry* e) { e->set_prev_hash(std::string(32, '\0')); },
  };
  for (size_t i = 0; i < edits.size(); ++i) {
    v1::AuditEntry e = Sample();
    edits[i](&e);
    INFO("edit " << i);
    CHECK(sync::AuditHash(e) != base);
  }
  // Length prefixes: text moved from one field to the next is another entry.
  v1::AuditEntry a = Sample(), b = Sample();
  a.set_actor("A10");
  a.set_actor_role("01officer");
  b.set_actor("A1001");
  b.set_actor_role("officer");
  CHECK(sync::AuditHash(a) != sync::AuditHash(b));
}

TEST_CASE("audit chain: the view log's head message and the entry bounds") {
  crypto::Bytes hash(32);
  for (size_t i = 0; i < hash.size(); ++i) hash[i] = static_cast<uint8_t>(i);
  CHECK(crypto::ToHex(sync::ViewHeadMessage(kDevice, 3, hash)) ==
        "73776565702e76696577732e7631"                                      // sweep.views.v1
        "3030313132323333343435353636373738383939616162626363646465656666"  // device id
        "0000000000000003"                                                  // seq
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  // Not a record-chain head: another domain, so one signature is never the other.
  CHECK(sync::ViewHeadMessage(kDevice, 3, hash) != sync::HeadMessage(kDevice, 3, [&] {
          sync::Digest d{};
          std::copy(hash.begin(), hash.end(), d.begin());
          return d;
        }()));

  v1::AuditEntry e = Sample();
  auto h = sync::AuditHash(e);
  e.set_hash(std::string(h.begin(), h.end()));
  CHECK(sync::CheckAuditEntryShape(e).ok());
  auto refused = [&](const std::function<void(v1::AuditEntry*)>& edit, const std::string& word) {
    v1::AuditEntry x = e;
    edit(&x);
    Status st = sync::CheckAuditEntryShape(x);
    INFO(st.ToString());
    CHECK(st.code() == Code::kInvalidArgument);
    CHECK(st.message().find(word) != std::string::npos);
  };
  refused([](v1::AuditEntry* x) { x->set_seq(0); }, "seq 0");
  refused([](v1::AuditEntry* x) { x->set_hash("short"); }, "32 bytes");
  refused([](v1::AuditEntry* x) { x->set_prev_hash(""); }, "32 bytes");
  refused([](v1::AuditEntry* x) { x->set_entity(std::string(sync::kMaxAuditTextBytes + 1, 'x')); },
          "entity");
  refused(
      [](v1::AuditEntry* x) { x->set_detail(std::string(sync::kMaxAuditDetailBytes + 1, 'x')); },
      "detail");
}
