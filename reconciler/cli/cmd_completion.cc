// keyform completion bash: a bash completion script, made from the command
// tree itself, so it knows every command and flag this binary has.
// `source <(keyform completion bash)`, or save it where bash-completion
// looks (/etc/bash_completion.d/keyform).
#include <iostream>
#include <sstream>

#include "reconciler/cli/commands.h"

namespace keyform::cli {

namespace {

std::vector<const CLI::App*> subcommands_of(const CLI::App& app) {
  return app.get_subcommands(
      std::function<bool(const CLI::App*)>([](const CLI::App*) { return true; }));
}

struct Flags {
  std::string all;         // " -C --parallelism ..."
  std::string with_value;  // those that take a value
};

// With `without_help`, not -h/--help: every command has its own.
Flags flags_of(const CLI::App& app, bool without_help = false) {
  Flags f;
  for (const CLI::Option* o : app.get_options()) {
    if (!o->nonpositional() || (without_help && o == app.get_help_ptr())) continue;
    std::string names;
    for (const std::string& s : o->get_snames()) names += " -" + s;
    for (const std::string& l : o->get_lnames()) names += " --" + l;
    f.all += names;
    if (o->get_type_size() > 0) f.with_value += names;
  }
  return f;
}

struct Arms {
  std::ostringstream words, value_flags, commands;
};

// One `case` arm per command path ("", "state", "state rm", ...) of what
// may follow it. Global flags may follow any command (main.cc's
// fallthrough), so every path offers them too.
void add_arms(const CLI::App& app, const std::string& path, const Flags& global, Arms* out) {
  const Flags own = flags_of(app);
  const bool root = path.empty();
  std::string names;
  for (const CLI::App* sub : subcommands_of(app)) names += " " + sub->get_name();
  out->words << "    \"" << path << "\") echo \"" << names << own.all << (root ? "" : global.all)
             << "\" ;;\n";
  out->value_flags << "    \"" << path << "\") echo \"" << own.with_value
                   << (root ? "" : global.with_value) << "\" ;;\n";
  out->commands << "    \"" << path << "\") echo \"" << names << "\" ;;\n";
  for (const CLI::App* sub : subcommands_of(app))
    add_arms(*sub, root ? sub->get_name() : path + " " + sub->get_name(), global, out);
}

std::string bash_script(const CLI::App& root) {
  Arms arms;
  add_arms(root, "", flags_of(root, /*without_help=*/true), &arms);
  std::ostringstream out;
  out << "# bash completion for keyform, made by `keyform completion bash`.\n"
      << "_keyform_words() {\n  case \"$1\" in\n"
      << arms.words.str() << "  esac\n}\n"
      << "_keyform_value_flags() {\n  case \"$1\" in\n"
      << arms.value_flags.str() << "  esac\n}\n"
      << "_keyform_commands() {\n  case \"$1\" in\n"
      << arms.commands.str() << "  esac\n}\n"
      << R"BASH(_keyform() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev= path= dir= w i
  ((COMP_CWORD > 1)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    if [[ " $(_keyform_value_flags "$path") " == *" $w "* ]]; then
      [[ $w == -C ]] && dir=${COMP_WORDS[i + 1]}
      ((i++))
    elif [[ " $(_keyform_commands "$path") " == *" $w "* ]]; then
      path=${path:+$path }$w
    fi
  done
  case $prev in
    -C) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return ;;
    --target | --replace)
      mapfile -t COMPREPLY < <(compgen -W "$(keyform ${dir:+-C "$dir"} state list 2>/dev/null)" -- "$cur")
      return ;;
    -o | --out | --certificate | --chain) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
  esac
  # A value keyform cannot guess (a time, a principal): offer nothing.
  [[ -n $prev && " $(_keyform_value_flags "$path") " == *" $prev "* ]] && return
  # Flags once a "-" is typed; before that the commands, if any.
  local offer=$(_keyform_commands "$path")
  [[ $cur == -* || -z ${offer// /} ]] && offer=$(_keyform_words "$path")
  mapfile -t COMPREPLY < <(compgen -W "$offer" -- "$cur")
}
complete -F _keyform keyform
)BASH";
  return out.str();
}

}  // namespace

void register_completion(CLI::App& app, const GlobalOptions&, Runner* run) {
  auto shell = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "completion", "Print a shell completion script: source <(keyform completion bash)");
  cmd->add_option("shell", *shell, "The shell (bash)")->required()->check(CLI::IsMember({"bash"}));
  const CLI::App* root = &app;
  cmd->callback([run, root] {
    *run = [root] {
      std::cout << bash_script(*root);
      return kExitOk;
    };
  });
}

}  // namespace keyform::cli
