#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/imap/atom.hpp>
#include <mailaccess/imap/date_time.hpp>
#include <mailaccess/imap/flag.hpp>
#include <mailaccess/imap/parse_cursor.hpp>
#include <mailaccess/imap/sequence_set.hpp>
#include <mailaccess/imap/writer.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mailaccess::imap {

/// RFC 7162 `entry-type-req`: which metadata a MODSEQ search looks at.
enum class entry_type { priv, shared, all };

/// RFC 7162 `search-modseq-ext`: the flag whose mod-sequence a MODSEQ
/// search compares (`"/flags/\\Seen" all`).
struct modseq_entry {
    imap::flag flag{flag::kind::seen};  ///< a system flag, keyword or extension (not \Recent or \*)
    entry_type type = entry_type::all;

    friend bool operator==(const modseq_entry&, const modseq_entry&) = default;
};

/// One node of a SEARCH criteria tree (RFC 3501 section 6.4.4, RFC 7162
/// section 3.4). Which fields are meaningful depends on `type`; the others
/// keep their defaults, so two keys compare equal exactly when they mean
/// the same search written the same way:
///
///  - ALL ANSWERED DELETED DRAFT FLAGGED NEW OLD RECENT SEEN UNANSWERED
///    UNDELETED UNDRAFT UNFLAGGED UNSEEN          -> nothing
///  - BCC BODY CC FROM SUBJECT TEXT TO            -> `value` (astring)
///  - HEADER                                      -> `field`, `value`
///  - KEYWORD UNKEYWORD                           -> `keyword`
///  - BEFORE ON SINCE SENTBEFORE SENTON SENTSINCE -> `day`
///  - LARGER SMALLER                              -> `number`
///  - UID, and a bare sequence set (`sequence`)   -> `set`
///  - MODSEQ                                      -> `entry` (optional), `number` (mod-sequence-valzer)
///  - NOT                                         -> `children[0]`
///  - OR                                          -> `children[0]`, `children[1]`
///  - a parenthesised list (`list`, AND)          -> `children` (at least one)
///
/// The factories build well-formed nodes; `write` asserts the shape.
/// Strings hold any octets but NUL. CHARSET is the command's business: the
/// strings are octets in whatever charset the command named.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
struct MAILACCESS_API search_key {
    enum class kind {
        all,
        answered,
        bcc,
        before,
        body,
        cc,
        deleted,
        draft,
        flagged,
        from,
        header,
        keyword,
        larger,
        new_,
        not_,
        old,
        on,
        or_,
        recent,
        seen,
        sentbefore,
        senton,
        sentsince,
        since,
        smaller,
        subject,
        text,
        to,
        uid,
        unanswered,
        undeleted,
        undraft,
        unflagged,
        unkeyword,
        unseen,
        sequence,
        list,
        modseq
    };

    search_key::kind type = kind::all;
    std::string field;
    std::string value;
    std::optional<atom> keyword;
    imap::date day;
    std::uint64_t number = 0;
    std::optional<sequence_set> set;
    std::optional<modseq_entry> entry;
    std::vector<search_key> children;

    /// A key without arguments (ALL, SEEN, ...).
    static search_key simple(kind k);
    /// BCC BODY CC FROM SUBJECT TEXT TO with their string.
    static search_key with_string(kind k, std::string s);
    /// HEADER field value.
    static search_key header(std::string field_name, std::string text);
    /// KEYWORD / UNKEYWORD.
    static search_key with_keyword(kind k, atom flag_keyword);
    /// BEFORE ON SINCE SENTBEFORE SENTON SENTSINCE.
    static search_key with_date(kind k, imap::date d);
    /// LARGER / SMALLER.
    static search_key with_number(kind k, std::uint64_t n);
    /// UID set, or a bare sequence set (`kind::sequence`).
    static search_key with_set(kind k, sequence_set s);
    /// MODSEQ [entry] value.
    static search_key modseq(std::uint64_t value, std::optional<modseq_entry> e = std::nullopt);
    /// NOT key.
    static search_key negate(search_key k);
    /// OR a b.
    static search_key either(search_key a, search_key b);
    /// ( k1 k2 ... ); precondition: not empty.
    static search_key all_of(std::vector<search_key> keys);

    friend bool operator==(const search_key&, const search_key&) = default;
};

/// RFC 3501 section 9, with RFC 7162 section 7 (and the RFC 9051 number64
/// sizes):
///     search-key      = "ALL" / "ANSWERED" / "BCC" SP astring /
///                       "BEFORE" SP date / "BODY" SP astring /
///                       "CC" SP astring / "DELETED" / "FLAGGED" /
///                       "FROM" SP astring / "KEYWORD" SP flag-keyword /
///                       "NEW" / "OLD" / "ON" SP date / "RECENT" / "SEEN" /
///                       "SINCE" SP date / "SUBJECT" SP astring /
///                       "TEXT" SP astring / "TO" SP astring /
///                       "UNANSWERED" / "UNDELETED" / "UNFLAGGED" /
///                       "UNKEYWORD" SP flag-keyword / "UNSEEN" /
///                         ; Above this line were in [IMAP2]
///                       "DRAFT" / "HEADER" SP header-fld-name SP astring /
///                       "LARGER" SP number / "NOT" SP search-key /
///                       "OR" SP search-key SP search-key /
///                       "SENTBEFORE" SP date / "SENTON" SP date /
///                       "SENTSINCE" SP date / "SMALLER" SP number /
///                       "UID" SP sequence-set / "UNDRAFT" / sequence-set /
///                       "(" search-key *(SP search-key) ")"
///     search-key          =/ search-modsequence
///     search-modsequence  = "MODSEQ" [search-modseq-ext] SP
///                           mod-sequence-valzer
///     search-modseq-ext   = SP entry-name SP entry-type-req
///     entry-name          = entry-flag-name
///     entry-flag-name     = DQUOTE "/flags/" attr-flag DQUOTE
///     entry-type-req      = entry-type-resp / "all"
///     entry-type-resp     = "priv" / "shared"
/// Every NOT, OR and parenthesised list is one level of nesting; deeper
/// than `options().max_depth` fails with `errc::nesting_too_deep`.
MAILACCESS_API result<search_key> parse_search_key(parse_cursor& in);

/// Writes the key; strings go through `writer::astring`.
MAILACCESS_API void write(writer& out, const search_key& value);

}  // namespace mailaccess::imap
