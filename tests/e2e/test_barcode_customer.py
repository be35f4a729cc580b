"""`tsuchi barcode customer`: Japan Post's 16 worked examples as exact JSON, plain output, exit codes;
`tsuchi barcode store` checks a 44-digit payload."""
import json

from harness import Test

# postcode, address, expected JSON (SPEC §12; Japan Post's customer-barcode manual, worked examples)
CASES = [
    ("263-0023", "千葉市稲毛区緑町3丁目30-8　郵便ビル403号", '{"data": "26300233-30-8-403", "check_digit": "5"}'),
    ("014-0113", "秋田県大仙市堀見内　南田茂木　添60-1", '{"data": "014011360-1", "check_digit": "CC8"}'),
    ("110-0016", "東京都台東区台東5-6-3　ABCビル10F", '{"data": "11000165-6-3-10", "check_digit": "9"}'),
    ("060-0906", "北海道札幌市東区北六条東4丁目　郵便センター6号館", '{"data": "06009064-6", "check_digit": "9"}'),
    ("065-0006", "北海道札幌市東区北六条東8丁目　郵便センター10号館", '{"data": "06500068-10", "check_digit": "9"}'),
    ("407-0033", "山梨県韮崎市龍岡町下條南割　韮崎400", '{"data": "4070033400", "check_digit": "-"}'),
    ("273-0102", "千葉県鎌ケ谷市右京塚　東3丁目-20-5　郵便・A&bコーポB604号",
     '{"data": "27301023-20-5B604", "check_digit": "0"}'),
    ("198-0036", "東京都青梅市河辺町十一丁目六番地一号　郵便タワー601", '{"data": "198003611-6-1-601", "check_digit": "CC8"}'),
    ("027-0203", "岩手県宮古市大字津軽石第二十一地割大淵川480", '{"data": "027020321-480", "check_digit": "CC5"}'),
    ("590-0016", "大阪府堺市堺区中田出井町四丁六番十九号", '{"data": "59000164-6-19", "check_digit": "CC2"}'),
    ("080-0831", "北海道帯広市稲田町南七線　西28", '{"data": "08008317-28", "check_digit": "CC7"}'),
    ("317-0055", "茨城県日立市宮田町6丁目7-14　ABCビル2F", '{"data": "31700556-7-14-2", "check_digit": "CC1"}'),
    ("650-0046", "神戸市中央区港島中町9丁目7-6　郵便シティA棟1F1号", '{"data": "65000469-7-6A1-1", "check_digit": "5"}'),
    ("623-0011", "京都府綾部市青野町綾部6-7　LプラザB106", '{"data": "62300116-7LB106", "check_digit": "4"}'),
    ("064-0804", "札幌市中央区南四条西29丁目1524-23　第2郵便ハウス501",
     '{"data": "064080429-1524-23-2-501", "check_digit": "3"}'),
    ("910-0067", "福井県福井市新田塚3丁目80-25　J1ビル2-B", '{"data": "91000673-80-25J1-2B", "check_digit": "9"}'),
]

with Test() as t:
    for postcode, address, expected in CASES:
        got = t.json("barcode", "customer", "--postal-code", postcode, "--address", address, "--json")
        t.check({k: got.get(k) for k in ("data", "check_digit")} == json.loads(expected),
                postcode + ": " + expected, "got %s" % got)
        t.check(got.get("schema") == "tsuchi.barcode.customer/1" and got.get("ok") is True, postcode + ": schema, ok", got)

    # The postcode without its hyphen gives the same answer; plain output carries the same two values.
    first = CASES[0]
    got = t.json("barcode", "customer", "--postal-code", "2630023", "--address", first[1], "--json")
    t.check({k: got.get(k) for k in ("data", "check_digit")} == json.loads(first[2]), "postcode without hyphen", got)
    p = t.run("barcode", "customer", "--postal-code", "263-0023", "--address", first[1], stop=False)
    t.check(p.stderr.rstrip("\n") == "data: 26300233-30-8-403\ncheck_digit: 5" and p.stdout == "",
            "plain output: the same two values, on stderr (human text)", p.stdout + p.stderr)

    # exit 1: no code for a representative postcode, or a bad postcode (message on stderr, nothing on stdout)
    for pc in ("360-0000", "12-3456", "2630023x"):
        p = t.run("barcode", "customer", "--postal-code", pc, "--address", "埼玉県熊谷市宮町二丁目47-1", "--json",
                  want=1, stop=False)
        doc = json.loads(p.stdout)
        t.check(doc["ok"] is False and doc["exit_code"] == 1 and doc["errors"] and doc["errors"][0]["reason"],
                "postcode %s: a JSON document with the error as an object" % pc, p.stdout)
        t.check("宮町" not in p.stdout, "postcode %s: the address is not echoed in JSON" % pc, p.stdout)
        t.check(p.stderr.strip() != "", "postcode %s: a message on stderr" % pc)
        t.check("宮町" not in p.stderr, "postcode %s: the address is not echoed" % pc, p.stderr)

    # exit 2: usage errors
    t.run("barcode", "customer", "--address", "x", want=2, stop=False)
    t.run("barcode", want=2, stop=False)

    # `barcode store` checks a 44-digit payload
    t.run("barcode", "store", "--digits", "91912345000012345678901234567026043000123004", want=0, stop=False)
    t.run("barcode", "store", "--digits", "91912345000012345678901234567026043000123005", want=1, stop=False)
