#pragma once

// Conversions between the IMAP codec's types and the store's (internal to
// the engine module).

#include <mailaccess/imap/date_time.hpp>
#include <mailaccess/imap/flag.hpp>
#include <mailaccess/imap/sequence_set.hpp>
#include <mailaccess/store/mailbox.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace mailaccess::engine::detail {

/// Seconds since the Unix epoch of an IMAP date-time (its zone applied).
std::int64_t to_unix(const imap::date_time& value) noexcept;
/// The date-time of `seconds` in UTC ("+0000").
imap::date_time to_date_time(std::int64_t seconds);
/// Seconds since the epoch of midnight UTC starting `value`.
std::int64_t to_unix(const imap::date& value) noexcept;

/// The stored flags for IMAP flags; \Recent, \* and flag extensions are
/// not stored and are dropped.
store::flag_set to_flag_set(const std::vector<imap::flag>& flags);
/// The IMAP flags of stored flags, system flags first; `recent` adds \Recent.
std::vector<imap::flag> to_flags(const store::flag_set& flags, bool recent = false);

/// The sequence set of `numbers` (UIDs or sequence numbers, non-zero), runs
/// of consecutive numbers written as one range, for ESEARCH ALL, APPENDUID,
/// COPYUID and MODIFIED. Fails as sequence_set::make does (empty, or more
/// than sequence_set::max_ranges runs).
result<imap::sequence_set> to_sequence_set(std::span<const std::uint32_t> numbers);

}  // namespace mailaccess::engine::detail
