#include "common/form.hpp"

#include <cctype>

namespace swarmbot {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

bool IsUnreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

}  // namespace

std::string FormEncode(std::string_view text) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3 / 2);
  for (unsigned char c : text) {
    if (IsUnreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0x0f]);
    }
  }
  return out;
}

Result<std::string> FormDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= text.size()) {
        return MakeError(Errc::kInvalidInput, "truncated percent escape in form data");
      }
      const int hi = HexValue(text[i + 1]);
      const int lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) {
        return MakeError(Errc::kInvalidInput, "bad percent escape in form data");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<FormFields> ParseForm(std::string_view body) {
  FormFields fields;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    const auto eq = pair.find('=');
    auto name = FormDecode(pair.substr(0, eq));
    if (!name) {
      return name.error();
    }
    auto value =
        FormDecode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!value) {
      return value.error();
    }
    fields.emplace_back(std::move(*name), std::move(*value));
  }
  return fields;
}

std::string BuildForm(const FormFields& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) {
      out.push_back('&');
    }
    out += FormEncode(name);
    out.push_back('=');
    out += FormEncode(value);
  }
  return out;
}

std::optional<std::string> FormValue(const FormFields& fields, std::string_view name) {
  for (const auto& [key, value] : fields) {
    if (key == name) {
      return value;
    }
  }
  return std::nullopt;
}

Result<Url> ParseUrl(std::string_view text) {
  const auto colon = text.find("://");
  if (colon == std::string_view::npos) {
    return MakeError(Errc::kInvalidInput, "URL has no scheme");
  }
  Url url;
  for (char c : text.substr(0, colon)) {
    url.scheme.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  std::string default_port;
  if (url.scheme == "https" || url.scheme == "wss") {
    default_port = "443";
  } else if (url.scheme == "http" || url.scheme == "ws") {
    default_port = "80";
  } else {
    return MakeError(Errc::kInvalidInput, "URL scheme must be http, https, ws or wss");
  }
  std::string_view rest = text.substr(colon + 3);
  const auto slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  url.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (!url.target.empty() && url.target.front() == '?') {
    url.target.insert(url.target.begin(), '/');
  }
  if (authority.find('@') != std::string_view::npos) {
    return MakeError(Errc::kInvalidInput, "URL must not carry credentials");
  }
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return MakeError(Errc::kInvalidInput, "URL has an unclosed IPv6 address");
    }
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') {
        return MakeError(Errc::kInvalidInput, "URL has junk after the IPv6 address");
      }
      port = authority.substr(close + 2);
    }
  } else if (const auto pc = authority.rfind(':'); pc != std::string_view::npos) {
    host = authority.substr(0, pc);
    port = authority.substr(pc + 1);
  }
  if (host.empty()) {
    return MakeError(Errc::kInvalidInput, "URL has no host");
  }
  url.host = std::string(host);
  if (port.empty()) {
    url.port = default_port;
  } else {
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c))) {
        return MakeError(Errc::kInvalidInput, "URL port is not a number");
      }
    }
    if (port.size() > 5 || std::stoi(std::string(port)) == 0 ||
        std::stoi(std::string(port)) > 65535) {
      return MakeError(Errc::kInvalidInput, "URL port is out of range");
    }
    url.port = std::string(port);
  }
  return url;
}

}  // namespace swarmbot
