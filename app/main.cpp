// swarmbot's command line. Everything it runs lives in the libraries; this
// file only reads the arguments and the config and hands over.

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "app/app.hpp"
#include "app/asset_import.hpp"
#include "app/history_file.hpp"
#include "app/history_import.hpp"
#include "app/knowledge_import.hpp"
#include "app/people_import.hpp"
#include "common/edit_distance.hpp"
#include "common/log.hpp"
#include "config/config.hpp"
#include "expertfinder/eval.hpp"

namespace {

// `with_secrets` false: for the imports, which only write the local store;
// true: for serving and check-config.
std::optional<swarmbot::config::Config> LoadOrExplain(const std::string& path, bool with_secrets) {
  try {
    if (!with_secrets) {
      return swarmbot::config::LoadConfigWithoutSecrets(path);
    }
    auto config = swarmbot::config::LoadConfig(path, swarmbot::config::ProcessEnvironment());
    swarmbot::config::RequireServeSettings(config, path);
    return config;
  } catch (const swarmbot::config::ConfigError& e) {
    // The scrub is a last defence: messages name keys, not values.
    std::fprintf(stderr, "swarmbot: config: %s\n", swarmbot::ScrubSecrets(e.what()).c_str());
    return std::nullopt;
  }
}

// `swarmbot eval experts --data DIR [--learn-every N]`: one line per setting,
// the README's metrics.
int EvalExperts(const std::string& data_dir, std::size_t learn_every) {
  namespace ef = swarmbot::expertfinder;
  const auto set = ef::LoadEvalSet(data_dir);
  if (!set) {
    std::fprintf(stderr, "swarmbot: eval: %s\n", set.error().detail.c_str());
    // An unusable input file, like the imports' bad files.
    return swarmbot::app::kExitConfig;
  }
  if (ef::PeopleWithHistory(*set) == 0) {
    std::fprintf(stderr,
                 "swarmbot: eval: people.jsonl names nobody who resolved an incident in "
                 "train.jsonl; the ranking knows people from train.jsonl alone\n");
  }
  const ef::EvalResult result = ef::Evaluate(*set, {}, learn_every);
  std::printf("%s\n%s\n",
              ef::FormatMetrics(ef::EvalSetting::kText, result.text, learn_every).c_str(),
              ef::FormatMetrics(ef::EvalSetting::kTitle, result.title, learn_every).c_str());
  return swarmbot::app::kExitOk;
}

// CLI11 answers a misspelt command ("swarmbot serv") with "A subcommand is
// required", as if nothing had been typed. Walks the words that aren't
// options down the command tree and names the first one that isn't a
// command there, with the nearest one and the list; nullopt when all are.
std::optional<std::string> UnknownCommand(CLI::App& cli, int argc, char** argv) {
  CLI::App* level = &cli;
  std::string path = "swarmbot";
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    // Without a filter, get_subcommands lists only those already parsed.
    const auto commands = level->get_subcommands([](CLI::App*) { return true; });
    if (word.starts_with('-') || commands.empty()) {
      continue;
    }
    const auto known = std::find_if(commands.begin(), commands.end(), [&](const CLI::App* command) {
      return command->check_name(std::string(word));
    });
    if (known != commands.end()) {
      level = *known;
      path += " " + std::string(word);
      continue;
    }
    std::string names;
    std::string nearest;
    std::size_t best = 3;  // three edits or more suggest nothing
    for (const CLI::App* command : commands) {
      names += (names.empty() ? "" : ", ") + command->get_name();
      if (const std::size_t d = swarmbot::EditDistance(word, command->get_name()); d < best) {
        best = d;
        nearest = command->get_name();
      }
    }
    return path + ": unknown command '" + std::string(word) + "'" +
           (nearest.empty() ? "." : "; did you mean '" + nearest + "'?") + " Commands: " + names +
           ".";
  }
  return std::nullopt;
}

// What CLI11 refused, said as swarmbot's other errors are: prefixed with
// "swarmbot:" and the command that was being run ("swarmbot: import people:
// …"), and a missing argument named by what it is for rather than CLI11's
// bare "file is required".
std::string ParseProblem(CLI::App& cli, const CLI::ParseError& error) {
  CLI::App* level = &cli;
  std::string path;
  // Without a filter, get_subcommands lists those that were parsed.
  for (auto parsed = level->get_subcommands(); !parsed.empty(); parsed = level->get_subcommands()) {
    level = parsed.front();
    path += (path.empty() ? "" : " ") + level->get_name();
  }
  std::string what = error.what();
  if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr) {
    for (const CLI::Option* option : level->get_options()) {
      if (!option->get_required() || option->count() > 0) {
        continue;
      }
      std::string description = option->get_description();
      if (!description.empty()) {
        description[0] =
            static_cast<char>(std::tolower(static_cast<unsigned char>(description[0])));
      }
      what = option->get_positional() ? "missing " + description
                                      : "missing " + option->get_name() + " (" + description + ")";
      break;
    }
  }
  return "swarmbot: " + (path.empty() ? "" : path + ": ") + what;
}

}  // namespace

int main(int argc, char** argv) {
  // A peer that went away must be an error to handle, not a signal that kills.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App cli{"swarmbot: the incident lifecycle in Slack"};
  cli.require_subcommand(1);
  std::string config_path = "swarmbot.toml";
  int ready_fd = -1;

  CLI::App* serve = cli.add_subcommand("serve", "Connect to Slack and serve until stopped");
  serve->add_option("--config,-c", config_path, "The config file")->capture_default_str();
  serve->add_option("--ready-fd", ready_fd,
                    "Write 'ready http_port=N' to this file descriptor once serving");

  CLI::App* check = cli.add_subcommand("check-config", "Check the config and secrets, then exit");
  check->add_option("--config,-c", config_path, "The config file")->capture_default_str();

  CLI::App* import = cli.add_subcommand("import", "Import data into the store");
  import->require_subcommand(1);
  CLI::App* import_kb =
      import->add_subcommand("kb", "Import knowledge articles (Markdown with front matter)");
  std::string kb_dir;
  import_kb->add_option("--config,-c", config_path, "The config file")->capture_default_str();
  import_kb->add_option("--dir", kb_dir, "The folder of *.md articles")->required();

  CLI::App* import_people = import->add_subcommand(
      "people", "Replace the people list (skills, capacity) from a TOML file");
  std::string people_file;
  import_people->add_option("--config,-c", config_path, "The config file")->capture_default_str();
  import_people->add_option("file", people_file, "The people file, e.g. samples/people.toml")
      ->required();

  CLI::App* import_assets =
      import->add_subcommand("assets", "Add or update the asset catalogue from a TOML file");
  std::string assets_file;
  import_assets->add_option("--config,-c", config_path, "The config file")->capture_default_str();
  import_assets->add_option("file", assets_file, "The asset file, e.g. samples/assets.toml")
      ->required();

  CLI::App* import_history = import->add_subcommand(
      "history",
      "Add past tickets (JSON Lines) to the Expert Finder's history; ids replace. The whole file "
      "is checked before anything is written, then written in short transactions, so a running "
      "swarmbot keeps answering");
  std::string history_file;
  import_history->add_option("--config,-c", config_path, "The config file")->capture_default_str();
  import_history
      ->add_option("file", history_file,
                   "The JSON Lines file (UTF-8, at most " +
                       std::to_string(swarmbot::app::kMaxHistoryFileBytes >> 20) +
                       " MiB): one ticket a line with id, time, title, text, components, expert")
      ->required();

  cli.add_subcommand("version", "Print the version");

  CLI::App* eval = cli.add_subcommand("eval", "Measure a component on an evaluation set");
  eval->require_subcommand(1);
  CLI::App* eval_experts =
      eval->add_subcommand("experts", "Rank experts for each test incident and score them");
  std::string eval_data;
  eval_experts->add_option("--data", eval_data, "The evaluation set's folder")->required();
  std::size_t learn_every = 0;
  eval_experts
      ->add_option("--learn-every", learn_every,
                   "Replay the test as swarmbot runs: each test incident joins the history once "
                   "ranked, and the index is rebuilt after every N (slower; the README's targets "
                   "are measured without it)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
  if (const auto unknown = UnknownCommand(cli, argc, argv)) {
    std::fprintf(stderr, "%s\nRun with --help for more information.\n", unknown->c_str());
    return swarmbot::app::kExitConfig;
  }
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help answers 0; a mistake on the command line is a mistake in what
    // swarmbot was given, as a bad config or import file is.
    if (e.get_exit_code() == 0) {
      return cli.exit(e) == 0 ? swarmbot::app::kExitOk : swarmbot::app::kExitConfig;
    }
    std::fprintf(stderr, "%s\nRun with --help for more information.\n",
                 ParseProblem(cli, e).c_str());
    return swarmbot::app::kExitConfig;
  }

  if (eval_experts->parsed()) {
    swarmbot::InitLogging("info");
    return EvalExperts(eval_data, learn_every);
  }

  if (cli.got_subcommand("version")) {
    std::printf("swarmbot 0.1.0\n");
    return swarmbot::app::kExitOk;
  }
  const auto config = LoadOrExplain(config_path, !import->parsed());
  if (!config) {
    return swarmbot::app::kExitConfig;
  }
  if (cli.got_subcommand(check)) {
    std::printf("%s: ok\n", config_path.c_str());
    return swarmbot::app::kExitOk;
  }
  // Before the imports too, so that their log lines read as serve's do.
  swarmbot::InitLogging(config->log_level);
  if (import_kb->parsed()) {
    return swarmbot::app::ImportKnowledge(*config, kb_dir);
  }
  if (import_people->parsed()) {
    return swarmbot::app::ImportPeople(*config, people_file);
  }
  if (import_assets->parsed()) {
    return swarmbot::app::ImportAssets(*config, assets_file);
  }
  if (import_history->parsed()) {
    return swarmbot::app::ImportHistory(*config, history_file);
  }
  swarmbot::app::ServeOptions options;
  if (ready_fd >= 0) {
    options.ready_fd = ready_fd;
  }
  return swarmbot::app::Serve(*config, options);
}
