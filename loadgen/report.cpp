#include "loadgen/report.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace swarmbot::loadgen {
namespace {

std::chrono::microseconds Percentile(const std::vector<std::chrono::microseconds>& sorted,
                                     double fraction) {
  if (sorted.empty()) {
    return std::chrono::microseconds{0};
  }
  // Nearest rank: the smallest value with at least `fraction` of them at or below it.
  const auto rank = static_cast<std::size_t>(fraction * static_cast<double>(sorted.size()) + 0.999);
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

Figures Summarise(std::string name, const Traffic& traffic,
                  const std::vector<const Outcome*>& chosen) {
  Figures figures;
  figures.name = std::move(name);
  std::vector<std::chrono::microseconds> latencies;
  for (const Outcome* outcome : chosen) {
    latencies.push_back(outcome->latency);
    figures.errors += IsErrorReply(*outcome) ? 1 : 0;
  }
  std::sort(latencies.begin(), latencies.end());
  figures.count = latencies.size();
  const double seconds = std::chrono::duration<double>(traffic.elapsed).count();
  figures.per_second = seconds > 0 ? static_cast<double>(figures.count) / seconds : 0;
  figures.p50 = Percentile(latencies, 0.50);
  figures.p90 = Percentile(latencies, 0.90);
  figures.p99 = Percentile(latencies, 0.99);
  figures.max = latencies.empty() ? figures.max : latencies.back();
  return figures;
}

std::string Millis(std::chrono::microseconds value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1fms", static_cast<double>(value.count()) / 1000.0);
  return text;
}

}  // namespace

bool IsErrorReply(const Outcome& outcome) {
  if (outcome.status < 200 || outcome.status > 299) {
    return true;
  }
  return !AnsweredAsExpected(outcome.kind, outcome.body);
}

std::vector<Figures> FiguresByKind(const Traffic& traffic) {
  std::vector<Figures> all;
  for (Kind kind : kAllKinds) {
    std::vector<const Outcome*> chosen;
    for (const Outcome& outcome : traffic.outcomes) {
      if (outcome.kind == kind) {
        chosen.push_back(&outcome);
      }
    }
    if (!chosen.empty()) {
      all.push_back(Summarise(std::string(KindName(kind)), traffic, chosen));
    }
  }
  return all;
}

Figures FiguresOfAll(const Traffic& traffic) {
  std::vector<const Outcome*> chosen;
  for (const Outcome& outcome : traffic.outcomes) {
    chosen.push_back(&outcome);
  }
  return Summarise("all", traffic, chosen);
}

void PrintFigures(std::ostream& out, std::string_view phase, const Figures& f) {
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.1f/s", f.per_second);
  out << phase << " " << f.name << " n=" << f.count << " rate=" << rate
      << " ack p50=" << Millis(f.p50) << " p90=" << Millis(f.p90) << " p99=" << Millis(f.p99)
      << " max=" << Millis(f.max) << " errors=" << f.errors << "\n";
}

void PrintErrors(std::ostream& out, std::string_view phase, const Traffic& traffic,
                 std::size_t at_most) {
  for (const Outcome& outcome : traffic.outcomes) {
    if (at_most == 0) {
      return;
    }
    if (IsErrorReply(outcome)) {
      --at_most;
      out << phase << " error kind=" << KindName(outcome.kind) << " status=" << outcome.status
          << " reply=" << outcome.body.substr(0, 300) << "\n";
    }
  }
}

void PrintSampleReplies(std::ostream& out, std::string_view phase, const Traffic& traffic) {
  for (Kind kind : kAllKinds) {
    const auto first = std::find_if(traffic.outcomes.begin(), traffic.outcomes.end(),
                                    [&](const Outcome& o) { return o.kind == kind; });
    if (first != traffic.outcomes.end()) {
      out << phase << " reply kind=" << KindName(kind) << " status=" << first->status
          << " body=" << first->body.substr(0, 400) << "\n";
    }
  }
}

}  // namespace swarmbot::loadgen
