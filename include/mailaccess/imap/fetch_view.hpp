#pragma once

// Zero-copy parsing of FETCH responses (RFC 3501 section 7.4.2) for bulk
// reads: a client synchronizing the headers of 100,000 messages wants the
// UID, flags, ENVELOPE fields and header text of each, once, and has no use
// for an owning `fetch_data` per message. `parse_fetch_view` checks the same
// grammar as `parse_response` and describes the items with views into the
// message instead of copies.

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/imap/date_time.hpp>
#include <mailaccess/imap/framer.hpp>
#include <mailaccess/imap/parse_cursor.hpp>
#include <mailaccess/imap/response.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mailaccess::imap {

namespace detail {
struct fetch_view_access;
}  // namespace detail

/// An `nstring` (RFC 3501 section 9) as it appears in a message: NIL, a
/// quoted string, a literal or (message text only) an RFC 3516 literal8.
/// The default value is NIL.
///
/// Lifetime: views the message given to `parse_fetch_view`; valid as long as
/// those bytes (for a framer's message, until `framer::consume_message()`).
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API nstring_view {
public:
    /// How the value was sent.
    enum class form : std::uint8_t { nil, quoted, literal, literal8 };

    /// NIL.
    constexpr nstring_view() noexcept = default;

    /// The wire form.
    form wire_form() const noexcept { return form_; }
    /// True for NIL.
    bool is_nil() const noexcept { return form_ == form::nil; }
    /// The bytes as sent: between the quotes with their `\` escapes for a
    /// quoted string, the octets of a literal, empty for NIL.
    std::string_view raw() const noexcept { return raw_; }
    /// True when `raw()` holds a `\"` or `\\` escape, so the value differs
    /// from `raw()`; false means `raw()` is the value itself.
    bool has_escapes() const noexcept { return escaped_; }

    /// The value: `raw()` without escapes, "" for NIL. Allocates (unless
    /// short); use `raw()` when `!has_escapes()` to avoid the copy.
    std::string str() const;
    /// The value, or nullopt for NIL (the owning model's nstring).
    std::optional<std::string> to_optional() const;
    /// Appends the value (nothing for NIL) to `out`.
    void append_to(std::string& out) const;
    /// True when the value equals `text` byte for byte, without allocating.
    /// NIL equals nothing, not even "".
    bool equals(std::string_view text) const noexcept;

private:
    friend struct detail::fetch_view_access;
    constexpr nstring_view(form f, std::string_view raw, bool escaped) noexcept
        : raw_(raw), form_(f), escaped_(escaped) {}

    std::string_view raw_;
    form form_ = form::nil;
    bool escaped_ = false;
};

/// An ENVELOPE address (RFC 3501 section 7.4.2); see `imap::address`.
struct address_view {
    nstring_view name, adl, mailbox, host;

    /// An owning copy.
    MAILACCESS_API address to_address() const;
};

/// An ENVELOPE structure (RFC 3501 section 7.4.2); see `imap::envelope`.
/// Address lists are empty for NIL (or an empty list).
///
/// Lifetime: the strings view the message; the address spans view storage
/// of the `fetch_view` that produced them, valid until it parses again or
/// is destroyed.
struct envelope_view {
    nstring_view date, subject;
    std::span<const address_view> from, sender, reply_to, to, cc, bcc;
    nstring_view in_reply_to, message_id;
    /// The whole parenthesised structure as on the wire.
    std::string_view raw;

    /// An owning copy, equal to what `parse_response` gives.
    MAILACCESS_API envelope to_envelope() const;
};

/// One FETCH data item (RFC 3501 section 7.4.2, RFC 3516, RFC 7162). Only
/// the fields named for `type` are set; the others keep their defaults.
///
/// Lifetime: as `nstring_view` for views into the message; `flags`,
/// `envelope` and the envelope's address spans view storage of the
/// `fetch_view` (see `envelope_view`).
struct fetch_item_view {
    enum class kind : std::uint8_t {
        uid,            ///< `UID n`: `number`
        flags,          ///< `FLAGS (...)`: `flags`
        internaldate,   ///< `INTERNALDATE "..."`: `internaldate`
        rfc822_size,    ///< `RFC822.SIZE n`: `number`
        modseq,         ///< `MODSEQ (n)`: `number`
        envelope,       ///< `ENVELOPE (...)`: `*envelope`
        body,           ///< `BODY (...)`: `raw`, a body structure without extension data
        bodystructure,  ///< `BODYSTRUCTURE (...)`: `raw`
        binary_size,    ///< `BINARY.SIZE[part] n`: `section`, `number`
        body_section,   ///< message text: `form`, `section`, `origin`, `data` or `streamed_size`
    };

    kind type = kind::uid;
    /// The item's name as sent ("UID", "BODY", "RFC822.HEADER"), without
    /// a section.
    std::string_view name;
    /// The value's bytes as sent, from after the name's separating space (or
    /// its section and origin) to the end of the item: e.g. `(\Seen)` for
    /// FLAGS, the parenthesised structure for ENVELOPE, BODY and
    /// BODYSTRUCTURE, the announcement alone for a streamed literal.
    std::string_view raw;
    /// UID, RFC822.SIZE, MODSEQ and BINARY.SIZE values.
    std::uint64_t number = 0;
    date_time internaldate;
    /// FLAGS: each flag's wire text ("\\Seen", "$Forwarded", "\\Recent").
    std::span<const std::string_view> flags;
    /// ENVELOPE: the structure (kept in the `fetch_view`, like `flags`);
    /// null for other items.
    const envelope_view* envelope = nullptr;

    // Message text (`body_section`) and BINARY.SIZE.
    body_item_form form = body_item_form::body;
    /// `[section]` with its brackets for BODY and BINARY (and the `[part]`
    /// of BINARY.SIZE); empty for RFC822, RFC822.HEADER and RFC822.TEXT.
    /// `parse_section` (BODY) or `parse_section_binary` (BINARY) turn it
    /// into values.
    std::string_view section;
    /// `<origin>` of a partial fetch.
    std::optional<std::uint32_t> origin;
    /// The data (NIL, quoted, literal or literal8); NIL-form and empty when
    /// streamed.
    nstring_view data;
    /// Set when the framer streamed the literal (see `fetch_body_section`).
    std::optional<std::uint64_t> streamed_size;
    /// The index into the framer's `literals()` of the streamed literal.
    std::size_t literal_index = 0;
};

/// The items of one `* n FETCH (...)` response, as views.
///
/// A `fetch_view` keeps its item, flag and address storage between calls
/// to `parse_fetch_view`, so reusing one object for a stream of responses
/// allocates only while that storage grows to the largest response seen.
/// It can be moved (views stay valid) but not copied.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API fetch_view {
public:
    fetch_view() = default;
    fetch_view(const fetch_view&) = delete;
    fetch_view& operator=(const fetch_view&) = delete;
    fetch_view(fetch_view&&) noexcept = default;
    fetch_view& operator=(fetch_view&&) noexcept = default;
    ~fetch_view() = default;

    /// The message sequence number.
    std::uint32_t seq() const noexcept { return seq_; }
    /// The items in wire order. Valid until the next `parse_fetch_view`
    /// into this object, and no longer than the message.
    std::span<const fetch_item_view> items() const noexcept { return items_; }
    /// The first item of kind `k`, or null.
    const fetch_item_view* find(fetch_item_view::kind k) const noexcept;

    /// An owning copy of one item, equal to the corresponding item of
    /// `parse_response` (with `literal_index` kept). Precondition: `item` is
    /// one of `items()`. Fails only when allocation does.
    result<fetch_item> to_fetch_item(const fetch_item_view& item) const;
    /// An owning copy of the whole response, equal to what `parse_response`
    /// returns for the same message.
    result<fetch_data> to_fetch_data() const;

private:
    friend struct detail::fetch_view_access;

    std::uint32_t seq_ = 0;
    parse_options options_;
    std::vector<fetch_item_view> items_;
    std::vector<envelope_view> envelopes_;
    std::vector<address_view> addresses_;
    std::vector<std::string_view> flags_;
    std::vector<std::uint32_t> counts_;  // list lengths while parsing
};

/// RFC 3501 section 9 (client side), FETCH responses only:
///     message-data    = nz-number SP ("EXPUNGE" / ("FETCH" SP msg-att))
///     msg-att         = "(" (msg-att-dynamic / msg-att-static)
///                        *(SP (msg-att-dynamic / msg-att-static)) ")"
/// Parses one complete server message as the framer delivered it into
/// `out`, accepting exactly what `parse_response` accepts for it (same
/// items, `literals` and `options` rules; see there) without copying any
/// string or literal out of `message`.
///
/// Returns:
/// - `false` when `message` does not start with `* ` number ` FETCH` (any
///   other response); `out` is then empty and `parse_response` is the
///   parser to call;
/// - `true` when it parsed: `out` describes the response;
/// - an error (`errc::bad_syntax`, `errc::nesting_too_deep`) when the FETCH
///   response is malformed, exactly when `parse_response` fails on it.
///
/// Allocates only to grow `out`'s storage. Lifetime: the views in `out`
/// point into `message` and into `out`.
MAILACCESS_API result<bool> parse_fetch_view(std::string_view message,
                                             std::span<const framer::literal_info> literals, fetch_view& out,
                                             parse_options options = {});

}  // namespace mailaccess::imap
