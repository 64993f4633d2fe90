// A Jumio Platform for bench/platform.sh: plain HTTP on 127.0.0.1 with an OAuth2 token endpoint
// (POST /oauth2/token: a one-hour bearer token) and the Retrieval API v1 answering every workflow
// execution at once: GET …/workflow-executions/{id}/status says PROCESSED, GET
// …/workflow-executions/{id} gives a PASSED details answer of workflow 10011 (ID and selfie, an
// extracted US driving licence with its address) for those ids. Counts requests and keeps nothing
// else. Prints the port it listens on, then serves until SIGTERM or SIGINT; on exit prints
// "requests N tokens N".
//
// usage: jb_platform_api [--port P] [--threads N]
#include <httplib.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace {

std::string details(const std::string& account, const std::string& execution) {
  return R"({"workflow":{"id":")" + execution +
         R"(","status":"PROCESSED","definitionKey":"10011","userReference":"user-8f3a2c"},)"
         R"("account":{"id":")" +
         account +
         R"("},"createdAt":"2024-05-02T09:14:03.120Z","startedAt":"2024-05-02T09:15:41.007Z",)"
         R"("completedAt":"2024-05-02T09:16:02.884Z",)"
         R"("credentials":[{"id":"33333333-3333-3333-3333-aaaaaaaaaaaa","category":"ID"},)"
         R"({"id":"33333333-3333-3333-3333-bbbbbbbbbbbb","category":"SELFIE"}],)"
         R"("decision":{"type":"PASSED","details":{"label":"PASSED"},"risk":{"score":12.5}},)"
         R"("capabilities":{)"
         R"("usability":[{"id":"66666666-0000-0000-0000-000000000001","credentials":[{"id":)"
         R"("33333333-3333-3333-3333-aaaaaaaaaaaa","category":"ID"}],"decision":{"type":"PASSED",)"
         R"("details":{"label":"OK"}}}],)"
         R"("imageChecks":[{"id":"66666666-0000-0000-0000-000000000004","credentials":[{"id":)"
         R"("33333333-3333-3333-3333-aaaaaaaaaaaa","category":"ID"}],"decision":{"type":"PASSED",)"
         R"("details":{"label":"OK"}},"data":{"faceSearchFindings":{"status":"DONE","findings":[]}}}],)"
         R"("extraction":[{"id":"66666666-0000-0000-0000-000000000005","credentials":[{"id":)"
         R"("33333333-3333-3333-3333-aaaaaaaaaaaa","category":"ID"}],"decision":{"type":"PASSED",)"
         R"("details":{"label":"OK"}},"data":{"type":"DRIVING_LICENSE","subType":)"
         R"("REGULAR_DRIVING_LICENSE","issuingCountry":"USA","firstName":"JANE","lastName":"DOE",)"
         R"("dateOfBirth":"1990-01-01","expiryDate":"2028-01-01","documentNumber":"D1234567",)"
         R"("state":"CA","gender":"F","address":{"line1":"123 SAMPLE ST","line2":"APT 4",)"
         R"("city":"SACRAMENTO","subdivision":"CA","postalCode":"95814","country":"USA",)"
         R"("formattedAddress":"123 SAMPLE ST APT 4, SACRAMENTO, CA 95814, USA"}}}],)"
         R"("dataChecks":[{"id":"66666666-0000-0000-0000-000000000006","credentials":[{"id":)"
         R"("33333333-3333-3333-3333-aaaaaaaaaaaa","category":"ID"}],"decision":{"type":"PASSED",)"
         R"("details":{"label":"OK"}}}],)"
         R"("liveness":[{"id":"66666666-0000-0000-0000-000000000007","credentials":[{"id":)"
         R"("33333333-3333-3333-3333-bbbbbbbbbbbb","category":"SELFIE"}],"decision":{"type":)"
         R"("PASSED","details":{"label":"OK"}},"data":{"type":"JUMIO_STANDARD","predictedAge":34,)"
         R"("ageConfidenceRange":"28-40"}}],)"
         R"("similarity":[{"id":"66666666-0000-0000-0000-000000000008","credentials":[{"id":)"
         R"("33333333-3333-3333-3333-aaaaaaaaaaaa","category":"ID"},{"id":)"
         R"("33333333-3333-3333-3333-bbbbbbbbbbbb","category":"SELFIE"}],"decision":{"type":)"
         R"("PASSED","details":{"label":"MATCH"}},"data":{"similarity":"MATCH"}}]}})";
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  int threads = 8;
  for (int i = 1; i < argc; i += 2) {
    const std::string name = argv[i];
    if (i + 1 >= argc || (name != "--port" && name != "--threads")) {
      std::fprintf(stderr, "usage: jb_platform_api [--port P] [--threads N]\n");
      return 2;
    }
    (name == "--port" ? port : threads) = std::atoi(argv[i + 1]);
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::atomic<long long> requests{0};
  std::atomic<long long> tokens{0};
  httplib::Server server;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(1000000);
  server.set_keep_alive_timeout(60);
  server.Post("/oauth2/token", [&](const httplib::Request&, httplib::Response& response) {
    ++tokens;
    response.set_content(
        R"({"access_token":"bench-token","expires_in":3600,"token_type":"Bearer"})",
        "application/json");
  });
  server.Get(R"(/api/v1/accounts/([^/]+)/workflow-executions/([^/]+)(/status)?)",
             [&](const httplib::Request& request, httplib::Response& response) {
               ++requests;
               if (request.get_header_value("Authorization") != "Bearer bench-token") {
                 response.status = 401;
                 return;
               }
               const std::string account = request.matches[1];
               const std::string execution = request.matches[2];
               if (request.matches[3].length() > 0) {
                 response.set_content(R"({"account":{"id":")" + account +
                                          R"("},"workflowExecution":{"id":")" + execution +
                                          R"(","definitionKey":"10011","status":"PROCESSED"}})",
                                      "application/json");
               } else {
                 response.set_content(details(account, execution), "application/json");
               }
             });
  const int bound = port > 0 ? (server.bind_to_port("127.0.0.1", port) ? port : -1)
                             : server.bind_to_any_port("127.0.0.1");
  if (bound <= 0) {
    std::fprintf(stderr, "jb_platform_api: cannot listen\n");
    return 1;
  }
  std::printf("%d\n", bound);
  std::fflush(stdout);
  std::thread serving([&server] { server.listen_after_bind(); });
  int signal = 0;
  sigwait(&signals, &signal);
  server.stop();
  serving.join();
  std::printf("requests %lld tokens %lld\n", requests.load(), tokens.load());
  return 0;
}
