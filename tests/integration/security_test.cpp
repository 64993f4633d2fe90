// The endpoint under hostile traffic, over real sockets: origin checks, body and head limits,
// slow senders, TLS and Basic auth.
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/bridge.h"
#include "support/callbacks.h"
#include "support/raw_http.h"

namespace jb::test {
namespace {

using namespace std::chrono_literals;

// What the server sent until it closed or `timeout` passed.
std::string receive(int fd, std::chrono::milliseconds timeout = 10s) {
  std::string out;
  auto until = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

int status_of(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return -1;
  return std::atoi(response.substr(9, 3).c_str());
}

std::string request_head(const std::string& extra_headers) {
  return "POST /callbacks/jumio HTTP/1.1\r\nHost: localhost\r\n"
         "Content-Type: application/x-www-form-urlencoded\r\n" +
         extra_headers + "\r\n";
}

long resident_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

TEST(Security, DisallowedAddressIsClosedAtAcceptCountedAndNothingIsPublished) {
  Bridge bridge([](config::Config& c) { c.security.allow = {"10.0.0.0/8"}; });
  // Closed before a byte is read: the client sees the connection end, not an answer.
  RawConnection connection(bridge.daemon().port());
  ASSERT_TRUE(connection.connected());
  EXPECT_TRUE(connection.closed_by_server(2s));
  EXPECT_EQ(bridge.post(kSampleNetverifyApproved), -1);
  auto metrics = bridge.admin_client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find(
                "jumio_bridge_http_connections_refused_total{reason=\"address_not_allowed\"} 2"),
            std::string::npos)
      << metrics->body;
  EXPECT_TRUE(bridge.read({"^jumio\\..*"}, 1, 2s).empty());
}

TEST(Security, ProxiedClientNotAllowedGets403AndNothingIsPublished) {
  Bridge bridge([](config::Config& c) {
    c.security.allow = {"10.0.0.0/8"};
    c.security.trusted_proxies = {"127.0.0.1/32"};
  });
  auto client = bridge.client();
  auto result = client.Post("/callbacks/jumio", {{"X-Forwarded-For", "203.0.113.7"}},
                            kSampleNetverifyApproved, "application/x-www-form-urlencoded");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 403);
  EXPECT_TRUE(bridge.read({"^jumio\\..*"}, 1, 2s).empty());
}

TEST(Security, ForwardedForIsBelievedOnlyFromTrustedProxies) {
  auto post_forwarded = [](Bridge& bridge, const std::string& forwarded) {
    auto client = bridge.client();
    auto result = client.Post("/callbacks/jumio", {{"X-Forwarded-For", forwarded}},
                              kSampleNetverifyApproved, "application/x-www-form-urlencoded");
    return result ? result->status : -1;
  };
  {
    // The peer is neither allowed nor a proxy: closed at accept, whatever it claims.
    Bridge untrusted([](config::Config& c) { c.security.allow = {"203.0.113.7/32"}; });
    EXPECT_EQ(post_forwarded(untrusted, "203.0.113.7"), -1);
  }
  Bridge behind_proxy([](config::Config& c) {
    c.security.allow = {"203.0.113.7/32"};
    c.security.trusted_proxies = {"127.0.0.1/32"};
  });
  EXPECT_EQ(post_forwarded(behind_proxy, "203.0.113.7"), 200);
  // The right-most untrusted hop wins: a client cannot prepend an allowed address.
  EXPECT_EQ(post_forwarded(behind_proxy, "203.0.113.7, 198.51.100.1"), 403);
  // Nor in a field of its own before the one its proxy added.
  auto client = behind_proxy.client();
  auto separate = client.Post(
      "/callbacks/jumio", {{"X-Forwarded-For", "203.0.113.7"}, {"X-Forwarded-For", "198.51.100.1"}},
      kSampleNetverifyApproved, "application/x-www-form-urlencoded");
  ASSERT_TRUE(separate);
  EXPECT_EQ(separate->status, 403);
}

TEST(Security, ForwardingHeadersFromAPeerThatIsNotATrustedProxyAre403) {
  // The shipped default: loopback allowed, no trusted proxy. A proxy on the same host that
  // nobody declared forwards every client from 127.0.0.1; its X-Forwarded-For gives it away.
  Bridge bridge;
  ASSERT_TRUE(bridge.config().security.trusted_proxies.empty());
  auto post_with = [&bridge](const std::string& name, const std::string& value) {
    RawConnection connection(bridge.daemon().port());
    connection.send(request_head(name + ": " + value + "\r\nContent-Length: " +
                                 std::to_string(std::string(kSampleNetverifyApproved).size()) +
                                 "\r\n") +
                    kSampleNetverifyApproved);
    return connection.read_answer(5s).status;
  };
  EXPECT_EQ(post_with("X-Forwarded-For", "203.0.113.7"), 403);
  EXPECT_EQ(post_with("x-forwarded-for", "127.0.0.1"), 403) << "even claiming an allowed address";
  EXPECT_EQ(post_with("Forwarded", "for=203.0.113.7;proto=https"), 403);
  EXPECT_EQ(post_with("X-Forwarded-For", ""), 403) << "an empty field is still forwarding";
  EXPECT_EQ(post_with("X-Forwarded-Host", "example.com"), 200) << "other fields are no proxy's";
  EXPECT_EQ(bridge.post(kSampleNetverifyApproved), 200);
  EXPECT_EQ(bridge.read({"^jumio\\..*"}, 3, 2s).size(), 2u);
  auto metrics = bridge.admin_client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find(
                "jumio_bridge_http_requests_refused_total{reason=\"untrusted_forwarding\"} 4"),
            std::string::npos)
      << metrics->body;
}

TEST(Security, ContentCodingsAreCaseInsensitiveAndOnlyIdentityIsTaken) {
  Bridge bridge;
  auto post_encoded = [&bridge](const std::string& coding) {
    RawConnection connection(bridge.daemon().port());
    const std::string body = kSampleNetverifyApproved;
    connection.send(request_head("Content-Encoding: " + coding +
                                 "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n") +
                    body);
    return connection.read_answer(5s).status;
  };
  EXPECT_EQ(post_encoded("IDENTITY"), 200);
  EXPECT_EQ(post_encoded("Identity, identity"), 200);
  EXPECT_EQ(post_encoded("gzip"), 415);
  EXPECT_EQ(post_encoded("identity, GZIP"), 415);
}

TEST(Security, AdminListenerAdmitsOnlyAdminAllowWithACapPerAddress) {
  Bridge bridge([](config::Config& c) {
    c.admin.allow = {"127.0.0.1/32", "127.0.0.4/32"};
    c.admin.max_connections_per_address = 2;
  });
  const int port = bridge.daemon().admin_port();
  ASSERT_GT(port, 0);
  RawConnection outsider("127.0.0.3", port);
  ASSERT_TRUE(outsider.connected());
  EXPECT_TRUE(outsider.closed_by_server(2s)) << "a peer outside admin.allow is served";
  EXPECT_EQ(outsider.unread(), "");
  // Two idle connections from one address take its share; the third is refused, others served.
  RawConnection first("127.0.0.4", port);
  RawConnection second("127.0.0.4", port);
  ASSERT_TRUE(first.connected() && second.connected());
  std::this_thread::sleep_for(200ms);
  RawConnection third("127.0.0.4", port);
  EXPECT_EQ(third.read_answer(2s).status, 503);
  RawConnection local("127.0.0.1", port);
  ASSERT_TRUE(local.send("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"));
  EXPECT_EQ(local.read_answer(2s).status, 200);
  ASSERT_TRUE(first.send("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"));
  EXPECT_EQ(first.read_answer(2s).status, 200);
}

TEST(Security, OversizeChunkedBodyGets413WithFlatMemory) {
  Bridge bridge([](config::Config& c) { c.http.max_body_bytes = 65536; });
  int fd = connect_to(bridge.daemon().port());
  ASSERT_GE(fd, 0);
  long before = resident_kib();
  ASSERT_TRUE(send_all(fd, request_head("Transfer-Encoding: chunked\r\n")));
  const std::string chunk = "10000\r\n" + std::string(65536, 'a') + "\r\n";
  size_t sent_chunks = 0;
  while (sent_chunks < 1024 && send_all(fd, chunk)) ++sent_chunks;  // up to 64 MiB
  std::string response = receive(fd);
  long after = resident_kib();
  ::close(fd);
  EXPECT_EQ(status_of(response), 413) << response;
  EXPECT_LT(sent_chunks, 1024u) << "the server kept reading past the limit";
  EXPECT_LT(after - before, 16 * 1024) << "resident memory grew by " << after - before << " KiB";
  std::printf("413 after %zu chunks of 64 KiB; resident memory %+ld KiB\n", sent_chunks,
              after - before);
}

TEST(Security, LengthlessOversizeBodyIsNotBuffered) {
  Bridge bridge([](config::Config& c) { c.http.max_body_bytes = 65536; });
  int fd = connect_to(bridge.daemon().port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(send_all(fd, request_head("Content-Length: 1000000000\r\n")));
  EXPECT_EQ(status_of(receive(fd)), 413);
  ::close(fd);
}

TEST(Security, TwelveKibCallbackIsAccepted) {
  Bridge bridge;
  std::string body = std::string(kSampleNetverifyApproved) +
                     "&merchantReportingCriteria=" + std::string(12 * 1024, 'x');
  ASSERT_GT(body.size(), 12u * 1024);
  EXPECT_EQ(bridge.post(body), 200);
}

TEST(Security, ConflictingFramingAndOversizeHeadsAreRefused) {
  Bridge bridge([](config::Config& c) {
    c.http.max_headers = 16;
    c.http.max_header_bytes = 4096;
  });
  auto answer = [&](const std::string& request) {
    int fd = connect_to(bridge.daemon().port());
    send_all(fd, request);
    int status = status_of(receive(fd, 5s));
    ::close(fd);
    return status;
  };
  EXPECT_EQ(answer(request_head("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n") + "a=b"),
            400);
  EXPECT_EQ(answer(request_head("Content-Length: 3\r\nContent-Length: 4\r\n") + "a=b"), 400);
  EXPECT_EQ(answer(request_head("Transfer-Encoding: gzip, chunked\r\n")), 501);
  std::string many;
  for (int i = 0; i < 20; ++i) many += "X-Filler-" + std::to_string(i) + ": 1\r\n";
  EXPECT_EQ(answer(request_head(many)), 431);
  EXPECT_EQ(answer(request_head("X-Long: " + std::string(8192, 'a') + "\r\n")), 431);
  EXPECT_EQ(answer(request_head("X-Injected: a\nb: c\r\n")), 400);
}

TEST(Security, SlowSendersDoNotDelayCallbacks) {
  // 200 connections dribble a header byte each 200 ms. A normal callback must
  // still be answered while every slow connection is open: the bound is that it completes before
  // the slow requests' own deadline (request_timeout_ms, 20 s).
  Bridge bridge([](config::Config& c) {
    c.http.max_connections = 512;
    c.http.max_connections_per_address = 512;
    c.http.request_timeout_ms = 20000;
  });
  std::vector<int> slow;
  for (int i = 0; i < 200; ++i) {
    int fd = connect_to(bridge.daemon().port());
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(send_all(fd, "POST /callbacks/jumio HTTP/1.1\r\nHost: x\r\n"));
    slow.push_back(fd);
  }
  std::atomic<bool> dribbling{true};
  std::thread dribbler([&] {
    while (dribbling) {
      for (int fd : slow) send_all(fd, "X");
      std::this_thread::sleep_for(200ms);
    }
  });
  std::this_thread::sleep_for(500ms);
  auto start = std::chrono::steady_clock::now();
  int status = bridge.post(kSampleNetverifyApproved);
  auto took = std::chrono::steady_clock::now() - start;
  dribbling = false;
  dribbler.join();
  EXPECT_EQ(status, 200);
  EXPECT_LT(took, 20s);
  std::printf(
      "callback answered in %lld ms beside 200 slow senders\n",
      static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
  size_t still_open = 0;
  for (int fd : slow) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) == 0) ++still_open;  // nothing sent back: not refused, not closed
    ::close(fd);
  }
  EXPECT_EQ(still_open, slow.size());
}

TEST(Security, RequestThatDoesNotArriveInTimeGets408) {
  Bridge bridge([](config::Config& c) { c.http.request_timeout_ms = 500; });
  int fd = connect_to(bridge.daemon().port());
  ASSERT_TRUE(send_all(fd, "POST /callbacks/jumio HTTP/1.1\r\nHost: x\r\n"));
  EXPECT_EQ(status_of(receive(fd, 5s)), 408);
  ::close(fd);
}

TEST(Security, OneAddressCannotTakeMoreThanItsShareOfConnections) {
  Bridge bridge([](config::Config& c) {
    c.http.max_connections = 16;
    c.http.max_connections_per_address = 4;
  });
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<RawConnection>(bridge.daemon().port()));
    ASSERT_TRUE(held.back()->send(request_head("Content-Length: 5\r\n") + "a=b"));  // incomplete
  }
  std::this_thread::sleep_for(200ms);
  RawConnection extra(bridge.daemon().port());
  const Answer refused = extra.read_answer(5s);
  EXPECT_EQ(refused.status, 503);
  EXPECT_NE(refused.head.find("Retry-After: "), std::string::npos);
  EXPECT_TRUE(extra.closed_by_server(2s));
  held.pop_back();  // one closes: the address has room again
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(bridge.post(kSampleNetverifyApproved), 200);
  auto metrics = bridge.admin_client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("jumio_bridge_http_connections_refused_total{reason=\"too_many_"
                               "connections_from_address\"} 1"),
            std::string::npos)
      << metrics->body;
}

TEST(Security, ConnectionsBeyondTheCapGet503) {
  Bridge bridge([](config::Config& c) { c.http.max_connections = 8; });
  std::vector<int> held;
  for (int i = 0; i < 8; ++i) held.push_back(connect_to(bridge.daemon().port()));
  std::this_thread::sleep_for(200ms);
  int extra = connect_to(bridge.daemon().port());
  EXPECT_EQ(status_of(receive(extra, 5s)), 503);
  ::close(extra);
  for (int fd : held) ::close(fd);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(bridge.post(kSampleNetverifyApproved), 200);
}

TEST(Security, BasicAuth) {
  Bridge bridge([](config::Config& c) {
    c.http.basic_auth.user = "jumio";
    c.http.basic_auth.password = "s3cret-pass";
  });
  auto post_as = [&](const std::string& user, const std::string& password) {
    auto client = bridge.client();
    if (!user.empty()) client.set_basic_auth(user, password);
    auto result = client.Post("/callbacks/jumio", kSampleNetverifyApproved,
                              "application/x-www-form-urlencoded");
    return result ? result->status : -1;
  };
  EXPECT_EQ(post_as("jumio", "s3cret-pass"), 200);
  EXPECT_EQ(post_as("jumio", "s3cret-pasS"), 401);
  EXPECT_EQ(post_as("jumio", "s3cret-pass-longer"), 401);
  EXPECT_EQ(post_as("other", "s3cret-pass"), 401);
  EXPECT_EQ(post_as("", ""), 401);
}

class TlsFiles {
 public:
  explicit TlsFiles(const std::string& common_name = "localhost") {
    dir_ = std::filesystem::temp_directory_path() /
           ("jb-tls-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
    std::filesystem::create_directories(dir_);
    std::string command =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=" + common_name + " -keyout " +
        key() + " -out " + cert() + " >/dev/null 2>&1";
    ok_ = std::system(command.c_str()) == 0;
  }
  ~TlsFiles() { std::filesystem::remove_all(dir_); }
  bool ok() const { return ok_; }
  std::string cert() const { return (dir_ / "cert.pem").string(); }
  std::string key() const { return (dir_ / "key.pem").string(); }

 private:
  std::filesystem::path dir_;
  bool ok_ = false;
};

TEST(Security, TlsListenerServesHttpsAndRefusesPlainHttp) {
  TlsFiles files;
  ASSERT_TRUE(files.ok()) << "openssl req failed";
  Bridge bridge([&](config::Config& c) {
    c.http.tls.cert_file = files.cert();
    c.http.tls.key_file = files.key();
  });
  httplib::SSLClient client("127.0.0.1", bridge.daemon().port());
  client.enable_server_certificate_verification(false);
  client.set_read_timeout(30);
  auto result = client.Post("/callbacks/jumio", kSampleNetverifyApproved,
                            "application/x-www-form-urlencoded");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 200);

  int fd = connect_to(bridge.daemon().port());
  ASSERT_TRUE(send_all(fd, request_head("Content-Length: 3\r\n") + "a=b"));
  EXPECT_EQ(status_of(receive(fd, 5s)), 400);
  ::close(fd);
}

TEST(Security, TlsListenerRefusesTls11) {
  TlsFiles files;
  ASSERT_TRUE(files.ok());
  Bridge bridge([&](config::Config& c) {
    c.http.tls.cert_file = files.cert();
    c.http.tls.key_file = files.key();
  });
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(context, TLS1_VERSION);
  SSL_CTX_set_max_proto_version(context, TLS1_1_VERSION);
  SSL_CTX_set_security_level(context, 0);
  int fd = connect_to(bridge.daemon().port());
  SSL* ssl = SSL_new(context);
  SSL_set_fd(ssl, fd);
  EXPECT_NE(SSL_connect(ssl), 1);
  SSL_free(ssl);
  SSL_CTX_free(context);
  ::close(fd);
}

// The common name of the certificate a new TLS connection to the port is served, or "" when the
// handshake fails.
std::string served_common_name(int port) {
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  const int fd = connect_to(port);
  SSL* ssl = SSL_new(context);
  SSL_set_fd(ssl, fd);
  std::string name;
  if (SSL_connect(ssl) == 1) {
    X509* certificate = SSL_get1_peer_certificate(ssl);
    char text[256] = {};
    if (certificate != nullptr)
      X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, text,
                                sizeof text);
    X509_free(certificate);
    name = text;
  }
  SSL_free(ssl);
  SSL_CTX_free(context);
  ::close(fd);
  return name;
}

TEST(Security, ReloadTakesARenewedCertificateAndKeepsTheOneInUseWhenTheNewPairIsBad) {
  TlsFiles first("first.example"), second("second.example");
  ASSERT_TRUE(first.ok() && second.ok()) << "openssl req failed";
  Bridge bridge([&](config::Config& c) {
    c.http.tls.cert_file = first.cert();
    c.http.tls.key_file = first.key();
  });
  const int port = bridge.daemon().port();
  EXPECT_EQ(served_common_name(port), "first.example");
  // A connection opened before the reload goes on with its session.
  httplib::SSLClient kept("127.0.0.1", port);
  kept.enable_server_certificate_verification(false);
  kept.set_keep_alive(true);
  auto before =
      kept.Post("/callbacks/jumio", kSampleNetverifyApproved, "application/x-www-form-urlencoded");
  ASSERT_TRUE(before);
  EXPECT_EQ(before->status, 200);

  config::Config renewed = bridge.config();
  renewed.http.tls.cert_file = second.cert();
  renewed.http.tls.key_file = second.key();
  bridge.daemon().reload(renewed);
  EXPECT_EQ(served_common_name(port), "second.example");
  auto after =
      kept.Post("/callbacks/jumio", kSampleNetverifyApproved, "application/x-www-form-urlencoded");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);

  // A certificate with a key that is not its own: the one in use stays.
  config::Config mismatched = renewed;
  mismatched.http.tls.key_file = first.key();
  bridge.daemon().reload(mismatched);
  EXPECT_EQ(served_common_name(port), "second.example");
  // Files that cannot be read, and turning TLS off: the same.
  config::Config missing = renewed;
  missing.http.tls.cert_file = second.cert() + ".gone";
  bridge.daemon().reload(missing);
  EXPECT_EQ(served_common_name(port), "second.example");
  config::Config plain = renewed;
  plain.http.tls = {};
  bridge.daemon().reload(plain);
  EXPECT_EQ(served_common_name(port), "second.example");
}

}  // namespace
}  // namespace jb::test
