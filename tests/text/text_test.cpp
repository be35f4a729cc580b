// Text engine: font fallback, missing glyphs, clusters, kinsoku, justification (SPEC §4).
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "fonts.hpp"
#include "text/text.hpp"

using namespace tsuchi::display;
using namespace tsuchi::text;

namespace {

std::string face_name(const GlyphRun& r) { return engine().faces().at(r.face).name; }

std::u32string decode(std::string_view s) {
  std::u32string out;
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const int n = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
    char32_t c = n == 1 ? b : b & (0xFF >> (n + 1));
    for (int k = 1; k < n; ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(c);
    i += n;
  }
  return out;
}

// The advance of a run's last cluster, to find where the run ends.
double last_advance(const GlyphRun& r, Role role) {
  const auto bytes = static_cast<std::size_t>(r.clusters.back().bytes);
  return engine().width(r.text.substr(r.text.size() - bytes), role, r.size);
}

// Lines of a block: runs grouped by baseline, in order.
struct Line {
  double y, left, right;
  std::string text;
};
std::vector<Line> lines_of(const TextBlock& b, Role role) {
  std::vector<Line> out;
  for (const GlyphRun& r : b.runs) {
    const double right = r.glyphs.back().x + last_advance(r, role);
    if (out.empty() || std::abs(out.back().y - r.glyphs.front().y) > 1e-9) {
      out.push_back({r.glyphs.front().y, r.glyphs.front().x, right, r.text});
    } else {
      out.back().right = right;
      out.back().text += r.text;
    }
  }
  return out;
}

std::string without_newlines(std::string s) {
  std::erase(s, '\n');
  return s;
}

const std::u32string kNoLineStart = U"、。，．）」』】〉》ーぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮ・：；！？々ゝゞヽヾ)]},.";
const std::u32string kNoLineEnd = U"（「『【〈《([{";

}  // namespace

TEST_CASE("fallback: each character or variation sequence is drawn by the first face that has it") {
  struct Row {
    std::string what;
    std::string text;
    Role role;
    const char* face;  // face of the single run
    bool missing;
    bool variation_only;
  };
  const Row rows[] = {
      {"子 in IPAex", "子", Role::mincho, "IPAexMincho", false, false},
      {"𠮷 U+20BB7: IPAex lacks it, IPAmj has it", "\U00020BB7", Role::mincho, "IPAmjMincho", false, false},
      {"𠮷 in the gothic role falls back to IPAmj too", "\U00020BB7", Role::gothic, "IPAmjMincho", false, false},
      {"神 U+FA19 compatibility ideograph", "\uFA19", Role::mincho, "IPAexMincho", false, false},
      {"辻+U+E0100 is in IPAex", "辻\U000E0100", Role::mincho, "IPAexMincho", false, false},
      // Measured: IPAex's cmap 14 has both 辻+E0100 and 辻+E0101; IPAmj has E0102/E0103 only.
      {"辻+U+E0101 is in IPAex too", "辻\U000E0101", Role::gothic, "IPAexGothic", false, false},
      {"辻+U+E0102 only in IPAmj", "辻\U000E0102", Role::mincho, "IPAmjMincho", false, false},
      {"辻+U+E0104 in no font: the base is drawn, reported variation-only", "辻\U000E0104", Role::mincho,
       "IPAexMincho", true, true},
      {"U+0378 unassigned: no font", "\u0378", Role::mincho, "IPAexMincho", true, false},
      {"U+E000 private use: no font", "\uE000", Role::gothic, "IPAexGothic", true, false},
  };
  for (const Row& row : rows) {
    CAPTURE(row.what);
    const auto missing = engine().missing(row.text, row.role);
    CHECK(missing.empty() == !row.missing);
    if (row.missing) {
      REQUIRE(missing.size() == 1);
      CHECK(missing[0].sequence == decode(row.text));
      CHECK(missing[0].variation_only == row.variation_only);
    }
    const auto runs = engine().line(row.text, row.role, 10, 0, 0);
    REQUIRE(runs.size() == 1);
    CHECK(face_name(runs[0]) == row.face);
    CHECK(runs[0].text == row.text);
    CHECK(runs[0].glyphs.size() == 1);  // a variation sequence is one glyph, never base + box
  }
}

TEST_CASE("a variation sequence picks its own glyph, not the base character's") {
  auto glyph = [](const std::string& t) { return engine().line(t, Role::mincho, 10, 0, 0).at(0).glyphs.at(0).id; };
  // IPAex draws plain 辻 with two dots (its E0101 form); E0100 is the one-dot form.
  CHECK(glyph("辻\U000E0100") != glyph("辻"));
  CHECK(glyph("辻\U000E0100") != glyph("辻\U000E0101"));
  CHECK(glyph("辻\U000E0101") == glyph("辻"));
  // Lacking the sequence, the base glyph is drawn (and missing() reports it).
  CHECK(glyph("辻\U000E0104") == glyph("辻"));
}

TEST_CASE("missing() lists each offending sequence once, in order, and ignores what is not drawn") {
  const auto m = engine().missing("a\uE000b\u0378\uE000\n\u200D辻\U000E0104山", Role::mincho);
  REQUIRE(m.size() == 3);
  CHECK(m[0].sequence == U"\uE000");
  CHECK(m[1].sequence == U"\u0378");
  CHECK(m[2].sequence == U"辻\U000E0104");
  CHECK(engine().missing("熊谷市宮町二丁目47番地1　ＡＢＣビル　101号室\n", Role::gothic).empty());
}

TEST_CASE("runs split where the face changes and their clusters cover text and glyphs exactly") {
  struct Row {
    std::string text;
    Role role;
    std::vector<std::string> run_texts;
  };
  const Row rows[] = {
      {"吉田\U00020BB7子", Role::mincho, {"吉田", "\U00020BB7", "子"}},
      {"辻\U000E0100本 辻\U000E0102本", Role::mincho, {"辻\U000E0100本 ", "辻\U000E0102", "本"}},
      {"神\uFA19社 12,300円 (fi ffl AVA)", Role::gothic, {"神\uFA19社 12,300円 (fi ffl AVA)"}},
      {"\U00020BB7\U00020BB7", Role::gothic, {"\U00020BB7\U00020BB7"}},
      {"ｶﾞｷﾞ ｶﾞｰﾃﾞﾝ が\u3099", Role::mincho, {"ｶﾞｷﾞ ｶﾞｰﾃﾞﾝ が\u3099"}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.text);
    const auto runs = engine().line(row.text, row.role, 12, 10, 20);
    std::vector<std::string> texts;
    for (const GlyphRun& r : runs) {
      texts.push_back(r.text);
      int bytes = 0, glyphs = 0;
      for (const Cluster& c : r.clusters) {
        CHECK(c.bytes > 0);
        CHECK(c.glyphs > 0);
        bytes += c.bytes;
        glyphs += c.glyphs;
      }
      CHECK(bytes == static_cast<int>(r.text.size()));
      CHECK(glyphs == static_cast<int>(r.glyphs.size()));
      CHECK(r.size == 12);
      for (const Glyph& g : r.glyphs) CHECK(g.y == doctest::Approx(20));
    }
    CHECK(texts == row.run_texts);
    CHECK(runs.front().glyphs.front().x == doctest::Approx(10));
  }
}

TEST_CASE("width() is where line() ends, for every alignment") {
  const std::string texts[] = {"保育料 12,300円", "令和7年9月1日", "\U00020BB7田 Wi", "ABC-123 (株)"};
  for (const std::string& t : texts) {
    for (Role role : {Role::mincho, Role::gothic}) {
      CAPTURE(t);
      const double w = engine().width(t, role, 10.5);
      CHECK(w > 0);
      const auto left = engine().line(t, role, 10.5, 100, 50);
      CHECK(left.back().glyphs.back().x + last_advance(left.back(), role) == doctest::Approx(100 + w));
      const auto right = engine().line(t, role, 10.5, 300, 50, Align::right);
      CHECK(right.front().glyphs.front().x == doctest::Approx(300 - w));
      CHECK(right.back().glyphs.back().x + last_advance(right.back(), role) == doctest::Approx(300));
      const auto center = engine().line(t, role, 10.5, 200, 50, Align::center);
      CHECK(center.front().glyphs.front().x == doctest::Approx(200 - w / 2));
    }
  }
}

TEST_CASE("digits and Latin letters are proportional, full-width forms are one em") {
  const double size = 10;
  CHECK(engine().width("１２，３００円", Role::mincho, size) == doctest::Approx(7 * size));
  CHECK(engine().width("1", Role::mincho, size) < size * 0.75);
  CHECK(engine().width("i", Role::mincho, size) < engine().width("W", Role::mincho, size));
  CHECK(engine().width("12,300円", Role::mincho, size) < 6 * size);
  CHECK(engine().width("", Role::mincho, size) == 0);
}

TEST_CASE("kinsoku: no line starts with closing punctuation or small kana, none ends with an opening one") {
  struct Row {
    std::string text;
    double width_em;  // naive breaking after this many characters would break a rule
  };
  const Row rows[] = {
      {"あいうえ。かきくけこ", 4},        // 。 would start line 2
      {"あいうえ、かきくけこ", 4},        // 、
      {"あいうえ）かきくけこ", 4},        // ）
      {"あいう」』かきくけこ", 4},        // 」』 twice
      {"コンピュータの", 5},              // ー
      {"あいうえっかきくけこ", 4},        // っ
      {"チョコレートケーキ", 2},          // ョ and ー
      {"あいう（えお）かきく", 4},        // （ would end line 1
      {"あいう「えお」かきく", 4},        // 「
      {"あいうえ・かきくけこ", 4},        // ・
      {"ああ々いい々うう々", 2},           // 々
      {"保育料は12,300円です。", 8},       // 。 after digits
      {"abc def) ghi", 3.2},              // ) after Latin
      {"合計(12,300円)です", 2.5},         // ( before digits
  };
  for (const Row& row : rows) {
    for (Align align : {Align::left, Align::justify}) {
      CAPTURE(row.text);
      const double size = 10, width = row.width_em * size;
      const TextBlock b = engine().paragraph(row.text, Role::mincho, size, 0, 0, width, 15, align);
      const auto lines = lines_of(b, Role::mincho);
      CHECK(static_cast<int>(lines.size()) == b.lines);
      CHECK(lines.size() >= 2);
      std::string all;
      for (const Line& l : lines) {
        CAPTURE(l.text);
        const std::u32string u = decode(l.text);
        CHECK(kNoLineStart.find(u.front()) == std::u32string::npos);
        CHECK(kNoLineEnd.find(u.back()) == std::u32string::npos);
        const bool single_cluster = u.size() == 1;
        if (!single_cluster) CHECK(l.right <= width + 0.01);
        all += l.text;
      }
      std::string expected = row.text;
      std::erase(expected, ' ');  // spaces at a break are dropped; this compares what is printed
      std::erase(all, ' ');
      CHECK(all == expected);
    }
  }
}

TEST_CASE("justified lines end at x + width, except the last and those before a hard break") {
  const std::string appeal =
      "１　この処分に不服がある場合には、この処分があったことを知った日の翌日から起算して３か月以内に、"
      "熊谷市長に対して審査請求をすることができます。\n\n"
      "２　この処分の取消しの訴えは、この処分があったことを知った日の翌日から起算して６か月以内に、"
      "熊谷市を被告として（訴訟において熊谷市を代表する者は熊谷市長となります。）提起することができます。\n"
      "Appeals may be filed in English (see the leaflet) within 3 months.";
  const double x = 56.7, y = 300, size = 9.5, leading = 14;
  for (double width : {160.0, 233.3, 400.0}) {
    CAPTURE(width);
    const TextBlock b = engine().paragraph(appeal, Role::mincho, size, x, y, width, leading, Align::justify);
    const auto lines = lines_of(b, Role::mincho);
    CHECK(b.lines == static_cast<int>(lines.size()) + 1);  // the blank line has no runs
    CHECK(b.height == doctest::Approx(b.lines * leading));
    CHECK(lines.front().y == doctest::Approx(y + size));
    std::string printed;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const Line& l = lines[i];
      CAPTURE(l.text);
      printed += l.text;
      CHECK(l.left == doctest::Approx(x));
      const bool paragraph_end = i + 1 == lines.size() || l.text.ends_with("ます。");
      if (!paragraph_end) CHECK(std::abs(l.right - (x + width)) < 0.01);
      else CHECK(l.right < x + width + 0.01);
    }
    CHECK(b.last_line_width == doctest::Approx(lines.back().right - x));
    std::string expected = without_newlines(appeal);
    std::erase(expected, ' ');
    std::erase(printed, ' ');
    CHECK(printed == expected);
  }
}

TEST_CASE("paragraph alignment and hard breaks") {
  const double size = 10;
  const TextBlock left = engine().paragraph("あいう\n\nかき\n", Role::gothic, size, 20, 0, 100, 12);
  CHECK(left.lines == 3);
  CHECK(left.height == doctest::Approx(36));
  CHECK(left.last_line_width == doctest::Approx(20));
  const auto l = lines_of(left, Role::gothic);
  REQUIRE(l.size() == 2);
  CHECK(l[0].y == doctest::Approx(10));
  CHECK(l[1].y == doctest::Approx(34));

  const TextBlock right = engine().paragraph("あいう", Role::gothic, size, 20, 0, 100, 12, Align::right);
  CHECK(lines_of(right, Role::gothic)[0].right == doctest::Approx(120));
  const TextBlock center = engine().paragraph("あいう", Role::gothic, size, 20, 0, 100, 12, Align::center);
  CHECK(lines_of(center, Role::gothic)[0].left == doctest::Approx(55));
  CHECK(engine().paragraph("", Role::gothic, size, 0, 0, 100, 12).lines == 0);
}

TEST_CASE("a word wider than the line is cut between characters; one cluster wider still stands alone") {
  const TextBlock b = engine().paragraph("Supercalifragilistic", Role::mincho, 10, 0, 0, 30, 12, Align::justify);
  const auto lines = lines_of(b, Role::mincho);
  CHECK(lines.size() >= 3);
  for (const Line& l : lines) CHECK(l.right <= 30.01);
  const TextBlock tiny = engine().paragraph("あい", Role::mincho, 10, 0, 0, 4, 12);
  CHECK(tiny.lines == 2);
}

TEST_CASE("the engine can be shared by threads: each thread's runs equal a single-threaded run of its inputs") {
  // Every glyph, cluster and position of a block, doubles in hex: equal strings are equal runs.
  auto exact = [](const TextBlock& b) {
    std::string s = std::to_string(b.lines) + "|" + std::to_string(b.height) + "|";
    char buf[64];
    for (const GlyphRun& r : b.runs) {
      s += std::to_string(r.face) + ":" + r.text;
      for (const auto& g : r.glyphs) s += (std::snprintf(buf, sizeof buf, " %u@%a,%a", g.id, g.x, g.y), buf);
      for (const auto& c : r.clusters) s += " " + std::to_string(c.bytes) + "/" + std::to_string(c.glyphs);
      s += (std::snprintf(buf, sizeof buf, " %a %a;", r.size, r.gray), buf);
    }
    return s + (std::snprintf(buf, sizeof buf, "%a", b.last_line_width), buf);
  };
  // Thread i sets texts no other thread sets (other fallback faces, roles, sizes, alignments).
  auto input = [&](int thread, int k) {
    static const char* const kTexts[] = {"保護者 %d 様へ。お知らせします。", "𠮷田 %d 番地の辻\U000E0100本さんへ、",
                                         "12,300円 (%d) を「納期限」までに。", "\uFA19谷 %d 号室、ゃゅょっ。"};
    char text[256];
    std::snprintf(text, sizeof text, kTexts[thread], k);
    return exact(engine().paragraph(text, thread % 2 ? Role::gothic : Role::mincho, 9 + thread, 0, 0, 40 + 10 * thread,
                                    12 + thread, static_cast<Align>(k % 4)));
  };
  constexpr int kThreads = 4, kRounds = 120;
  std::vector<std::vector<std::string>> got(kThreads, std::vector<std::string>(kRounds));
  std::vector<std::thread> ts;
  for (int i = 0; i < kThreads; ++i)
    ts.emplace_back([&, i] {
      for (int k = 0; k < kRounds; ++k) got[i][k] = input(i, k);
    });
  for (auto& t : ts) t.join();
  for (int i = 0; i < kThreads; ++i)
    for (int k = 0; k < kRounds; ++k) {
      CAPTURE(i);
      CAPTURE(k);
      CHECK(got[i][k] == input(i, k));  // the same inputs again, now on this thread alone
    }
  CHECK(got[0][0] != got[1][0]);  // the threads really had different work
}

TEST_CASE("fonts.toml problems are error values naming the file and key") {
  const auto dir = std::filesystem::temp_directory_path() / ("tsuchi-fonts-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  struct Row {
    const char* toml;
    const char* key;
    const char* value;
    const char* reason;
  };
  const Row rows[] = {
      {"[faces.a]\npath = \"nowhere/x.ttf\"\n[roles]\nmincho = [\"a\"]\ngothic = [\"a\"]\n", "faces.a.path",
       "nowhere/x.ttf", "font file not found"},
      {"[faces.a]\npath = \"fonts.toml\"\n[roles]\nmincho = [\"a\"]\ngothic = [\"a\"]\n", "faces.a.path",
       "fonts.toml", "not a readable font file (or no face 0 in it)"},
      {"[faces.a]\npath = \"/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf\"\n[roles]\nmincho = [\"a\"]\n"
       "gothic = [\"b\"]\n",
       "roles.gothic", "b", "no such face in [faces]"},
      {"[faces.a]\npath = \"/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf\"\n[roles]\nmincho = [\"a\"]\n",
       "roles.gothic", "", "missing: a list of face names"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.toml);
    const std::string path = (dir / "fonts.toml").string();
    std::ofstream(path) << row.toml;
    const auto r = TextEngine::load(path);
    CHECK(!r.ok());
    CHECK(r.value == nullptr);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].file == path);
    CHECK(r.problems[0].column_name == row.key);
    CHECK(r.problems[0].value.ends_with(row.value));
    CHECK(r.problems[0].reason == row.reason);
  }
  std::ofstream(dir / "fonts.toml") << "[faces\n";
  const auto bad = TextEngine::load((dir / "fonts.toml").string());
  REQUIRE(bad.problems.size() == 1);
  CHECK(bad.problems[0].line == 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("justification spreads between Japanese characters and at spaces, never inside 12,300 or a word") {
  const std::string text = "今月の保育料は12,300円です。副食費4,500円はPayment slipでお支払いください。";
  const double size = 10;
  const auto natural = engine().line("12,300", Role::mincho, size, 0, 0);
  const auto word = engine().line("Payment", Role::mincho, size, 0, 0);
  for (double width : {95.0, 120.0, 143.0}) {
    CAPTURE(width);
    const TextBlock b = engine().paragraph(text, Role::mincho, size, 0, 0, width, 14, Align::justify);
    const auto lines = lines_of(b, Role::mincho);
    REQUIRE(lines.size() >= 3);
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) CHECK(std::abs(lines[i].right - width) < 0.01);
    // Find the glyphs of "12,300" and "Payment" and compare their spacing with a plain line.
    for (const auto* probe : {&natural, &word}) {
      const std::string& t = probe->front().text;
      int found = 0;
      for (const GlyphRun& r : b.runs) {
        const auto at = r.text.find(t);
        if (at == std::string::npos) continue;
        ++found;
        const auto first = decode(r.text.substr(0, at)).size();  // one glyph per character here
        for (std::size_t k = 1; k < probe->front().glyphs.size(); ++k)
          CHECK(r.glyphs[first + k].x - r.glyphs[first].x ==
                doctest::Approx(probe->front().glyphs[k].x - probe->front().glyphs[0].x));
      }
      CHECK(found == 1);
    }
  }
}
