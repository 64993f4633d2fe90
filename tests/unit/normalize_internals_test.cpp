// The normaliser's internals that exist for speed give what their plain counterparts give: form
// parts without escapes are views of the body and the others are decoded into one arena in body
// order, with their name order alongside; parameter names are ranked in byte order and ranked
// fields sort as comparing their names does; the parameter tables' index finds what a scan finds;
// and the event writer escapes and formats as RapidJSON's Writer does.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include "callback/event_writer.h"
#include "callback/form.h"
#include "callback/kind.h"
#include "callback/parameters.h"
#include "common/same_text.h"
#include "common/small_copy.h"
#include "support/schema_check.h"

namespace jb::callback {
namespace {

bool within(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

TEST(SameText, AgreesWithEqualityForEveryLengthAndEveryDifferingByte) {
  for (size_t length = 0; length <= 24; ++length) {
    const std::string text(length, 'a');
    EXPECT_TRUE(same_text(text, std::string(length, 'a'))) << length;
    EXPECT_FALSE(same_text(text, std::string(length + 1, 'a'))) << length;
    for (size_t at = 0; at < length; ++at) {
      std::string other = text;
      other[at] = 'b';
      EXPECT_FALSE(same_text(text, other)) << length << " at " << at;
      EXPECT_TRUE(same_text(other, std::string(other))) << length << " at " << at;
    }
  }
}

TEST(FormViews, PlainPartsAreViewsOfTheBodyAndEscapedOnesDecodeIntoTheArenaInBodyOrder) {
  const std::string body = "a=1&bb=x+y&&c%41=%41%42&d&=e";
  std::string arena;
  std::vector<const FieldView*> by_name;
  auto views = decode_form_views(body, &arena, &by_name);
  ASSERT_TRUE(views.ok()) << views.failure().detail;
  const std::vector<FieldView>& fields = views.value();
  ASSERT_EQ(fields.size(), 5u);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"a", "1"}, {"bb", "x y"}, {"cA", "AB"}, {"d", ""}, {"", "e"}};
  for (size_t i = 0; i < fields.size(); ++i) {
    EXPECT_EQ(fields[i].name, expected[i].first);
    EXPECT_EQ(fields[i].value, expected[i].second);
  }
  // Parts without '%' or '+' are the body's bytes themselves.
  EXPECT_EQ(fields[0].name.data(), body.data());
  EXPECT_EQ(fields[0].value.data(), body.data() + 2);
  EXPECT_EQ(fields[1].name.data(), body.data() + 4);
  EXPECT_EQ(fields[3].name.data(), body.data() + body.find("d&"));
  EXPECT_EQ(fields[4].value.data(), body.data() + body.size() - 1);
  // Escaped parts follow each other in the arena, in body order.
  EXPECT_EQ(fields[1].value.data(), arena.data());
  EXPECT_EQ(fields[2].name.data(), fields[1].value.data() + fields[1].value.size());
  EXPECT_EQ(fields[2].value.data(), fields[2].name.data() + fields[2].name.size());
  for (const FieldView& field : fields) {
    EXPECT_TRUE(within(field.name, arena) || within(field.name, body)) << field.name;
    EXPECT_TRUE(within(field.value, arena) || within(field.value, body)) << field.name;
  }
  // by_name orders the same fields as sorted_by_name does.
  const std::vector<const FieldView*> sorted = sorted_by_name(fields);
  ASSERT_EQ(by_name.size(), sorted.size());
  for (size_t i = 0; i < sorted.size(); ++i) EXPECT_EQ(by_name[i], sorted[i]) << i;
  EXPECT_EQ(by_name.front()->name, "");
  EXPECT_EQ(by_name.back()->name, "d");
}

TEST(FormViews, DecodeIntoReusedVectorsHoldsOnlyTheLatestBody) {
  std::string arena;
  std::vector<FieldView> fields;
  std::vector<const FieldView*> by_name;
  ASSERT_FALSE(decode_form_into("z=1&y=2&x=3&w=4", &arena, &fields, &by_name).has_value());
  ASSERT_EQ(fields.size(), 4u);
  // A shorter body after a longer one: no field of the first is left behind, in either order.
  ASSERT_FALSE(decode_form_into("b=%42&a", &arena, &fields, &by_name).has_value());
  ASSERT_EQ(fields.size(), 2u);
  ASSERT_EQ(by_name.size(), 2u);
  EXPECT_EQ(fields[0].name, "b");
  EXPECT_EQ(fields[0].value, "B");
  EXPECT_EQ(fields[1].name, "a");
  EXPECT_EQ(by_name[0], &fields[1]);
  EXPECT_EQ(by_name[1], &fields[0]);
  // A failure is decode_form's, and the next body decodes as if it came first.
  auto repeated = decode_form_into("a=1&a=2", &arena, &fields, &by_name);
  ASSERT_TRUE(repeated.has_value());
  EXPECT_EQ(repeated->reason, DeadLetterReason::duplicate_parameter);
  EXPECT_EQ(repeated->detail, "parameter a is repeated");
  auto bad = decode_form_into("a=%4", &arena, &fields, &by_name);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->reason, DeadLetterReason::bad_encoding);
  ASSERT_FALSE(decode_form_into("c=3", &arena, &fields, &by_name).has_value());
  ASSERT_EQ(fields.size(), 1u);
  EXPECT_EQ(fields[0].value, "3");
  EXPECT_EQ(by_name.size(), 1u);
}

// Every table the callback kinds reach, member tables included.
std::vector<const ParameterTable*> all_tables() {
  std::vector<const ParameterTable*> tables = {
      &netverify_parameters(), &authentication_parameters(), &document_verification_parameters()};
  for (size_t i = 0; i < tables.size(); ++i) {
    for (const auto& spec : *tables[i]) {
      if (spec.members != nullptr &&
          std::find(tables.begin(), tables.end(), spec.members) == tables.end())
        tables.push_back(spec.members);
    }
  }
  return tables;
}

TEST(SmallCopy, CopiesEveryLengthAndWritesNothingAround) {
  std::string from(40, '\0');
  for (size_t i = 0; i < from.size(); ++i) from[i] = static_cast<char>('A' + i);
  for (size_t count = 0; count <= 40; ++count) {
    std::string to(count + 16, '.');
    small_copy(to.data() + 8, from.data(), count);
    EXPECT_EQ(to, std::string(8, '.') + from.substr(0, count) + std::string(8, '.')) << count;
  }
}

// JsonOut::plain_name copies the tables' names without escaping them, and the data writer gives it
// every listed name: none may hold a byte JSON escapes.
TEST(ParameterTables, NamesHoldNoByteJsonEscapes) {
  for (const auto* table : all_tables()) {
    for (const auto& spec : *table) {
      EXPECT_TRUE(std::none_of(spec.name.begin(), spec.name.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\';
      })) << spec.name;
    }
  }
}

// The data writer hands read_envelope the members its kind lists, found through the kind's table.
TEST(KindRules, EnvelopeMembersAreParametersOfTheKindsTable) {
  for (Kind kind : {Kind::netverify, Kind::authentication, Kind::document}) {
    const KindRules& rules = rules_of(kind);
    EXPECT_FALSE(rules.envelope_members.empty());
    for (std::string_view name : rules.envelope_members)
      EXPECT_NE(find_parameter(rules.parameters(), name), nullptr) << name;
  }
}

TEST(ParameterTableIndex, FindsWhatAScanFinds) {
  const std::vector<const ParameterTable*> tables = all_tables();
  EXPECT_GE(tables.size(), 10u);
  std::vector<std::string> names = {"", "x", "id", "idCheck", "callBackTypes", "allBackType"};
  for (const auto* table : tables) {
    for (const auto& spec : *table) {
      names.emplace_back(spec.name);
      names.push_back(std::string(spec.name) + "x");
      names.push_back(std::string(spec.name).substr(1));
    }
  }
  for (const auto* table : tables) {
    for (const std::string& name : names) {
      const ParameterSpec* scanned = nullptr;
      for (const auto& spec : *table) {
        if (spec.name == name) {
          scanned = &spec;
          break;
        }
      }
      EXPECT_EQ(find_parameter(*table, name), scanned) << name;
    }
  }
}

TEST(ParameterRanks, RankTheFormTablesNamesInByteOrderAndFindTheirSpecs) {
  const ParameterRanks& ranks = parameter_ranks();
  const std::vector<const ParameterTable*> forms = {
      &netverify_parameters(), &authentication_parameters(), &document_verification_parameters()};
  std::vector<std::string_view> listed;
  for (const auto* table : forms)
    for (const auto& spec : *table) listed.push_back(spec.name);
  std::sort(listed.begin(), listed.end());
  listed.erase(std::unique(listed.begin(), listed.end()), listed.end());
  // With more names than kMaxRanks nothing would be ranked and every sort would compare names.
  ASSERT_LE(listed.size(), kMaxRanks);
  for (size_t i = 0; i < listed.size(); ++i) EXPECT_EQ(ranks.rank(listed[i]), i) << listed[i];
  // Names no form table lists, member names and near misses are not ranked.
  for (std::string_view name : {"", "x", "idCheck", "callBackTypes", "allBackType", "streetName",
                                "similarity", "jumioIdScanReferenc", "JUMIOIDSCANREFERENCE"})
    EXPECT_EQ(ranks.rank(name), kNoRank) << name;
  // Each form table's spec per rank is the one it finds by name, nullptr where it lists none.
  for (const auto* table : forms) {
    const ParameterSpec* const* specs = ranks.specs(*table);
    ASSERT_NE(specs, nullptr);
    for (size_t i = 0; i < listed.size(); ++i)
      EXPECT_EQ(specs[i], find_parameter(*table, listed[i])) << listed[i];
  }
  for (const auto* table : all_tables()) {
    if (std::find(forms.begin(), forms.end(), table) == forms.end()) {
      EXPECT_EQ(ranks.specs(*table), nullptr);
    }
  }
}

TEST(ParameterRanks, DecodedFieldsSortByRankAsByComparison) {
  // Ranked names only, ranked with unlisted ones, a repeated ranked name, and mixed orders: the
  // order decode_form_into gives is the one comparing the names (fields without ranks) gives.
  const std::vector<std::string> bodies = {
      "verificationStatus=A&callBackType=NETVERIFYID&idCountry=USA&callbackDate=x&idType=PASSPORT",
      "zzz=1&idType=PASSPORT&aaa=2&callBackType=NETVERIFYID&idCheckHologram=OK&idCheck=3",
      "scanReference=r&transaction=%7B%7D&timestamp=t&document=%7B%7D",
      "idType=a&idType=b&callBackType=c",
      "transactionReference=t&callbackDate=d&enrollmentTransactionReference=e"};
  std::string arena;
  std::vector<FieldView> fields;
  std::vector<const FieldView*> by_name;
  for (const std::string& body : bodies) {
    auto failure = decode_form_into(body, &arena, &fields, &by_name);
    std::vector<FieldView> unranked = fields;
    for (FieldView& field : unranked) {
      field.rank = kNoRank;
    }
    const std::vector<const FieldView*> compared = sorted_by_name(unranked);
    if (failure) {
      EXPECT_EQ(failure->reason, DeadLetterReason::duplicate_parameter) << body;
      continue;
    }
    ASSERT_EQ(by_name.size(), compared.size()) << body;
    for (size_t i = 0; i < compared.size(); ++i) {
      EXPECT_EQ(by_name[i]->name, compared[i]->name) << body << " #" << i;
      EXPECT_EQ(by_name[i] - fields.data(), compared[i] - unranked.data()) << body << " #" << i;
    }
  }
  // Ranks are given to listed names only.
  ASSERT_FALSE(decode_form_into("idType=x&idTypes=y", &arena, &fields, &by_name).has_value());
  EXPECT_EQ(fields[0].rank, parameter_ranks().rank("idType"));
  EXPECT_NE(fields[0].rank, kNoRank);
  EXPECT_EQ(fields[1].rank, kNoRank);
}

TEST(EventWriter, WritesDataAsRapidJsonsWriterDoes) {
  std::string every_byte;
  for (int c = 1; c < 0x80; ++c) every_byte.push_back(static_cast<char>(c));
  every_byte += "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  std::string with_nul("a\0b", 3);
  rapidjson::Document data(rapidjson::kObjectType);
  auto& allocator = data.GetAllocator();
  data.AddMember("every byte", rapidjson::Value(every_byte.c_str(), allocator), allocator);
  rapidjson::Value every_byte_name(every_byte.c_str(), allocator);
  data.AddMember(every_byte_name, 1, allocator);
  data.AddMember("nul", rapidjson::Value(with_nul.data(), 3, allocator), allocator);
  rapidjson::Value numbers(rapidjson::kArrayType);
  for (double d : {0.0, -0.0, 0.1, 1e21, 1.5e-7, 123456789.125, -2.5})
    numbers.PushBack(d, allocator);
  numbers.PushBack(-2147483647 - 1, allocator).PushBack(4294967295u, allocator);
  numbers.PushBack(int64_t{-9223372036854775807} - 1, allocator);
  numbers.PushBack(uint64_t{18446744073709551615u}, allocator);
  data.AddMember("numbers", numbers, allocator);
  rapidjson::Value nested(rapidjson::kObjectType);
  nested.AddMember("empty", rapidjson::Value(rapidjson::kObjectType), allocator);
  nested.AddMember("list", rapidjson::Value(rapidjson::kArrayType), allocator);
  nested.AddMember("t", true, allocator).AddMember("f", false, allocator);
  nested.AddMember("n", rapidjson::Value(), allocator);
  data.AddMember("nested", nested, allocator);

  Envelope envelope;
  envelope.status = "APPROVED_VERIFIED";
  envelope.reference = "ref\"\\\x1F";
  envelope.customer_id = "c\x1A";
  std::vector<Warning> warnings = {{"a.b", "too_long"}, {"c\x01", "unknown_parameter"}};
  std::string json;
  ASSERT_TRUE(write_event_json(Kind::netverify, Origin::callback, "id", envelope,
                               "2026-01-01T00:00:00.000Z", warnings, data, &json));
  const std::string expected =
      R"({"eventId":"id","schemaVersion":1,"origin":"callback","callbackType":"NETVERIFYID",)"
      R"("status":"APPROVED_VERIFIED","reference":"ref\"\\\u001F","merchantReference":null,)"
      R"("customerId":"c\u001A","transactionDate":null,"callbackDate":null,)"
      R"("receivedAt":"2026-01-01T00:00:00.000Z","warnings":[{"field":"a.b","problem":"too_long"},)"
      R"({"field":"c\u0001","problem":"unknown_parameter"}],"data":)" +
      schema::to_json(data) + "}";
  EXPECT_EQ(json, expected);
}

TEST(EventWriter, EscapesAtEveryPositionOfShortAndLongStrings) {
  // Lengths around the writer's steps (16 bytes, then 8 or 4 overlapping, then one at a time),
  // each with one escaped byte at every position, with a second one at the end too, and with
  // none: the output is RapidJSON's Writer's.
  rapidjson::Document data(rapidjson::kObjectType);
  auto& allocator = data.GetAllocator();
  const char escaped[] = {'"', '\x1F', '\\', '\0', '\n'};
  int member = 0;
  for (size_t length = 1; length <= 40; ++length) {
    for (size_t position = 0; position <= length; ++position) {
      for (bool last_too : {false, true}) {
        std::string text(length, 'x');
        for (size_t i = 0; i < length; ++i) text[i] = static_cast<char>('a' + i % 26);
        if (position < length) text[position] = escaped[position % sizeof escaped];
        if (last_too) text[length - 1] = escaped[length % sizeof escaped];
        rapidjson::Value name(("m" + std::to_string(member++)).c_str(), allocator);
        data.AddMember(name, rapidjson::Value(text.data(), text.size(), allocator), allocator);
      }
    }
  }
  std::string json;
  ASSERT_TRUE(
      write_event_json(Kind::netverify, Origin::callback, "id", Envelope{}, "t", {}, data, &json));
  const std::string suffix = ",\"data\":" + schema::to_json(data) + "}";
  ASSERT_GE(json.size(), suffix.size());
  EXPECT_EQ(json.substr(json.size() - suffix.size()), suffix);
}

TEST(EventWriter, RefusesInvalidUtf8AndNonFiniteNumbers) {
  std::string json = "unchanged";
  rapidjson::Document data(rapidjson::kObjectType);
  data.AddMember("bad", rapidjson::StringRef("\xC3\x28", 2), data.GetAllocator());
  EXPECT_FALSE(
      write_event_json(Kind::netverify, Origin::callback, "id", Envelope{}, "t", {}, data, &json));
  rapidjson::Document infinite(rapidjson::kObjectType);
  infinite.AddMember("n", std::numeric_limits<double>::infinity(), infinite.GetAllocator());
  EXPECT_FALSE(write_event_json(Kind::netverify, Origin::callback, "id", Envelope{}, "t", {},
                                infinite, &json));
  EXPECT_EQ(json, "unchanged");
}

}  // namespace
}  // namespace jb::callback
