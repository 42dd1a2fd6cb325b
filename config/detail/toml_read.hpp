#pragma once

#include <string>
#include <string_view>

#include <toml++/toml.h>

namespace swarmbot::config::detail {

// Stops start-up with "<source>: <key>: <what>" (a ConfigError).
[[noreturn]] void Fail(const std::string& source, const std::string& key, const std::string& what);

// A whole number from `low` to `high` at `node` (`key` names it in the error);
// `fallback` when the key is absent.
int ReadWhole(const toml::node* node, const std::string& source, const std::string& key,
              int fallback, int low, int high);

// Refuses a value of nothing but spaces: it would pass for set and do nothing.
void RefuseBlank(const std::string& source, const std::string& key, std::string_view value);

// Refuses a control character (tabs and line breaks too, unless `multiline`)
// and a bidirectional control such as U+202E, which would reorder the text
// shown around the value. Either is named by its code point.
void RefuseControls(const std::string& source, const std::string& key, std::string_view value,
                    bool multiline = false);

// swarmbot.example.toml writes the ids only the operator knows as "<…>";
// refuses one left so, saying what to put instead (`wanted`).
void RefusePlaceholder(const std::string& source, const std::string& key, std::string_view value,
                       const std::string& wanted);

// A file of PEM certificates read at start and on every connection: refused
// unless it is a regular file that loads.
void CheckCaFile(const std::string& source, const std::string& key, const std::string& path);

}  // namespace swarmbot::config::detail
