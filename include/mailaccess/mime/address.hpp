#pragma once

// Address lists (From, To, Cc, Bcc, Sender, Reply-To: RFC 5322 section 3.4
// and the obsolete syntax of section 4.4) read into the shape of IMAP
// ENVELOPE addresses (RFC 3501 section 7.4.2).

#include <mailaccess/core/api.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailaccess::mime {

/// One entry of an address list, as an ENVELOPE `address`:
/// `(name adl mailbox host)`, each a string or NIL (nullopt).
///
/// Strings are the text the sender meant, not the wire syntax: quoted
/// strings unquoted (quoted-pairs resolved), comments dropped, line breaks
/// removed, and runs of whitespace between words of a display name
/// collapsed to one space. They are *not* RFC 2047-decoded (ENVELOPE sends
/// encoded words as they are; see `decode_display_name`) and may contain
/// 8-bit bytes as written.
struct address {
    enum class kind_type : std::uint8_t {
        mailbox,      ///< a mailbox: mailbox and host are set (see `fill_missing`)
        group_start,  ///< "name:" of a group: mailbox is the group name, the rest NIL
        group_end,    ///< the ";" ending a group: all four NIL
    };

    kind_type kind = kind_type::mailbox;
    /// The display name (phrase), or for a bare addr-spec the text of a
    /// comment after it (`john@example.com (John Doe)`, as Dovecot does).
    /// NIL when there is none or it is empty (`"" <a@b>`).
    std::optional<std::string> name;
    /// The obsolete source route (RFC 5322 section 4.4 obs-route), as
    /// "@relay1,@relay2", or NIL.
    std::optional<std::string> adl;
    /// The local part, or the group name for `group_start`.
    std::optional<std::string> mailbox;
    /// The domain: a dot-atom or a domain literal with its brackets.
    std::optional<std::string> host;

    friend bool operator==(const address&, const address&) = default;
};

/// Options for `parse_address_list`.
struct address_list_options {
    /// In ENVELOPE a NIL host marks a group start and NIL mailbox and host a
    /// group end (RFC 3501 section 7.4.2), so a mailbox that lacks a part
    /// must not leave it NIL there. With this set (the default), a missing
    /// or empty local part becomes "MISSING_MAILBOX" and a missing or empty
    /// domain "MISSING_DOMAIN", the placeholders Dovecot uses
    /// (tests/data/mime/README.md item 32). Unset, they stay nullopt and
    /// `kind` tells the entries apart.
    bool fill_missing = true;
    /// At most this many entries are produced (group markers count); the
    /// rest of the list is ignored. Bounds the memory a hostile header can
    /// make us allocate.
    std::size_t max_entries = 10000;
};

/// Reads an address list (RFC 5322 section 3.4):
///     address-list = (address *("," address)) / obs-addr-list
///     address      = mailbox / group
///     mailbox      = name-addr / addr-spec
///     name-addr    = [display-name] angle-addr
///     angle-addr   = [CFWS] "<" addr-spec ">" [CFWS] / obs-angle-addr
///     group        = display-name ":" [group-list] ";" [CFWS]
///     obs-angle-addr = [CFWS] "<" obs-route addr-spec ">" [CFWS]
///     obs-route    = obs-domain-list ":"
///
/// Pass the field value (folded or unfolded). Never fails: a broken list
/// gives its best reading, in the spirit of Dovecot's message-address
/// parser:
/// - comments anywhere are dropped; empty list elements (",,") are skipped;
/// - obs-phrase (`John Q. Public`), quoted local parts (`"john..doe"`,
///   `"a\"b"`), obs-local-part with spaces around dots, domain literals;
/// - obsolete routes `<@a,@b:user@host>` (adl "@a,@b");
/// - groups, empty ones included (`undisclosed-recipients:;`), a group
///   without its ";", a stray ";" outside a group; a group inside a group is
///   not nested (its ":" is ignored);
/// - missing angle brackets: `John Doe john@example.com` takes the last
///   word before "@" as the local part and the words before it as the
///   name; `Name <a@b` without ">" is accepted;
/// - missing parts: `alice` (a single word) is a local part without domain;
///   `Display Only` or `"Quoted Only"` (several words, or a quoted string)
///   is a name without address; `<bob>`, `carol@` and `<@host>` lack a
///   domain or local part (see `fill_missing`);
/// - trailing garbage after an address (`a@b.c junk`, `<a@b> junk`) up to
///   the next "," is ignored.
///
/// Linear time; at most `max_entries` entries. Thread safety: pure function.
MAILACCESS_API std::vector<address> parse_address_list(std::string_view value,
                                                       const address_list_options& options = {});

/// A display name (or group name) decoded for people and for SEARCH: RFC
/// 2047 encoded words decoded to UTF-8 (`decode_encoded_words`), invalid
/// bytes replaced. ENVELOPE keeps the raw `address::name`.
MAILACCESS_API std::string decode_display_name(std::string_view name);

}  // namespace mailaccess::mime
