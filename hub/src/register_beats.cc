// RegisterService, second half: beats (责任区) and their assignment to
// officers. Names of communities and streets resolve inside the hub's
// default division (schema::FindDivision), buildings through the register.
#include <algorithm>
#include <set>

#include "feed_publisher.h"
#include "register_rules.h"
#include "sweep/hub/register.h"
#include "sweep/schema/address.h"

namespace sweep::hub {

using internal::FeedPublisher;

namespace {

bool IsDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A name usable in feed keys ("<beat>|<building key>") and audiences.
Status CheckName(const std::string& name, const std::string& what) {
  if (name.empty()) return Status::InvalidArgument(what + " is empty");
  if (name.size() > 100) return Status::InvalidArgument(what + " is longer than 100 bytes");
  for (unsigned char c : name) {
    if (c < 0x20 || c == '|' || c == 0x7F) {
      return Status::InvalidArgument(what + " '" + name +
                                     "' holds '|' or a control character; choose another");
    }
  }
  return Status::Ok();
}

void AddUnique(std::vector<std::string>* list, const std::string& v) {
  if (std::find(list->begin(), list->end(), v) == list->end()) list->push_back(v);
}

bool Erase(std::vector<std::string>* list, const std::string& v) {
  auto it = std::find(list->begin(), list->end(), v);
  if (it == list->end()) return false;
  list->erase(it);
  return true;
}

// A community or street named by code or by name (inside `within`).
Result<schema::Division> ResolveDivision(const std::string& text, const std::string& level,
                                         const std::string& within) {
  schema::Division d;
  if (IsDigits(text)) {
    auto found = schema::DivisionByCode(text);
    if (!found) return Status::NotFound("no division has the code " + text);
    d = *found;
  } else {
    SWEEP_ASSIGN_OR_RETURN(d, schema::FindDivision(text, within));
  }
  if (d.level != level) {
    return Status::InvalidArgument(
        "'" + text + "' is " + d.code + " " + d.name + ", a " + d.level + ", not a " + level +
        (d.level == "street" || d.level == "community" ? ": use --" + d.level + " for it" : ""));
  }
  return d;
}

}  // namespace

Result<BeatRow> RegisterService::FindBeat(const std::string& name) {
  SWEEP_ASSIGN_OR_RETURN(auto beats, store_->ListBeats());
  for (BeatRow& b : beats) {
    if (b.name == name) return std::move(b);
  }
  std::string known;
  for (const BeatRow& b : beats) known += (known.empty() ? "" : ", ") + b.name;
  return Status::NotFound(
      "no beat '" + name + "'" +
      (known.empty() ? ": create one with `beats create`" : " (beats: " + known + ")"));
}

Status RegisterService::ResolveMembers(const BeatMembers& members, BeatRow* beat, bool remove) {
  SWEEP_ASSIGN_OR_RETURN(std::string within, DefaultDivision());
  for (auto [texts, level, list] :
       {std::tuple{&members.communities, "community", &beat->communities},
        std::tuple{&members.streets, "street", &beat->streets}}) {
    for (const std::string& text : *texts) {
      SWEEP_ASSIGN_OR_RETURN(auto d, ResolveDivision(text, level, within));
      if (!remove) {
        AddUnique(list, d.code);
      } else if (!Erase(list, d.code)) {
        return Status::InvalidArgument(std::string(level) + " " + d.name + " (" + d.code +
                                       ") is not part of beat '" + beat->name + "'");
      }
    }
  }
  for (const std::string& address : members.buildings) {
    SWEEP_ASSIGN_OR_RETURN(BuildingRow b, Building(address));
    if (!remove) {
      Erase(&beat->excluded, b.key);
      if (!internal::BeatHolds(*beat, b.key, b.division_code)) AddUnique(&beat->buildings, b.key);
      continue;
    }
    bool explicit_member = Erase(&beat->buildings, b.key);
    if (internal::BeatHolds(*beat, b.key, b.division_code)) {
      AddUnique(&beat->excluded, b.key);  // still in through a community or street
    } else if (!explicit_member) {
      return Status::InvalidArgument("building '" + address + "' is not in beat '" + beat->name +
                                     "'");
    }
  }
  return Status::Ok();
}

Status RegisterService::CreateBeat(const std::string& name, const BeatMembers& members) {
  SWEEP_RETURN_IF_ERROR(CheckName(name, "the beat name"));
  BeatRow beat;
  beat.name = name;
  SWEEP_RETURN_IF_ERROR(ResolveMembers(members, &beat, false));
  return store_->CreateBeat(beat, env_->NowMillis());
}

Status RegisterService::AddToBeat(const std::string& name, const BeatMembers& members) {
  SWEEP_ASSIGN_OR_RETURN(BeatRow beat, FindBeat(name));
  SWEEP_RETURN_IF_ERROR(ResolveMembers(members, &beat, false));
  SWEEP_RETURN_IF_ERROR(store_->UpdateBeat(beat, env_->NowMillis()));
  return FeedPublisher(store_)
      .PublishOfficers({beat.officers.begin(), beat.officers.end()})
      .status();
}

Status RegisterService::RemoveFromBeat(const std::string& name, const BeatMembers& members) {
  SWEEP_ASSIGN_OR_RETURN(BeatRow beat, FindBeat(name));
  SWEEP_RETURN_IF_ERROR(ResolveMembers(members, &beat, true));
  SWEEP_RETURN_IF_ERROR(store_->UpdateBeat(beat, env_->NowMillis()));
  return FeedPublisher(store_)
      .PublishOfficers({beat.officers.begin(), beat.officers.end()})
      .status();
}

Status RegisterService::DeleteBeat(const std::string& name) {
  SWEEP_ASSIGN_OR_RETURN(BeatRow beat, FindBeat(name));
  SWEEP_RETURN_IF_ERROR(store_->DeleteBeat(name));
  return FeedPublisher(store_)
      .PublishOfficers({beat.officers.begin(), beat.officers.end()})
      .status();
}

Result<std::vector<BeatRow>> RegisterService::Beats() { return store_->ListBeats(); }

Result<std::vector<std::string>> RegisterService::BeatsOf(const BuildingRow& building) {
  SWEEP_ASSIGN_OR_RETURN(auto beats, store_->ListBeats());
  std::vector<std::string> out;
  for (const BeatRow& b : beats) {
    if (internal::BeatHolds(b, building.key, building.division_code)) out.push_back(b.name);
  }
  return out;
}

Result<BeatView> RegisterService::Beat(const std::string& name) {
  BeatView view;
  SWEEP_ASSIGN_OR_RETURN(view.beat, FindBeat(name));
  SWEEP_ASSIGN_OR_RETURN(auto candidates,
                         store_->ListBuildings(internal::BeatCandidates(view.beat, true)));
  for (BuildingRow& b : candidates) {
    if (internal::BeatHolds(view.beat, b.key, b.division_code)) {
      view.buildings.push_back(std::move(b));
    }
  }
  return view;
}

Status RegisterService::Assign(const std::string& beat, const std::string& officer_id) {
  SWEEP_RETURN_IF_ERROR(CheckName(officer_id, "the officer id"));
  SWEEP_RETURN_IF_ERROR(store_->Assign(beat, officer_id, env_->NowMillis()));
  return FeedPublisher(store_).PublishOfficers({officer_id}).status();
}

Status RegisterService::Unassign(const std::string& beat, const std::string& officer_id) {
  SWEEP_RETURN_IF_ERROR(store_->Unassign(beat, officer_id));
  return FeedPublisher(store_).PublishOfficers({officer_id}).status();
}

}  // namespace sweep::hub
