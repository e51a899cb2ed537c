#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/imap/parse_cursor.hpp>
#include <mailaccess/imap/writer.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace mailaccess::imap {

/// The value that stands for `*` in a `seq_range`: the largest number in
/// use (RFC 3501 section 9, `seq-number`). Real numbers are never 0.
inline constexpr std::uint32_t star = 0;

/// One `seq-number` or `seq-range`: `first:last`, either end possibly
/// `star`. A single number n is {n, n}.
struct seq_range {
    std::uint32_t first = 1;
    std::uint32_t last = 1;

    friend bool operator==(const seq_range&, const seq_range&) = default;
};

/// An RFC 3501 sequence set (message sequence numbers or UIDs), or the
/// SEARCHRES marker `$` (RFC 5182, RFC 9051 section 6.4.4.1).
///
/// Invariants: not empty; at most `max_ranges` ranges; normalised. In the
/// normal form each range has first <= last when `*` counts as larger than
/// every number, ranges are sorted, and overlapping or adjacent ranges are
/// merged ("4:2,3,7,*" becomes "2:4,7,*"; "1:5,3:*" becomes "1:*"). This
/// keeps the meaning for every mailbox size (RFC 3501 section 6.4.8: a
/// range may be written either way round), and makes `==` compare meaning.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API sequence_set {
public:
    /// The most ranges a set may hold before normalisation. A line of
    /// `limits::max_line_length` (8192) octets holds at most 4096.
    static constexpr std::size_t max_ranges = 4096;

    /// Builds a normalised set. Numbers are non-zero or `star`. Fails with
    /// `errc::bad_syntax` for an empty list, `errc::too_many_ranges` above
    /// `max_ranges`.
    static result<sequence_set> make(std::span<const seq_range> ranges);
    /// The set holding `n` (`star` for `*`).
    static sequence_set single(std::uint32_t n);
    /// `$`, the result of the last SEARCH (RFC 5182).
    static sequence_set last_result();

    /// True for `$`. Such a set has no ranges; the session substitutes the
    /// saved search result before using it.
    bool is_last_result() const noexcept { return last_result_; }
    /// The normalised ranges; empty only for `$`.
    const std::vector<seq_range>& ranges() const noexcept { return ranges_; }

    /// The concrete numbers of the set in a mailbox whose largest number is
    /// `max` (the message count, or the highest UID): sorted, disjoint,
    /// merged ranges within 1..max, `*` replaced by `max`. Empty when
    /// `max` is 0. Precondition: `!is_last_result()`.
    std::vector<seq_range> resolve(std::uint32_t max) const;
    /// True when `n` is in `resolve(max)`. Precondition: `!is_last_result()`.
    bool contains(std::uint32_t n, std::uint32_t max) const;
    /// Calls `f(n)` for each number of `resolve(max)`, ascending.
    template <class F>
    void for_each(std::uint32_t max, F&& f) const {
        for (const auto& r : resolve(max))
            for (std::uint64_t n = r.first; n <= r.last; ++n) f(static_cast<std::uint32_t>(n));
    }

    friend bool operator==(const sequence_set&, const sequence_set&) = default;

private:
    sequence_set() = default;
    std::vector<seq_range> ranges_;
    bool last_result_ = false;
};

/// RFC 3501 section 9, with RFC 9051's (RFC 5182's) `$`:
///     seq-number      = nz-number / "*"
///     seq-range       = seq-number ":" seq-number
///     sequence-set    = (seq-number / seq-range) *("," sequence-set)
///     sequence-set    =/ seq-last-command
///     seq-last-command   = "$"
/// Errors: `errc::bad_syntax`, `errc::too_many_ranges`.
MAILACCESS_API result<sequence_set> parse_sequence_set(parse_cursor& in);

/// Writes the normalised set ("2:4,7,9,12:*") or `$`.
MAILACCESS_API void write(writer& out, const sequence_set& value);

}  // namespace mailaccess::imap
