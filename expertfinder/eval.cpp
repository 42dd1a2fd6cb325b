#include "expertfinder/eval.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unordered_set>

#include <fmt/format.h>
#include <simdjson.h>

namespace swarmbot::expertfinder {
namespace {

namespace od = simdjson::ondemand;

Result<std::string> ReadWhole(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MakeError(Errc::kInvalidInput, "cannot read " + path.string());
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// "2010-04-01T20:39:15Z" (UTC, as the set writes it).
bool ParseUtc(std::string_view text, Time& time) {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  const std::string copy(text);
  char zone = 0;
  if (std::sscanf(copy.c_str(), "%d-%u-%uT%d:%d:%d%c", &year, &month, &day, &hour, &minute, &second,
                  &zone) != 7 ||
      zone != 'Z') {
    return false;
  }
  const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{month},
                                         std::chrono::day{day}};
  if (!date.ok()) {
    return false;
  }
  time = std::chrono::sys_days{date} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
         std::chrono::seconds{second};
  return true;
}

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// Calls `on_line` with each non-empty line of a JSONL text, parsed; it
// answers what is wrong with the record, or nothing. Stops at the first
// problem and names the file and line.
template <class OnLine>
Status ForEachLine(std::string_view jsonl, std::string_view name, OnLine on_line) {
  // Editors on Windows start a UTF-8 file with a byte order mark.
  if (jsonl.starts_with(kByteOrderMark)) {
    jsonl.remove_prefix(kByteOrderMark.size());
  }
  od::parser parser;
  std::size_t line_number = 0;
  while (!jsonl.empty()) {
    const std::size_t end = jsonl.find('\n');
    const std::string_view line = jsonl.substr(0, end);
    jsonl = end == std::string_view::npos ? std::string_view{} : jsonl.substr(end + 1);
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
      continue;
    }
    const simdjson::padded_string padded(line);
    od::document doc;
    od::object object;
    std::string problem;
    if (parser.iterate(padded).get(doc) != simdjson::SUCCESS ||
        doc.get_object().get(object) != simdjson::SUCCESS) {
      problem = "not a JSON object";
    } else {
      problem = on_line(object);
    }
    if (!problem.empty()) {
      const std::string message = fmt::format("{}:{}: {}", name, line_number, problem);
      return MakeError(Errc::kInvalidInput, message, message);
    }
  }
  return {};
}

std::string NotAString(std::string_view key) {
  return fmt::format("`{}` is missing or not a string", key);
}

std::string NotAList(std::string_view key) {
  return fmt::format("`{}` is missing or not a list of strings", key);
}

bool GetString(od::object& object, std::string_view key, std::string& out) {
  std::string_view value;
  if (object.find_field_unordered(key).get_string().get(value) != simdjson::SUCCESS) {
    return false;
  }
  out.assign(value);
  return true;
}

bool GetStrings(od::object& object, std::string_view key, std::vector<std::string>& out) {
  od::array array;
  if (object.find_field_unordered(key).get_array().get(array) != simdjson::SUCCESS) {
    return false;
  }
  for (auto element : array) {
    std::string_view value;
    if (element.get_string().get(value) != simdjson::SUCCESS) {
      return false;
    }
    out.emplace_back(value);
  }
  return true;
}

// What is wrong with one incident line, or nothing.
std::string ReadIncident(od::object& object, EvalIncident& incident) {
  std::string time;
  if (!GetString(object, "id", incident.record.id)) {
    return NotAString("id");
  }
  if (!GetString(object, "time", time)) {
    return NotAString("time");
  }
  if (!ParseUtc(time, incident.record.time)) {
    return "`time` must be a UTC time such as 2024-10-23T11:00:41Z";
  }
  if (!GetString(object, "title", incident.title)) {
    return NotAString("title");
  }
  if (!GetString(object, "text", incident.record.text)) {
    return NotAString("text");
  }
  if (!GetStrings(object, "components", incident.record.components)) {
    return NotAList("components");
  }
  if (!GetString(object, "expert", incident.record.resolver)) {
    return NotAString("expert");
  }
  return {};
}

// The 1-based rank of `resolver` when `index` ranks everyone for `text`; 0
// when they aren't ranked.
std::size_t RankOf(const ExpertIndex& index, std::string text, Time now,
                   std::string_view resolver) {
  // Only the description: the components a fix touched are known after the
  // fix, so they are not part of the question.
  Query query;
  query.text = std::move(text);
  query.now = now;
  const Ranking ranking = index.Rank(query, index.PersonCount());
  const auto found =
      std::find_if(ranking.candidates.begin(), ranking.candidates.end(),
                   [&](const Candidate& candidate) { return candidate.person_id == resolver; });
  return found == ranking.candidates.end()
             ? 0
             : static_cast<std::size_t>(found - ranking.candidates.begin()) + 1;
}

}  // namespace

Result<std::vector<EvalIncident>> ParseIncidents(std::string_view jsonl, std::string_view name) {
  std::vector<EvalIncident> incidents;
  const Status status = ForEachLine(jsonl, name, [&](od::object& object) {
    EvalIncident incident;
    std::string problem = ReadIncident(object, incident);
    if (problem.empty()) {
      incidents.push_back(std::move(incident));
    }
    return problem;
  });
  if (!status) {
    return status.error();
  }
  return incidents;
}

Result<EvalSet> LoadEvalSet(const std::filesystem::path& dir) {
  EvalSet set;
  auto people_text = ReadWhole(dir / "people.jsonl");
  if (!people_text) {
    return people_text.error();
  }
  const Status people_status = ForEachLine(*people_text, "people.jsonl", [&](od::object& object) {
    Person person;
    std::vector<std::string> skills;
    if (!GetString(object, "id", person.id)) {
      return NotAString("id");
    }
    if (!GetStrings(object, "skills", skills)) {
      return NotAList("skills");
    }
    // The directory lists skills without levels.
    for (std::string& skill : skills) {
      person.skills.push_back(Skill{std::move(skill), 0});
    }
    set.people.push_back(std::move(person));
    return std::string();
  });
  if (!people_status) {
    return people_status.error();
  }
  for (const auto& [file, target] :
       {std::pair{"train.jsonl", &set.train}, std::pair{"test.jsonl", &set.test}}) {
    auto text = ReadWhole(dir / file);
    if (!text) {
      return text.error();
    }
    auto incidents = ParseIncidents(*text, file);
    if (!incidents) {
      return incidents.error();
    }
    if (incidents->empty()) {
      // No history ranks everyone alike, and no test measures nothing: any
      // figure printed would be noise.
      const std::string message = std::string(file) +
                                  " has no incidents; the evaluation needs at least one in both "
                                  "train.jsonl and test.jsonl";
      return MakeError(Errc::kInvalidInput, message, message);
    }
    *target = std::move(*incidents);
  }
  return set;
}

std::size_t PeopleWithHistory(const EvalSet& set) {
  std::unordered_set<std::string_view> experts;
  for (const EvalIncident& incident : set.train) {
    experts.insert(incident.record.resolver);
  }
  return static_cast<std::size_t>(
      std::count_if(set.people.begin(), set.people.end(),
                    [&](const Person& person) { return experts.contains(person.id); }));
}

Metrics ComputeMetrics(const std::vector<std::size_t>& ranks, const std::vector<bool>& in_tail) {
  Metrics m;
  double tail_sum = 0;
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    const std::size_t rank = ranks[i];
    const double reciprocal = rank > 0 ? 1.0 / static_cast<double>(rank) : 0.0;
    m.mrr += reciprocal;
    m.p_at_1 += rank == 1 ? 1 : 0;
    m.r_at_3 += rank >= 1 && rank <= 3 ? 1 : 0;
    m.r_at_5 += rank >= 1 && rank <= 5 ? 1 : 0;
    if (in_tail[i]) {
      tail_sum += reciprocal;
      ++m.tail_queries;
    }
  }
  m.queries = ranks.size();
  if (m.queries > 0) {
    const auto n = static_cast<double>(m.queries);
    m.mrr /= n;
    m.p_at_1 /= n;
    m.r_at_3 /= n;
    m.r_at_5 /= n;
  }
  m.tail_mrr = m.tail_queries > 0 ? tail_sum / static_cast<double>(m.tail_queries) : 0;
  return m;
}

std::vector<std::string> MostActive(const std::vector<EvalIncident>& history, int days,
                                    std::size_t n) {
  Time newest = Time::min();
  for (const EvalIncident& incident : history) {
    newest = std::max(newest, incident.record.time);
  }
  const Time since = newest - std::chrono::days{days};
  std::map<std::string, std::size_t> counts;
  for (const EvalIncident& incident : history) {
    if (incident.record.time >= since) {
      ++counts[incident.record.resolver];
    }
  }
  std::vector<std::pair<std::size_t, std::string>> ordered;
  for (const auto& [person, count] : counts) {
    ordered.emplace_back(count, person);
  }
  std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<std::string> top;
  for (std::size_t i = 0; i < std::min(n, ordered.size()); ++i) {
    top.push_back(ordered[i].second);
  }
  return top;
}

EvalResult Evaluate(const EvalSet& set, const RankingParams& params, std::size_t learn_every) {
  std::vector<HistoryRecord> history;
  std::set<std::string, std::less<>> known;
  history.reserve(set.train.size() + (learn_every > 0 ? set.test.size() : 0));
  for (const EvalIncident& incident : set.train) {
    history.push_back(incident.record);
    known.insert(incident.record.resolver);
  }
  const std::vector<std::string> head = MostActive(set.train, 365, 3);

  std::vector<std::size_t> text_ranks;
  std::vector<std::size_t> title_ranks;
  std::vector<bool> in_tail;
  const std::size_t step = learn_every > 0 ? learn_every : set.test.size();
  for (std::size_t start = 0; start < set.test.size(); start += step) {
    const ExpertIndex index(set.people, history, params);
    const std::size_t end = std::min(start + step, set.test.size());
    for (std::size_t i = start; i < end; ++i) {
      const HistoryRecord& record = set.test[i].record;
      // Someone train never saw resolve anything is a miss wherever ranked.
      const bool knowable = known.contains(record.resolver);
      text_ranks.push_back(knowable ? RankOf(index, record.text, record.time, record.resolver) : 0);
      title_ranks.push_back(
          knowable ? RankOf(index, set.test[i].title, record.time, record.resolver) : 0);
      in_tail.push_back(std::find(head.begin(), head.end(), record.resolver) == head.end());
    }
    if (learn_every > 0) {
      for (std::size_t i = start; i < end; ++i) {
        history.push_back(set.test[i].record);
      }
    }
  }
  return {ComputeMetrics(text_ranks, in_tail), ComputeMetrics(title_ranks, in_tail)};
}

std::string FormatMetrics(EvalSetting setting, const Metrics& m, std::size_t learn_every) {
  return fmt::format("setting={} {}MRR={:.3f} P@1={:.3f} R@3={:.3f} R@5={:.3f} tailMRR={:.3f}",
                     setting == EvalSetting::kText ? "text" : "title",
                     learn_every > 0 ? fmt::format("learn_every={} ", learn_every) : "", m.mrr,
                     m.p_at_1, m.r_at_3, m.r_at_5, m.tail_mrr);
}

}  // namespace swarmbot::expertfinder
