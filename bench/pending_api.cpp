// A Retrieval API that never finishes, for bench/reconcile.sh: plain HTTP on 127.0.0.1 answering
// every GET at once with 200 {"status": "PENDING"} (a status answer of a transaction still
// running), so reconcile asks again on its schedule and publishes nothing. Counts requests and
// keeps nothing else. Prints the port it listens on, then serves until SIGTERM or SIGINT; on
// exit prints "requests N".
//
// usage: jb_pending_api [--port P] [--threads N]
#include <httplib.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

int main(int argc, char** argv) {
  int port = 0;
  int threads = 8;
  for (int i = 1; i < argc; i += 2) {
    const std::string name = argv[i];
    if (i + 1 >= argc || (name != "--port" && name != "--threads")) {
      std::fprintf(stderr, "usage: jb_pending_api [--port P] [--threads N]\n");
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
  httplib::Server server;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Without it the answer's second write waits for the client's delayed ACK (40 ms a request).
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(1000000);
  server.set_keep_alive_timeout(60);
  server.Get(".*", [&requests](const httplib::Request&, httplib::Response& response) {
    ++requests;
    response.set_content("{\"status\":\"PENDING\"}", "application/json");
  });
  const int bound = port > 0 ? (server.bind_to_port("127.0.0.1", port) ? port : -1)
                             : server.bind_to_any_port("127.0.0.1");
  if (bound <= 0) {
    std::fprintf(stderr, "cannot listen on 127.0.0.1:%d\n", port);
    return 1;
  }
  std::thread serving([&server] { server.listen_after_bind(); });
  std::printf("%d\n", bound);
  std::fflush(stdout);
  int signal = 0;
  sigwait(&signals, &signal);
  server.stop();
  serving.join();
  std::printf("requests %lld\n", requests.load());
  return 0;
}
