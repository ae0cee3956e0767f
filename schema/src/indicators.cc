#include "sweep/schema/indicators.h"

namespace sweep::schema {

namespace {

constexpr IndicatorInfo kIndicators[] = {
    {"simbox_goip", "GOIP设备", "SIM-box (GOIP) gateway", true},
    {"modem_pool", "猫池", "modem pool", true},
    {"many_sim_cards", "大量电话卡", "many SIM cards", true},
    {"many_bank_cards", "大量银行卡", "many bank cards", true},
    {"usb_bank_keys", "U盾", "USB banking keys", true},
    {"card_reader", "读卡器", "card reader", true},
    {"scripts", "诈骗话术", "fraud scripts", true},
    {"call_center_layout", "呼叫中心布局", "call-center layout", true},
    {"many_phones", "大量手机", "many phones", true},
    {"hidden_cabling", "隐藏线缆", "hidden cabling", true},
    {"card_packaging_waste", "卡片包装垃圾", "card packaging waste", false},
    {"frequent_turnover", "租客频繁更换", "frequent tenant turnover", false},
    {"cash_short_rent", "现金短租", "short rent paid in cash", false},
    {"landlord_never_met_tenant", "房东未见过租客", "landlord never met the tenant", false},
};

}  // namespace

std::span<const IndicatorInfo> KnownIndicators() { return kIndicators; }

const IndicatorInfo* FindIndicator(std::string_view code) {
  for (const IndicatorInfo& i : kIndicators) {
    if (i.code == code) return &i;
  }
  return nullptr;
}

}  // namespace sweep::schema
