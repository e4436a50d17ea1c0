#include "reconciler/cli/reader_options.h"

namespace keyform::cli {

void add_reader_options(CLI::App* cmd, fleet::ReaderOptions& o) {
  cmd->add_option("--server", o.server,
                  "Ask keyform serve at https://HOST:PORT, as the identity of --dir or --cert "
                  "(default with --dir: the server it enrolled with)");
  cmd->add_option("--dir", o.dir, "With --server: an enrolled agent's directory (its identity)");
  cmd->add_option("--cert", o.cert, "With --server: a client certificate of the agent CA");
  cmd->add_option("--key", o.key, "With --cert: its private key");
  cmd->add_option("--server-ca", o.server_ca,
                  "With --server: the CA file of serve's certificate (default with --dir: the "
                  "one it enrolled with)");
}

}  // namespace keyform::cli
