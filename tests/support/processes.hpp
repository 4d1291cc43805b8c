#pragma once
// Real server processes started by tests: a private redis-server, and the perfectmatch binary.

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pm::test {

// A shell command's exit code and its output (stdout and stderr together).
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult run_command(const std::string& command_line);
// `text` as one shell word.
std::string shell_quote(const std::string& text);
// The perfectmatch binary with these arguments (each shell-quoted).
CommandResult run_binary(const std::vector<std::string>& args);

// A TCP port that was free a moment ago and that no other test is handed until it ends.
std::uint16_t free_port();

// A child process; killed (SIGKILL) if still running when destroyed.
class Process {
 public:
  Process(std::vector<std::string> argv, std::map<std::string, std::string> env = {},
          std::string log_file = "/dev/null");
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig);
  // Waits for exit up to `timeout_ms`; returns the exit status, or -1 if still running.
  int wait(int timeout_ms);

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// redis-server on a private port, no persistence, no password.
class RedisServer {
 public:
  explicit RedisServer(std::uint16_t port = free_port());
  ~RedisServer();
  void start();
  void stop();
  // SIGSTOP / SIGCONT: a server that stops reading and answering without closing its sockets.
  void pause();
  void resume();
  // Answers every command with an error (NOPERM) and runs none, keeping what it holds, until
  // accept_commands(): an outage the data outlives. (After pause(), the commands sent meanwhile
  // still run once it resumes.)
  void refuse_commands();
  // The same for these commands only (lower case, e.g. {"del", "hdel"}); the rest still run.
  void refuse_commands(const std::vector<std::string>& commands);
  void accept_commands();
  // How many times `command` (lower case, e.g. "del") was refused so far (INFO commandstats).
  int rejected_calls(const std::string& command);
  std::string url() const;
  std::uint16_t port() const { return port_; }

 private:
  std::uint16_t port_;
  std::unique_ptr<Process> process_;
};

// Blocks until something accepts TCP connections on `port` (true) or `timeout_ms` passes (false).
bool wait_for_port(std::uint16_t port, int timeout_ms);

// The perfectmatch binary built with the tests.
std::string binary_path();

}  // namespace pm::test
