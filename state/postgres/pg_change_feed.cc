#include "state/postgres/pg_change_feed.h"

#include <poll.h>

#include <thread>

#include "state/postgres/pg_connection.h"
#include "util/error.h"

namespace keyform {

namespace {

class PgChangeFeed : public StateChangeFeed {
 public:
  PgChangeFeed(std::string dsn, std::string source)
      : dsn_(std::move(dsn)), source_(std::move(source)) {}

  bool wait(std::chrono::milliseconds timeout) override {
    if (!conn_ || !conn_->ok()) {
      conn_.reset();
      try {
        auto c = std::make_unique<PgConnection>(dsn_, source_);
        c->exec("LISTEN keyform_state");
        conn_ = std::move(c);
      } catch (const Error&) {
        std::this_thread::sleep_for(timeout);  // the server is away: try again later
      }
      return true;
    }
    if (drain()) return true;
    pollfd p{PQsocket(conn_->native()), POLLIN, 0};
    if (p.fd < 0) return reset();
    const int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (n < 0) return false;  // interrupted: the caller waits again
    if (n == 0) return false;
    if (PQconsumeInput(conn_->native()) != 1) return reset();
    return drain();
  }

 private:
  // Whether a notification was waiting (all of them are taken).
  bool drain() {
    bool any = false;
    while (PGnotify* n = PQnotifies(conn_->native())) {
      any = true;
      PQfreemem(n);
    }
    return any;
  }
  bool reset() {
    conn_.reset();
    return true;
  }

  std::string dsn_;
  std::string source_;
  std::unique_ptr<PgConnection> conn_;
};

}  // namespace

std::unique_ptr<StateChangeFeed> make_pg_change_feed(const std::string& dsn,
                                                     const std::string& source) {
  return std::make_unique<PgChangeFeed>(dsn, source);
}

}  // namespace keyform
