// The dashboard's review queue and decision routes: a den's status, a
// person's disposition, same / not-same / split in the person merge, and
// enrolling and revoking tablets (dashboard_internal.h; docs/api.md
// "Station dashboard"). Each decision is stored by the service that owns it
// (CaseService, MergeService, HubService) under the signed-in user's id.
#include <charconv>

#include "audit_dash.h"
#include "dashboard_internal.h"
#include "sweep/hub/dashboard_users.h"
#include "sweep/hub/merge_service.h"

namespace sweep::hub::dash {

namespace {

constexpr size_t kReviewPage = 50;

v1::DashOk Ok() {
  v1::DashOk ok;
  ok.set_ok(true);
  return ok;
}

// After a change of persons: the derived watchlist follows, as `merge` does.
void Republish(Ctx& c) {
  c.cache->Invalidate();
  (void)CaseService(c.service->store(), c.service->env()).RepublishWatchlist();
}

// Stores `u` as the signed-in user's edit, unless its subject changed since
// `base` (409: the page shows the new state first).
DashResponse StoreEdit(Ctx& c, v1::CaseUpdate u, uint64_t current, uint64_t base) {
  if (current != base) {
    return Error(409, "conflict",
                 "changed meanwhile (now version " + std::to_string(current) + ", you saw " +
                     std::to_string(base) + "): reload it and decide again");
  }
  u.set_subject_version(base);
  auto view = CaseService(c.service->store(), c.service->env()).Edit(c.session.user_id, u, true);
  if (!view.ok()) return FromStatus(view.status());
  c.cache->Invalidate();
  return Json(Ok());
}

std::string EntityOf(HubStore* store, const std::string& id) {
  auto members = store->MergeEntityMentions(id);
  return members.ok() && !members->empty() ? members->front().entity_id : "";
}

}  // namespace

DashResponse Review(Ctx& c) {
  const std::string o = Param(c.req, "offset");
  size_t offset = 0;
  if (!o.empty()) {
    auto [end, ec] = std::from_chars(o.data(), o.data() + o.size(), offset);
    if (ec != std::errc() || end != o.data() + o.size()) {
      return BadField("offset", "give a whole number of items to skip (pages of 50)");
    }
  }
  auto queue = c.service->store()->MergeReviewQueue();
  if (!queue.ok()) return FromStatus(queue.status());
  DashResponse err;
  auto view = c.View(&err);
  if (!view) return err;
  auto resolver = c.cache->Resolver();
  if (!resolver.ok()) return FromStatus(resolver.status());
  v1::DashReview out;
  out.set_total(queue->size());
  for (size_t i = offset; i < queue->size() && i < offset + kReviewPage; ++i) {
    const resolve::ReviewPair& p = (*queue)[i];
    auto* x = out.add_items();
    x->set_a(p.a);
    x->set_b(p.b);
    x->set_entity_a(p.entity_a);
    x->set_entity_b(p.entity_b);
    x->set_score(p.score);
    if (auto e = (*resolver)->Explain(p.a, p.b); e.ok()) {
      for (const resolve::FieldEvidence& f : e->fields) {
        auto* ev = x->add_evidence();
        ev->set_field(f.field);
        ev->set_level(f.level);
        ev->set_value_a(f.value_a);
        ev->set_value_b(f.value_b);
        ev->set_weight(f.weight);
      }
    }
    if (auto it = view->persons.find(p.entity_a); it != view->persons.end()) {
      *x->mutable_person_a() = SummaryOf(it->second);
    }
    if (auto it = view->persons.find(p.entity_b); it != view->persons.end()) {
      *x->mutable_person_b() = SummaryOf(it->second);
    }
  }
  return Audited(c, Json(out), "read", "list:review", AuditDetail({{"offset", o}}));
}

DashResponse Decide(Ctx& c) {
  v1::DashDecideRequest in;
  DashResponse out;
  if (!ParseBody(c.req, &in, &out)) return out;
  resolve::Decision d;
  d.by = c.session.user_id;
  if (in.verdict() == "same" || in.verdict() == "not_same") {
    if (in.a().empty() || in.b().empty()) {
      return BadField(in.a().empty() ? "a" : "b", "give both mention ids of the review item");
    }
    d.kind =
        in.verdict() == "same" ? resolve::DecisionKind::kSame : resolve::DecisionKind::kNotSame;
    d.a = in.a();
    d.b = in.b();
  } else if (in.verdict() == "split") {
    if (in.entity().empty()) return BadField("entity", "give the person (P…) to split");
    if (in.mentions().empty()) return BadField("mentions", "give the mention ids that leave it");
    d.kind = resolve::DecisionKind::kSplit;
    d.entity_id = in.entity();
    d.mentions.assign(in.mentions().begin(), in.mentions().end());
  } else {
    return BadField("verdict", "'" + in.verdict() + "': give same, not_same or split");
  }
  auto stats = MergeService(c.service->store(), c.service->env()).Decide(d);
  if (!stats.ok()) return FromStatus(stats.status());
  Republish(c);
  v1::DashDecided done;
  done.set_review_queue(stats->review);
  std::set<std::string> changed;
  for (const std::string& id : {d.a, d.b, d.entity_id}) {
    if (!id.empty()) changed.insert(EntityOf(c.service->store(), id));
  }
  if (!d.mentions.empty()) changed.insert(EntityOf(c.service->store(), d.mentions.front()));
  changed.erase("");
  for (const auto& e : changed) done.add_changed_entities(e);
  std::string mentions;
  for (const auto& m : d.mentions) mentions += (mentions.empty() ? "" : " ") + m;
  return Audited(c, Json(done), in.verdict() == "same" ? "merge" : in.verdict(),
                 "person:" + (changed.empty() ? d.entity_id : *changed.begin()),
                 AuditDetail({{"a", d.a}, {"b", d.b}, {"mentions", mentions}}));
}

DashResponse DenStatus(Ctx& c) {
  v1::DashDenStatusRequest in;
  DashResponse out;
  if (!ParseBody(c.req, &in, &out)) return out;
  if (in.key().empty()) return BadField("key", "give the premises key of the den");
  if (!cases::ParseDenStatus(in.to()) || in.to() == "none") {
    return BadField("to", "'" + in.to() + "': give suspected, investigating, raided or cleared");
  }
  if (in.reason().empty())
    return BadField("reason", "say why, in words (it is kept with the change)");
  auto view = c.View(&out);
  if (!view) return out;
  auto it = view->premises.find(in.key());
  if (it == view->premises.end()) return Error(404, "not_found", "no premises " + in.key());
  v1::CaseUpdate u;
  u.mutable_address()->set_normalized_key(in.key());
  u.set_den_status(in.to());
  u.set_reason(in.reason());
  return Audited(c, StoreEdit(c, u, it->second.version, in.base_version()), "den_status",
                 "premises:" + in.key(),
                 AuditDetail({{"from", std::string(cases::DenStatusName(it->second.status))},
                              {"to", in.to()},
                              {"reason", in.reason()}}));
}

DashResponse Disposition(Ctx& c) {
  v1::DashDispositionRequest in;
  DashResponse out;
  if (!ParseBody(c.req, &in, &out)) return out;
  if (in.entity().empty()) return BadField("entity", "give the person's entity id (P…)");
  if (in.code().empty() && in.involvement().empty()) {
    return BadField("code", "give a disposition code (GET /dash/api/codes), or an involvement");
  }
  if (in.reason().empty())
    return BadField("reason", "say why, in words (it is kept with the change)");
  auto view = c.View(&out);
  if (!view) return out;
  auto it = view->persons.find(in.entity());
  if (it == view->persons.end()) return Error(404, "not_found", "no person " + in.entity());
  v1::CaseUpdate u;
  u.set_person_entity(in.entity());
  u.set_involvement(in.involvement());
  if (!in.code().empty()) {
    auto* d = u.add_dispositions();
    d->set_code(in.code());
    d->set_detail(in.detail());
  }
  u.set_reason(in.reason());
  out = StoreEdit(c, u, it->second.version, in.base_version());
  if (out.status == 200) Republish(c);  // a new suspect's identifiers go to the tablets
  return Audited(
      c, out, "disposition", "person:" + in.entity(),
      AuditDetail(
          {{"code", in.code()}, {"involvement", in.involvement()}, {"reason", in.reason()}}));
}

DashResponse Enroll(Ctx& c) {
  v1::DashEnrollRequest in;
  DashResponse out;
  if (!ParseBody(c.req, &in, &out)) return out;
  if (in.officer_id().empty())
    return BadField("officerId", "give the officer id the tablet is for");
  const std::string agency = in.agency().empty() ? "police" : in.agency();
  if (!IsAgency(agency)) {
    return BadField("agency", "'" + agency + "': give police, market_regulation, tax or commerce");
  }
  const int64_t ttl = in.ttl_minutes() == 0 ? 60 : in.ttl_minutes();
  if (ttl < 1 || ttl > 7 * 24 * 60)
    return BadField("ttlMinutes", "give 1 to 10080 minutes (0: 60)");
  const int64_t now = c.service->env()->NowMillis();
  // Another agency's tablet is a regulator's (docs/security.md "Who may do what").
  const std::string role = agency == "police" ? "officer" : "regulator";
  auto code = c.service->CreateEnrollCode(in.officer_id(), agency, role, ttl * 60'000);
  if (!code.ok()) return FromStatus(code.status());
  v1::DashEnrollCode done;
  done.set_code(*code);
  done.set_expires_ms(now + ttl * 60'000);
  return Audited(c, Json(done), "enroll", "officer:" + in.officer_id(),
                 AuditDetail({{"agency", agency}, {"ttl_minutes", std::to_string(ttl)}}));
}

DashResponse Revoke(Ctx& c) {
  v1::DashRevokeRequest in;
  DashResponse out;
  if (!ParseBody(c.req, &in, &out)) return out;
  if (in.device_id().empty())
    return BadField("deviceId", "give the device id, as the devices list shows it");
  const std::string reason =
      in.reason().empty() ? "revoked by " + c.session.user_id + " from the dashboard" : in.reason();
  Status st = c.service->Revoke(in.device_id(), reason);
  if (!st.ok()) return FromStatus(st);
  return Audited(c, Json(Ok()), "revoke", "device:" + in.device_id(),
                 AuditDetail({{"reason", reason}}));
}

}  // namespace sweep::hub::dash
