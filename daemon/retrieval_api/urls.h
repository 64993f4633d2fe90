// Where the Jumio Retrieval API's requests go: the documented base URL of each API and data centre
// (or retrieval.base_url instead), and the path of each request. Pure: no sockets.
#pragma once

#include <string>
#include <string_view>

#include "config/config.h"

namespace jb::retrieval_api {

// The three Retrieval APIs: ID Verification (Netverify), Authentication, Document Verification.
enum class Api { netverify, authentication, document };
// What is asked: the transaction's status, or its details.
enum class Query { status, details };

// "netverify", "authentication" or "document": the CLI's --kind and the logs' "api" field.
std::string_view api_name(Api api);

// Jumio's documented base URL of the API in a data centre (US, EU, SGP), e.g.
// "https://lon.netverify.com/api/netverify/v2"; "" for an unknown data centre.
std::string_view documented_base_url(Api api, std::string_view datacenter);
// retrieval.base_url without a trailing '/' when set (it replaces the prefix of all three APIs),
// else the documented base URL for retrieval.datacenter.
std::string base_url(const config::RetrievalConfig& config, Api api);

// The path below the base URL: scans/{ref} | authentications/{ref} | documents/{ref} for the
// status (Authentication has no status endpoint: its details answer both), and
// scans/{ref}/data | authentications/{ref} | documents/{ref}/data for the details. The reference
// is percent-encoded.
std::string resource_path(Api api, Query query, std::string_view reference);
// base_url(config, api) + resource_path(api, query, reference).
std::string request_url(const config::RetrievalConfig& config, Api api, Query query,
                        std::string_view reference);

// Every byte outside RFC 3986's unreserved characters (A-Z a-z 0-9 - . _ ~) as %XX.
std::string percent_encode(std::string_view text);

// An absolute http(s) URL taken apart for the HTTP client.
struct ParsedUrl {
  bool tls = true;
  std::string host;  // a name or an address; an IPv6 address without its brackets
  int port = 443;
  std::string path;  // "" or "/…" without a trailing '/'
};
// False when the URL is not http(s)://host[:port][/path] (user information, query and fragment are
// not accepted).
bool parse_url(std::string_view url, ParsedUrl* parsed);

}  // namespace jb::retrieval_api
