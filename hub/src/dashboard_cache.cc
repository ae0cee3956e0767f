// CaseCache: the case view and the merge's resolver kept between dashboard
// requests, reloaded only when what they are computed from changed
// (dashboard_internal.h).
#include "dashboard_internal.h"
#include "sweep/hub/merge_service.h"

namespace sweep::hub::dash {

Result<CaseCache::Signature> CaseCache::Current() {
  HubStore* store = service_->store();
  Signature s;
  SWEEP_ASSIGN_OR_RETURN(s.versions, store->CountVersions(""));
  SWEEP_ASSIGN_OR_RETURN(auto merge, store->MergeCursorRevision());
  s.merge_revision = merge.second;
  SWEEP_ASSIGN_OR_RETURN(auto edits, store->ListCaseEdits());
  s.edits = edits.empty() ? 0 : edits.back().seq;
  SWEEP_ASSIGN_OR_RETURN(auto codes, store->GetSetting(kDispositionSetting));
  s.dispositions = codes.value_or("");
  return s;
}

Result<std::shared_ptr<const cases::CaseView>> CaseCache::View(int64_t* load_ms) {
  Env* env = service_->env();
  std::lock_guard lock(mu_);
  const int64_t now = env->NowMillis();
  if (view_ && recheck_ms_ > 0 && now < checked_ms_ + recheck_ms_) return view_;
  SWEEP_ASSIGN_OR_RETURN(Signature sig, Current());
  checked_ms_ = now;
  if (view_ && sig == signature_) return view_;
  const int64_t start = env->MonotonicMicros();
  SWEEP_ASSIGN_OR_RETURN(cases::CaseView view, CaseService(service_->store(), env).Load());
  *load_ms = (env->MonotonicMicros() - start) / 1000;
  view_ = std::make_shared<const cases::CaseView>(std::move(view));
  signature_ = std::move(sig);
  return view_;
}

Result<cases::CaseOptions> CaseCache::Options() {
  return CaseService(service_->store(), service_->env()).Options();
}

Result<std::shared_ptr<const resolve::Resolver>> CaseCache::Resolver() {
  std::lock_guard lock(mu_);
  SWEEP_ASSIGN_OR_RETURN(auto merge, service_->store()->MergeCursorRevision());
  if (resolver_ && resolver_revision_ == merge.second) return resolver_;
  SWEEP_ASSIGN_OR_RETURN(resolve::Resolver r,
                         MergeService(service_->store(), service_->env()).Load());
  resolver_ = std::make_shared<const resolve::Resolver>(std::move(r));
  resolver_revision_ = merge.second;
  return resolver_;
}

void CaseCache::Invalidate() {
  std::lock_guard lock(mu_);
  view_.reset();
  resolver_.reset();
}

void CaseCache::NotePhotos(const std::set<std::string>& sha256) {
  std::lock_guard lock(mu_);
  photos_.insert(sha256.begin(), sha256.end());
}

bool CaseCache::KnownPhoto(const std::string& sha256) {
  std::lock_guard lock(mu_);
  return photos_.count(sha256) > 0;
}

std::shared_ptr<const cases::CaseView> Ctx::View(DashResponse* err) const {
  int64_t load_ms = -1;
  auto view = cache->View(&load_ms);
  if (load_ms >= 0) log->load_ms = load_ms;
  if (!view.ok()) {
    *err = FromStatus(view.status());
    return nullptr;
  }
  if (log->load_ms < 0) log->load_ms = 0;  // served from the cache
  return *view;
}

}  // namespace sweep::hub::dash
