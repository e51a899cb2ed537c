#pragma once

#include <mailaccess/core/api.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailaccess::imap {

/// How a literal is announced (RFC 3501 section 4.3, RFC 7888).
enum class literal_mode {
    sync,      ///< `{N}`: the client waits for a `+` continuation before sending the octets
    non_sync,  ///< `{N+}`: the octets follow at once (LITERAL+ / LITERAL-)
};

/// Which literal announcements the peer accepts.
enum class literal_support {
    sync_only,     ///< plain RFC 3501: every client literal is synchronizing
    literal_plus,  ///< the server advertised LITERAL+ (RFC 7888): always `{N+}`
    literal_minus  ///< the server advertised LITERAL- (RFC 7888): `{N+}` up to 4096 octets
};

/// Serializer settings; taken by value into a `writer`.
struct writer_options {
    /// UTF8=ACCEPT is enabled (RFC 6855): valid UTF-8 may go in quoted
    /// strings, and mailbox names are sent as UTF-8 rather than modified
    /// UTF-7. Without it, any 8-bit octet forces a literal.
    bool utf8_accept = false;
    /// Which literal announcements to use.
    literal_support literals = literal_support::sync_only;
    /// Strings longer than this are sent as literals even when they could
    /// be quoted, so that a long value never makes a line too long.
    std::size_t max_quoted_length = 1024;

    friend bool operator==(const writer_options&, const writer_options&) = default;
};

/// Where one literal's octets are in `writer::buffer()`.
struct literal_position {
    std::size_t offset = 0;  ///< first octet of the literal data (just after the CRLF of `{N}`)
    std::size_t size = 0;    ///< number of octets
    literal_mode mode = literal_mode::sync;
    bool binary = false;  ///< announced as literal8 `~{N}` (RFC 3516)
    /// Announced by `literal_slot`: the octets are not in the buffer (`size`
    /// of them follow `offset` on the wire, supplied by the caller).
    bool streamed = false;

    friend bool operator==(const literal_position&, const literal_position&) = default;
};

/// One piece of a serialized message, for a client that must wait for `+`
/// before each synchronizing literal (STYLE.md section 2, "Literals on the
/// client"). A `line` piece ends with the `{N}` CRLF announcing the literal
/// that follows it (or is the final remainder of the message); a `literal`
/// piece is exactly the announced octets.
struct fragment {
    enum class kind { line, literal };
    fragment::kind type = kind::line;
    /// The bytes; a view into the writer's buffer, valid until the writer
    /// is next modified or destroyed.
    std::string_view data;
    /// For a literal: how it was announced. For a line: `sync`.
    literal_mode mode = literal_mode::sync;
    /// For a literal announced by `writer::literal_slot`: its size; `data`
    /// is empty and the caller sends the octets.
    std::optional<std::uint64_t> streamed_size;
};

/// Appends IMAP protocol text to a buffer and chooses the wire form of
/// every string itself: atom, quoted string or literal (STYLE.md section 6,
/// "the serializer picks atom, quoted or literal itself"). Each type of the
/// typed model has a `write(writer&, const T&)` overload next to it.
///
/// The writer records where each literal is (`literals()`), so a client
/// session can split the output into `fragments()` and wait for `+` before
/// each synchronizing one.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API writer {
public:
    explicit writer(writer_options options = {}) : options_(options) {}

    /// The options given at construction.
    const writer_options& options() const noexcept { return options_; }

    /// Appends protocol syntax verbatim (keywords, SP, parentheses).
    /// Precondition: `text` contains no CR or LF; strings that came from a
    /// user go through `astring`, `string` or `nstring` instead.
    writer& raw(std::string_view text);
    /// Appends one character of protocol syntax (precondition: not CR/LF).
    writer& raw(char c);
    /// Appends SP.
    writer& sp() { return raw(' '); }
    /// Appends CRLF, ending a line.
    writer& crlf();
    /// Appends a decimal number.
    writer& number(std::uint64_t n);

    /// Appends `value` as an RFC 3501 `astring`: as an atom when it is
    /// 1*ASTRING-CHAR, otherwise as a `string` (see there).
    writer& astring(std::string_view value);
    /// Appends `value` as an RFC 3501 `string`: quoted when it is short
    /// enough (`max_quoted_length`) and has no NUL, CR or LF, and no 8-bit
    /// octets unless `utf8_accept` is set and `value` is valid UTF-8;
    /// otherwise a literal `{N}` (or `{N+}` per `literals`). A value with a
    /// NUL has no `string` form at all; it is sent as literal8 `~{N}`
    /// (RFC 3516), which a peer accepts only where it allows binary data.
    writer& string(std::string_view value);
    /// Appends `value` as an RFC 3501 `nstring`: `NIL` when empty, else as
    /// `string`.
    writer& nstring(const std::optional<std::string>& value);
    /// Appends `value` as a quoted string, escaping `"` and `\`.
    /// Precondition: `can_quote(value)` with `max_quoted_length` ignored.
    writer& quoted(std::string_view value);
    /// Appends `value` as a literal8 `~{N}` CRLF octets (RFC 3516 / RFC 9051).
    writer& literal8(std::string_view value);
    /// Appends `value` as a literal `{N}` (or `{N+}` per `literals`) even
    /// when it could be quoted: APPEND message data (RFC 3501 section 9
    /// `append-data = literal`). A value with a NUL is sent as literal8.
    writer& literal(std::string_view value) {
        return literal(value, value.find('\0') != std::string_view::npos);
    }

    /// Appends the announcement of a `size`-octet literal (`{N}`, `{N+}` per
    /// `literals`, or `~{N}` when `binary`) whose octets the caller sends
    /// itself, e.g. an APPEND message streamed from a file: `literals()`
    /// records it as `streamed` and `fragments()` as an empty literal with
    /// `streamed_size`. The buffer then continues after the octets.
    writer& literal_slot(std::uint64_t size, bool binary);

    /// True when `value` may be sent as a quoted string under these options
    /// (no NUL/CR/LF; 8-bit only as valid UTF-8 with `utf8_accept`).
    bool can_quote(std::string_view value) const noexcept;

    /// Everything written so far. Valid until the writer is next modified.
    std::string_view buffer() const noexcept { return out_; }
    /// Positions of the literals in `buffer()`, in order.
    const std::vector<literal_position>& literals() const noexcept { return literals_; }
    /// `buffer()` split into line and literal pieces; the views are valid
    /// until the writer is next modified.
    std::vector<fragment> fragments() const;
    /// Moves the buffer out and resets the writer to empty.
    std::string release();
    /// Resets the writer to empty, keeping its storage: a server writing
    /// thousands of FETCH responses reuses one writer instead of growing a
    /// new buffer for each.
    void clear() noexcept;

private:
    writer& literal(std::string_view value, bool binary);
    void announce(std::uint64_t size, bool binary, bool streamed);

    writer_options options_;
    std::string out_;
    std::vector<literal_position> literals_;
    std::vector<std::uint64_t> slot_sizes_;  // the sizes of streamed literals, in order
};

}  // namespace mailaccess::imap
