#include "fake_retrieval_api.h"

#include <httplib.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

#include "common/json_writer.h"
#include "test_tls.h"

namespace jb::test {
namespace {

// SafeJsonWriter: RapidJSON's default Writer<StringBuffer> leaves 0x1A-0x1F unescaped.
using JsonWriter = jb::SafeJsonWriter;

std::string percent_decode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) != 0 &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2])) != 0) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

void field(JsonWriter& out, const char* key, const std::string& value) {
  out.Key(key);
  out.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

std::string api_url(const std::string& reference, const std::string& rest) {
  return "https://netverify.com/api/netverify/v2/" + rest.substr(0, rest.find('{')) + reference +
         rest.substr(rest.find('}') + 1);
}

// The SSL context of the fake's server: its certificate and key from PEM text.
bool use_pem(SSL_CTX& context, const TestCertificates& certificates) {
  BIO* cert_in =
      BIO_new_mem_buf(certificates.cert_pem.data(), static_cast<int>(certificates.cert_pem.size()));
  X509* cert = PEM_read_bio_X509(cert_in, nullptr, nullptr, nullptr);
  BIO_free(cert_in);
  BIO* key_in =
      BIO_new_mem_buf(certificates.key_pem.data(), static_cast<int>(certificates.key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_in, nullptr, nullptr, nullptr);
  BIO_free(key_in);
  const bool ok =
      cert != nullptr && key != nullptr && SSL_CTX_use_certificate(&context, cert) == 1 &&
      SSL_CTX_use_PrivateKey(&context, key) == 1 && SSL_CTX_check_private_key(&context) == 1;
  X509_free(cert);
  EVP_PKEY_free(key);
  SSL_CTX_set_min_proto_version(&context, TLS1_2_VERSION);
  return ok;
}

std::optional<RetrievalEndpoint> endpoint_of(const std::string& collection, bool data) {
  if (collection == "scans")
    return data ? RetrievalEndpoint::scan_details : RetrievalEndpoint::scan_status;
  if (collection == "authentications" && !data) return RetrievalEndpoint::authentication;
  if (collection == "documents")
    return data ? RetrievalEndpoint::document_details : RetrievalEndpoint::document_status;
  return std::nullopt;
}

std::string default_body(RetrievalEndpoint endpoint, const std::string& reference) {
  switch (endpoint) {
    case RetrievalEndpoint::scan_status:
      return scan_status_body(reference);
    case RetrievalEndpoint::scan_details:
      return scan_details_body(reference);
    case RetrievalEndpoint::authentication:
      return authentication_body(reference);
    case RetrievalEndpoint::document_status:
      return document_status_body(reference);
    case RetrievalEndpoint::document_details:
      return document_details_body(reference);
  }
  return "";
}

}  // namespace

FakeRetrievalApi::FakeRetrievalApi() : FakeRetrievalApi(Options{}) {}

FakeRetrievalApi::FakeRetrievalApi(Options options) : options_(std::move(options)) {
  if (options_.tls) {
    const TestCertificates certificates = make_test_certificates(options_.certificate_names);
    if (certificates.ca_pem.empty()) return;
    char dir[] = "/tmp/jb-fake-retrieval-XXXXXX";
    if (::mkdtemp(dir) == nullptr) return;
    dir_ = dir;
    ca_pem_ = certificates.ca_pem;
    ca_file_ = dir_ + "/ca.pem";
    std::ofstream(ca_file_) << ca_pem_;
    server_ = std::make_unique<httplib::SSLServer>(
        [certificates](SSL_CTX& context) { return use_pem(context, certificates); });
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  if (!server_->is_valid()) return;
  server_->set_keep_alive_timeout(options_.keep_alive_timeout_s);
  const size_t threads = options_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_tcp_nodelay(true);
  auto handler = [this](const httplib::Request& request, httplib::Response& response) {
    handle(request, response);
  };
  server_->Get(".*", handler).Post(".*", handler).Put(".*", handler).Delete(".*", handler);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) return;
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // Server::stop() does nothing before the accept loop runs: wait for it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server_->is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeRetrievalApi::~FakeRetrievalApi() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  stopping_.notify_all();
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::string FakeRetrievalApi::base_url() const {
  return std::string(options_.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) +
         options_.base_path;
}

std::string FakeRetrievalApi::token_url() const {
  return std::string(options_.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) +
         options_.token_path;
}

size_t FakeRetrievalApi::token_requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return token_requests_;
}

void FakeRetrievalApi::script(RetrievalEndpoint endpoint, const std::string& reference,
                              std::vector<ScriptedAnswer> answers) {
  std::lock_guard<std::mutex> lock(mutex_);
  scripts_[{endpoint, reference}] = std::move(answers);
}

std::vector<RecordedRequest> FakeRetrievalApi::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

size_t FakeRetrievalApi::request_count(const std::string& reference) const {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t count = 0;
  for (const RecordedRequest& request : requests_) count += request.reference == reference;
  return count;
}

size_t FakeRetrievalApi::most_concurrent() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return most_answering_;
}

void FakeRetrievalApi::clear_requests() {
  std::lock_guard<std::mutex> lock(mutex_);
  requests_.clear();
}

ScriptedAnswer FakeRetrievalApi::next_answer(RetrievalEndpoint endpoint,
                                             const std::string& reference) {
  auto found = scripts_.find({endpoint, reference});
  if (found == scripts_.end() || found->second.empty()) return ScriptedAnswer{};
  ScriptedAnswer answer = found->second.front();
  if (found->second.size() > 1) found->second.erase(found->second.begin());
  return answer;
}

void FakeRetrievalApi::handle(const httplib::Request& request, httplib::Response& response) {
  const std::string basic =
      httplib::make_basic_authentication_header(options_.api_token, options_.api_secret).second;
  if (request.method == "POST" && request.path == options_.token_path) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++token_requests_;
    if (request.get_header_value("Authorization") != basic ||
        request.body != "grant_type=client_credentials") {
      response.status = request.get_header_value("Authorization") != basic ? 401 : 400;
      response.set_content(R"({"error":"invalid_client"})", "application/json");
      return;
    }
    issued_.push_back("fake-bearer-" + std::to_string(issued_.size() + 1) + "-" +
                      std::to_string(port_));
    response.set_content(
        R"({"access_token":")" + issued_.back() + R"(","expires_in":3600,"token_type":"Bearer"})",
        "application/json");
    return;
  }
  RecordedRequest record;
  record.time = std::chrono::steady_clock::now();
  record.method = request.method;
  record.target = request.target;
  record.remote_port = request.remote_port;
  for (size_t i = 0; i < request.get_header_value_count("Accept"); ++i)
    record.accept.push_back(request.get_header_value("Accept", i));
  record.user_agent = request.get_header_value("User-Agent");
  record.has_authorization = request.has_header("Authorization");
  if (request.get_header_value_count("Authorization") == 1) {
    const std::string authorization = request.get_header_value("Authorization");
    if (authorization == basic) {
      record.authorized = true;
    } else if (authorization.rfind("Bearer ", 0) == 0) {
      std::lock_guard<std::mutex> lock(mutex_);
      record.bearer =
          std::find(issued_.begin(), issued_.end(), authorization.substr(7)) != issued_.end();
      record.authorized = record.bearer;
    }
  }

  // {base_path}/{collection}/{reference}[/data], matched on the path as sent.
  const std::string path = request.target.substr(0, request.target.find('?'));
  const std::string prefix = options_.base_path + "/";
  if (path.rfind(prefix, 0) == 0) {
    const std::string rest = path.substr(prefix.size());
    const size_t first = rest.find('/');
    if (first != std::string::npos) {
      const std::string collection = rest.substr(0, first);
      std::string reference = rest.substr(first + 1);
      bool data = false;
      if (reference.size() > 5 && reference.compare(reference.size() - 5, 5, "/data") == 0) {
        reference.resize(reference.size() - 5);
        data = true;
      }
      if (!reference.empty() && reference.find('/') == std::string::npos) {
        record.endpoint = endpoint_of(collection, data);
        record.reference = percent_decode(reference);
      }
    }
  }

  ScriptedAnswer answer;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    requests_.push_back(record);
    most_answering_ = std::max(most_answering_, ++answering_);
    if (record.method != "GET") {
      answer.status = 405;
      answer.body = R"({"message":"method not allowed"})";
    } else if (!record.endpoint) {
      answer.status = 404;
      answer.body = R"({"message":"no such resource"})";
    } else if (!record.authorized) {
      answer.status = 401;
      answer.body = R"({"message":"Unauthorized"})";
    } else {
      answer = next_answer(*record.endpoint, record.reference);
      if (answer.status == 200 && answer.body.empty())
        answer.body = default_body(*record.endpoint, record.reference);
    }
    if (answer.delay.count() > 0) stopping_.wait_for(lock, answer.delay, [this] { return stop_; });
    --answering_;
  }
  response.status = answer.status;
  for (const auto& [name, value] : answer.headers) response.set_header(name, value);
  response.set_content(answer.body, answer.content_type.c_str());
}

ScriptedAnswer scripted(int status, std::string body) {
  ScriptedAnswer answer;
  answer.status = status;
  answer.body = std::move(body);
  return answer;
}

std::string scan_status_body(const std::string& reference, const std::string& status) {
  rapidjson::StringBuffer text;
  JsonWriter out(text);
  out.StartObject();
  field(out, "timestamp", "2019-01-01T16:23:55.039Z");
  field(out, "scanReference", reference);
  field(out, "status", status);
  out.EndObject();
  return text.GetString();
}

std::string scan_details_body(const std::string& reference, const std::string& transaction_status,
                              const std::string& document_status) {
  const bool approved = document_status == "APPROVED_VERIFIED";
  rapidjson::StringBuffer text;
  JsonWriter out(text);
  out.StartObject();
  field(out, "timestamp", "2019-03-20T16:25:38.663Z");
  field(out, "scanReference", reference);
  out.Key("document");
  out.StartObject();
  field(out, "status", document_status);
  if (approved) {
    field(out, "type", "DRIVING_LICENSE");
    field(out, "dob", "1990-01-01");
    field(out, "expiry", "2022-12-31");
    field(out, "firstName", "FIRST NAME");
    field(out, "issuingCountry", "AUT");
    field(out, "issuingDate", "2013-01-01");
    field(out, "lastName", "LAST NAME");
    field(out, "number", "123456789");
    out.Key("address");
    out.StartObject();
    field(out, "line1", "Example Street 1");
    field(out, "postalCode", "1010");
    field(out, "city", "Vienna");
    field(out, "country", "AUT");
    field(out, "formattedAddress", "Example Street 1, 1010 Vienna, Austria");
    out.EndObject();
  }
  out.EndObject();
  out.Key("transaction");
  out.StartObject();
  field(out, "clientIp", "192.0.2.10");
  field(out, "customerId", "CUSTOMERID");
  field(out, "date", "2019-01-01T11:01:10.227Z");
  field(out, "merchantReportingCriteria", "YOURREPORTINGCRITERIA");
  field(out, "merchantScanReference", "YOURSCANREFERENCE");
  field(out, "source", "WEB_UPLOAD");
  field(out, "status", transaction_status);
  out.EndObject();
  out.Key("verification");
  out.StartObject();
  if (approved) {
    out.Key("identityVerification");
    out.StartObject();
    field(out, "similarity", "MATCH");
    field(out, "validity", "true");
    out.EndObject();
    field(out, "mrzCheck", "NOT_AVAILABLE");
  } else {
    field(out, "mrzCheck", "OK");
    out.Key("rejectReason");
    out.StartObject();
    field(out, "rejectReasonCode", "201");
    field(out, "rejectReasonDescription", "NO_DOCUMENT");
    out.EndObject();
  }
  out.EndObject();
  if (approved) {
    out.Key("facemap");
    out.StartObject();
    field(out, "classifier", "facemap");
    field(out, "href", api_url(reference, "scans/{ref}/data/facemap"));
    out.EndObject();
  }
  out.EndObject();
  return text.GetString();
}

std::string authentication_body(const std::string& reference, const std::string& result) {
  rapidjson::StringBuffer text;
  JsonWriter out(text);
  out.StartObject();
  field(out, "transactionReference", reference);
  field(out, "enrollmentTransactionReference", "b1e4a1a5-0c2b-4e57-9d0b-6f3c2c9e8a10");
  field(out, "transactionResult", result);
  field(out, "scanSource", "SDK");
  field(out, "transactionDate", "2019-05-23T14:32:27.534");
  out.Key("images");
  out.StartArray();
  out.StartObject();
  field(out, "classifier", "face");
  field(out, "href", api_url(reference, "authentications/{ref}/images/face"));
  out.EndObject();
  out.EndArray();
  out.Key("livenessImages");
  out.StartArray();
  for (int i = 1; i <= 3; ++i) {
    const std::string url =
        api_url(reference, "authentications/{ref}/images/liveness/" + std::to_string(i));
    out.String(url.c_str(), static_cast<rapidjson::SizeType>(url.size()));
  }
  out.EndArray();
  out.EndObject();
  return text.GetString();
}

std::string document_status_body(const std::string& reference, const std::string& status) {
  rapidjson::StringBuffer text;
  JsonWriter out(text);
  out.StartObject();
  field(out, "scanReference", reference);
  field(out, "timestamp", "2019-01-01T15:52:48.864Z");
  field(out, "status", status);
  out.EndObject();
  return text.GetString();
}

std::string document_details_body(const std::string& reference,
                                  const std::string& transaction_status) {
  rapidjson::StringBuffer text;
  JsonWriter out(text);
  out.StartObject();
  field(out, "scanReference", reference);
  field(out, "timestamp", "2019-01-01T15:42:31.858Z");
  out.Key("document");
  out.StartObject();
  field(out, "status", "EXTRACTED");
  field(out, "type", "CC");
  out.Key("extractedData");
  out.StartObject();
  field(out, "firstName", "FULL NAME");
  out.Key("signatureAvailable");
  out.Bool(false);
  out.EndObject();
  field(out, "country", "AUT");
  out.EndObject();
  out.Key("transaction");
  out.StartObject();
  field(out, "status", transaction_status);
  field(out, "merchantScanReference", "YOURSCANREFERENCE");
  field(out, "customerId", "CUSTOMERID");
  field(out, "source", "DOC_UPLOAD");
  out.EndObject();
  out.EndObject();
  return text.GetString();
}

}  // namespace jb::test
