// What starting a reverse proxy (nginx, HAProxy) as a child of a test takes, shared by
// support/nginx and support/haproxy: a free port, the child itself (dies with the test, holds
// none of its sockets), a readiness probe the proxy answers itself, and a bounded stop.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

namespace jb::test {

// A port nothing listens on right now on the IPv4 address host, or 0. The proxy binds it a
// moment later: a start that loses the race is retried on another port.
int free_port(const std::string& host);

// The whole text of a file, or "" when it cannot be read.
std::string file_text(const std::string& path);

// Runs argv[0] (an absolute path) with argv, stdin from /dev/null and stdout and stderr appended
// to output_path, in a process group of its own, killed when the test process dies. -1 when
// fork fails.
pid_t spawn_proxy(const std::vector<std::string>& argv, const std::string& output_path);

// Whether GET `path` on host:port is answered 204 (the proxy's own answer) within a second.
bool answers_204(const std::string& host, int port, const std::string& path);

// Probes until the proxy answers 204 (true), it exits (false, *pid set to -1), or bound passes.
bool wait_until_ready(pid_t* pid, const std::string& host, int port, const std::string& path,
                      std::chrono::milliseconds bound);

// The local ports of the TCP connections from the IPv4 address source to 127.0.0.1:port that the
// kernel holds now, in any state but LISTEN (TIME_WAIT included: closed ones stay a while): a
// proxy's upstream connections to the daemon, read from /proc/net/tcp.
std::set<int> connections_from(const std::string& source, int port);

// SIGTERM, then SIGKILL after bound; waits for the child and sets *pid to -1.
void stop_proxy(pid_t* pid, std::chrono::milliseconds bound = std::chrono::seconds(3));

}  // namespace jb::test
