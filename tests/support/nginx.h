// Debian's nginx as a reverse proxy in front of the daemon under test: a child process on
// loopback, configured from a file generated into a temp directory of its own (pid, logs, temp
// paths all inside it), stopped and removed when the object goes. Tests that need it skip when
// nginx is not installed:
//
//   if (!Nginx::installed()) GTEST_SKIP() << Nginx::kMissing;
//   Nginx nginx(bridge.daemon().port());
//   ASSERT_TRUE(nginx.started()) << nginx.error_log();
//
// The proxy is what a deployment would run: HTTP/1.1 to the upstream over kept-alive
// connections, "Connection" cleared, X-Forwarded-For extended with the client's address, and
// the upstream connections made from its own loopback address (proxy_bind), so the daemon sees
// the proxy and the client as different peers.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

namespace jb::test {

struct NginxOptions {
  std::string listen_host = "127.0.0.1";    // where clients connect
  std::string upstream_host = "127.0.0.1";  // where the daemon listens
  std::string proxy_bind = "127.0.0.2";     // the address nginx connects to the daemon from
  int upstream_keepalive = 16;              // idle upstream connections kept per process
  // Idle upstream connections are dropped after this: kept below the daemon's own keep-alive
  // timeout (5 s), so nginx never reuses a connection the daemon is closing.
  std::chrono::milliseconds upstream_keepalive_timeout{2000};
  // client_header_timeout and client_body_timeout: how long nginx waits on a silent client.
  std::chrono::milliseconds client_timeout{1000};
  // After an error answer with the body unread (413, ...), nginx reads and drops what the client
  // still sends and closes once it has been silent this long (5 s by default).
  std::chrono::milliseconds lingering_timeout{500};
  // A site used instead of the generated proxy: upstream and server blocks as they would stand in
  // /etc/nginx/sites-enabled/, with "{port}" where the port for clients goes (the helper picks a
  // free one on listen_host). The options above then do not apply: the site says it all.
  std::string site;
};

class Nginx {
 public:
  static constexpr const char* kBinary = "/usr/sbin/nginx";
  static constexpr const char* kMissing =
      "nginx is not installed (/usr/sbin/nginx; Debian package nginx-light)";
  // Whether the nginx binary is there to run.
  static bool installed();

  // Starts nginx on a free port of options.listen_host, proxying every path to
  // upstream_host:upstream_port (or serving options.site), and waits (bounded) until it answers
  // (a server of its own on another port answers the probe). started() tells whether it did; a
  // failure to start is also reported as a test failure.
  explicit Nginx(int upstream_port, const NginxOptions& options = {});
  // Stops nginx (SIGTERM, then SIGKILL) and removes its directory.
  ~Nginx();
  Nginx(const Nginx&) = delete;
  Nginx& operator=(const Nginx&) = delete;

  bool started() const { return started_; }
  int port() const { return port_; }
  // The generated directory: nginx.conf, error.log, access.log, temp paths.
  const std::string& dir() const { return dir_; }
  // The error log's text so far (for failure messages: nginx logs why it refused a request).
  std::string error_log() const;
  // The access log's text so far: one line per request nginx answered or proxied.
  std::string access_log() const;

 private:
  bool start_once(int upstream_port);

  NginxOptions options_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  bool started_ = false;
};

}  // namespace jb::test
