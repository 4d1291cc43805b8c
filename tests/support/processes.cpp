#include "support/processes.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <thread>

#include <boost/asio/ip/tcp.hpp>

namespace pm::test {

namespace asio = boost::asio;

// As tests/stack/lib.sh's free_port, whose reservations these share: a port below the ephemeral
// range (an outgoing connection may hold one of those the moment a server wants it), not
// listened on, and reserved by a folder named after it, so two tests running at once are never
// handed the same one. Reservations older than 30 minutes (longer than any test) are stale.
std::uint16_t free_port() {
  namespace fs = std::filesystem;
  const char* tmp = std::getenv("TMPDIR");
  const fs::path dir = fs::path(tmp && *tmp ? tmp : "/tmp") / ("pm-test-ports-" + std::to_string(getuid()));
  std::error_code ec;
  fs::create_directories(dir, ec);
  const auto stale = fs::file_time_type::clock::now() - std::chrono::minutes(30);
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.last_write_time(ec) < stale) fs::remove(entry.path(), ec);

  std::random_device seed;
  std::uniform_int_distribution<int> pick(20000, 29999);
  asio::io_context io;
  for (int attempt = 0; attempt < 200; ++attempt) {
    const auto port = static_cast<std::uint16_t>(pick(seed));
    asio::ip::tcp::acceptor probe(io);
    boost::system::error_code bind_error;
    probe.open(asio::ip::tcp::v4());
    probe.bind(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), bind_error);
    if (bind_error) continue;  // in use
    probe.close();
    if (fs::create_directory(dir / std::to_string(port), ec)) return port;
  }
  throw std::runtime_error("no free port found in 20000-29999");
}

bool wait_for_port(std::uint16_t port, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  asio::io_context io;
  while (std::chrono::steady_clock::now() < deadline) {
    asio::ip::tcp::socket s(io);
    boost::system::error_code ec;
    s.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    if (!ec) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

Process::Process(std::vector<std::string> argv, std::map<std::string, std::string> env, std::string log_file) {
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int fd = open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
}

Process::~Process() {
  if (!reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void Process::signal(int sig) { kill(pid_, sig); }

int Process::wait(int timeout_ms) {
  if (reaped_) return 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

RedisServer::RedisServer(std::uint16_t port) : port_(port) { start(); }
RedisServer::~RedisServer() { stop(); }

void RedisServer::start() {
  process_ = std::make_unique<Process>(std::vector<std::string>{
      "redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
      // a second user, which refuse_commands() leaves alone to undo it
      "--user", "keeper", "on", ">keeper", "~*", "&*", "+@all"});
  if (!wait_for_port(port_, 10000)) throw std::runtime_error("redis-server did not start");
}

void RedisServer::stop() {
  if (!process_) return;
  process_->signal(SIGKILL);
  process_->wait(10000);
  process_.reset();
}

void RedisServer::pause() { process_->signal(SIGSTOP); }
void RedisServer::resume() { process_->signal(SIGCONT); }

namespace {

// redis-cli as the keeper user, whom refuse_commands() leaves alone.
CommandResult as_keeper(std::uint16_t port, const std::string& command) {
  return run_command("redis-cli -p " + std::to_string(port) + " --user keeper --pass keeper --no-auth-warning " +
                     command);
}

void set_default_user(std::uint16_t port, const std::string& rule) {
  auto r = as_keeper(port, "ACL SETUSER default " + rule);
  if (r.exit_code != 0 || r.output.find("OK") == std::string::npos)
    throw std::runtime_error("redis-cli ACL SETUSER default " + rule + ": " + r.output);
}

}  // namespace

void RedisServer::refuse_commands() { set_default_user(port_, "-@all"); }
void RedisServer::refuse_commands(const std::vector<std::string>& commands) {
  std::string rules;
  for (const auto& c : commands) rules += " -" + c;
  set_default_user(port_, rules.substr(1));
}
void RedisServer::accept_commands() { set_default_user(port_, "+@all"); }

int RedisServer::rejected_calls(const std::string& command) {
  const std::string stats = as_keeper(port_, "INFO commandstats").output;
  const auto line = stats.find("cmdstat_" + command + ":");
  if (line == std::string::npos) return 0;  // never called
  const auto at = stats.find("rejected_calls=", line);
  return at == std::string::npos ? 0 : std::stoi(stats.substr(at + std::string("rejected_calls=").size()));
}

std::string RedisServer::url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

std::string binary_path() { return PM_BINARY; }

CommandResult run_command(const std::string& command_line) {
  CommandResult result;
  FILE* p = popen((command_line + " 2>&1").c_str(), "r");
  if (!p) return result;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) result.output.append(buf, n);
  int status = pclose(p);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'')
      quoted.append("'\\''");  // close, an escaped quote, reopen
    else
      quoted.push_back(c);
  }
  quoted.push_back('\'');
  return quoted;
}

CommandResult run_binary(const std::vector<std::string>& args) {
  std::string line = binary_path();
  for (const auto& a : args) {
    line.push_back(' ');
    line.append(shell_quote(a));
  }
  return run_command(line);
}

}  // namespace pm::test
