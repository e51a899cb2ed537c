#include "imap_convert.hpp"

#include <mailaccess/mime/message_date.hpp>

#include <array>

namespace mailaccess::engine::detail {
namespace {

// The inverse of mime::days_from_civil (H. Hinnant's civil_from_days).
struct civil {
    int year;
    int month;
    int day;
};

civil civil_from_days(std::int64_t z) noexcept {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<int>(y + (m <= 2 ? 1 : 0)), static_cast<int>(m), static_cast<int>(d)};
}

constexpr std::array<std::pair<imap::flag::kind, store::system_flag>, 5> system_flags{{
    {imap::flag::kind::seen, store::system_flag::seen},
    {imap::flag::kind::answered, store::system_flag::answered},
    {imap::flag::kind::flagged, store::system_flag::flagged},
    {imap::flag::kind::deleted, store::system_flag::deleted},
    {imap::flag::kind::draft, store::system_flag::draft},
}};

}  // namespace

std::int64_t to_unix(const imap::date& value) noexcept {
    return mime::days_from_civil(value.year(), static_cast<unsigned>(value.month()),
                                 static_cast<unsigned>(value.day())) *
           86400;
}

std::int64_t to_unix(const imap::date_time& value) noexcept {
    return to_unix(value.day()) + value.hour() * 3600 + value.minute() * 60 + value.second() -
           static_cast<std::int64_t>(value.zone_minutes()) * 60;
}

imap::date_time to_date_time(std::int64_t seconds) {
    std::int64_t days = seconds / 86400;
    std::int64_t rest = seconds % 86400;
    if (rest < 0) {
        rest += 86400;
        --days;
    }
    const civil c = civil_from_days(days);
    // IMAP years have four digits; clamp what a store could hold beyond.
    const int year = c.year < 1 ? 1 : (c.year > 9999 ? 9999 : c.year);
    auto d = imap::date::make(year, c.month, c.day);
    auto t = imap::date_time::make(d ? *d : imap::date{}, static_cast<int>(rest / 3600),
                                   static_cast<int>(rest / 60 % 60), static_cast<int>(rest % 60), 0);
    return t ? *t : imap::date_time{};
}

store::flag_set to_flag_set(const std::vector<imap::flag>& flags) {
    store::flag_set out;
    for (const auto& f : flags) {
        bool system = false;
        for (const auto& [kind, bit] : system_flags)
            if (f.type() == kind) {
                out.set(bit);
                system = true;
            }
        // \Recent and \* are not stored; an unknown `\Ext` cannot be stored
        // (RFC 3501 section 2.3.2 reserves it), so it is dropped too.
        if (system || f.type() != imap::flag::kind::keyword) continue;
        out.keywords.push_back(f.text());
    }
    return out;
}

std::vector<imap::flag> to_flags(const store::flag_set& flags, bool recent) {
    std::vector<imap::flag> out;
    for (const auto& [kind, bit] : system_flags)
        if (flags.has(bit)) out.emplace_back(kind);
    if (recent) out.emplace_back(imap::flag::kind::recent);
    for (const auto& k : flags.keywords)
        if (auto f = imap::flag::make(k)) out.push_back(std::move(*f));
    return out;
}

result<imap::sequence_set> to_sequence_set(std::span<const std::uint32_t> numbers) {
    std::vector<imap::seq_range> ranges;
    for (const auto n : numbers) {
        if (!ranges.empty() && ranges.back().last + 1 == n)
            ranges.back().last = n;
        else
            ranges.push_back({n, n});
    }
    return imap::sequence_set::make(ranges);
}

}  // namespace mailaccess::engine::detail
