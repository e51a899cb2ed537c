#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/imap/parse_cursor.hpp>
#include <mailaccess/imap/writer.hpp>

#include <cstdint>

namespace mailaccess::imap {

/// A calendar date as SEARCH uses it (RFC 3501 section 9 `date`): a valid
/// Gregorian day of a four-digit year (leap years honoured). Only valid
/// dates can be built.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API date {
public:
    /// 1 January 1970.
    date() = default;
    /// Fails with `errc::bad_syntax` unless 0 <= year <= 9999,
    /// 1 <= month <= 12 and the day exists in that month.
    static result<date> make(int year, int month, int day);

    int year() const noexcept { return year_; }
    int month() const noexcept { return month_; }  ///< 1-12
    int day() const noexcept { return day_; }      ///< 1-31

    friend bool operator==(const date&, const date&) = default;
    friend auto operator<=>(const date&, const date&) = default;

private:
    std::int16_t year_ = 1970;
    std::int8_t month_ = 1;
    std::int8_t day_ = 1;
};

/// An INTERNALDATE / APPEND date-time (RFC 3501 section 9 `date-time`):
/// a date, a time of day and a zone offset. Only valid values can be built.
/// "-0000" is read as "+0000".
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API date_time {
public:
    /// 1 January 1970 00:00:00 +0000.
    date_time() = default;
    /// Fails with `errc::bad_syntax` unless 0 <= hour <= 23, 0 <= minute <= 59,
    /// 0 <= second <= 60 (a leap second) and |zone_minutes| <= 99*60+59 with
    /// the minutes part below 60 (it must fit `zone = ("+" / "-") 4DIGIT`).
    static result<date_time> make(imap::date day, int hour, int minute, int second, int zone_minutes);

    const imap::date& day() const noexcept { return date_; }
    int hour() const noexcept { return hour_; }
    int minute() const noexcept { return minute_; }
    int second() const noexcept { return second_; }
    /// Offset from UTC in minutes, east positive ("-0700" is -420).
    int zone_minutes() const noexcept { return zone_; }

    friend bool operator==(const date_time&, const date_time&) = default;

private:
    imap::date date_;
    std::int8_t hour_ = 0;
    std::int8_t minute_ = 0;
    std::int8_t second_ = 0;
    std::int16_t zone_ = 0;
};

/// RFC 3501 section 9:
///     date            = date-text / DQUOTE date-text DQUOTE
///     date-day        = 1*2DIGIT
///                         ; Day of month
///     date-month      = "Jan" / "Feb" / "Mar" / "Apr" / "May" / "Jun" /
///                       "Jul" / "Aug" / "Sep" / "Oct" / "Nov" / "Dec"
///     date-text       = date-day "-" date-month "-" date-year
///     date-year       = 4DIGIT
/// Month names are case-insensitive.
MAILACCESS_API result<date> parse_date(parse_cursor& in);

/// RFC 3501 section 9:
///     date-time       = DQUOTE date-day-fixed "-" date-month "-" date-year
///                       SP time SP zone DQUOTE
///     date-day-fixed  = (SP DIGIT) / 2DIGIT
///                         ; Fixed-format version of date-day
///     time            = 2DIGIT ":" 2DIGIT ":" 2DIGIT
///                         ; Hours minutes seconds
///     zone            = ("+" / "-") 4DIGIT
MAILACCESS_API result<date_time> parse_date_time(parse_cursor& in);

/// Writes `date-text` unquoted: "1-Feb-1994".
MAILACCESS_API void write(writer& out, const date& value);
/// Writes a quoted `date-time`: "\"17-Jul-1996 02:44:25 -0700\"".
MAILACCESS_API void write(writer& out, const date_time& value);

}  // namespace mailaccess::imap
