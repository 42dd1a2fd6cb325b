#include "handlers/detail/api_error.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "lifecycle/text_rules.hpp"

namespace swarmbot::handlers::detail {

std::string EscapeInvalidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lifecycle::Utf8SequenceLength(lead);
    const std::string_view sequence = text.substr(i, length);
    if (length > 0 && sequence.size() == length && lifecycle::IsValidUtf8(sequence)) {
      out += sequence;
      i += length;
    } else {
      constexpr std::string_view kHex = "0123456789ABCDEF";
      out += "\\x";
      out += kHex[lead >> 4];
      out += kHex[lead & 0xF];
      ++i;
    }
  }
  return out;
}

std::string ApiErrorBody(std::string_view code, std::string_view message) {
  return boost::json::serialize(
      boost::json::object{{"error", code}, {"message", EscapeInvalidUtf8(message)}});
}

}  // namespace swarmbot::handlers::detail
