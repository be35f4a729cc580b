// Japan Post customer barcode (barcodes.md §2): extraction, symbols, check digit, bar states.
#include <doctest/doctest.h>
#include <zint.h>

#include <memory>

#include "barcode/barcode.hpp"

using namespace tsuchi::barcode;

namespace {

struct Row {
  const char* postcode;
  const char* address;
  std::string data;  // before padding and cut
  std::string cd;
};

// 1-16: Japan Post's worked examples (付番事例), verbatim.
// 17-: derived by the same rules (full-width input, kanji numerals, letters, floors, cuts, names).
const Row kRows[] = {
    {"263-0023", "千葉市稲毛区緑町3丁目30-8　郵便ビル403号", "26300233-30-8-403", "5"},
    {"014-0113", "秋田県大仙市堀見内　南田茂木　添60-1", "014011360-1", "CC8"},
    {"110-0016", "東京都台東区台東5-6-3　ABCビル10F", "11000165-6-3-10", "9"},
    {"060-0906", "北海道札幌市東区北六条東4丁目　郵便センター6号館", "06009064-6", "9"},
    {"065-0006", "北海道札幌市東区北六条東8丁目　郵便センター10号館", "06500068-10", "9"},
    {"407-0033", "山梨県韮崎市龍岡町下條南割　韮崎400", "4070033400", "-"},
    {"273-0102", "千葉県鎌ケ谷市右京塚　東3丁目-20-5　郵便・A&bコーポB604号", "27301023-20-5B604", "0"},
    {"198-0036", "東京都青梅市河辺町十一丁目六番地一号　郵便タワー601", "198003611-6-1-601", "CC8"},
    {"027-0203", "岩手県宮古市大字津軽石第二十一地割大淵川480", "027020321-480", "CC5"},
    {"590-0016", "大阪府堺市堺区中田出井町四丁六番十九号", "59000164-6-19", "CC2"},
    {"080-0831", "北海道帯広市稲田町南七線　西28", "08008317-28", "CC7"},
    {"317-0055", "茨城県日立市宮田町6丁目7-14　ABCビル2F", "31700556-7-14-2", "CC1"},
    {"650-0046", "神戸市中央区港島中町9丁目7-6　郵便シティA棟1F1号", "65000469-7-6A1-1", "5"},
    {"623-0011", "京都府綾部市青野町綾部6-7　LプラザB106", "62300116-7LB106", "4"},
    {"064-0804", "札幌市中央区南四条西29丁目1524-23　第2郵便ハウス501", "064080429-1524-23-2-501", "3"},
    {"910-0067", "福井県福井市新田塚3丁目80-25　J1ビル2-B", "91000673-80-25J1-2B", "9"},
    // full-width digits and hyphens, postcode included
    {"１００－０００１", "東京都千代田区千代田１－１", "10000011-1", "CC7"},
    // kanji numerals before 丁目 and 番地; a trailing kanji numeral with no marker stays text
    {"360-8601", "埼玉県熊谷市宮町二丁目四十七番地一", "36086012-47", "CC7"},
    {"530-0001", "大阪府大阪市北区梅田３丁目１番３号", "53000013-1-3", "4"},
    // floor after a building name
    {"105-0011", "東京都港区芝公園4-2-8 東京タワー 3F", "10500114-2-8-3", "CC3"},
    // a lower-case single letter is upper-cased and kept, hyphens beside it dropped
    {"220-0012", "神奈川県横浜市西区みなとみらい2-2-1 ランドマーク b棟 1205", "22000122-2-1B1205", "CC5"},
    // exactly 20 symbols: nothing cut, no padding
    {"163-8001", "東京都新宿区西新宿2-8-1 第一本庁舎 32F 3201", "16380012-8-1-32-3201", "CC4"},
    // 北1条: a number followed by 条 belongs to the town name
    {"060-8611", "北海道札幌市中央区北1条西2丁目1-1 札幌市役所 1234号室", "06086112-1-1-1234", "6"},
    // a letter ending exactly at symbol 20 keeps both its symbols
    {"330-0061", "埼玉県さいたま市浦和区常盤9丁目21-19 ハイツ101-A", "33000619-21-19-101A", "CC7"},
    // 21 symbols: the last digit is cut
    {"100-6640", "東京都千代田区丸の内1丁目9-10 グラントウキョウノースタワー 40F 4001", "10066401-9-10-40-4001", "0"},
    // several letters are text; B1F = letter, number, floor
    {"540-0008", "大阪府大阪市中央区大手前2-1-22 NTTビル B1F", "54000082-1-22B1", "1"},
    // U-Z take CC3, K-T take CC2
    {"150-0002", "東京都渋谷区渋谷2-21-1 ヒカリエ W棟", "15000022-21-1W", "CC4"},
    {"330-0063", "埼玉県さいたま市浦和区高砂3-5 Sハイツ", "33000633-5S", "6"},
    // names holding a numeral and a marker-like kanji stay text: 八丁堀, 一番町, 三ノ輪
    {"104-0032", "東京都中央区八丁堀三丁目5番2号", "10400323-5-2", "0"},
    {"980-0811", "宮城県仙台市青葉区一番町四丁目7-17", "98008114-7-17", "7"},
    {"110-0011", "東京都台東区三ノ輪二丁目11番5号", "11000112-11-5", "2"},
    // building with a number after a space, 階 and 号室
    {"360-0037", "埼玉県熊谷市筑波3丁目195番地 熊谷第2ビル 5階 502号室", "36000373-195-2-5-502", "4"},
    {"183-0022", "東京都府中市宮西町2丁目24番地の1", "18300222-24-1", "9"},
    // 百 and positional 〇 in kanji numbers
    {"039-1501", "青森県三戸郡五戸町字古舘百二番地", "0391501102", "9"},
    {"360-0041", "埼玉県熊谷市本町1丁目2番 コーポ二〇三号", "36000411-2-203", "7"},
    // no address number at all: the postcode alone
    {"901-3901", "沖縄県島尻郡北大東村", "9013901", "4"},
    // full-width space and letter
    {"163-0023", "東京都新宿区西新宿２丁目８番１号　Ｂ棟", "16300232-8-1B", "-"},
    // long-vowel marks after a digit are hyphens, hyphen look-alikes too
    {"430-0937", "静岡県浜松市中区元城町103ー2", "4300937103-2", "CC7"},
    {"330-0063", "埼玉県さいたま市浦和区高砂3ｰ5ｰ1", "33000633-5-1", "CC5"},
    {"064-0801", "北海道札幌市中央区南1条西10丁目4‐177−2", "064080110-4-177-2", "1"},
    {"020-0173", "岩手県滝沢市鵜飼狐洞三地割1", "02001733-1", "4"},
    // F not after a number is a building letter, not a floor
    {"360-0041", "埼玉県熊谷市本町2-3 F棟", "36000412-3F", "CC4"},
    // fuzz/customer: 25 positional kanji digits used to overflow a long; they are spelt out (cut at 20 symbols)
    {"360-0041", "埼玉県熊谷市本町一一一一一一一一一一一一一一一一一一一一一一一一一番地",
     "3600041" + std::string(25, '1'), "CC1"},
};

// zint's own Japan Post encoder, as an independent source of the bar states.
std::string zint_states(const std::string& input) {
  std::unique_ptr<zint_symbol, void (*)(zint_symbol*)> s(ZBarcode_Create(), ZBarcode_Delete);
  s->symbology = BARCODE_JAPANPOST;
  const int rc = ZBarcode_Encode(s.get(), reinterpret_cast<const unsigned char*>(input.data()),
                                 static_cast<int>(input.size()));
  if (rc >= ZINT_ERROR || s->rows != 3) return "zint error: " + std::string(s->errtxt);
  auto module = [&](int row, int col) { return (s->encoded_data[row][col / 8] >> (col % 8)) & 1; };
  std::string states;
  for (int col = 0; col < s->width; col += 2) {  // bars on even columns, gaps between
    const bool up = module(0, col), down = module(2, col);
    states += up && down ? '1' : up ? '2' : down ? '3' : '4';
  }
  return states;
}

// The 20 symbols as zint input (letters back from CC pairs, CC4 padding left to zint); empty when
// zint cannot express them (a lone CC at position 20).
std::string zint_input(const std::vector<std::string>& symbols) {
  std::string in;
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    const auto& s = symbols[i];
    if (s == "CC4") break;  // padding: zint pads with CC4 itself
    if (s.starts_with("CC")) {
      if (i + 1 == symbols.size()) return {};
      in += static_cast<char>('A' + (s[2] - '1') * 10 + (symbols[++i][0] - '0'));
    } else {
      in += s;
    }
  }
  return in;
}

}  // namespace

TEST_CASE("customer barcode data and check digit: official examples and derived rows") {
  for (const auto& r : kRows) {
    CAPTURE(r.data);
    auto c = customer_code(r.postcode, r.address);
    REQUIRE(c);
    CHECK(c->data == r.data);
    CHECK(c->check_digit == r.cd);
    CHECK(c->symbols.size() == 20);
  }
}

TEST_CASE("symbols: letters as CC pairs, CC4 padding, cut at 20 keeping a split letter's CC") {
  struct SymRow { const char* postcode; const char* address; std::vector<std::string> symbols; };
  const SymRow rows[] = {
      {"263-0023", "千葉市稲毛区緑町3丁目30-8　郵便ビル403号",
       {"2", "6", "3", "0", "0", "2", "3", "3", "-", "3", "0", "-", "8", "-", "4", "0", "3", "CC4", "CC4", "CC4"}},
      {"064-0804", "札幌市中央区南四条西29丁目1524-23　第2郵便ハウス501",
       {"0", "6", "4", "0", "8", "0", "4", "2", "9", "-", "1", "5", "2", "4", "-", "2", "3", "-", "2", "-"}},
      {"910-0067", "福井県福井市新田塚3丁目80-25　J1ビル2-B",
       {"9", "1", "0", "0", "0", "6", "7", "3", "-", "8", "0", "-", "2", "5", "CC1", "9", "1", "-", "2", "CC1"}},
      {"623-0011", "京都府綾部市青野町綾部6-7　LプラザB106",
       {"6", "2", "3", "0", "0", "1", "1", "6", "-", "7", "CC2", "1", "CC1", "1", "1", "0", "6", "CC4", "CC4", "CC4"}},
      {"150-0002", "東京都渋谷区渋谷2-21-1 ヒカリエ Z棟",
       {"1", "5", "0", "0", "0", "0", "2", "2", "-", "2", "1", "-", "1", "CC3", "5", "CC4", "CC4", "CC4", "CC4", "CC4"}},
  };
  for (const auto& r : rows) {
    auto c = customer_code(r.postcode, r.address);
    REQUIRE(c);
    CHECK(c->symbols == r.symbols);
  }
}

TEST_CASE("no customer barcode for a representative postcode or a malformed one") {
  for (const char* pc : {"360-0000", "1000000", "１００－０１００", "12-345", "12345678", "123456", "123-456a", ""}) {
    CAPTURE(pc);
    CHECK_FALSE(customer_code(pc, "東京都千代田区千代田1-1"));
  }
  CHECK(normalize_postal_code("263-0023") == "2630023");
  CHECK(normalize_postal_code("２６３－００２３") == "2630023");
  CHECK(normalize_postal_code("2630023") == "2630023");
  CHECK_FALSE(normalize_postal_code("263-002"));
  CHECK_FALSE(normalize_postal_code("〒263-0023"));
}

TEST_CASE("check digit makes the 21 symbols a multiple of 19") {
  auto value = [](const std::string& s) { return s == "-" ? 10 : s.starts_with("CC") ? 10 + (s[2] - '0') : s[0] - '0'; };
  for (const auto& r : kRows) {
    auto c = customer_code(r.postcode, r.address);
    REQUIRE(c);
    int sum = value(c->check_digit);
    for (const auto& s : c->symbols) sum += value(s);
    CAPTURE(r.data);
    CHECK(sum % 19 == 0);
  }
}

TEST_CASE("67 bar states agree with zint's Japan Post encoder wherever zint can express the data") {
  int compared = 0;
  for (const auto& r : kRows) {
    auto c = customer_code(r.postcode, r.address);
    REQUIRE(c);
    const std::string states = customer_bar_states(*c);
    CAPTURE(r.data);
    CHECK(states.size() == 67);
    CHECK(states.substr(0, 2) == "13");
    CHECK(states.substr(65) == "31");
    const std::string in = zint_input(c->symbols);
    if (in.empty()) continue;  // official case 16: a lone CC at position 20
    CHECK(states == zint_states(in));
    ++compared;
  }
  CHECK(compared == static_cast<int>(std::size(kRows)) - 1);
}

TEST_CASE("bar states decode back to the symbols; any single wrong bar is caught") {
  for (const auto& r : kRows) {
    auto c = customer_code(r.postcode, r.address);
    REQUIRE(c);
    const std::string states = customer_bar_states(*c);
    auto back = customer_symbols_from_states(states);
    REQUIRE(back);
    auto expected = c->symbols;
    expected.push_back(c->check_digit);
    CHECK(*back == expected);
    for (std::size_t i = 0; i < states.size(); ++i)
      for (char alt : {'1', '2', '3', '4'}) {
        if (alt == states[i]) continue;
        std::string bad = states;
        bad[i] = alt;
        CAPTURE(i);
        CHECK_FALSE(customer_symbols_from_states(bad));
      }
  }
  CHECK_FALSE(customer_symbols_from_states("13"));
}

TEST_CASE("drawing at the nominal size, and reading the drawing back") {
  auto c = customer_code("263-0023", "千葉市稲毛区緑町3丁目30-8　郵便ビル403号");
  REQUIRE(c);
  const Symbol s = draw_customer_barcode(*c);
  REQUIRE(s.bars.size() == 67);
  CHECK(s.width_mm == doctest::Approx(2 + 66 * 1.2 + 0.6 + 2));
  CHECK(s.height_mm == doctest::Approx(2 + 3.6 + 2));
  const std::string states = customer_bar_states(*c);
  for (std::size_t i = 0; i < s.bars.size(); ++i) {
    const Bar& b = s.bars[i];
    CAPTURE(i);
    CHECK(b.w == doctest::Approx(0.6));
    CHECK(b.x == doctest::Approx(2 + 1.2 * i));
    const double expected_h = states[i] == '1' ? 3.6 : states[i] == '4' ? 1.2 : 2.4;
    CHECK(b.h == doctest::Approx(expected_h));
    CHECK(b.y >= 2 - 1e-9);
    CHECK(b.y + b.h <= 2 + 3.6 + 1e-9);
  }
  CHECK(bar_states_from_symbol(s) == states);

  // Read back at another scale and position, bars in any order, as preflight would find them.
  Symbol moved;
  for (auto it = s.bars.rbegin(); it != s.bars.rend(); ++it)
    moved.bars.push_back({10 + it->x * 0.8, 50 + it->y * 0.8, it->w * 0.8, it->h * 0.8});
  CHECK(bar_states_from_symbol(moved) == states);
  for (const auto& r : kRows) {
    auto cc = customer_code(r.postcode, r.address);
    CHECK(bar_states_from_symbol(draw_customer_barcode(*cc)) == customer_bar_states(*cc));
  }
}
