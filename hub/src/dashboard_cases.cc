// The dashboard's case routes: dens and one den with its provenance (and
// the photos the photo route may then serve), suspects and one person, the
// graph around a node
// (dashboard_internal.h; docs/api.md "Station dashboard").
#include <algorithm>
#include <cctype>

#include "audit_dash.h"
#include "dashboard_internal.h"
#include "sweep/schema/indicators.h"

namespace sweep::hub::dash {

namespace {

constexpr size_t kMaxListed = 500;

std::string FieldOf(const std::vector<cases::Field>& fields, const std::string& name) {
  for (const cases::Field& f : fields) {
    if (f.name == name) return f.value;
  }
  return "";
}

std::string StatusName(v1::UnitStatus s) {
  switch (s) {
    case v1::UNIT_STATUS_CHECKED:
      return "checked";
    case v1::UNIT_STATUS_NO_ANSWER:
      return "no_answer";
    case v1::UNIT_STATUS_REFUSED:
      return "refused";
    case v1::UNIT_STATUS_VACANT:
      return "vacant";
    default:
      return "";
  }
}

bool IsPersonRole(const std::string& role) {
  return role == "resident" || role == "landlord" || role == "staff";
}

// The persons linked to premises `node` ("premises:<key>"), each with the
// first link that names them there (its role and where it came from).
std::vector<std::pair<std::string, const cases::Link*>> PersonsAt(const cases::CaseView& view,
                                                                  const std::string& node) {
  std::vector<std::pair<std::string, const cases::Link*>> out;
  for (const cases::Link& l : view.links) {
    if (!IsPersonRole(l.role)) continue;
    const std::string& other = l.a == node ? l.b : (l.b == node ? l.a : "");
    if (!other.starts_with("person:")) continue;
    std::string entity = other.substr(7);
    if (std::none_of(out.begin(), out.end(), [&](const auto& p) { return p.first == entity; })) {
      out.emplace_back(entity, &l);
    }
  }
  return out;
}


// The winning version of each visit's record, parsed (records that cannot
// be read are left out).
std::map<std::string, v1::Record> RecordsOf(HubStore* store,
                                            const std::vector<const cases::VisitSummary*>& visits) {
  std::map<std::string, v1::Record> out;
  for (const cases::VisitSummary* v : visits) {
    auto versions = store->VersionsOfRecord(v->record_id);
    if (!versions.ok()) continue;
    for (const StoredVersion& sv : *versions) {
      if (sv.version != v->version) continue;
      v1::Record r;
      if (r.ParseFromArray(sv.Readable().data(), static_cast<int>(sv.Readable().size()))) {
        out[v->record_id] = std::move(r);
      }
    }
  }
  return out;
}

std::set<std::string> PhotosOf(const v1::Record& r) {
  std::set<std::string> out;
  auto indicators = [&](const auto& list) {
    for (const v1::Indicator& i : list)
      out.insert(i.attachment_hashes().begin(), i.attachment_hashes().end());
  };
  if (r.has_rental_check()) {
    for (const auto& a : r.rental_check().attachments()) out.insert(a.sha256());
    indicators(r.rental_check().indicators());
  }
  if (r.has_office_sweep()) {
    for (const auto& a : r.office_sweep().attachments()) out.insert(a.sha256());
    for (const auto& f : r.office_sweep().findings()) indicators(f.indicators());
  }
  out.erase("");
  return out;
}

// The photos of indicator `code` in record `r`.
std::vector<std::string> IndicatorPhotos(const v1::Record& r, const std::string& code) {
  std::vector<std::string> out;
  auto scan = [&](const auto& list) {
    for (const v1::Indicator& i : list) {
      if (i.code() == code)
        out.insert(out.end(), i.attachment_hashes().begin(), i.attachment_hashes().end());
    }
  };
  if (r.has_rental_check()) scan(r.rental_check().indicators());
  for (const auto& f : r.office_sweep().findings()) scan(f.indicators());
  return out;
}

void AddPersons(const cases::CaseView& view, const std::string& key, v1::DashDen* out) {
  for (const auto& [entity, link] : PersonsAt(view, "premises:" + key)) {
    auto it = view.persons.find(entity);
    if (it == view.persons.end()) continue;
    v1::DashPersonSummary* person = out->add_persons();
    *person = SummaryOf(it->second, link->role);
    SetSource(link->source, person->mutable_source());
  }
}

void AddVisitsAndPhotos(Ctx& c, const cases::CaseView& view, const cases::Premises& p,
                        v1::DashDen* out) {
  std::vector<const cases::VisitSummary*> visits;
  for (const cases::VisitSummary& v : view.visits) {
    if (std::find(p.visits.begin(), p.visits.end(), v.record_id) != p.visits.end()) {
      visits.push_back(&v);
    }
  }
  const auto records = RecordsOf(c.service->store(), visits);
  std::set<std::string> photos;
  for (const cases::VisitSummary* v : visits) {
    auto* x = out->add_visits();
    x->set_record_id(v->record_id);
    x->set_version(v->version);
    x->set_officer_id(v->officer_id);
    x->set_device_id(v->device_id);
    x->set_at_ms(v->at_ms);
    x->set_kind(v->kind);
    x->set_status(StatusName(v->status));
    x->set_den(v->den);
    for (const auto& code : v->indicators) x->add_indicators(code);
    if (auto r = records.find(v->record_id); r != records.end()) {
      auto mine = PhotosOf(r->second);
      photos.insert(mine.begin(), mine.end());
    }
  }
  for (const cases::IndicatorSeen& i : p.indicators) {
    auto* x = out->add_indicators();
    x->set_code(i.code);
    if (const schema::IndicatorInfo* info = schema::FindIndicator(i.code)) {
      x->set_zh(std::string(info->zh));
      x->set_en(std::string(info->en));
    }
    x->set_count(i.count);
    x->set_detail(i.detail);
    SetSource(i.source, x->mutable_source());
    if (auto r = records.find(i.source.record_id); r != records.end()) {
      for (auto& h : IndicatorPhotos(r->second, i.code)) x->add_photos(h);
    }
  }
  for (const auto& h : photos) out->add_photos(h);
  c.cache->NotePhotos(photos);
}

void AddFields(const std::vector<cases::Field>& fields,
               google::protobuf::RepeatedPtrField<v1::DashField>* out) {
  for (const cases::Field& f : fields) {
    auto* x = out->Add();
    x->set_name(f.name);
    x->set_value(f.value);
    SetSource(f.source, x->mutable_source());
  }
}

bool Contains(const std::string& hay, const std::string& needle) {
  return !needle.empty() && hay.find(needle) != std::string::npos;
}

}  // namespace

v1::DashDenSummary DenSummaryOf(const cases::CaseView& view, const cases::Premises& p) {
  v1::DashDenSummary s;
  s.set_key(p.key);
  s.set_address(p.address.raw().empty() ? p.key : p.address.raw());
  s.set_kind(p.kind);
  s.set_status(std::string(cases::DenStatusName(p.status)));
  s.set_version(p.version);
  s.set_last_visit_ms(p.last_visit_ms);
  s.set_suspected_ms(p.suspected_ms);
  s.set_indicators(static_cast<int32_t>(p.indicators.size()));
  s.set_persons(static_cast<int32_t>(PersonsAt(view, "premises:" + p.key).size()));
  return s;
}

void SetSource(const cases::Source& s, v1::DashSource* out) {
  out->set_record_id(s.record_id);
  out->set_version(s.version);
  out->set_officer_id(s.officer_id);
  out->set_device_id(s.device_id);
  out->set_at_ms(s.at_ms);
  out->set_path(s.path);
}

void SetLink(const cases::Link& l, v1::DashLink* out) {
  out->set_a(l.a);
  out->set_b(l.b);
  out->set_role(l.role);
  SetSource(l.source, out->mutable_source());
}

v1::DashPersonSummary SummaryOf(const cases::PersonCase& p, const std::string& role) {
  v1::DashPersonSummary s;
  s.set_entity(p.entity);
  s.set_name(FieldOf(p.fields, "name"));
  s.set_id_number(FieldOf(p.fields, "id_number"));  // supervisors and admins see it whole
  s.set_phone(FieldOf(p.fields, "phone"));
  s.set_involvement(p.involvement);
  for (const auto& d : p.dispositions) s.add_dispositions(d.code);
  s.set_suspect(p.suspect());
  s.set_role(role);
  s.set_version(p.version);
  return s;
}

DashResponse Dens(Ctx& c) {
  const std::string status = Param(c.req, "status");
  std::optional<cases::DenStatus> want;
  if (!status.empty() && status != "all") {
    want = cases::ParseDenStatus(status);
    if (!want) {
      return BadField("status", "'" + status +
                                    "' is no den status: give none, suspected, investigating, "
                                    "raided, cleared or all (empty: every den, none left out)");
    }
  }
  DashResponse err;
  auto view = c.View(&err);
  if (!view) return err;
  v1::DashDens out;
  for (const auto& [key, p] : view->premises) {
    bool listed =
        want ? p.status == *want : (status == "all" || p.status != cases::DenStatus::kNone);
    if (listed) *out.add_dens() = DenSummaryOf(*view, p);
  }
  return Audited(c, Json(out), "read", "list:dens", AuditDetail({{"status", status}}));
}

DashResponse Den(Ctx& c) {
  const std::string key = Param(c.req, "key");
  if (key.empty()) return BadField("key", "give the premises key, as /dash/api/dens lists it");
  DashResponse err;
  auto view = c.View(&err);
  if (!view) return err;
  auto it = view->premises.find(key);
  if (it == view->premises.end()) return Error(404, "not_found", "no premises " + key);
  const cases::Premises& p = it->second;
  v1::DashDen out;
  *out.mutable_summary() = DenSummaryOf(*view, p);
  AddFields(p.fields, out.mutable_fields());
  for (const cases::StatusChange& h : p.history) {
    auto* x = out.add_history();
    x->set_from(std::string(cases::DenStatusName(h.from)));
    x->set_to(std::string(cases::DenStatusName(h.to)));
    x->set_by(h.by);
    x->set_at_ms(h.at_ms);
    x->set_why(h.why);
    x->set_automatic(h.automatic);
    SetSource(h.source, x->mutable_source());
  }
  AddVisitsAndPhotos(c, *view, p, &out);
  AddPersons(*view, key, &out);
  using S = cases::DenStatus;
  for (S s : {S::kSuspected, S::kInvestigating, S::kRaided, S::kCleared}) {
    if (cases::AllowedTransition(p.status, s))
      out.add_allowed_next(std::string(cases::DenStatusName(s)));
  }
  return Audited(c, Json(out), "read", "premises:" + key);
}

DashResponse Suspects(Ctx& c) {
  const std::string q = Param(c.req, "q");
  if (q.size() > 200)
    return BadField("q", "give at most 200 characters of a name, ID number or phone");
  DashResponse err;
  auto view = c.View(&err);
  if (!view) return err;
  v1::DashPersons out;
  for (const auto& [entity, p] : view->persons) {
    if (!p.suspect()) continue;
    if (!q.empty()) {
      std::string upper = q;
      std::transform(upper.begin(), upper.end(), upper.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
      if (!Contains(FieldOf(p.fields, "name"), q) &&
          !Contains(FieldOf(p.fields, "id_number"), upper) &&
          !Contains(FieldOf(p.fields, "phone"), q)) {
        continue;
      }
    }
    *out.add_persons() = SummaryOf(p);
    if (static_cast<size_t>(out.persons_size()) >= kMaxListed) break;
  }
  return Audited(c, Json(out), "read", "list:suspects", AuditDetail({{"q", q}}));
}

DashResponse Person(Ctx& c) {
  const std::string entity = Param(c.req, "entity");
  if (entity.empty())
    return BadField("entity", "give the person's entity id (P…), as lists give it");
  DashResponse err;
  auto view = c.View(&err);
  if (!view) return err;
  auto it = view->persons.find(entity);
  if (it == view->persons.end()) return Error(404, "not_found", "no person " + entity);
  const cases::PersonCase& p = it->second;
  auto options = c.cache->Options();
  if (!options.ok()) return FromStatus(options.status());
  v1::DashPerson out;
  *out.mutable_summary() = SummaryOf(p);
  AddFields(p.fields, out.mutable_fields());
  for (const cases::DispositionSeen& d : p.dispositions) {
    auto* x = out.add_dispositions();
    x->set_code(d.code);
    for (const auto& known : options->dispositions) {
      if (known.code == d.code) {
        x->set_zh(known.zh);
        x->set_en(known.en);
      }
    }
    x->set_detail(d.detail);
    SetSource(d.source, x->mutable_source());
  }
  const std::string node = "person:" + entity;
  for (const cases::Link& l : view->links) {
    if (l.a == node || l.b == node) SetLink(l, out.add_links());
  }
  for (const auto& m : p.mentions) out.add_mentions(m);
  SetSource(p.involvement_source, out.mutable_involvement_source());
  return Audited(c, Json(out), "read", "person:" + entity);
}

DashResponse Graph(Ctx& c) {
  const std::string node = Param(c.req, "node");
  if (node.empty()) {
    return BadField("node", "give premises:<key>, person:<entity>, company:<code>, or a bare key");
  }
  const std::string d = Param(c.req, "depth");
  int depth = 2;
  if (!d.empty()) {
    if (d.size() != 1 || d[0] < '1' || d[0] > '3')
      return BadField("depth", "give 1, 2 or 3 (hops)");
    depth = d[0] - '0';
  }
  DashResponse err;
  auto view = c.View(&err);
  if (!view) return err;
  auto options = c.cache->Options();
  if (!options.ok()) return FromStatus(options.status());
  auto g = cases::GraphAround(*view, node, depth, options->address);
  if (!g.ok()) {
    if (g.status().code() == Code::kInvalidArgument) return BadField("node", g.status().message());
    return FromStatus(g.status());
  }
  v1::DashGraph out;
  for (const std::string& n : g->nodes) {
    out.add_nodes(n);
    const size_t colon = n.find(':');
    const std::string kind = n.substr(0, colon), id = n.substr(colon + 1);
    std::string label = id;
    if (kind == "premises") {
      if (auto it = view->premises.find(id);
          it != view->premises.end() && !it->second.address.raw().empty()) {
        label = it->second.address.raw();
      }
    } else if (kind == "person") {
      if (auto it = view->persons.find(id); it != view->persons.end()) {
        label = FieldOf(it->second.fields, "name");
      }
    } else if (kind == "company") {
      if (auto it = view->companies.find(id); it != view->companies.end()) {
        label = FieldOf(it->second.fields, "name");
      }
    }
    out.add_labels(label.empty() ? id : label);
  }
  for (const cases::Link& l : g->links) SetLink(l, out.add_links());
  return Audited(c, Json(out), "read", node.find(':') == std::string::npos ? "node:" + node : node,
                 AuditDetail({{"view", "graph"}, {"depth", std::to_string(depth)}}));
}

}  // namespace sweep::hub::dash
