// keyform: the command line. Parses flags, runs one command, and turns
// errors into messages and exit codes (see docs/cli.md).
#include <algorithm>
#include <iostream>

#include "reconciler/cli/commands.h"
#include "reconciler/config/loader.h"
#include "util/error.h"
#include "util/nearest.h"

namespace {

// The first word that is neither a global flag nor its value, when it
// names no command: "" otherwise. CLI11 would call it an extra argument.
std::string unknown_command(const CLI::App& app, int argc, char** argv) {
  static const std::vector<std::string> with_value = {"-C", "--parallelism", "--rev", "--backend",
                                                      "--lock-timeout"};
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.empty() || word[0] == '-') {
      if (std::find(with_value.begin(), with_value.end(), word) != with_value.end()) ++i;
      continue;
    }
    for (const CLI::App* sub : app.get_subcommands({}))
      if (sub->get_name() == word) return "";
    return word;
  }
  return "";
}

std::vector<std::string> command_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
  return names;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace keyform::cli;
  CLI::App app{"keyform: a declarative reconciler for private PKI and secrets", "keyform"};
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the command: `apply --parallelism 2`
  app.set_version_flag("--version", version_text,
                       "Print keyform's version and the formats it writes");
  // Set before the commands are added: each copies it. A fixed prefix, so
  // scripts and tests/e2e/test_docs_commands.sh tell a command line keyform
  // does not understand from a command that failed.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return std::string("keyform: usage error: ") + e.what() +
           "\nRun `keyform --help` or `keyform COMMAND --help` for the flags.\n";
  });
  GlobalOptions global;
  app.add_option("-C", global.dir, "Run in this config directory (the one holding keyform.yaml)");
  app.add_option("--parallelism", global.parallelism,
                 "Workers for apply (default: the number of cores)")
      ->check(CLI::PositiveNumber);
  app.add_flag("--no-color", global.no_color, "No ANSI colours in the output");
  app.add_flag("-v,--verbose", global.verbose, "Say more about what happens");
  app.add_option("--rev", global.rev,
                 "Read the config from this git commit (REV or REV:PATH) of the repository "
                 "holding -C DIR, not from the working tree");
  app.add_option("--backend", global.backend,
                 "State backend, overriding keyform.yaml: local, or postgres (connection string "
                 "from the variable keyform.yaml names, else KEYFORM_PG_DSN)")
      ->check(CLI::IsMember({"local", "postgres"}));
  app.add_option("--lock-timeout", global.lock_timeout,
                 "Wait this long for the state lock (30s, 5m, ...); default: exit 3 at once");
  Runner run;
  for (CommandRegistrar r :
       {register_init,    register_validate,   register_plan,   register_apply, register_show,
        register_state,   register_schema,     register_graph,  register_drift, register_ca,
        register_access,  register_audit,      register_secret, register_seal,  register_kms,
        register_version, register_completion, register_serve,  register_agent, register_metrics})
    r(app, global, &run);
  if (std::string word = unknown_command(app, argc, argv); !word.empty()) {
    std::cerr << "keyform: usage error: unknown command \"" << word << "\""
              << keyform::did_you_mean(word, command_names(app))
              << "\nRun `keyform --help` for the commands.\n";
    return kExitError;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitError;
  }
  try {
    return run ? run() : kExitError;
  } catch (const keyform::LockedError& e) {
    // The unlock hint runs where this run did: with its -C.
    std::string message = e.what();
    const std::string hint = "`keyform state unlock ";
    if (size_t at = message.find(hint); at != std::string::npos && global.dir != ".")
      message.insert(at + 9, "-C " + global.dir + " ");
    std::cerr << "keyform: error: " << message << "\n";
    return kExitLocked;
  } catch (const keyform::ConfigError& e) {
    std::cerr << e.what() << "\n";
    std::cerr << "keyform: error: the configuration is not valid (" << e.diagnostics().size()
              << (e.diagnostics().size() == 1 ? " error" : " errors") << "); nothing was changed\n";
    return kExitError;
  } catch (const std::exception& e) {
    std::cerr << "keyform: error: " << e.what() << "\n";
    return kExitError;
  }
}
