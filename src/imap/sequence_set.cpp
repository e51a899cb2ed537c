#include <mailaccess/imap/sequence_set.hpp>

#include <algorithm>

namespace mailaccess::imap {
namespace {

// Ordering key in which `*` is above every number.
std::uint64_t key(std::uint32_t n) noexcept { return n == star ? 0x100000000ull : n; }

// Sorts and merges overlapping or adjacent ranges, by `key`.
void normalise(std::vector<seq_range>& v) {
    for (auto& r : v)
        if (key(r.first) > key(r.last)) std::swap(r.first, r.last);
    std::sort(v.begin(), v.end(), [](const seq_range& a, const seq_range& b) {
        return key(a.first) != key(b.first) ? key(a.first) < key(b.first) : key(a.last) < key(b.last);
    });
    std::size_t out = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (out > 0 && key(v[i].first) <= key(v[out - 1].last) + 1) {
            if (key(v[i].last) > key(v[out - 1].last)) v[out - 1].last = v[i].last;
        } else {
            v[out++] = v[i];
        }
    }
    v.resize(out);
}

result<std::uint32_t> parse_seq_number(parse_cursor& in) {
    if (in.consume('*')) return star;
    return parse_nz_number(in);
}

void write_number(writer& out, std::uint32_t n) {
    if (n == star)
        out.raw('*');
    else
        out.number(n);
}

}  // namespace

result<sequence_set> sequence_set::make(std::span<const seq_range> ranges) {
    if (ranges.empty()) return unexpected(errc::bad_syntax);
    if (ranges.size() > max_ranges) return unexpected(errc::too_many_ranges);
    sequence_set s;
    s.ranges_.assign(ranges.begin(), ranges.end());
    normalise(s.ranges_);
    return s;
}

sequence_set sequence_set::single(std::uint32_t n) {
    sequence_set s;
    s.ranges_.push_back({n, n});
    return s;
}

sequence_set sequence_set::last_result() {
    sequence_set s;
    s.last_result_ = true;
    return s;
}

std::vector<seq_range> sequence_set::resolve(std::uint32_t max) const {
    MAILACCESS_ASSERT(!last_result_);
    std::vector<seq_range> v;
    if (max == 0) return v;
    for (const auto& r : ranges_) {
        const std::uint32_t a = r.first == star ? max : r.first;
        const std::uint32_t b = r.last == star ? max : r.last;
        const std::uint32_t lo = std::min(a, b);
        const std::uint32_t hi = std::min(std::max(a, b), max);
        if (lo <= hi) v.push_back({lo, hi});
    }
    normalise(v);
    return v;
}

bool sequence_set::contains(std::uint32_t n, std::uint32_t max) const {
    for (const auto& r : resolve(max))
        if (n >= r.first && n <= r.last) return true;
    return false;
}

result<sequence_set> parse_sequence_set(parse_cursor& in) {
    if (in.consume('$')) return sequence_set::last_result();
    std::vector<seq_range> ranges;
    do {
        if (ranges.size() == sequence_set::max_ranges) return unexpected(errc::too_many_ranges);
        auto first = parse_seq_number(in);
        if (!first) return unexpected(first.error());
        seq_range r{*first, *first};
        if (in.consume(':')) {
            auto last = parse_seq_number(in);
            if (!last) return unexpected(last.error());
            r.last = *last;
        }
        ranges.push_back(r);
    } while (in.consume(','));
    return sequence_set::make(ranges);
}

void write(writer& out, const sequence_set& value) {
    if (value.is_last_result()) {
        out.raw('$');
        return;
    }
    bool first = true;
    for (const auto& r : value.ranges()) {
        if (!first) out.raw(',');
        first = false;
        write_number(out, r.first);
        if (r.last != r.first) {
            out.raw(':');
            write_number(out, r.last);
        }
    }
}

}  // namespace mailaccess::imap
