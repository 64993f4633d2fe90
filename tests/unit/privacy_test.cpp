#include "callback/privacy.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>

namespace jb::callback {
namespace {

const char kEvent[] =
    R"({"eventId":"e","callbackType":"NETVERIFYID","status":"APPROVED_VERIFIED","data":{)"
    R"("idCountry":"DEU","idType":"PASSPORT","idNumber":"P1","idCheckMRZcode":"OK",)"
    R"("personalNumber":"N","idFirstName":"A","idAddress":{"line1":"x","city":"y"}}})";

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document document;
  document.Parse(json.c_str());
  return document;
}

TEST(Privacy, NoRulesLeaveTheEventAsItIs) {
  std::string event = kEvent;
  EXPECT_TRUE(apply_privacy({}, &event));
  EXPECT_EQ(event, kEvent);
}

TEST(Privacy, DropFieldsRemovesNamesAndDottedPaths) {
  std::string event = kEvent;
  ASSERT_TRUE(
      apply_privacy({{"idFirstName", "idAddress.line1", "absent", "idNumber.x"}, false}, &event));
  auto document = parse(event);
  const auto& data = document["data"];
  EXPECT_FALSE(data.HasMember("idFirstName"));
  EXPECT_TRUE(data["idAddress"].HasMember("city"));
  EXPECT_FALSE(data["idAddress"].HasMember("line1"));
  EXPECT_TRUE(data.HasMember("idNumber"));
  EXPECT_EQ(std::string(document["status"].GetString()), "APPROVED_VERIFIED");
}

TEST(Privacy, NetverifyMaskingFollowsTheSpecTable) {
  std::string event = kEvent;
  ASSERT_TRUE(apply_privacy({{}, true}, &event));
  auto document = parse(event);
  EXPECT_FALSE(document["data"].HasMember("idNumber"));
  EXPECT_FALSE(document["data"].HasMember("idCheckMRZcode"));
  EXPECT_TRUE(document["data"].HasMember("personalNumber"));
}

TEST(Privacy, MaskingTable) {
  using Fields = std::vector<std::string_view>;
  EXPECT_EQ(netverify_masked_fields("NLD", "ID_CARD"),
            (Fields{"idCheckMRZcode", "personalNumber"}));
  EXPECT_EQ(netverify_masked_fields("KOR", "ID_CARD"), (Fields{"idNumber", "idDob"}));
  EXPECT_EQ(netverify_masked_fields("KOR", "DRIVING_LICENSE"), (Fields{"idDob"}));
  EXPECT_EQ(netverify_masked_fields("JPN", "ID_CARD"), (Fields{"idNumber"}));
  EXPECT_TRUE(netverify_masked_fields("NLD", "DRIVING_LICENSE").empty());
  EXPECT_TRUE(netverify_masked_fields("USA", "PASSPORT").empty());
}

TEST(Privacy, MaskingAppliesToNetverifyOnly) {
  std::string event = kEvent;
  event.replace(event.find("NETVERIFYID"), 11, "DOCUMENT_VERIFICATION");
  std::string before = event;
  ASSERT_TRUE(apply_privacy({{}, true}, &event));
  EXPECT_TRUE(parse(event)["data"].HasMember("idNumber"));
}

TEST(Privacy, NotAnEventIsRefusedUnchanged) {
  for (std::string bad : {"", "[]", "{\"data\":1}", "{\"x\":"}) {
    std::string event = bad;
    EXPECT_FALSE(apply_privacy({{"a"}, true}, &event)) << bad;
    EXPECT_EQ(event, bad);
  }
}

}  // namespace
}  // namespace jb::callback
