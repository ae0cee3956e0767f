// ValidateRecord: the identifier checks of identifiers.h applied to every
// person and code in a record body, plus cross-field checks (the ID number
// against the stated birth date and sex, a person with no identity at all, a
// rental check without a unit status, an office sweep naming no company).
#include <algorithm>
#include <iterator>
#include <string>
#include <vector>

#include "sweep/schema/identifiers.h"
#include "sweep/schema/record_json.h"

namespace sweep::schema {
namespace {

using v1::ValidationResult;

bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// YYYY-MM-DD with a real month and day.
bool IsIsoDate(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  const int year = std::stoi(s.substr(0, 4));
  const int month = std::stoi(s.substr(5, 2));
  const int day = std::stoi(s.substr(8, 2));
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= kDays[month - 1] + (month == 2 && IsLeapYear(year) ? 1 : 0);
}

class Validator {
 public:
  Validator(std::vector<ValidationResult>* out, std::vector<RecordIdentifier>* ids)
      : out_(out), ids_(ids) {}
  void Rental(const v1::RentalCheck& check);
  void Office(const v1::OfficeSweep& sweep);
  void Case(const v1::CaseUpdate& update);
  void Add(const std::string& field, v1::Severity severity, const std::string& code,
           const std::string& reason, const std::string& reason_zh,
           const std::string& normalized = "");

 private:
  void Person(const v1::Person& person, const std::string& path, bool needs_identity);
  void IdNumber(const v1::Person& person, const std::string& path);
  void AddVerdict(const std::string& field, const Verdict& verdict);
  void Date(const std::string& value, const std::string& field);
  void FollowUp(const v1::FollowUp& follow_up);
  void Note(const std::string& field, const std::string& kind, const std::string& typed,
            const Verdict& verdict);

  std::vector<ValidationResult>* out_;
  std::vector<RecordIdentifier>* ids_;  // may be null
};

void Validator::Note(const std::string& field, const std::string& kind, const std::string& typed,
                     const Verdict& verdict) {
  if (ids_ == nullptr) return;
  ids_->push_back({field, kind,
                   verdict.normalized.empty() ? NormalizeIdentifierInput(typed) : verdict.normalized,
                   verdict.ok()});
}

void Validator::Add(const std::string& field, v1::Severity severity, const std::string& code,
                    const std::string& reason, const std::string& reason_zh,
                    const std::string& normalized) {
  ValidationResult* r = &out_->emplace_back();
  r->set_field(field);
  r->set_severity(severity);
  r->set_code(code);
  r->set_message(reason_zh.empty() ? reason : reason + " / " + reason_zh);
  r->set_normalized(normalized);
}

void Validator::AddVerdict(const std::string& field, const Verdict& verdict) {
  if (verdict.level == VerdictLevel::kValid) return;
  Add(field, verdict.level == VerdictLevel::kError ? v1::SEVERITY_ERROR : v1::SEVERITY_WARNING,
      verdict.code, verdict.reason, verdict.reason_zh, verdict.normalized);
}

void Validator::Date(const std::string& value, const std::string& field) {
  if (value.empty() || IsIsoDate(value)) return;
  Add(field, v1::SEVERITY_ERROR, "bad_date",
      "'" + value + "' is not a date written YYYY-MM-DD (e.g. 2024-06-17)",
      "“" + value + "”不是 YYYY-MM-DD 格式的日期（例如 2024-06-17）");
}

void Validator::IdNumber(const v1::Person& person, const std::string& path) {
  const std::string& type = person.id_type();
  const Verdict verdict = CheckResidentId(person.id_number());
  Note(path + ".idNumber", "id", person.id_number(), verdict);
  if (type != "" && type != "resident_id") {
    if (type != "hk_macau_tw_permit" && type != "passport" && type != "other") {
      Add(path + ".idType", v1::SEVERITY_WARNING, "unknown_id_type",
          "unknown ID type '" + type +
              "', so the ID number was not checked; use resident_id, hk_macau_tw_permit, "
              "passport or other",
          "未知的证件类型“" + type +
              "”，证件号码未校验；请使用 resident_id、hk_macau_tw_permit、"
              "passport 或 other");
    }
    return;
  }
  AddVerdict(path + ".idNumber", verdict);
  if (!verdict.ok()) return;
  const ResidentIdInfo info = DescribeResidentId(person.id_number());
  if (!person.birth_date().empty() && person.birth_date() != info.birth_date) {
    Add(path + ".birthDate", v1::SEVERITY_WARNING, "id_birth_mismatch",
        "birth date " + person.birth_date() + " differs from " + info.birth_date +
            " in the ID number; check both",
        "出生日期 " + person.birth_date() + " 与身份证号码中的 " + info.birth_date +
            " 不一致，请核对");
  }
  const bool says_male = person.sex() == v1::SEX_MALE;
  if (person.sex() != v1::SEX_UNSPECIFIED && says_male != info.male) {
    Add(path + ".sex", v1::SEVERITY_WARNING, "id_sex_mismatch",
        std::string("sex is recorded as ") + (says_male ? "male" : "female") +
            " but the ID number is a " + (info.male ? "man's" : "woman's") + "; check both",
        std::string("性别登记为") + (says_male ? "男" : "女") + "，但身份证号码显示为" +
            (info.male ? "男" : "女") + "，请核对");
  }
}

void Validator::Person(const v1::Person& person, const std::string& path, bool needs_identity) {
  if (needs_identity && person.name().empty() && person.id_number().empty()) {
    Add(path, v1::SEVERITY_ERROR, "missing_identity",
        "this person has neither a name nor an ID number; record at least one",
        "该人员既无姓名也无证件号码，请至少登记一项");
  }
  if (!person.id_number().empty()) IdNumber(person, path);
  if (!person.phone().empty()) {
    const Verdict v = CheckPhone(person.phone());
    Note(path + ".phone", "phone", person.phone(), v);
    AddVerdict(path + ".phone", v);
  }
  for (int j = 0; j < person.bank_cards_size(); ++j) {
    const std::string field = path + ".bankCards[" + std::to_string(j) + "]";
    const Verdict v = CheckBankCard(person.bank_cards(j));
    Note(field, "card", person.bank_cards(j), v);
    AddVerdict(field, v);
  }
  Date(person.birth_date(), path + ".birthDate");
  Date(person.moved_in_date(), path + ".movedInDate");
}

void Validator::FollowUp(const v1::FollowUp& follow_up) {
  Date(follow_up.due_date(), "followUp.dueDate");
}

void Validator::Rental(const v1::RentalCheck& check) {
  if (check.unit_status() == v1::UNIT_STATUS_UNSPECIFIED) {
    Add("unitStatus", v1::SEVERITY_ERROR, "missing_unit_status",
        "the unit status is not set; choose checked, no answer, refused, vacant or revisit due",
        "未填写房屋检查状态；请选择已检查、无人应答、拒绝检查、空置或待复查");
  }
  if (check.has_landlord()) Person(check.landlord(), "landlord", false);
  for (int i = 0; i < check.occupants_size(); ++i) {
    Person(check.occupants(i), "occupants[" + std::to_string(i) + "]", true);
  }
  FollowUp(check.follow_up());
}

void Validator::Office(const v1::OfficeSweep& sweep) {
  if (sweep.company_name().empty() && sweep.credit_code().empty()) {
    Add("companyName", v1::SEVERITY_ERROR, "missing_company",
        "the office sweep names no company; record the company name or its unified social "
        "credit code",
        "扫楼记录未填写单位；请登记单位名称或统一社会信用代码");
  }
  if (!sweep.credit_code().empty()) {
    const Verdict v = CheckCreditCode(sweep.credit_code());
    Note("creditCode", "uscc", sweep.credit_code(), v);
    AddVerdict("creditCode", v);
  }
  for (int i = 0; i < sweep.persons_size(); ++i) {
    Person(sweep.persons(i), "persons[" + std::to_string(i) + "]", true);
  }
  FollowUp(sweep.follow_up());
}

// A change to a den or a suspect (docs/cases.md §5): one subject, something
// that changes, and a reason.
void Validator::Case(const v1::CaseUpdate& update) {
  const bool premises = !update.address().raw().empty() ||
                        !update.address().normalized_key().empty();
  const bool person = !update.person_id_number().empty() || !update.person_entity().empty();
  if (premises == person) {
    Add("address", v1::SEVERITY_ERROR, premises ? "several_subjects" : "missing_subject",
        "a case update concerns exactly one subject: a den (address) or a suspect "
        "(personIdNumber or personEntity)",
        "案件变更只能针对一个对象：窝点（地址）或涉案人员（身份证号或人员编号）");
  }
  static const char* const kStatuses[] = {"suspected", "investigating", "raided", "cleared"};
  const std::string& status = update.den_status();
  if (!status.empty() &&
      std::find(std::begin(kStatuses), std::end(kStatuses), status) == std::end(kStatuses)) {
    Add("denStatus", v1::SEVERITY_ERROR, "bad_den_status",
        "den status '" + status + "' is not one of suspected, investigating, raided, cleared",
        "窝点状态“" + status + "”无效：应为 suspected、investigating、raided 或 cleared");
  }
  if (premises && (!update.involvement().empty() || update.dispositions_size() > 0)) {
    Add("involvement", v1::SEVERITY_ERROR, "person_change_on_premises",
        "involvement and dispositions concern a suspect: name the person, not an address",
        "涉案情形和处置针对人员：请填写人员身份证号，而非地址");
  }
  if (person && !status.empty()) {
    Add("denStatus", v1::SEVERITY_ERROR, "den_status_on_person",
        "a den status concerns premises: give the address, not a person",
        "窝点状态针对场所：请填写地址，而非人员");
  }
  if (status.empty() && update.involvement().empty() && update.dispositions_size() == 0) {
    Add("", v1::SEVERITY_ERROR, "nothing_changed",
        "the case update changes nothing: set denStatus, involvement or dispositions",
        "案件变更未包含任何变更：请填写窝点状态、涉案情形或处置");
  }
  if (update.reason().empty()) {
    Add("reason", v1::SEVERITY_ERROR, "missing_reason",
        "give the reason for the change (who decided, on what grounds)",
        "请填写变更理由（谁决定、依据什么）");
  }
  if (!update.person_id_number().empty()) {
    const Verdict v = CheckResidentId(update.person_id_number());
    Note("personIdNumber", "id", update.person_id_number(), v);
    AddVerdict("personIdNumber", v);
  }
  for (int i = 0; i < update.dispositions_size(); ++i) {
    if (update.dispositions(i).code().empty()) {
      Add("dispositions[" + std::to_string(i) + "].code", v1::SEVERITY_ERROR, "missing_code",
          "a disposition needs its code (see `sweep-hub dispositions list`)",
          "处置需要填写代码（见 sweep-hub dispositions list）");
    }
  }
}

}  // namespace

std::vector<ValidationResult> ValidateRecord(const v1::Record& record) {
  return ValidateRecord(record, nullptr);
}

std::vector<ValidationResult> ValidateRecord(const v1::Record& record,
                                             std::vector<RecordIdentifier>* identifiers) {
  std::vector<ValidationResult> results;
  Validator validator(&results, identifiers);
  switch (record.body_case()) {
    case v1::Record::kRentalCheck:
      validator.Rental(record.rental_check());
      break;
    case v1::Record::kOfficeSweep:
      validator.Office(record.office_sweep());
      break;
    case v1::Record::kCaseUpdate:
      validator.Case(record.case_update());
      break;
    case v1::Record::BODY_NOT_SET:
      validator.Add("", v1::SEVERITY_ERROR, "missing_body",
                    "the record has no body; it must hold a rentalCheck, an officeSweep or a "
                    "caseUpdate",
                    "记录没有内容；应包含出租屋检查（rentalCheck）、扫楼（officeSweep）或案件变更"
                    "（caseUpdate）");
      break;
  }
  return results;
}

}  // namespace sweep::schema
