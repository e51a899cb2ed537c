#pragma once

// The Date header field (RFC 5322 section 3.3, obsolete forms of section
// 4.3, and what mail software writes in practice), for IMAP SENT* searches
// and SORT by date.

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>

#include <cstdint>
#include <string_view>

namespace mailaccess::mime {

/// A point in time with the zone offset it was written in.
struct message_date {
    /// Seconds since 1970-01-01T00:00:00Z; negative before. A leap second
    /// (":60") counts as the next second.
    std::int64_t utc_seconds = 0;
    /// The offset from UTC the date was written in, in minutes, east
    /// positive ("-0700" is -420).
    std::int32_t zone_minutes = 0;
    /// False when the zone says nothing about the sender's local time:
    /// "-0000" (RFC 5322 section 3.3), a military letter, an unknown zone
    /// name, or no zone at all. `zone_minutes` is 0 then.
    bool is_zone_known = true;

    /// The local wall-clock time as seconds since 1970-01-01T00:00:00
    /// "local": what SENTBEFORE/SENTON/SENTSINCE compare, since RFC 3501
    /// section 6.4.4 ignores the time and zone. Floor-divide by 86400 for
    /// the local day number (see `days_from_civil`).
    std::int64_t local_seconds() const noexcept { return utc_seconds + std::int64_t{zone_minutes} * 60; }

    friend bool operator==(const message_date&, const message_date&) = default;
};

/// Days from 1970-01-01 to the given date of the proleptic Gregorian
/// calendar (negative before). Precondition: 1 <= month <= 12,
/// 1 <= day <= 31. The algorithm of H. Hinnant's `days_from_civil`.
constexpr std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) noexcept {
    year -= month <= 2 ? 1 : 0;
    const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
    const auto yoe = static_cast<std::uint64_t>(year - era * 400);
    const std::uint64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    const std::uint64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// Reads a Date field value (RFC 5322 section 3.3):
///     date-time   = [ day-of-week "," ] date time [CFWS]
///     date        = day month year
///     time        = time-of-day zone
///     time-of-day = hour ":" minute [ ":" second ]
///     zone        = (FWS ( "+" / "-" ) 4DIGIT) / obs-zone
///
/// Accepted beyond the grammar, all seen in real mail:
/// - comments and any whitespace anywhere (`Tue,  5 Mar 2024 10:15 +0100
///   (CET)`), a missing comma after the weekday, full weekday and month
///   names (`Tuesday`, `March`, `Sept`), any case;
/// - 1- or 2-digit days, "-" between day, month and year (`5-Mar-2024`);
/// - 2-digit years: 00-49 are 2000-2049, 50-99 are 1950-1999; 3-digit years
///   add 1900 (RFC 5322 section 4.3);
/// - missing seconds; fractional seconds ("10:15:00.123", ignored);
/// - obsolete zones (section 4.3): UT, GMT, Z and UTC are +0000; EST/EDT,
///   CST/CDT, MST/MDT, PST/PDT their offsets; other single letters
///   (military) and unknown names mean "-0000" (zone unknown, 0);
///   "+01:00", "+01", "GMT+0100" and "UTC-5" forms; a missing zone, or
///   one out of range ("+0199"), is unknown;
/// - a missing time (`5 Mar 2024`) is 00:00:00 with the zone unknown;
/// - the asctime form `Tue Mar  5 10:15:00 2024` with the year after the
///   time (and an optional zone);
/// - ISO 8601 / RFC 3339-like `2024-05-01 10:00:00`, `2024-05-01T10:00:00Z`,
///   `2024-05-01T10:00:00+02:00`.
///
/// Fails with `errc::bad_date` when no complete date is found or a field is
/// out of range (a day beyond the month's length, hour > 23, minute > 59,
/// second > 60, a 1-digit or 5-digit year).
/// Text after a recognised date is ignored. Linear in the input; looks at
/// no more than its first 64 tokens. Thread safety: pure function.
MAILACCESS_API result<message_date> parse_message_date(std::string_view value);

}  // namespace mailaccess::mime
