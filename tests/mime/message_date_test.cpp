#include <mailaccess/mime/message_date.hpp>

#include <mailaccess/mime/error.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace mailaccess;
using namespace mailaccess::mime;

namespace {

// Seconds since the epoch of a UTC date-time, from the same formula the
// parser uses (checked against known values below).
constexpr std::int64_t utc(std::int64_t y, unsigned mo, unsigned d, int h, int mi, int s) {
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);
static_assert(days_from_civil(1969, 12, 31) == -1);
static_assert(utc(2024, 3, 5, 9, 15, 0) == 1709630100);  // date -u -d '2024-03-05 09:15:00' +%s
static_assert(utc(1997, 11, 21, 15, 55, 6) == 880127706);

struct row {
    std::string value;
    std::int64_t utc_seconds;
    int zone;
    bool zone_known;
};

}  // namespace

TEST_CASE("RFC 5322 dates and their obsolete forms", "[mime][date]") {
    const row rows[] = {
        // RFC 5322 appendix A.
        {"Fri, 21 Nov 1997 09:55:06 -0600", utc(1997, 11, 21, 15, 55, 6), -360, true},
        {"Tue, 1 Jul 2003 10:52:37 +0200", utc(2003, 7, 1, 8, 52, 37), 120, true},
        {"Thu, 13 Feb 1969 23:32:54 -0330", utc(1969, 2, 14, 3, 2, 54), -210, true},
        {"21 Nov 97 09:55:06 GMT", utc(1997, 11, 21, 9, 55, 6), 0, true},
        {"Fri, 21 Nov 1997 09(comment):   55  :  06 -0600", utc(1997, 11, 21, 15, 55, 6), -360, true},
        // Section 4.3: years and named zones.
        {"Fri, 21 Nov 49 09:55:06 +0000", utc(2049, 11, 21, 9, 55, 6), 0, true},
        {"Fri, 21 Nov 50 09:55:06 +0000", utc(1950, 11, 21, 9, 55, 6), 0, true},
        {"Fri, 21 Nov 103 09:55:06 +0000", utc(2003, 11, 21, 9, 55, 6), 0, true},
        {"Tue, 5 Mar 2024 10:15:00 UT", utc(2024, 3, 5, 10, 15, 0), 0, true},
        {"Tue, 5 Mar 2024 10:15:00 EST", utc(2024, 3, 5, 15, 15, 0), -300, true},
        {"Tue, 5 Mar 2024 10:15:00 EDT", utc(2024, 3, 5, 14, 15, 0), -240, true},
        {"Tue, 5 Mar 2024 10:15:00 CST", utc(2024, 3, 5, 16, 15, 0), -360, true},
        {"Tue, 5 Mar 2024 10:15:00 CDT", utc(2024, 3, 5, 15, 15, 0), -300, true},
        {"Tue, 5 Mar 2024 10:15:00 MST", utc(2024, 3, 5, 17, 15, 0), -420, true},
        {"Tue, 5 Mar 2024 10:15:00 MDT", utc(2024, 3, 5, 16, 15, 0), -360, true},
        {"Tue, 5 Mar 2024 10:15:00 PST", utc(2024, 3, 5, 18, 15, 0), -480, true},
        {"Tue, 5 Mar 2024 10:15:00 pdt", utc(2024, 3, 5, 17, 15, 0), -420, true},
        {"Thu, 13 Feb 1969 23:32:54 Z", utc(1969, 2, 13, 23, 32, 54), 0, true},
        {"Thu, 13 Feb 1969 23:32:54 A", utc(1969, 2, 13, 23, 32, 54), 0, false},  // military: "-0000"
        {"Tue, 5 Mar 2024 10:15:00 -0000", utc(2024, 3, 5, 10, 15, 0), 0, false},
        {"Tue, 5 Mar 2024 10:15:00 +0000", utc(2024, 3, 5, 10, 15, 0), 0, true},
    };
    for (const auto& r : rows) {
        INFO(r.value);
        const auto d = parse_message_date(r.value);
        REQUIRE(d);
        CHECK(d->utc_seconds == r.utc_seconds);
        CHECK(d->zone_minutes == r.zone);
        CHECK(d->is_zone_known == r.zone_known);
    }
}

TEST_CASE("dates as real mail writes them", "[mime][date]") {
    const row rows[] = {
        // tests/data/mime 058-065.
        {"5 Mar 2024 10:15:00 +0100", utc(2024, 3, 5, 9, 15, 0), 60, true},
        {"Fri, 5 Mar 99 10:15:00 +0100", utc(1999, 3, 5, 9, 15, 0), 60, true},
        {"Tue, 5 Mar 2024 10:15:00 PST", utc(2024, 3, 5, 18, 15, 0), -480, true},
        {"Mon, 4 Mar 2024 23:45 -0800", utc(2024, 3, 5, 7, 45, 0), -480, true},
        {"Tue,   5  Mar   2024 10:15:00   +0100  (CET)  ", utc(2024, 3, 5, 9, 15, 0), 60, true},
        {"tue, 05 mar 2024 10:15:00 gmt", utc(2024, 3, 5, 10, 15, 0), 0, true},
        // Comments, a missing comma, full names, dashes.
        {"Tue, 05 Mar 2024 10:15:00 +0100 (CET)", utc(2024, 3, 5, 9, 15, 0), 60, true},
        {"Tue 05 Mar 2024 10:15:00 +0100", utc(2024, 3, 5, 9, 15, 0), 60, true},
        {"Tuesday, 5 March 2024 10:15:00 +0100", utc(2024, 3, 5, 9, 15, 0), 60, true},
        {"Thurs, 5 Sept 2024 10:15:00 +0000", utc(2024, 9, 5, 10, 15, 0), 0, true},
        {"5-Mar-2024 10:15:00 +0100", utc(2024, 3, 5, 9, 15, 0), 60, true},
        {"Tue, 5 Mar 2024 10:15:00.123 +0100", utc(2024, 3, 5, 9, 15, 0), 60, true},
        {"Tue, 5 Mar 2024 10:15:60 +0000", utc(2024, 3, 5, 10, 16, 0), 0, true},  // leap second
        // Other zone spellings.
        {"Tue, 5 Mar 2024 10:15:00 +01:00", utc(2024, 3, 5, 9, 15, 0), 60, true},
        {"Tue, 5 Mar 2024 10:15:00 +01", utc(2024, 3, 5, 9, 15, 0), 60, true},
        {"Tue, 5 Mar 2024 10:15:00 GMT+0100", utc(2024, 3, 5, 9, 15, 0), 60, true},
        {"Tue, 5 Mar 2024 10:15:00 UTC-5", utc(2024, 3, 5, 15, 15, 0), -300, true},
        {"Tue, 5 Mar 2024 10:15:00 +0530", utc(2024, 3, 5, 4, 45, 0), 330, true},
        {"Tue, 5 Mar 2024 10:15:00 CEST", utc(2024, 3, 5, 10, 15, 0), 0, false},   // unknown name
        {"Tue, 5 Mar 2024 10:15:00", utc(2024, 3, 5, 10, 15, 0), 0, false},        // no zone
        {"Tue, 5 Mar 2024 10:15:00 +0199", utc(2024, 3, 5, 10, 15, 0), 0, false},  // bad zone minutes
        {"Tue, 5 Mar 2024", utc(2024, 3, 5, 0, 0, 0), 0, false},                   // no time
        // asctime and date(1).
        {"Tue Mar  5 10:15:00 2024", utc(2024, 3, 5, 10, 15, 0), 0, false},
        {"Tue Mar  5 10:15:00 PST 2024", utc(2024, 3, 5, 18, 15, 0), -480, true},
        {"Tue Mar 05 2024 10:15:00 GMT+0100 (CET)", utc(2024, 3, 5, 9, 15, 0), 60, true},
        // ISO 8601 / RFC 3339.
        {"2024-05-01 10:00:00", utc(2024, 5, 1, 10, 0, 0), 0, false},
        {"2024-05-01T10:00:00Z", utc(2024, 5, 1, 10, 0, 0), 0, true},
        {"2024-05-01T10:00:00+02:00", utc(2024, 5, 1, 8, 0, 0), 120, true},
        {"2024/05/01 10:00", utc(2024, 5, 1, 10, 0, 0), 0, false},
        // Leap years.
        {"29 Feb 2024 00:00:00 +0000", utc(2024, 2, 29, 0, 0, 0), 0, true},
        {"29 Feb 2000 00:00:00 +0000", utc(2000, 2, 29, 0, 0, 0), 0, true},
    };
    for (const auto& r : rows) {
        INFO(r.value);
        const auto d = parse_message_date(r.value);
        REQUIRE(d);
        CHECK(d->utc_seconds == r.utc_seconds);
        CHECK(d->zone_minutes == r.zone);
        CHECK(d->is_zone_known == r.zone_known);
    }
}

TEST_CASE("the local date of a Date field is what SENT* compares", "[mime][date]") {
    // 062: 23:45 -0800 is the next day in UTC, but SENTON uses the sender's day.
    const auto d = parse_message_date("Mon, 4 Mar 2024 23:45 -0800");
    REQUIRE(d);
    const auto floor_div = [](std::int64_t a, std::int64_t b) {
        return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
    };
    CHECK(floor_div(d->local_seconds(), 86400) == days_from_civil(2024, 3, 4));
    CHECK(floor_div(d->utc_seconds, 86400) == days_from_civil(2024, 3, 5));
    const auto old = parse_message_date("Thu, 13 Feb 1969 23:32:54 -0330");
    REQUIRE(old);
    CHECK(floor_div(old->local_seconds(), 86400) == days_from_civil(1969, 2, 13));
}

TEST_CASE("unparsable dates fail with bad_date", "[mime][date]") {
    for (const char* bad :
         {"", "   ", "not a date at all", "(comment only)", "Tue,", "5 Foo 2024 10:00:00 +0000",
          "31 Feb 2024 10:00:00 +0000", "29 Feb 2023 10:00:00 +0000", "0 Mar 2024 10:00:00 +0000",
          "5 Mar 2024 24:00:00 +0000", "5 Mar 2024 10:60:00 +0000", "5 Mar 2024 10:00:61 +0000",
          "5 Mar 7 10:00:00 +0000", "5 Mar 20245 10:00:00 +0000", "2024-13-01 10:00:00", "2024-05 10:00",
          "Mar 2024", "123 Mar 2024"}) {
        INFO(bad);
        CHECK(parse_message_date(bad).error() == mime::errc::bad_date);
    }
}

TEST_CASE("date parsing looks at a bounded prefix", "[mime][date]") {
    const std::string huge =
        "Tue, 5 Mar 2024 10:15:00 +0100 " + std::string(8u << 20, '(') + std::string(1u << 20, 'x');
    const auto d = parse_message_date(huge);
    REQUIRE(d);
    CHECK(d->zone_minutes == 60);
    std::string tokens;
    for (int i = 0; i < 1000000; ++i) tokens += "1 ";
    CHECK_FALSE(parse_message_date(tokens));
}
