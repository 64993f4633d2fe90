// Debian's HAProxy (2.6) as a reverse proxy in front of the daemon under test, like Nginx
// (support/nginx.h): a child process in the foreground (-db) on loopback, configured from a file
// generated into a temp directory of its own, stopped and removed when the object goes. It needs
// no stats socket, pid file or root-only path. Tests that need it skip when it is not installed:
//
//   if (!Haproxy::installed()) GTEST_SKIP() << Haproxy::kMissing;
//   Haproxy haproxy(bridge.daemon().port());
//   ASSERT_TRUE(haproxy.started()) << haproxy.log();
//
// Unless told otherwise it proxies as HAProxy does out of the box: request bodies streamed to the
// daemon as they arrive (no http-buffer-request), server connections kept alive and shared the
// "safe" way, X-Forwarded-For appended (option forwardfor). Its server connections come from its
// own loopback address (source), so the daemon sees the proxy and the clients as different peers.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

namespace jb::test {

struct HaproxyOptions {
  std::string listen_host = "127.0.0.1";    // where clients connect
  std::string upstream_host = "127.0.0.1";  // where the daemon listens
  std::string source = "127.0.0.2";         // the address HAProxy connects to the daemon from
  bool forwardfor = true;                   // option forwardfor: appends X-Forwarded-For
  // http-reuse: never | safe | aggressive | always. With "safe" (HAProxy's default) the first
  // request of a client connection always gets a server connection of its own.
  std::string http_reuse = "safe";
  // option http-server-close: the server connection is closed after each answer (no idle ones).
  bool server_close = false;
  // timeout http-keep-alive: how long a client's idle connection is kept. Idle server connections
  // are HAProxy's pool's: half of those beyond recent need closed every pool-purge-delay (5 s).
  std::chrono::milliseconds keep_alive_timeout{10000};
  std::chrono::milliseconds client_timeout{30000};  // timeout client
  std::chrono::milliseconds server_timeout{30000};  // timeout server
  // PEM text of a certificate and its key: when set, the frontend speaks TLS only.
  std::string tls_pem;
  // Sections used instead of the generated frontend and backend: "frontend" and "backend" as they
  // would stand in /etc/haproxy/haproxy.cfg, with "{port}" where the port for clients goes (the
  // helper picks a free one on listen_host) and "{tls_pem}" for the path of tls_pem's file. The
  // helper's global and defaults sections come first (logging to its log, timeouts); the options
  // above then do not apply.
  std::string sections;
};

class Haproxy {
 public:
  static constexpr const char* kBinary = "/usr/sbin/haproxy";
  static constexpr const char* kMissing =
      "HAProxy is not installed (/usr/sbin/haproxy; Debian package haproxy)";
  // Whether the haproxy binary is there to run.
  static bool installed();

  // Starts HAProxy on a free port of options.listen_host, proxying every path to
  // upstream_host:upstream_port (or as options.sections say), and waits (bounded) until it
  // answers (a frontend of its own on another port answers the probe). started() tells whether
  // it did; a failure to start is also reported as a test failure.
  explicit Haproxy(int upstream_port, const HaproxyOptions& options = {});
  // Stops HAProxy (SIGTERM, then SIGKILL) and removes its directory.
  ~Haproxy();
  Haproxy(const Haproxy&) = delete;
  Haproxy& operator=(const Haproxy&) = delete;

  bool started() const { return started_; }
  int port() const { return port_; }
  // The generated directory: haproxy.cfg, haproxy.log, the TLS PEM file.
  const std::string& dir() const { return dir_; }
  // What HAProxy wrote so far: its alerts and warnings, and one line per request (option
  // httplog: status, termination state, timers).
  std::string log() const;

 private:
  bool start_once(int upstream_port);

  HaproxyOptions options_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  bool started_ = false;
};

}  // namespace jb::test
