// What a run leaves on record: ids, counts and amounts, never a name, an address or a My Number.
// Production fills them (produce::record_envelope), seal writes the counts into each manifest and
// the run summary, and the ledger stores them (output_spec/ledger.md, output_spec/batch.md).
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <iterator>
#include <vector>

namespace tsuchi::records {

struct BatchCounts {
  int envelopes = 0;  // 封筒
  int notices = 0;    // 通知書
  int slips = 0;      // 納付書
  int pages = 0;
  int sheets = 0;                           // physical sheets
  std::map<std::string, int> postal_areas;  // first 3 digits of the postal code -> envelopes
  bool operator==(const BatchCounts&) const = default;
};

// The part k of "<batch_id>/<NNNNNN>-<k>" (a split mailing's envelope), 0 for "<batch_id>/<NNNNNN>",
// -1 for anything else.
inline int envelope_part(std::string_view id) {
  const auto slash = id.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return -1;
  const std::string_view tail = id.substr(slash + 1);
  auto digits = [](std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
  };
  if (tail.size() == 6 && digits(tail)) return 0;
  if (tail.size() < 8 || tail[6] != '-' || !digits(tail.substr(0, 6)) || !digits(tail.substr(7)) ||
      tail.size() > 10 || tail[7] == '0')
    return -1;
  return std::stoi(std::string(tail.substr(7)));
}

struct EnvelopeRecord {
  std::string envelope_id;  // "<batch_id>/<envelope_no>" or "…-<k>" for part k, as printed in the window and the QR codes
  std::string postal_area;  // first 3 digits of the postal code
  int pages = 0, sheets = 0, notices = 0, slips = 0;
};
struct SlipRecord {  // 納付書
  std::string envelope_id, case_id;  // case_id = 認定番号
  std::string month;                 // billed month, YYYY-MM
  long long amount = 0;              // yen
  bool cash_payment = false;         // false would be an anomaly: a slip for account transfer
  bool operator==(const SlipRecord&) const = default;
};
struct NoticeRecord {  // 決定通知書 / 変更通知書
  std::string envelope_id, case_id;
  std::string kind;  // "decision" or "change"
  bool operator==(const NoticeRecord&) const = default;
};

// What a batch's envelopes weigh against the limits they must post under ([mailing]): no ids.
struct MailingFigures {
  int max_sheets = 0;
  double max_g = 0, paper_g = 0, envelope_g = 0;
  int heaviest_sheets = 0;
  double heaviest_g = 0;
  int split_mailings = 0;  // households mailed in more than one envelope
  int parts = 0;           // the envelopes those split mailings became
  int covers = 0;          // cover sheets (送付案内) among them
  std::map<int, int> by_sheets;  // sheets -> envelopes
  bool operator==(const MailingFigures&) const = default;
};

// One produced batch on record, before sealing.
struct BatchSummary {
  std::string batch_id;
  int index = 1, total = 1;  // this batch is `index` of `total`
  BatchCounts counts;
  std::vector<EnvelopeRecord> envelopes;
  std::vector<NoticeRecord> notices;
  std::vector<SlipRecord> slips;
  MailingFigures mailing;
};

// A sealed batch as the ledger pins it.
struct BatchRecord {
  std::string batch_id;
  // Hex SHA-256 of B.zip, of the B.manifest.json file bytes, and of the bag's tagmanifest-sha256.txt.
  std::string archive_sha256, manifest_sha256, tagmanifest_sha256;
  std::vector<EnvelopeRecord> envelopes;
};
struct RunRecord {
  std::string run_id, user;
  std::string created_at;  // ISO-8601 UTC
  std::string month_key;   // billing month of the run (YYYY-MM): "the same month" for the review
  std::vector<BatchRecord> batches;
  std::vector<SlipRecord> slips;
  std::vector<NoticeRecord> notices;
};

// A produced batch, once sealed, into the run's record.
inline void add_sealed(RunRecord& run, const BatchSummary& b, const std::string& archive_sha256,
                       const std::string& manifest_sha256, const std::string& tagmanifest_sha256) {
  run.batches.push_back({b.batch_id, archive_sha256, manifest_sha256, tagmanifest_sha256, b.envelopes});
  run.notices.insert(run.notices.end(), b.notices.begin(), b.notices.end());
  run.slips.insert(run.slips.end(), b.slips.begin(), b.slips.end());
}
// The same, taking the batch's lists instead of copying them (a 100,000-child run's are tens of MB).
inline void add_sealed(RunRecord& run, BatchSummary&& b, const std::string& archive_sha256,
                       const std::string& manifest_sha256, const std::string& tagmanifest_sha256) {
  run.batches.push_back({b.batch_id, archive_sha256, manifest_sha256, tagmanifest_sha256, std::move(b.envelopes)});
  run.notices.insert(run.notices.end(), std::make_move_iterator(b.notices.begin()),
                     std::make_move_iterator(b.notices.end()));
  run.slips.insert(run.slips.end(), std::make_move_iterator(b.slips.begin()), std::make_move_iterator(b.slips.end()));
  std::vector<NoticeRecord>().swap(b.notices);
  std::vector<SlipRecord>().swap(b.slips);
}

}  // namespace tsuchi::records
