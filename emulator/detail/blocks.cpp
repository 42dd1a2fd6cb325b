#include "emulator/detail/blocks.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

namespace swarmbot::emulator::detail {
namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 13> kBlockTypes{
    "section",   "header",   "actions", "context", "divider", "input",          "image",
    "rich_text", "markdown", "file",    "video",   "call",    "context_actions"};

// Collects the messages of one check run; `path` is the JSON pointer so far.
class Checker {
 public:
  void Error(const std::string& what, const std::string& path) {
    messages.push_back("[ERROR] " + what + " [json-pointer:" + path + "]");
  }

  void MaxLength(const json::object& parent, std::string_view key, std::size_t max,
                 const std::string& path) {
    const json::value* v = parent.if_contains(key);
    if (v != nullptr && v->is_string() && v->as_string().size() > max) {
      Error("must be less than " + std::to_string(max + 1) + " characters",
            path + "/" + std::string(key));
    }
  }

  // A text object; `plain_only` for headers, buttons and titles.
  void Text(const json::value* text, std::size_t max, bool plain_only, const std::string& path) {
    if (text == nullptr || !text->is_object()) {
      Error("must be a text object", path);
      return;
    }
    const auto& obj = text->as_object();
    const json::value* type = obj.if_contains("type");
    const bool plain = type != nullptr && type->is_string() && type->as_string() == "plain_text";
    const bool mrkdwn = type != nullptr && type->is_string() && type->as_string() == "mrkdwn";
    if (!plain && !(mrkdwn && !plain_only)) {
      Error(plain_only ? "must be plain_text" : "must be plain_text or mrkdwn", path + "/type");
    }
    const json::value* value = obj.if_contains("text");
    if (value == nullptr || !value->is_string()) {
      Error("missing required field: text", path + "/text");
      return;
    }
    MaxLength(obj, "text", max, path);
  }

  void Element(const json::value& element, const std::string& path) {
    if (!element.is_object()) {
      Error("must be an object", path);
      return;
    }
    const auto& obj = element.as_object();
    MaxLength(obj, "action_id", 255, path);
    const json::value* type = obj.if_contains("type");
    if (type == nullptr || !type->is_string()) {
      Error("missing required field: type", path + "/type");
      return;
    }
    if (type->as_string() == "button") {
      Text(obj.if_contains("text"), 75, true, path + "/text");
      MaxLength(obj, "value", 2000, path);
      MaxLength(obj, "url", 3000, path);
      if (const json::value* style = obj.if_contains("style"); style != nullptr) {
        if (!style->is_string() ||
            (style->as_string() != "primary" && style->as_string() != "danger")) {
          Error("must be one of primary, danger", path + "/style");
        }
      }
    }
    if (const json::value* options = obj.if_contains("options");
        options != nullptr && options->is_array() && options->as_array().size() > 100) {
      Error("must provide at most 100 items", path + "/options");
    }
  }

  void Block(const json::value& block, const std::string& path) {
    if (!block.is_object()) {
      Error("must be an object", path);
      return;
    }
    const auto& obj = block.as_object();
    MaxLength(obj, "block_id", 255, path);
    const json::value* type = obj.if_contains("type");
    if (type == nullptr || !type->is_string()) {
      Error("missing required field: type", path + "/type");
      return;
    }
    const std::string_view t = type->as_string();
    if (std::find(kBlockTypes.begin(), kBlockTypes.end(), t) == kBlockTypes.end()) {
      Error("unsupported type: " + std::string(t), path + "/type");
      return;
    }
    if (t == "section") {
      Section(obj, path);
    } else if (t == "header") {
      Text(obj.if_contains("text"), 150, true, path + "/text");
    } else if (t == "actions") {
      Elements(obj, 25, path);
    } else if (t == "context") {
      Elements(obj, 10, path);
    } else if (t == "input") {
      Text(obj.if_contains("label"), 2000, true, path + "/label");
      if (const json::value* element = obj.if_contains("element"); element != nullptr) {
        Element(*element, path + "/element");
      } else {
        Error("missing required field: element", path + "/element");
      }
    }
  }

  void Section(const json::object& obj, const std::string& path) {
    const json::value* text = obj.if_contains("text");
    const json::value* fields = obj.if_contains("fields");
    if (text == nullptr && fields == nullptr) {
      Error("must provide either text or fields", path);
    }
    if (text != nullptr) {
      Text(text, 3000, false, path + "/text");
    }
    if (fields != nullptr) {
      if (!fields->is_array() || fields->as_array().size() > 10) {
        Error("must provide at most 10 items", path + "/fields");
      } else {
        for (std::size_t i = 0; i < fields->as_array().size(); ++i) {
          Text(&fields->as_array()[i], 2000, false, path + "/fields/" + std::to_string(i));
        }
      }
    }
    if (const json::value* accessory = obj.if_contains("accessory"); accessory != nullptr) {
      Element(*accessory, path + "/accessory");
    }
  }

  void Elements(const json::object& obj, std::size_t max, const std::string& path) {
    const json::value* elements = obj.if_contains("elements");
    if (elements == nullptr || !elements->is_array() || elements->as_array().empty()) {
      Error("must provide at least 1 item", path + "/elements");
      return;
    }
    if (elements->as_array().size() > max) {
      Error("must provide at most " + std::to_string(max) + " items", path + "/elements");
    }
    for (std::size_t i = 0; i < elements->as_array().size(); ++i) {
      Element(elements->as_array()[i], path + "/elements/" + std::to_string(i));
    }
  }

  std::vector<std::string> messages;
};

}  // namespace

std::vector<std::string> CheckBlocks(const json::value& blocks, Surface surface) {
  Checker checker;
  if (!blocks.is_array()) {
    checker.Error("must be an array", "/blocks");
    return checker.messages;
  }
  const std::size_t max = surface == Surface::kMessage ? 50 : 100;
  const auto& array = blocks.as_array();
  if (array.size() > max) {
    checker.Error("must provide at most " + std::to_string(max) + " items", "/blocks");
  }
  for (std::size_t i = 0; i < array.size(); ++i) {
    checker.Block(array[i], "/blocks/" + std::to_string(i));
  }
  return checker.messages;
}

std::vector<std::string> CheckView(const json::value& view) {
  Checker checker;
  if (!view.is_object()) {
    checker.Error("must be an object", "/view");
    return checker.messages;
  }
  const auto& obj = view.as_object();
  const json::value* type = obj.if_contains("type");
  const bool modal = type != nullptr && type->is_string() && type->as_string() == "modal";
  const bool home = type != nullptr && type->is_string() && type->as_string() == "home";
  if (!modal && !home) {
    checker.Error("must be one of modal, home", "/view/type");
    return checker.messages;
  }
  if (modal) {
    checker.Text(obj.if_contains("title"), 24, true, "/view/title");
  }
  for (const char* key : {"submit", "close"}) {
    if (obj.contains(key)) {
      checker.Text(obj.if_contains(key), 24, true, std::string("/view/") + key);
    }
  }
  checker.MaxLength(obj, "callback_id", 255, "/view");
  checker.MaxLength(obj, "external_id", 255, "/view");
  checker.MaxLength(obj, "private_metadata", 3000, "/view");
  const json::value* blocks = obj.if_contains("blocks");
  if (blocks == nullptr) {
    checker.Error("missing required field: blocks", "/view/blocks");
    return checker.messages;
  }
  for (auto& m : CheckBlocks(*blocks, modal ? Surface::kModal : Surface::kHome)) {
    checker.messages.push_back(m.replace(m.find("[json-pointer:") + 14, 0, "/view"));
  }
  // Slack refuses a modal with inputs but no way to submit them.
  if (modal && !obj.contains("submit") && blocks->is_array()) {
    for (const auto& b : blocks->as_array()) {
      if (b.is_object() && b.as_object().contains("type") && b.at("type") == "input") {
        checker.Error("must provide submit when using input blocks", "/view/submit");
        break;
      }
    }
  }
  return checker.messages;
}

void NormalizeBlocks(json::value& blocks) {
  if (!blocks.is_array()) {
    return;
  }
  int n = 0;
  for (auto& block : blocks.as_array()) {
    ++n;
    if (!block.is_object()) {
      continue;
    }
    auto& b = block.as_object();
    if (!b.contains("block_id")) {
      b["block_id"] = "b" + std::to_string(n) + "x" + std::to_string(b.size());
    }
    auto* elements = b.if_contains("elements");
    if (elements == nullptr || !elements->is_array() || b.at("type") == "context" ||
        b.at("type") == "rich_text") {
      continue;
    }
    int m = 0;
    for (auto& e : elements->as_array()) {
      ++m;
      if (e.is_object() && !e.as_object().contains("action_id")) {
        e.as_object()["action_id"] = "a" + std::to_string(n) + "x" + std::to_string(m);
      }
    }
  }
}

const json::object* FindElement(const json::value& blocks, const std::string& action_id,
                                std::string* block_id) {
  if (!blocks.is_array()) {
    return nullptr;
  }
  for (const auto& block : blocks.as_array()) {
    if (!block.is_object()) {
      continue;
    }
    const auto& b = block.as_object();
    std::vector<const json::value*> candidates;
    if (const auto* elements = b.if_contains("elements"); elements && elements->is_array()) {
      for (const auto& e : elements->as_array()) {
        candidates.push_back(&e);
      }
    }
    for (const char* key : {"accessory", "element"}) {
      if (const auto* e = b.if_contains(key); e != nullptr) {
        candidates.push_back(e);
      }
    }
    for (const json::value* e : candidates) {
      if (!e->is_object()) {
        continue;
      }
      const auto* id = e->as_object().if_contains("action_id");
      if (id != nullptr && id->is_string() && id->as_string() == action_id) {
        const auto* bid = b.if_contains("block_id");
        *block_id = bid != nullptr && bid->is_string() ? std::string(bid->as_string()) : "";
        return &e->as_object();
      }
    }
  }
  return nullptr;
}

}  // namespace swarmbot::emulator::detail
