#include "compose/compose.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <tuple>

#include "barcode/barcode.hpp"

namespace tsuchi::compose {

namespace {

Recipient recipient_of(const ingest::Case& c) {
  Recipient r;
  r.postal_code = c.postal_code;
  r.address = c.address;
  r.building = c.address_building;
  r.name = c.guardian_name;
  // The room number in the building line (方書, "…403号") is part of Japan Post's address number.
  const std::string full = c.address_building.empty() ? c.address : c.address + "\u3000" + c.address_building;
  if (auto cc = barcode::customer_code(c.postal_code, full)) r.customer_barcode = cc->data + "/" + cc->check_digit;
  return r;
}

Checked<SlipWithCode> with_store_code(decide::Slip slip, const tsuchi::Municipality& m) {
  Checked<SlipWithCode> out;
  out.value.slip = std::move(slip);
  const auto& s = out.value.slip;
  if (s.amount > m.store_ceiling) return out;  // stores may not collect above the ceiling; the slip says so
  barcode::StorePayment p;
  p.issuer_code = m.gs1_issuer_code;
  p.free_field = s.payment_reference;
  p.reissue = 0;
  p.deadline = s.store_deadline;
  p.revenue_stamp = false;  // public charges carry no stamp duty
  p.amount = s.amount;
  auto payload = barcode::store_payload(p);
  if (payload.ok()) {
    out.value.store_barcode = std::move(payload.value);
    return out;
  }
  for (auto d : payload.problems) {
    d.reason = "case " + s.case_id + " " + s.month.iso() + ": store barcode: " + d.reason;
    out.problems.push_back(std::move(d));
  }
  return out;
}

// Postal discounts (区分郵便) need the mail pre-sorted by postcode; the address and the guardian
// number make the order total, so the same input always gives the same envelope numbers. The one
// grouping and sort of compose() and plan(): the recipient is the guardian's first case.
template <class CaseAt>
std::vector<EnvelopePlan> plan_of(std::size_t n, CaseAt case_at) {
  std::vector<EnvelopePlan> plans;
  std::map<std::string, std::size_t> by_guardian;  // guardian_atena_no -> index in plans
  for (std::size_t i = 0; i < n; ++i) {
    auto [it, fresh] = by_guardian.emplace(case_at(i).guardian_atena_no, plans.size());
    if (fresh) plans.emplace_back();
    plans[it->second].cases.push_back(i);
  }
  std::stable_sort(plans.begin(), plans.end(), [&](const EnvelopePlan& a, const EnvelopePlan& b) {
    const ingest::Case& x = case_at(a.cases.front());
    const ingest::Case& y = case_at(b.cases.front());
    return std::tie(x.postal_code, x.address, x.guardian_atena_no) < std::tie(y.postal_code, y.address, y.guardian_atena_no);
  });
  for (std::size_t i = 0; i < plans.size(); ++i) plans[i].sequence = static_cast<int>(i) + 1;
  return plans;
}

}  // namespace

std::string envelope_id(const std::string& batch_id, int sequence) {
  char b[24];
  std::snprintf(b, sizeof b, "%06d", sequence);
  return batch_id + "/" + b;
}

std::string envelope_id(const std::string& batch_id, int sequence, int part) {
  return envelope_id(batch_id, sequence) + "-" + std::to_string(part);
}

Checked<std::vector<Envelope>> compose_checked(const std::vector<decide::Decision>& decisions,
                                               const tsuchi::Municipality& m) {
  Checked<std::vector<Envelope>> out;
  std::vector<std::vector<SlipWithCode>> coded(decisions.size());  // in input order, as problems are reported
  for (std::size_t i = 0; i < decisions.size(); ++i)
    for (const auto& s : decisions[i].slips) {
      auto sc = with_store_code(s, m);
      out.problems.insert(out.problems.end(), sc.problems.begin(), sc.problems.end());
      coded[i].push_back(std::move(sc.value));
    }
  const auto plans = plan_of(decisions.size(), [&](std::size_t i) -> const ingest::Case& { return decisions[i].c; });
  out.value.reserve(plans.size());
  for (const auto& p : plans) {
    Envelope& e = out.value.emplace_back();
    e.sequence = p.sequence;
    e.guardian_atena_no = decisions[p.cases.front()].c.guardian_atena_no;
    e.to = recipient_of(decisions[p.cases.front()].c);
    for (std::size_t i : p.cases) {
      e.notices.push_back(decisions[i]);
      for (auto& sc : coded[i]) e.slips.push_back(std::move(sc));
    }
  }
  return out;
}

std::vector<Envelope> compose(const std::vector<decide::Decision>& decisions, const tsuchi::Municipality& m) {
  return compose_checked(decisions, m).value;
}

std::vector<EnvelopePlan> plan(const std::vector<ingest::Case>& cases) {
  return plan_of(cases.size(), [&](std::size_t i) -> const ingest::Case& { return cases[i]; });
}

std::string batch_id(const std::string& run_id, int index) {
  char id[16];
  std::snprintf(id, sizeof id, "-B%03d", index);  // B1000 and up simply grow a digit
  return run_id + id;
}

std::vector<Batch> cut_batches(std::vector<Envelope> envelopes, const std::string& run_id, int batch_size) {
  std::vector<Batch> batches;
  const std::size_t size = batch_size < 1 ? 1 : static_cast<std::size_t>(batch_size);
  for (std::size_t i = 0; i < envelopes.size(); i += size) {
    Batch b;
    b.index = static_cast<int>(batches.size()) + 1;
    b.batch_id = batch_id(run_id, b.index);
    const std::size_t end = std::min(envelopes.size(), i + size);
    b.envelopes.assign(std::make_move_iterator(envelopes.begin() + static_cast<std::ptrdiff_t>(i)),
                       std::make_move_iterator(envelopes.begin() + static_cast<std::ptrdiff_t>(end)));
    batches.push_back(std::move(b));
  }
  return batches;
}

}  // namespace tsuchi::compose
