// Running the jumio-bridge binary (and other programs) from tests.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace jb::test {

struct Finished {
  int exit_code = -1;  // -1 when it did not exit normally
  std::string out;
  std::string err;
};

// Runs the binary with args, feeding `input` on stdin; waits up to timeout (then kills it).
Finished run_binary(const std::vector<std::string>& args, const std::string& input = "",
                    std::chrono::milliseconds timeout = std::chrono::seconds(30));
// The same for another program (a path).
Finished run_program(const std::string& program, const std::vector<std::string>& args,
                     const std::string& input = "",
                     std::chrono::milliseconds timeout = std::chrono::seconds(30));

// A long-running child (serve) whose stdout is read line by line.
class Child {
 public:
  explicit Child(const std::vector<std::string>& args);
  ~Child();

  // The next stdout line containing `needle`, or "" when none came before timeout.
  std::string wait_for_line(const std::string& needle, std::chrono::milliseconds timeout);
  // True once stdout holds `needle`, read before this call or within timeout.
  bool has_written(const std::string& needle, std::chrono::milliseconds timeout);
  void signal(int signo);
  // The exit code after waiting up to timeout; -1 when it had to be killed or died by a signal.
  int wait(std::chrono::milliseconds timeout);
  // Everything read from stdout so far.
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
  std::string output_;
};

// A fresh directory under the system temp dir.
std::string temp_dir(const std::string& prefix);

}  // namespace jb::test
