#include <mailaccess/imap/date_time.hpp>

#include <mailaccess/imap/atom.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace mailaccess::imap {
namespace {

constexpr std::array<std::string_view, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool is_digit(int c) noexcept { return c >= '0' && c <= '9'; }

// Exactly `n` digits.
result<int> fixed_digits(parse_cursor& in, int n) {
    int v = 0;
    for (int i = 0; i < n; ++i) {
        if (!is_digit(in.peek())) return unexpected(errc::bad_syntax);
        v = v * 10 + (in.peek() - '0');
        in.advance(1);
    }
    return v;
}

// "-" date-month "-" date-year
result<date> month_and_year(parse_cursor& in, int day) {
    if (!in.consume('-')) return unexpected(errc::bad_syntax);
    int month = 0;
    for (std::size_t i = 0; i < months.size() && month == 0; ++i)
        if (in.consume_keyword(months[i])) month = static_cast<int>(i) + 1;
    if (month == 0 || !in.consume('-')) return unexpected(errc::bad_syntax);
    auto year = fixed_digits(in, 4);
    if (!year) return unexpected(year.error());
    return date::make(*year, month, day);
}

result<date> date_text(parse_cursor& in) {
    // date-day = 1*2DIGIT
    if (!is_digit(in.peek())) return unexpected(errc::bad_syntax);
    int day = in.peek() - '0';
    in.advance(1);
    if (is_digit(in.peek())) {
        day = day * 10 + (in.peek() - '0');
        in.advance(1);
    }
    return month_and_year(in, day);
}

}  // namespace

result<date> date::make(int year, int month, int day) {
    if (year < 0 || year > 9999 || month < 1 || month > 12 || day < 1) return unexpected(errc::bad_syntax);
    static constexpr int lengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const int length = lengths[month - 1] + (month == 2 && leap ? 1 : 0);
    if (day > length) return unexpected(errc::bad_syntax);
    date d;
    d.year_ = static_cast<std::int16_t>(year);
    d.month_ = static_cast<std::int8_t>(month);
    d.day_ = static_cast<std::int8_t>(day);
    return d;
}

result<date_time> date_time::make(imap::date day, int hour, int minute, int second, int zone_minutes) {
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60)
        return unexpected(errc::bad_syntax);
    if (std::abs(zone_minutes) > 99 * 60 + 59) return unexpected(errc::bad_syntax);
    date_time t;
    t.date_ = day;
    t.hour_ = static_cast<std::int8_t>(hour);
    t.minute_ = static_cast<std::int8_t>(minute);
    t.second_ = static_cast<std::int8_t>(second);
    t.zone_ = static_cast<std::int16_t>(zone_minutes);
    return t;
}

result<date> parse_date(parse_cursor& in) {
    const bool quoted = in.consume('"');
    auto d = date_text(in);
    if (!d) return d;
    if (quoted && !in.consume('"')) return unexpected(errc::bad_syntax);
    return d;
}

result<date_time> parse_date_time(parse_cursor& in) {
    if (!in.consume('"')) return unexpected(errc::bad_syntax);
    // date-day-fixed = (SP DIGIT) / 2DIGIT
    int day = 0;
    if (in.consume(' ')) {
        auto d = fixed_digits(in, 1);
        if (!d) return unexpected(d.error());
        day = *d;
    } else {
        auto d = fixed_digits(in, 2);
        if (!d) return unexpected(d.error());
        day = *d;
    }
    auto dt = month_and_year(in, day);
    if (!dt) return unexpected(dt.error());
    if (!in.consume(' ')) return unexpected(errc::bad_syntax);
    auto hour = fixed_digits(in, 2);
    if (!hour || !in.consume(':')) return unexpected(errc::bad_syntax);
    auto minute = fixed_digits(in, 2);
    if (!minute || !in.consume(':')) return unexpected(errc::bad_syntax);
    auto second = fixed_digits(in, 2);
    if (!second || !in.consume(' ')) return unexpected(errc::bad_syntax);
    int sign = 0;
    if (in.consume('+'))
        sign = 1;
    else if (in.consume('-'))
        sign = -1;
    else
        return unexpected(errc::bad_syntax);
    auto zone = fixed_digits(in, 4);
    if (!zone || *zone % 100 >= 60 || !in.consume('"')) return unexpected(errc::bad_syntax);
    return date_time::make(*dt, *hour, *minute, *second, sign * (*zone / 100 * 60 + *zone % 100));
}

void write(writer& out, const date& value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%d-%s-%04d", value.day(),
                  months[static_cast<std::size_t>(value.month() - 1)].data(), value.year());
    out.raw(buf);
}

void write(writer& out, const date_time& value) {
    // "DD-Mon-YYYY HH:MM:SS +ZZZZ" by hand: every FETCH INTERNALDATE goes
    // through here, and snprintf's format parsing cost more than the rest
    // of the item. The fields are in range by construction (date_time::make).
    const int zone = value.zone_minutes();
    const int magnitude = std::abs(zone);
    const auto two = [](char* at, int v) {
        at[0] = static_cast<char>('0' + v / 10 % 10);
        at[1] = static_cast<char>('0' + v % 10);
    };
    char buf[29] = "\"DD-Mon-YYYY HH:MM:SS +ZZZZ\"";
    two(buf + 1, value.day().day());
    const std::string_view month = months[static_cast<std::size_t>(value.day().month() - 1)];
    std::memcpy(buf + 4, month.data(), 3);
    two(buf + 8, value.day().year() / 100);
    two(buf + 10, value.day().year() % 100);
    two(buf + 13, value.hour());
    two(buf + 16, value.minute());
    two(buf + 19, value.second());
    buf[22] = zone < 0 ? '-' : '+';
    two(buf + 23, magnitude / 60);
    two(buf + 25, magnitude % 60);
    out.raw(std::string_view(buf, 28));
}

}  // namespace mailaccess::imap
