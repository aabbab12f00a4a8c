#include "exporter/time_format.h"

#include <cstdio>
#include <ctime>

namespace spark {

std::string FormatRfc3339(WallTime t) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  const int frac = static_cast<int>(ms - static_cast<long long>(secs) * 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

namespace {

// The number in s[at, at + n) when all n characters are digits, else -1.
int DigitsAt(std::string_view s, size_t at, size_t n) {
  if (at + n > s.size()) return -1;
  int value = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    value = value * 10 + (s[i] - '0');
  }
  return value;
}

// WallTime counts nanoseconds in 64 bits (1677-09-21 to 2262-04-11): whole years inside.
constexpr int kFirstYear = 1678;
constexpr int kLastYear = 2261;

}  // namespace

std::optional<WallTime> ParseRfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS exactly (sscanf would take signs, spaces and short fields).
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = DigitsAt(s, 0, 4);
  tm.tm_mon = DigitsAt(s, 5, 2);
  tm.tm_mday = DigitsAt(s, 8, 2);
  tm.tm_hour = DigitsAt(s, 11, 2);
  tm.tm_min = DigitsAt(s, 14, 2);
  tm.tm_sec = DigitsAt(s, 17, 2);
  if (tm.tm_year < kFirstYear || tm.tm_year > kLastYear || tm.tm_mon < 1 || tm.tm_mon > 12 ||
      tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 ||
      tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 59) {
    return std::nullopt;
  }
  int ms = 0;
  std::string_view rest = s.substr(19);
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    int digits = 0;
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
      if (digits < 3) ms = ms * 10 + (rest.front() - '0');
      ++digits;
      rest.remove_prefix(1);
    }
    if (digits == 0) return std::nullopt;
    for (int d = digits; d < 3; ++d) ms *= 10;
  }
  if (rest != "Z") return std::nullopt;
  const int day = tm.tm_mday;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t secs = timegm(&tm);
  if (tm.tm_mday != day) return std::nullopt;  // timegm moved Feb 30 to March
  return WallTime(std::chrono::seconds(secs)) + std::chrono::milliseconds(ms);
}

double UnixSeconds(WallTime t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace spark
