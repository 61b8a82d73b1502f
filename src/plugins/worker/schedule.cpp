#include "schedule.hpp"

#include <ctime>
#include <sstream>

#include <streamgate/plugin.hpp>

#include "job_types.hpp"

namespace sg::worker {
namespace {

[[noreturn]] void bad(const std::string& what) {
  throw Error(SG_ERR_INVALID, what);
}

int number(const std::string& s, const std::string& expr) {
  if (s.empty() || s.size() > 3 || s.find_first_not_of("0123456789") != std::string::npos)
    bad("cron '" + expr + "': '" + s + "' is not a number");
  return std::stoi(s);
}

template <size_t N>
void field(const std::string& text, int lo, int hi, std::bitset<N>& bits, bool& any,
           const std::string& expr) {
  any = text == "*";
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    int step = 1;
    auto slash = part.find('/');
    if (slash != std::string::npos) {
      step = number(part.substr(slash + 1), expr);
      if (step < 1) bad("cron '" + expr + "': step must be >= 1");
      part = part.substr(0, slash);
    }
    int a = lo, b = hi;
    if (part != "*") {
      auto dash = part.find('-');
      if (dash == std::string::npos) {
        a = b = number(part, expr);
        if (slash != std::string::npos) b = hi;  // "5/10" = from 5 every 10
      } else {
        a = number(part.substr(0, dash), expr);
        b = number(part.substr(dash + 1), expr);
      }
    }
    if (a < lo || b > hi || a > b)
      bad("cron '" + expr + "': value out of range " + std::to_string(lo) + "-" +
          std::to_string(hi));
    for (int v = a; v <= b; v += step) bits.set(static_cast<size_t>(v));
  }
}

}  // namespace

Cron Cron::parse(const std::string& expr) {
  std::stringstream ss(expr);
  std::vector<std::string> parts;
  for (std::string p; ss >> p;) parts.push_back(p);
  if (parts.size() != 5) bad("cron '" + expr + "': expected 5 fields (min hour dom month dow)");
  Cron c;
  bool unused = false;
  field(parts[0], 0, 59, c.minute, unused, expr);
  field(parts[1], 0, 23, c.hour, unused, expr);
  field(parts[2], 1, 31, c.dom, c.dom_any, expr);
  field(parts[3], 1, 12, c.month, unused, expr);
  field(parts[4], 0, 7, c.dow, c.dow_any, expr);
  if (c.dow.test(7)) c.dow.set(0);
  return c;
}

bool Cron::matches(int64_t epoch_minute) const {
  std::time_t t = static_cast<std::time_t>(epoch_minute * 60);
  std::tm tm{};
  gmtime_r(&t, &tm);
  if (!minute.test(static_cast<size_t>(tm.tm_min)) || !hour.test(static_cast<size_t>(tm.tm_hour)) ||
      !month.test(static_cast<size_t>(tm.tm_mon + 1)))
    return false;
  bool d1 = dom.test(static_cast<size_t>(tm.tm_mday));
  bool d2 = dow.test(static_cast<size_t>(tm.tm_wday));
  if (dom_any && dow_any) return true;
  if (dom_any) return d2;
  if (dow_any) return d1;
  return d1 || d2;
}

std::optional<std::string> Schedule::period_key(int64_t now_ms) const {
  if (every_ms > 0)
    return "every:" + std::to_string(every_ms) + ":" + std::to_string(now_ms / every_ms);
  int64_t minute = now_ms / 60000;
  if (cron && cron->matches(minute)) return "cron:" + std::to_string(minute);
  return std::nullopt;
}

std::vector<Schedule> parse_schedules(const nlohmann::json& v) {
  std::vector<Schedule> out;
  if (v.is_null()) return out;
  if (!v.is_array()) bad("plugins.worker.schedules: must be a list");
  for (size_t i = 0; i < v.size(); ++i) {
    std::string at = "plugins.worker.schedules[" + std::to_string(i) + "]";
    const auto& e = v[i];
    if (!e.is_object()) bad(at + ": must be a mapping");
    for (auto it = e.begin(); it != e.end(); ++it)
      if (it.key() != "type" && it.key() != "every_ms" && it.key() != "cron" &&
          it.key() != "payload")
        bad(at + "." + it.key() + ": unknown field");
    Schedule s;
    if (!e.contains("type") || !e["type"].is_string() ||
        !valid_job_type(e["type"].get<std::string>()))
      bad(at + ".type: must be a job type ([a-z0-9_.-]{1,64})");
    s.type = e["type"];
    if (e.contains("payload")) s.payload = e["payload"];
    bool every = e.contains("every_ms"), cron = e.contains("cron");
    if (every == cron) bad(at + ": give exactly one of every_ms or cron");
    if (every) {
      if (!e["every_ms"].is_number_integer() || e["every_ms"].get<int64_t>() < 1000)
        bad(at + ".every_ms: must be an integer >= 1000");
      s.every_ms = e["every_ms"];
    } else {
      if (!e["cron"].is_string()) bad(at + ".cron: must be a string");
      s.cron_text = e["cron"];
      try {
        s.cron = Cron::parse(s.cron_text);
      } catch (const Error& err) {
        bad(at + ".cron: " + err.what());
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace sg::worker
