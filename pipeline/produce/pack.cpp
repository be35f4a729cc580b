// The run's cases packed into bytes from planning until their batch is typeset: about 200 bytes a
// child, where Case, Decision and Envelope objects take about 2 KB, so a run's memory hardly grows
// with its size (issue 6: 100,000 children within 20% of 10,000).
#include <zlib.h>

#include <algorithm>

#include "produce/internal.hpp"

namespace tsuchi::produce::detail {

namespace {

static_assert(sizeof(ingest::Case) == 464, "ingest::Case changed: pack and unpack its new field below");

class Packer {
 public:
  explicit Packer(std::string& out) : out_(out) {}
  void num(long long v) {  // zigzag varint: small numbers take one byte
    auto u = (static_cast<unsigned long long>(v) << 1) ^ static_cast<unsigned long long>(v >> 63);
    do {
      const auto byte = static_cast<unsigned char>(u & 0x7F);
      u >>= 7;
      out_.push_back(static_cast<char>(u ? byte | 0x80 : byte));
    } while (u);
  }
  void str(const std::string& v) {
    num(static_cast<long long>(v.size()));
    out_ += v;
  }
  void date(const Date& d) { num(d.year), num(d.month), num(d.day); }
  void month(const YearMonth& m) { num(m.year), num(m.month); }
 private:
  std::string& out_;
};

class Unpacker {
 public:
  explicit Unpacker(std::string_view in) : in_(in) {}
  bool done() const { return at_ >= in_.size(); }
  long long num() {
    unsigned long long u = 0;
    for (int shift = 0; at_ < in_.size(); shift += 7) {
      const auto byte = static_cast<unsigned char>(in_[at_++]);
      u |= static_cast<unsigned long long>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) break;
    }
    return static_cast<long long>(u >> 1) ^ -static_cast<long long>(u & 1);
  }
  std::string str() {
    const auto n = std::min(static_cast<std::size_t>(num()), in_.size() - at_);
    std::string v(in_.substr(at_, n));
    at_ += n;
    return v;
  }
  Date date() {
    Date d;
    d.year = static_cast<int>(num()), d.month = static_cast<int>(num()), d.day = static_cast<int>(num());
    return d;
  }
  YearMonth month() {
    YearMonth m;
    m.year = static_cast<int>(num()), m.month = static_cast<int>(num());
    return m;
  }
  int i() { return static_cast<int>(num()); }
 private:
  std::string_view in_;
  std::size_t at_ = 0;
};

ingest::Case unpack(Unpacker& u) {
  ingest::Case c;
  c.line = u.i();
  c.case_id = u.str(), c.child_atena_no = u.str(), c.child_name = u.str();
  c.child_birth_date = u.date();
  c.guardian_atena_no = u.str(), c.guardian_name = u.str(), c.postal_code = u.str(), c.address = u.str();
  c.address_building = u.str(), c.household_no = u.str();
  c.certification_type = u.i(), c.care_need = static_cast<ingest::CareNeed>(u.i());
  c.facility_name = u.str();
  c.facility_public = u.i() != 0;
  c.bracket = u.str();
  c.child_order = u.i(), c.side_dish_exempt = u.i() != 0, c.cash_payment = u.i() != 0;
  c.notice_kind = static_cast<ingest::NoticeKind>(u.i());
  c.decision_date = u.date();
  c.period_start = u.month(), c.period_end = u.month();
  c.reason = u.str();
  return c;
}

}  // namespace

void pack(const ingest::Case& c, std::string& out) {
  Packer p(out);
  p.num(c.line);
  p.str(c.case_id), p.str(c.child_atena_no), p.str(c.child_name);
  p.date(c.child_birth_date);
  p.str(c.guardian_atena_no), p.str(c.guardian_name), p.str(c.postal_code), p.str(c.address);
  p.str(c.address_building), p.str(c.household_no);
  p.num(c.certification_type), p.num(static_cast<int>(c.care_need));
  p.str(c.facility_name);
  p.num(c.facility_public);
  p.str(c.bracket);
  p.num(c.child_order), p.num(c.side_dish_exempt), p.num(c.cash_payment), p.num(static_cast<int>(c.notice_kind));
  p.date(c.decision_date);
  p.month(c.period_start), p.month(c.period_end);
  p.str(c.reason);
}

std::vector<ingest::Case> unpack_all(std::string_view packed) {
  std::vector<ingest::Case> cases;
  for (Unpacker u(packed); !u.done();) cases.push_back(unpack(u));
  return cases;
}

std::string deflated(const std::string& bytes) {
  uLongf n = compressBound(static_cast<uLong>(bytes.size()));
  std::string out(n, '\0');
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(bytes.data()),
                static_cast<uLong>(bytes.size()), 1) != Z_OK)
    return {};
  out.resize(n);
  out.shrink_to_fit();
  return out;
}

std::string inflated(const std::string& bytes, std::size_t size) {
  std::string out(size, '\0');
  uLongf n = static_cast<uLongf>(size);
  if (uncompress(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(bytes.data()),
                 static_cast<uLong>(bytes.size())) != Z_OK ||
      n != size)
    return {};
  return out;
}

}  // namespace tsuchi::produce::detail
