#include <mailaccess/mime/message_date.hpp>

#include <mailaccess/core/ascii.hpp>
#include <mailaccess/mime/error.hpp>

#include <array>
#include <cstddef>
#include <optional>

namespace mailaccess::mime {
namespace {

constexpr std::size_t max_tokens = 64;

struct token {
    enum kind_type : std::uint8_t { number, word, punct } kind = punct;
    std::string_view text;
    std::int64_t value = 0;  // numbers of at most 9 digits; -1 beyond
};

// Splits into digit runs, ASCII letter runs and single other characters,
// skipping whitespace and (nested) comments.
std::size_t tokenize(std::string_view s, std::array<token, max_tokens>& out) {
    std::size_t n = 0, i = 0;
    while (i < s.size() && n < max_tokens) {
        const char c = s[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            ++i;
            continue;
        }
        if (c == '(') {
            std::size_t depth = 0;
            for (; i < s.size(); ++i) {
                if (s[i] == '\\')
                    ++i;
                else if (s[i] == '(')
                    ++depth;
                else if (s[i] == ')' && --depth == 0)
                    break;
            }
            ++i;
            continue;
        }
        const std::size_t start = i;
        token t;
        if (c >= '0' && c <= '9') {
            t.kind = token::number;
            while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
                t.value = (i - start < 9) ? t.value * 10 + (s[i] - '0') : -1;
                ++i;
            }
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            t.kind = token::word;
            while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) ++i;
        } else {
            ++i;
        }
        t.text = s.substr(start, i - start);
        out[n++] = t;
    }
    return n;
}

// A name matches when it is at least 3 letters and a prefix of the full
// name: "Mar", "March", "Sept", "Tues".
int find_name(std::string_view word, const std::array<std::string_view, 12>& names, std::size_t count) {
    if (word.size() < 3) return -1;
    for (std::size_t i = 0; i < count; ++i) {
        const std::string_view full = names[i];
        if (word.size() <= full.size() && iequals(word, full.substr(0, word.size())))
            return static_cast<int>(i);
    }
    return -1;
}

constexpr std::array<std::string_view, 12> month_names{"january",   "february", "march",    "april",
                                                       "may",       "june",     "july",     "august",
                                                       "september", "october",  "november", "december"};
constexpr std::array<std::string_view, 12> day_names{"monday", "tuesday",  "wednesday", "thursday",
                                                     "friday", "saturday", "sunday"};

bool is_leap(std::int64_t y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(std::int64_t y, int m) noexcept {
    constexpr int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

class date_reader {
public:
    date_reader(const std::array<token, max_tokens>& t, std::size_t n) : t_(t), n_(n) {}

    bool at_end() const noexcept { return i_ >= n_; }
    const token* peek(std::size_t ahead = 0) const noexcept {
        return i_ + ahead < n_ ? &t_[i_ + ahead] : nullptr;
    }
    bool is_punct(char c, std::size_t ahead = 0) const noexcept {
        const token* t = peek(ahead);
        return t != nullptr && t->kind == token::punct && t->text[0] == c;
    }
    bool is_number(std::size_t min_digits, std::size_t max_digits, std::size_t ahead = 0) const noexcept {
        const token* t = peek(ahead);
        return t != nullptr && t->kind == token::number && t->text.size() >= min_digits &&
               t->text.size() <= max_digits;
    }
    bool is_word(std::size_t ahead = 0) const noexcept {
        const token* t = peek(ahead);
        return t != nullptr && t->kind == token::word;
    }
    const token& take() noexcept { return t_[i_++]; }
    void skip_punct(char c) noexcept {
        if (is_punct(c)) ++i_;
    }
    std::size_t position() const noexcept { return i_; }
    void rewind(std::size_t to) noexcept { i_ = to; }

private:
    const std::array<token, max_tokens>& t_;
    std::size_t n_;
    std::size_t i_ = 0;
};

struct clock_time {
    int hour = 0, minute = 0, second = 0;
};

// hour ":" minute [":" second ["." fraction]]
std::optional<clock_time> read_time(date_reader& r) {
    if (!r.is_number(1, 2) || !r.is_punct(':', 1) || !r.is_number(1, 2, 2)) return std::nullopt;
    clock_time t;
    t.hour = static_cast<int>(r.take().value);
    r.take();
    t.minute = static_cast<int>(r.take().value);
    if (r.is_punct(':') && r.is_number(1, 2, 1)) {
        r.take();
        t.second = static_cast<int>(r.take().value);
        if (r.is_punct('.') && r.is_number(1, 9, 1)) {
            r.take();
            r.take();
        }
    }
    return t;
}

struct zone {
    int minutes = 0;
    bool known = false;
};

// ("+" / "-") (hhmm / hh / hh ":" mm / hmm), after the sign.
zone read_offset(date_reader& r, bool negative) {
    if (!r.is_number(1, 4)) return {};
    const token& num = r.take();
    std::int64_t hours = num.value, minutes = 0;
    if (num.text.size() >= 3) {
        hours = num.value / 100;
        minutes = num.value % 100;
    } else if (r.is_punct(':') && r.is_number(2, 2, 1)) {
        r.take();
        minutes = r.take().value;
    }
    if (minutes > 59) return {};
    const auto total = static_cast<int>(hours * 60 + minutes);
    // RFC 5322 section 3.3: "-0000" says the local zone is unknown.
    if (negative && total == 0) return {};
    return {negative ? -total : total, true};
}

// zone / obs-zone (RFC 5322 sections 3.3 and 4.3), or nothing.
zone read_zone(date_reader& r) {
    if (r.is_punct('+') || r.is_punct('-')) return read_offset(r, r.take().text[0] == '-');
    if (!r.is_word()) return {};
    const std::string_view w = r.take().text;
    struct named {
        std::string_view name;
        int hours;
    };
    constexpr named names[] = {{"UT", 0},   {"GMT", 0},  {"UTC", 0},  {"Z", 0},    {"EST", -5}, {"EDT", -4},
                               {"CST", -6}, {"CDT", -5}, {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
    for (const named& n : names) {
        if (!iequals(w, n.name)) continue;
        // "GMT+0100", "UTC-5": the offset wins.
        if (n.hours == 0 && (r.is_punct('+') || r.is_punct('-')) && r.is_number(1, 4, 1))
            return read_offset(r, r.take().text[0] == '-');
        return {n.hours * 60, true};
    }
    return {};  // military letters and unknown names: "-0000" (section 4.3)
}

struct civil {
    std::int64_t year = 0;
    int month = 0, day = 0;
};

std::optional<std::int64_t> read_year(date_reader& r) {
    if (!r.is_number(2, 4)) return std::nullopt;
    const token& t = r.take();
    // RFC 5322 section 4.3: 2-digit years 00-49 are 20xx, 50-99 19xx;
    // 3-digit years add 1900.
    if (t.text.size() == 2) return t.value < 50 ? 2000 + t.value : 1900 + t.value;
    if (t.text.size() == 3) return 1900 + t.value;
    return t.value;
}

result<message_date> finish(const civil& d, std::optional<clock_time> time, zone z) {
    if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > days_in_month(d.year, d.month))
        return unexpected(errc::bad_date);
    if (!time) z = {};
    const clock_time t = time.value_or(clock_time{});
    if (t.hour > 23 || t.minute > 59 || t.second > 60) return unexpected(errc::bad_date);
    message_date out;
    out.zone_minutes = z.known ? z.minutes : 0;
    out.is_zone_known = z.known;
    out.utc_seconds =
        days_from_civil(d.year, static_cast<unsigned>(d.month), static_cast<unsigned>(d.day)) * 86400 +
        t.hour * 3600 + t.minute * 60 + t.second - std::int64_t{out.zone_minutes} * 60;
    return out;
}

// day ["-"] month ["-"] year [time [zone]]  (RFC 5322 and "5-Mar-2024")
result<message_date> rfc5322_form(date_reader& r) {
    civil d;
    d.day = static_cast<int>(r.take().value);
    r.skip_punct('-');
    if (!r.is_word()) return unexpected(errc::bad_date);
    d.month = find_name(r.take().text, month_names, 12) + 1;
    r.skip_punct('-');
    const auto year = read_year(r);
    if (!year) return unexpected(errc::bad_date);
    d.year = *year;
    const auto time = read_time(r);
    return finish(d, time, time ? read_zone(r) : zone{});
}

// month day (time [zone] year / year time [zone])  (asctime, date(1) and relatives)
result<message_date> asctime_form(date_reader& r) {
    civil d;
    d.month = find_name(r.take().text, month_names, 12) + 1;
    if (!r.is_number(1, 2)) return unexpected(errc::bad_date);
    d.day = static_cast<int>(r.take().value);
    r.skip_punct(',');
    std::optional<clock_time> time = read_time(r);
    // date(1) writes the zone between the time and the year.
    zone z;
    const bool zone_first = time && !r.is_number(2, 4);
    if (zone_first) z = read_zone(r);
    const auto year = read_year(r);
    if (!year) return unexpected(errc::bad_date);
    d.year = *year;
    if (!time) time = read_time(r);
    if (time && !zone_first) z = read_zone(r);
    return finish(d, time, z);
}

// year "-" month "-" day ["T"] [time [zone]]  (ISO 8601 / RFC 3339)
result<message_date> iso_form(date_reader& r) {
    civil d;
    d.year = r.take().value;
    const char sep = r.take().text[0];
    if (!r.is_number(1, 2) || !r.is_punct(sep, 1) || !r.is_number(1, 2, 2)) return unexpected(errc::bad_date);
    d.month = static_cast<int>(r.take().value);
    r.take();
    d.day = static_cast<int>(r.take().value);
    if (r.is_word() && iequals(r.peek()->text, "T")) r.take();
    const auto time = read_time(r);
    return finish(d, time, time ? read_zone(r) : zone{});
}

}  // namespace

result<message_date> parse_message_date(std::string_view value) {
    std::array<token, max_tokens> tokens;
    const std::size_t n = tokenize(value, tokens);
    date_reader r(tokens, n);
    // [day-of-week [","]]
    if (r.is_word() && find_name(r.peek()->text, day_names, 7) >= 0) {
        r.take();
        r.skip_punct(',');
        r.skip_punct('.');
    }
    if (r.is_number(4, 4) && (r.is_punct('-', 1) || r.is_punct('/', 1))) return iso_form(r);
    if (r.is_number(1, 2)) return rfc5322_form(r);
    if (r.is_word() && find_name(r.peek()->text, month_names, 12) >= 0) return asctime_form(r);
    return unexpected(errc::bad_date);
}

}  // namespace mailaccess::mime
