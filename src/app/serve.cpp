#include "app/app.hpp"
#include "app/commands.hpp"
#include "core/log.hpp"
#include "db/conninfo.hpp"
#include "http/server.hpp"

namespace pm::app {

int serve(Config config) {
  std::unique_ptr<App> made;
  try {
    made = std::make_unique<App>(std::move(config));
  } catch (const std::runtime_error& e) {
    log::error("serve_config_invalid", {{"error", e.what()}});
    return 2;
  }
  App& app = *made;
  app.start_background();
  log::info("serve_starting", {{"database", db::describe_target(app.config.database_url)},
                               {"replica", app.config.database_replica_url.empty()
                                               ? std::string("none")
                                               : db::describe_target(app.config.database_replica_url)}});
  http::Server server(http::ServerOptions::from(app.config), app.router, app.metrics);
  app.attach(server);
  try {
    server.run_until_signal([&app] { app.begin_draining(); });
  } catch (const std::system_error& e) {
    log::error("serve_failed", {{"error", e.what()}, {"port", app.config.http_port}});
    return 1;
  }
  app.close();
  log::info("serve_stopped");
  return 0;
}

}  // namespace pm::app
