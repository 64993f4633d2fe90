#include "retrieval_api/urls.h"

#include <cctype>

namespace jb::retrieval_api {

std::string_view api_name(Api api) {
  switch (api) {
    case Api::netverify:
      return "netverify";
    case Api::authentication:
      return "authentication";
    case Api::document:
      return "document";
    case Api::workflow:
      return "workflow";
  }
  return "";
}

namespace {

// The platform's region id of a data centre: "amer-1", "emea-1", "apac-1"; "" when unknown.
std::string_view platform_region(std::string_view datacenter) {
  if (datacenter == "US") return "amer-1";
  if (datacenter == "EU") return "emea-1";
  if (datacenter == "SGP") return "apac-1";
  return "";
}

std::string without_trailing_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

std::string_view documented_base_url(Api api, std::string_view datacenter) {
  if (api == Api::workflow) {
    if (datacenter == "US") return "https://retrieval.amer-1.jumio.ai";
    if (datacenter == "EU") return "https://retrieval.emea-1.jumio.ai";
    if (datacenter == "SGP") return "https://retrieval.apac-1.jumio.ai";
    return "";
  }
  const bool document = api == Api::document;
  if (datacenter == "US")
    return document ? "https://retrieval.netverify.com/api/netverify/v2"
                    : "https://netverify.com/api/netverify/v2";
  if (datacenter == "EU")
    return document ? "https://retrieval.lon.netverify.com/api/netverify/v2"
                    : "https://lon.netverify.com/api/netverify/v2";
  if (datacenter == "SGP")
    return document ? "https://retrieval.core-sgp.jumio.com/api/netverify/v2"
                    : "https://core-sgp.jumio.com/api/netverify/v2";
  return "";
}

std::string base_url(const config::RetrievalConfig& config, Api api) {
  const std::string& configured = api == Api::workflow ? config.platform_base_url : config.base_url;
  if (configured.empty()) return std::string(documented_base_url(api, config.datacenter));
  return without_trailing_slash(configured);
}

std::string token_url(const config::RetrievalConfig& config) {
  if (!config.token_url.empty()) return config.token_url;
  const std::string_view region = platform_region(config.datacenter);
  if (region.empty()) return "";
  return "https://auth." + std::string(region) + ".jumio.ai/oauth2/token";
}

std::string workflow_path(Query query, std::string_view account_id, std::string_view execution_id) {
  return "/api/v1/accounts/" + percent_encode(account_id) + "/workflow-executions/" +
         percent_encode(execution_id) + (query == Query::status ? "/status" : "");
}

std::string resource_path(Api api, Query query, std::string_view reference) {
  const std::string encoded = percent_encode(reference);
  switch (api) {
    case Api::netverify:
      return "/scans/" + encoded + (query == Query::details ? "/data" : "");
    case Api::authentication:
      return "/authentications/" + encoded;
    case Api::document:
      return "/documents/" + encoded + (query == Query::details ? "/data" : "");
    case Api::workflow:  // two ids: workflow_path()
      break;
  }
  return "";
}

std::string request_url(const config::RetrievalConfig& config, Api api, Query query,
                        std::string_view reference) {
  return base_url(config, api) + resource_path(api, query, reference);
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0F];
    }
  }
  return out;
}

bool parse_url(std::string_view url, ParsedUrl* parsed) {
  ParsedUrl result;
  if (url.rfind("https://", 0) == 0) {
    url.remove_prefix(8);
  } else if (url.rfind("http://", 0) == 0) {
    url.remove_prefix(7);
    result.tls = false;
    result.port = 80;
  } else {
    return false;
  }
  const size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : url.substr(slash);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return false;
  if (path.find_first_of("?#") != std::string_view::npos) return false;
  std::string_view port;
  if (authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    result.host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
    }
  } else {
    const size_t colon = authority.find(':');
    result.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    if (result.host.empty()) return false;
  }
  if (authority.back() == ':') return false;
  if (!port.empty()) {
    if (port.size() > 5) return false;
    int number = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return false;
      number = number * 10 + (c - '0');
    }
    if (number < 1 || number > 65535) return false;
    result.port = number;
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  result.path = std::string(path);
  *parsed = std::move(result);
  return true;
}

}  // namespace jb::retrieval_api
