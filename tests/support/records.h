// Realistic sample records for tests (fictional people, valid identifiers).
#pragma once

#include "sweep/v1/record.pb.h"

namespace sweep::testing {

inline v1::Record SampleRentalCheck() {
  v1::Record r;
  auto* rc = r.mutable_rental_check();
  auto* a = rc->mutable_address();
  a->set_raw("郴州市北湖区人民路街道国庆北路社区国庆北路18号3栋2单元502室");
  a->set_division_code("431002001");
  a->set_building("3");
  a->set_unit("2");
  a->set_floor("5");
  a->set_room("502");
  rc->set_unit_status(v1::UNIT_STATUS_CHECKED);
  auto* landlord = rc->mutable_landlord();
  landlord->set_name("陈国栋");
  landlord->set_phone("13907351234");
  auto* p = rc->add_occupants();
  p->set_name("林晓燕");
  p->set_id_number("360426199101010071");
  p->set_phone("13800138000");
  p->set_origin("江西省九江市德安县");
  p->set_occupation("餐饮服务员");
  p->set_moved_in_date("2026-09-01");
  p->set_present_at_visit(true);
  rc->set_registration(v1::REGISTRATION_STATUS_PARTIAL);
  auto* ind = rc->add_indicators();
  ind->set_code("many_sim_cards");
  ind->set_present(true);
  ind->set_count(40);
  ind->set_detail("卧室抽屉内发现约40张未拆封电话卡");
  rc->set_notes("租客称电话卡为朋友寄存，已拍照留存。");
  return r;
}

inline v1::Record SampleOfficeSweep() {
  v1::Record r;
  auto* os = r.mutable_office_sweep();
  os->mutable_address()->set_raw("郴州市北湖区国庆北路66号华信大厦12楼1203室");
  os->set_company_name("郴州市云帆信息咨询有限公司");
  os->set_credit_code("91110000600037341L");
  os->set_licence(v1::LICENCE_STATUS_MISMATCH);
  os->set_registered_business("信息技术咨询");
  os->set_actual_business("电话销售（疑似话术外呼）");
  os->set_staff_registered(5);
  os->set_staff_present(23);
  auto* police = os->add_participants();
  police->set_agency("police");
  police->set_officer_id("A1001");
  police->set_name("王建国");
  return r;
}

}  // namespace sweep::testing
