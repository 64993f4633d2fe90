#include "support/platform_callbacks.h"

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include "support/schema_check.h"

namespace jb::test {

const char kSamplePlatformCallback[] = R"({
  "callbackSentAt": "2024-05-02T09:16:04.518Z",
  "userReference": "user-8f3a2c",
  "workflowExecution": {
    "id": "22222222-2222-2222-2222-222222222222",
    "href": "https://retrieval.amer-1.jumio.ai/api/v1/accounts/11111111-1111-1111-1111-111111111111/workflow-executions/22222222-2222-2222-2222-222222222222",
    "definitionKey": "10011",
    "status": "PROCESSED"
  },
  "account": {
    "id": "11111111-1111-1111-1111-111111111111",
    "href": "https://retrieval.amer-1.jumio.ai/api/v1/accounts/11111111-1111-1111-1111-111111111111"
  }
}
)";

std::string platform_callback_with(const std::string& pointer, const char* json) {
  rapidjson::Document body;
  body.Parse(kSamplePlatformCallback);
  rapidjson::Pointer at(pointer.c_str());
  if (json == nullptr) {
    at.Erase(body);
  } else {
    rapidjson::Document value(&body.GetAllocator());
    value.Parse(json);
    at.Set(body, value);
  }
  return schema::to_json(body);
}

std::string platform_callback_with_status(const std::string& status) {
  rapidjson::Document text;
  text.SetString(status.c_str(), static_cast<rapidjson::SizeType>(status.size()),
                 text.GetAllocator());
  return platform_callback_with("/workflowExecution/status", schema::to_json(text).c_str());
}

}  // namespace jb::test
