// Where the Jumio Retrieval API's requests go: the documented base URL of each API and data centre
// (or retrieval.base_url instead), and the path of each request. Pure: no sockets.
#pragma once

#include <string>
#include <string_view>

#include "config/config.h"

namespace jb::retrieval_api {

// The Retrieval APIs: the legacy ID Verification (Netverify), Authentication and Document
// Verification, and the Jumio Platform's workflow executions (API v1).
enum class Api { netverify, authentication, document, workflow };
// What is asked: the transaction's status, or its details.
enum class Query { status, details };

// "netverify", "authentication", "document" or "workflow": the CLI's --kind and the logs' "api"
// field.
std::string_view api_name(Api api);

// Jumio's documented base URL of the API in a data centre (US, EU, SGP), e.g.
// "https://lon.netverify.com/api/netverify/v2", or "https://retrieval.emea-1.jumio.ai" for the
// workflow API; "" for an unknown data centre.
std::string_view documented_base_url(Api api, std::string_view datacenter);
// The legacy APIs: retrieval.base_url without a trailing '/' when set (it replaces the prefix of
// all three), else the documented base URL for retrieval.datacenter. The workflow API:
// retrieval.platform_base_url the same way, else the documented one.
std::string base_url(const config::RetrievalConfig& config, Api api);
// The OAuth2 token endpoint: retrieval.token_url when set, else
// https://auth.{amer-1|emea-1|apac-1}.jumio.ai/oauth2/token for retrieval.datacenter; "" for an
// unknown data centre.
std::string token_url(const config::RetrievalConfig& config);

// The path of a workflow execution's status or details below the platform base:
// /api/v1/accounts/{account}/workflow-executions/{execution}[/status], both ids percent-encoded.
std::string workflow_path(Query query, std::string_view account_id, std::string_view execution_id);

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
