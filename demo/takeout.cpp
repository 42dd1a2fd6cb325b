#include "demo/takeout.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include <boost/json.hpp>

#include "common/form.hpp"

namespace swarmbot::demo {

TakeOut PopulateTakeOut(emulator::Emulator& slack) {
  TakeOut t;
  auto add = [&](const char* name, const char* tz = "Europe/London") {
    return slack.AddUser(name, std::string(name) + "@take-out.example", tz);
  };
  t.mara = add("mara");
  t.ravi = add("ravi", "Asia/Kolkata");
  t.lena = add("lena", "Europe/Berlin");
  t.tom = add("tom");
  t.priya = add("priya");
  t.omar = add("omar", "Asia/Dubai");
  t.chen = add("chen", "Asia/Shanghai");
  t.sofia = add("sofia", "Europe/Madrid");
  t.dev = add("dev");
  t.ines = add("ines", "Europe/Lisbon");
  t.kofi = add("kofi", "Africa/Accra");
  t.ana = add("ana", "America/Sao_Paulo");
  t.luis = add("luis", "America/Mexico_City");
  t.devops = slack.AddUserGroup("devops", {t.dev, t.ines});
  t.cab = slack.AddUserGroup("cab", {t.kofi, t.ana, t.luis});
  const UserId bot = slack.BotUserId();
  t.incidents = slack.AddChannel("incident-managers", {t.mara, t.priya, bot});
  t.support = slack.AddChannel("support", {t.ravi, t.lena, t.tom, t.mara, bot});
  return t;
}

std::vector<CaseSpec> TakeOutCases(const TakeOut& people) {
  static constexpr std::array<const char*, 6> kFeastSubjects{
      "FEAST25 code rejected at checkout",   "Discount code FEAST25 not working",
      "Checkout says FEAST25 is invalid",    "Can't apply FEAST25 discount code",
      "FEAST25 promo code error on payment", "Discount code FEAST25 fails at checkout",
  };
  static constexpr std::array<const char*, 10> kUnrelated{
      "Late delivery of my order",        "Refund for a missing side dish",
      "Driver went to the wrong address", "Order arrived cold",
      "Charged twice for one order",      "Refund not received after cancellation",
      "Delivery took two hours",          "Wrong drink in my order",
      "Cannot change delivery address",   "Missing cutlery and napkins",
  };
  // 12 e-mail, 10 chat, 8 messaging, 6 phone.
  std::vector<std::string> feast_channels;
  for (auto [channel, n] : std::array<std::pair<const char*, int>, 4>{
           {{"email", 12}, {"chat", 10}, {"messaging", 8}, {"phone", 6}}}) {
    feast_channels.insert(feast_channels.end(), n, channel);
  }
  const std::array<UserId, 3> reps{people.ravi, people.lena, people.tom};

  std::vector<CaseSpec> cases;
  std::size_t unrelated = 0;
  auto add_unrelated = [&] {
    const std::string m = std::to_string(unrelated + 1);
    cases.push_back({
        .contact_name = "Diner " + m,
        .contact_email = "diner" + m + "@mail.example",
        .channel = unrelated % 2 == 0 ? "web" : "phone",
        .territory = unrelated % 2 == 0 ? "West" : "North",
        .subject = kUnrelated[unrelated],
        .description = "My order had a problem that I would like resolved.",
        .owner = reps[unrelated % reps.size()],
    });
    ++unrelated;
  };
  for (std::size_t i = 0; i < feast_channels.size(); ++i) {
    const std::string n = std::to_string(i + 1);
    cases.push_back({
        .contact_name = "Customer " + n,
        .contact_email = "customer" + n + "@mail.example",
        .channel = feast_channels[i],
        .territory = i % 3 == 2 ? "East" : "North",
        .subject = kFeastSubjects[i % kFeastSubjects.size()],
        .description = "I entered the discount code FEAST25 at checkout and got an error "
                       "saying the code is not valid, so I paid full price.",
        .owner = reps[i % reps.size()],
        .about_feast25 = true,
    });
    // An unrelated case after every fourth one keeps them interleaved.
    if (i % 4 == 3) {
      add_unrelated();
    }
  }
  while (unrelated < kUnrelated.size()) {
    add_unrelated();
  }
  return cases;
}

std::string CaseJson(const CaseSpec& spec) {
  boost::json::object body{
      {"contact_name", spec.contact_name}, {"contact_email", spec.contact_email},
      {"channel", spec.channel},           {"territory", spec.territory},
      {"subject", spec.subject},           {"description", spec.description},
      {"owner", spec.owner.str()},
  };
  return boost::json::serialize(body);
}

namespace {

std::string Base64(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < data.size(); i += 3) {
    std::uint32_t chunk = static_cast<unsigned char>(data[i]) << 16;
    const std::size_t n = std::min<std::size_t>(3, data.size() - i);
    if (n > 1) {
      chunk |= static_cast<unsigned char>(data[i + 1]) << 8;
    }
    if (n > 2) {
      chunk |= static_cast<unsigned char>(data[i + 2]);
    }
    for (std::size_t k = 0; k < 4; ++k) {
      out.push_back(k <= n ? kAlphabet[(chunk >> (18 - 6 * k)) & 0x3F] : '=');
    }
  }
  return out;
}

// RFC 2047's B encoding, as many mail programs write non-ASCII headers.
std::string EncodedWord(std::string_view text) {
  return "=?UTF-8?B?" + Base64(text) + "?=";
}

// Quoted-printable with soft line breaks every 60 characters.
std::string QuotedPrintable(std::string_view text) {
  std::string out;
  std::size_t line = 0;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    std::string piece(1, c);
    if (u == '=' || u >= 0x80) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      piece = {'=', kHex[u >> 4], kHex[u & 0xF]};
    }
    if (line + piece.size() > 60) {
      out += "=\r\n";
      line = 0;
    }
    out += piece;
    line += piece.size();
  }
  return out;
}

std::string Headers(const CaseSpec& spec, std::string_view name, std::string_view subject) {
  return "From: " + std::string(name) + " <" + spec.contact_email +
         ">\r\n"
         "To: support@take-out.example\r\n"
         "Subject: " +
         std::string(subject) + "\r\nDate: Fri, 04 Dec 2026 12:00:00 +0000\r\n" +
         "MIME-Version: 1.0\r\n";
}

}  // namespace

std::string CaseEmailMessageId(const CaseSpec& spec) {
  return "case-" + spec.contact_email;
}

std::string CaseEmailQuery(const CaseSpec& spec) {
  return BuildForm({{"territory", spec.territory}, {"owner", spec.owner.str()}});
}

std::string CaseEmail(const CaseSpec& spec, std::size_t variant) {
  const std::string id = "Message-ID: <" + CaseEmailMessageId(spec) + ">\r\n";
  switch (variant % 4) {
    case 0:  // plain text, plain headers
      return Headers(spec, spec.contact_name, spec.subject) + id +
             "Content-Type: text/plain; charset=utf-8\r\n\r\n" + spec.description + "\r\n";
    case 1:  // encoded-word name and subject, base64 body
      return Headers(spec, EncodedWord(spec.contact_name), EncodedWord(spec.subject)) + id +
             "Content-Type: text/plain; charset=utf-8\r\n"
             "Content-Transfer-Encoding: base64\r\n\r\n" +
             Base64(spec.description) + "\r\n";
    case 2:  // multipart/alternative, quoted-printable
      return Headers(spec, "\"" + spec.contact_name + "\"", EncodedWord(spec.subject)) + id +
             "Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n"
             "--alt\r\nContent-Type: text/plain; charset=utf-8\r\n"
             "Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
             QuotedPrintable(spec.description) +
             "\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>" + spec.description +
             "</p>\r\n--alt--\r\n";
    default:  // HTML only
      return Headers(spec, spec.contact_name, spec.subject) + id +
             "Content-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>" + spec.description +
             "</p></body></html>\r\n";
  }
}

std::string ReplyEmail(const CaseSpec& spec, const std::string& text) {
  return Headers(spec, spec.contact_name, "Re: " + spec.subject) + "Message-ID: <reply-" +
         spec.contact_email + ">\r\nIn-Reply-To: <" + CaseEmailMessageId(spec) +
         ">\r\nReferences: <" + CaseEmailMessageId(spec) +
         ">\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n\r\nOn Fri, " +
         spec.contact_name + " wrote:\r\n> " + spec.description + "\r\n";
}

std::string TakeOutRoutingToml() {
  return "[routing]\n"
         "assign_on_declare = true\n"
         "default_capacity = 3\n"
         "[[routing.rules]]\nskill = \"promotions\"\n"
         "words = [\"discount\", \"promo\", \"coupon\", \"code\"]\n"
         "[[routing.rules]]\nskill = \"payments\"\nwords = [\"card\", \"refund\", \"payment\"]\n"
         "[[routing.rules]]\nskill = \"checkout\"\nwords = [\"checkout\", \"basket\", \"cart\"]\n"
         "[[routing.rules]]\nskill = \"loyalty\"\nwords = [\"loyalty\", \"points\", \"rewards\"]\n";
}

std::string TakeOutLaterStepsToml(const TakeOut& people, const ChannelId& cab_channel,
                                  const std::string& smtp_url) {
  return "[cab]\nchannel = \"" + cab_channel.str() + "\"\nescalation_channel = \"" +
         people.incidents.str() +
         "\"\n"
         "[cab.policies.emergency]\ngroups = [\"" +
         people.cab.str() +
         "\"]\nrule = \"n_of_m\"\nn = 2\ndeadline_hours = 2\n"
         "[banner]\nclear_on_close = false\n"
         "[smtp]\nurl = \"" +
         smtp_url +
         "\"\n"
         "[broadcast]\nfrom = \"support@take-out.example\"\nfrom_name = \"Take-Out Support\"\n"
         "subject = \"{incident}: FEAST25 works again\"\n"
         "body = \"Hello {contact_name},\\n\\n{public_title}: fixed. FEAST25 works again "
         "at checkout; sorry for the trouble.\\n\\n"
         "To stop these messages: {unsubscribe_url}\\n\"\n"
         "unsubscribe_url = \"https://take-out.example/unsubscribe?email={email}\"\n"
         "rate_per_second = 200\n";
}

std::string TakeOutPeopleToml(const TakeOut& people) {
  struct Entry {
    const UserId& user;
    const char* name;
    const char* zone;
    int capacity;
    const char* skills;
  };
  const std::array<Entry, 6> entries{{
      {people.priya, "Priya", "Europe/London", 3, "promotions = 5, checkout = 3"},
      {people.omar, "Omar", "Asia/Dubai", 3, "promotions = 4, loyalty = 3"},
      {people.chen, "Chen", "Asia/Shanghai", 3, "payments = 5"},
      {people.sofia, "Sofia", "Europe/Madrid", 1, "promotions = 5, pricing = 4"},
      {people.dev, "Dev", "Europe/London", 2, "checkout-service = 4, pricing-service = 3"},
      {people.ines, "Ines", "Europe/Lisbon", 2, "checkout-service = 3, pricing-service = 4"},
  }};
  std::string toml;
  for (const Entry& e : entries) {
    toml += "[[person]]\nuser = \"" + e.user.str() + "\"\nname = \"" + e.name +
            "\"\ntime_zone = \"" + e.zone + "\"\ncapacity = " + std::to_string(e.capacity) +
            "\nskills = { " + e.skills + " }\n\n";
  }
  return toml;
}

std::string TakeOutHistoryJsonl(const TakeOut& people) {
  struct Past {
    const char* id;
    const char* time;
    const char* title;
    const char* text;
    const char* component;
    UserId expert;
  };
  const std::vector<Past> past{
      {"INC-12", "2026-03-02T10:15:00Z", "SPRING10 discount code rejected at checkout",
       "The promotions rule for SPRING10 had the wrong minimum basket; customers saw invalid "
       "code.",
       "promotions", people.sofia},
      {"INC-31", "2026-07-14T16:40:00Z", "Summer promo code applied twice to the basket",
       "The discount engine stacked the promo code on itself at checkout.", "promotions",
       people.sofia},
      {"INC-18", "2026-04-20T09:05:00Z", "Loyalty points not credited after orders",
       "Rewards batch job skipped orders placed through the app.", "loyalty", people.omar},
      {"INC-22", "2026-05-11T12:30:00Z", "Card payments declined for one bank",
       "A payment gateway certificate expired.", "payments", people.chen},
      {"INC-27", "2026-06-03T08:50:00Z", "Checkout service slow after deploy",
       "A checkout-service release exhausted its connection pool; rolled back.", "checkout-service",
       people.dev},
  };
  std::string jsonl;
  for (const Past& p : past) {
    jsonl += std::string("{\"id\": \"") + p.id + "\", \"time\": \"" + p.time + "\", \"title\": \"" +
             p.title + "\", \"text\": \"" + p.title + "\\n\\n" + p.text +
             "\", \"components\": [\"" + p.component + "\"], \"expert\": \"" + p.expert.str() +
             "\"}\n";
  }
  return jsonl;
}

}  // namespace swarmbot::demo
