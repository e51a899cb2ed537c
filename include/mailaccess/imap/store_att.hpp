#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/imap/flag.hpp>
#include <mailaccess/imap/parse_cursor.hpp>
#include <mailaccess/imap/writer.hpp>

#include <vector>

namespace mailaccess::imap {

/// How STORE changes the flags (RFC 3501 section 6.4.6).
enum class store_mode {
    replace,  ///< FLAGS
    add,      ///< +FLAGS
    remove,   ///< -FLAGS
};

/// The data item and value of a STORE command: `+FLAGS.SILENT (\Seen)`.
///
/// Invariant: no flag is `\Recent` or `\*` (RFC 3501 `flag`).
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API store_att {
public:
    /// Fails with `errc::bad_syntax` when a flag is `\Recent` or `\*`.
    /// An empty list is allowed (`FLAGS ()` clears every flag).
    static result<store_att> make(store_mode mode, bool silent, std::vector<flag> flags);

    store_mode mode() const noexcept { return mode_; }
    /// True for `.SILENT`: no untagged FETCH is sent back.
    bool is_silent() const noexcept { return silent_; }
    const std::vector<flag>& flags() const noexcept { return flags_; }

    friend bool operator==(const store_att&, const store_att&) = default;

private:
    store_att() = default;
    store_mode mode_ = store_mode::replace;
    bool silent_ = false;
    std::vector<flag> flags_;
};

/// RFC 3501 section 9:
///     store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP
///                       (flag-list / (flag *(SP flag)))
MAILACCESS_API result<store_att> parse_store_att_flags(parse_cursor& in);

/// Writes the item with a parenthesised flag list: `-FLAGS (\Deleted)`.
MAILACCESS_API void write(writer& out, const store_att& value);

}  // namespace mailaccess::imap
