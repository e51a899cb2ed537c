#pragma once

// Typed IMAP server responses (RFC 3501 sections 7 and 9, RFC 9051) and
// their serializer and parser. A server session builds `response` values and
// hands them to `write`; a client session gets them from `parse_response`.
//
// Extensions covered: RFC 5530 response codes, RFC 4315 APPENDUID/COPYUID,
// RFC 7162 HIGHESTMODSEQ/NOMODSEQ/MODIFIED/CLOSED/VANISHED, RFC 9208
// QUOTA/QUOTAROOT, RFC 4731 ESEARCH, RFC 5161 ENABLED, RFC 2971 ID,
// RFC 2342 NAMESPACE, RFC 5258/6154 list attributes, RFC 3516 BINARY.

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/result.hpp>
#include <mailaccess/imap/capability.hpp>
#include <mailaccess/imap/date_time.hpp>
#include <mailaccess/imap/flag.hpp>
#include <mailaccess/imap/framer.hpp>
#include <mailaccess/imap/mailbox_name.hpp>
#include <mailaccess/imap/parse_cursor.hpp>
#include <mailaccess/imap/section.hpp>
#include <mailaccess/imap/sequence_set.hpp>
#include <mailaccess/imap/status_att.hpp>
#include <mailaccess/imap/tag.hpp>
#include <mailaccess/imap/writer.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace mailaccess::imap {

/// The bracketed response codes (RFC 3501 section 7.1, RFC 9051 section 7.1
/// and the extensions named on each value).
enum class response_code_kind {
    alert,           ///< ALERT
    badcharset,      ///< BADCHARSET [(charsets)]; uses `response_code::charsets`
    capability,      ///< CAPABILITY caps; uses `response_code::capabilities`
    parse,           ///< PARSE
    permanentflags,  ///< PERMANENTFLAGS (flags); uses `response_code::flags`
    read_only,       ///< READ-ONLY
    read_write,      ///< READ-WRITE
    trycreate,       ///< TRYCREATE
    uidnext,         ///< UIDNEXT n; uses `number`
    uidvalidity,     ///< UIDVALIDITY n; uses `number`
    unseen,          ///< UNSEEN n; uses `number`
    // RFC 5530
    unavailable,           ///< UNAVAILABLE
    authenticationfailed,  ///< AUTHENTICATIONFAILED
    authorizationfailed,   ///< AUTHORIZATIONFAILED
    expired,               ///< EXPIRED
    privacyrequired,       ///< PRIVACYREQUIRED
    contactadmin,          ///< CONTACTADMIN
    noperm,                ///< NOPERM
    inuse,                 ///< INUSE
    expungeissued,         ///< EXPUNGEISSUED
    corruption,            ///< CORRUPTION
    serverbug,             ///< SERVERBUG
    clientbug,             ///< CLIENTBUG
    cannot,                ///< CANNOT
    limit,                 ///< LIMIT
    overquota,             ///< OVERQUOTA (also RFC 9208)
    alreadyexists,         ///< ALREADYEXISTS
    nonexistent,           ///< NONEXISTENT
    // RFC 4315
    appenduid,  ///< APPENDUID uidvalidity uid-set; uses `number` and `dest_uids`
    copyuid,    ///< COPYUID uidvalidity src-set dst-set; uses `number`, `source_uids`, `dest_uids`
    // RFC 7162
    highestmodseq,  ///< HIGHESTMODSEQ modseq; uses `number`
    nomodseq,       ///< NOMODSEQ
    modified,       ///< MODIFIED set; uses `source_uids` (the sequence set of messages that failed)
    closed,         ///< CLOSED
    // RFC 7888
    toobig,  ///< TOOBIG
    // RFC 4978
    compressionactive,  ///< COMPRESSIONACTIVE
    /// Any other code: `atom [SP 1*<TEXT-CHAR except "]">]`; uses `name` and `other_text`.
    other,
};

/// A response code with its arguments. Only the fields named for `kind` are
/// written; the others are ignored (and empty after parsing).
struct response_code {
    response_code_kind kind = response_code_kind::alert;
    /// UIDNEXT, UIDVALIDITY, UNSEEN, HIGHESTMODSEQ value; APPENDUID/COPYUID UIDVALIDITY.
    std::uint64_t number = 0;
    std::vector<std::string> charsets;        ///< BADCHARSET (empty: no list)
    std::vector<capability> capabilities;     ///< CAPABILITY
    std::vector<flag> flags;                  ///< PERMANENTFLAGS (may include `\*`)
    std::optional<sequence_set> source_uids;  ///< COPYUID source set; MODIFIED set
    std::optional<sequence_set> dest_uids;    ///< COPYUID destination set; APPENDUID set
    /// For `other`: the code's atom. Precondition when writing: an atom.
    std::string name;
    /// For `other`: the optional argument text (no "]", CR or LF).
    std::string other_text;

    /// A code without arguments (ALERT, READ-ONLY, the RFC 5530 codes...).
    static response_code simple(response_code_kind k) {
        response_code c;
        c.kind = k;
        return c;
    }
    /// A code with one number (UIDNEXT, UIDVALIDITY, UNSEEN, HIGHESTMODSEQ).
    static response_code with_number(response_code_kind k, std::uint64_t n) {
        response_code c;
        c.kind = k;
        c.number = n;
        return c;
    }

    friend bool operator==(const response_code&, const response_code&) = default;
};

/// The keyword of a response code as on the wire ("READ-ONLY", "APPENDUID").
/// For `other`, an empty view.
MAILACCESS_API std::string_view to_string(response_code_kind k) noexcept;

/// The condition of a status response.
enum class status_kind { ok, no, bad, preauth, bye };

/// A status response (RFC 3501 section 7.1): tagged `tag OK|NO|BAD resp-text`
/// or untagged `* OK|NO|BAD|PREAUTH|BYE resp-text`.
///
/// `text` is human-readable; CR, LF and NUL in it are written as SP so that
/// no text can break the framing. Without a `code`, a `text` that starts
/// with "[" would be read by clients as a response code; avoid it. PREAUTH and BYE are untagged only
/// (precondition when writing: `!tagged || status is ok/no/bad`).
struct status_response {
    std::optional<imap::tag> tagged;  ///< the command's tag, or nullopt for `*`
    status_kind status = status_kind::ok;
    std::optional<response_code> code;
    std::string text;

    friend bool operator==(const status_response&, const status_response&) = default;
};

/// A continuation request (RFC 3501 section 7.5): `+ resp-text` or
/// `+ base64` (an AUTHENTICATE challenge, given already encoded in `text`).
struct continuation_request {
    std::optional<response_code> code;  ///< only for the resp-text form
    std::string text;                   ///< human text or base64; CR/LF written as SP

    friend bool operator==(const continuation_request&, const continuation_request&) = default;
};

/// `* CAPABILITY ...` (RFC 3501 section 7.2.1).
struct capability_data {
    std::vector<capability> capabilities;
    friend bool operator==(const capability_data&, const capability_data&) = default;
};

/// Mailbox attributes of LIST/LSUB: RFC 3501 section 7.2.2, RFC 5258
/// section 3 (\NonExistent, \Subscribed, \Remote, \HasChildren,
/// \HasNoChildren) and RFC 6154 special-use.
enum class mailbox_attribute {
    noinferiors,
    noselect,
    marked,
    unmarked,
    nonexistent,
    subscribed,
    remote,
    has_children,
    has_no_children,
    all,
    archive,
    drafts,
    flagged,
    junk,
    sent,
    trash,
    important,  ///< RFC 8457
};

/// The wire form, with the backslash ("\\HasChildren").
MAILACCESS_API std::string_view to_string(mailbox_attribute a) noexcept;

/// An RFC 4466 section 2.1 `tagged-ext-val`, the value of an extension item
/// this model does not name (LIST extended data of a future extension):
///
///     tagged-ext-val    = tagged-ext-simple / "(" [tagged-ext-comp] ")"
///     tagged-ext-simple = sequence-set / number / number64
///     tagged-ext-comp   = astring / tagged-ext-comp *(SP tagged-ext-comp) /
///                         "(" tagged-ext-comp ")"
///
/// A value is either text or a parenthesised list of values. `simple` text
/// is a `tagged-ext-simple` written bare (`1:*`); other text is an astring.
struct tagged_ext_value {
    bool is_list = false;
    bool simple = false;  ///< text only: a sequence-set or number, written bare
    std::string text;
    std::vector<tagged_ext_value> items;  ///< list only
    friend bool operator==(const tagged_ext_value&, const tagged_ext_value&) = default;
};

/// `* LIST (attrs) delim mailbox [(extended items)]` or `* LSUB ...`
/// (RFC 3501 sections 7.2.2-3, RFC 5258 sections 3.5 and 9, RFC 9051
/// section 7.3.1 OLDNAME).
struct list_data {
    bool lsub = false;
    std::vector<mailbox_attribute> attributes;
    /// `flag-extension` attributes the model does not name, without the
    /// backslash ("Xspecial"); RFC 3501 section 7.2.2 lets servers add them.
    std::vector<std::string> other_attributes;
    std::optional<char> delimiter;  ///< nullopt is NIL (a flat namespace)
    mailbox_name mailbox;
    /// RFC 5258 CHILDINFO extended data ("SUBSCRIBED"); empty: none.
    std::vector<std::string> childinfo;
    /// RFC 9051 `OLDNAME` extended data: the name before a RENAME.
    std::optional<mailbox_name> oldname;
    /// Other extended items (`tag`, value), in wire order after CHILDINFO and OLDNAME.
    std::vector<std::pair<std::string, tagged_ext_value>> extended;

    friend bool operator==(const list_data&, const list_data&) = default;
};

/// `* STATUS mailbox (att value ...)` (RFC 3501 section 7.2.4).
struct status_data {
    mailbox_name mailbox;
    std::vector<std::pair<status_att, std::uint64_t>> items;
    friend bool operator==(const status_data&, const status_data&) = default;
};

/// `* SEARCH n n ... [(MODSEQ m)]` (RFC 3501 section 7.2.5, RFC 7162 section 3.1.5).
struct search_data {
    std::vector<std::uint32_t> numbers;
    std::optional<std::uint64_t> modseq;
    friend bool operator==(const search_data&, const search_data&) = default;
};

/// `* ESEARCH [(TAG "t")] [UID] [MIN n] [MAX n] [ALL set] [COUNT n] [MODSEQ m]`
/// (RFC 4731 section 3.1, RFC 7162 section 3.1.5).
struct esearch_data {
    std::optional<imap::tag> correlator;
    bool uid = false;
    std::optional<std::uint32_t> min, max;
    std::optional<sequence_set> all;
    std::optional<std::uint32_t> count;
    std::optional<std::uint64_t> modseq;
    friend bool operator==(const esearch_data&, const esearch_data&) = default;
};

/// `* FLAGS (...)` (RFC 3501 section 7.2.6).
struct flags_data {
    std::vector<flag> flags;
    friend bool operator==(const flags_data&, const flags_data&) = default;
};

/// `* n EXISTS` (RFC 3501 section 7.3.1).
struct exists_data {
    std::uint32_t count = 0;
    friend bool operator==(const exists_data&, const exists_data&) = default;
};

/// `* n RECENT` (RFC 3501 section 7.3.2).
struct recent_data {
    std::uint32_t count = 0;
    friend bool operator==(const recent_data&, const recent_data&) = default;
};

/// `* n EXPUNGE` (RFC 3501 section 7.4.1); `seq` is a non-zero sequence number.
struct expunge_data {
    std::uint32_t seq = 1;
    friend bool operator==(const expunge_data&, const expunge_data&) = default;
};

/// `* VANISHED [(EARLIER)] uid-set` (RFC 7162 section 3.2.10).
struct vanished_data {
    bool earlier = false;
    sequence_set uids = sequence_set::single(1);
    friend bool operator==(const vanished_data&, const vanished_data&) = default;
};

/// `* ENABLED cap ...` (RFC 5161 section 3.2).
struct enabled_data {
    std::vector<capability> capabilities;
    friend bool operator==(const enabled_data&, const enabled_data&) = default;
};

/// `* ID (field value ...)` or `* ID NIL` (RFC 2971 section 3.2).
struct id_data {
    /// nullopt is NIL; field names are strings, values nstrings.
    std::optional<std::vector<std::pair<std::string, std::optional<std::string>>>> fields;
    friend bool operator==(const id_data&, const id_data&) = default;
};

/// One namespace: prefix and hierarchy delimiter (RFC 2342 section 5).
struct namespace_descr {
    std::string prefix;
    std::optional<char> delimiter;  ///< nullopt is NIL
    friend bool operator==(const namespace_descr&, const namespace_descr&) = default;
};

/// `* NAMESPACE personal other shared` (RFC 2342 section 5); an empty list is NIL.
struct namespace_data {
    std::vector<namespace_descr> personal, other_users, shared;
    friend bool operator==(const namespace_data&, const namespace_data&) = default;
};

/// One quota resource (RFC 9208 section 5.1): name, usage and limit.
struct quota_resource {
    std::string name;  ///< an atom: "STORAGE", "MESSAGE", "MAILBOX"...
    std::uint64_t usage = 0;
    std::uint64_t limit = 0;
    friend bool operator==(const quota_resource&, const quota_resource&) = default;
};

/// `* QUOTA root (resource usage limit ...)` (RFC 9208 section 5.1).
struct quota_data {
    std::string root;  ///< an astring; may be empty
    std::vector<quota_resource> resources;
    friend bool operator==(const quota_data&, const quota_data&) = default;
};

/// `* QUOTAROOT mailbox root ...` (RFC 9208 section 5.2).
struct quotaroot_data {
    mailbox_name mailbox;
    std::vector<std::string> roots;
    friend bool operator==(const quotaroot_data&, const quotaroot_data&) = default;
};

/// An address of an ENVELOPE (RFC 3501 section 7.4.2): every part is an
/// nstring, nullopt meaning NIL. A group start has a null host, a group
/// end null mailbox and host (RFC 3501 section 7.4.2).
struct address {
    std::optional<std::string> name, adl, mailbox, host;
    friend bool operator==(const address&, const address&) = default;
};

/// The ENVELOPE structure (RFC 3501 section 7.4.2), filled by the MIME
/// module from a message's header. Strings are nstrings (nullopt is NIL);
/// an empty address list is written as NIL.
struct envelope {
    std::optional<std::string> date, subject;
    std::vector<address> from, sender, reply_to, to, cc, bcc;
    std::optional<std::string> in_reply_to, message_id;
    friend bool operator==(const envelope&, const envelope&) = default;
};

/// An ENVELOPE in its wire form (RFC 3501 section 7.4.2), for a server that
/// keeps envelopes serialized (in a cache) and sends them without building
/// an `envelope` and writing it again. It always holds exactly one
/// `envelope` of the grammar whose strings are quoted 7-bit text, NIL or
/// literals, so it is valid in any session (UTF8=ACCEPT or not): made by
/// `from`, or checked by `make`. The response parser reads ENVELOPE into
/// `envelope`, never into this.
///
/// Thread safety: distinct objects safe, shared const objects safe.
class MAILACCESS_API envelope_text {
public:
    /// `e` as `write` sends it in a session without UTF8=ACCEPT.
    static envelope_text from(const envelope& e);
    /// `text` when it is exactly that form of one envelope; nullopt for
    /// anything else (say, a damaged cache entry).
    static std::optional<envelope_text> make(std::string text);

    /// The wire form, "(" ... ")".
    const std::string& text() const noexcept { return text_; }

    friend bool operator==(const envelope_text&, const envelope_text&) = default;

private:
    explicit envelope_text(std::string text) noexcept : text_(std::move(text)) {}
    std::string text_;
};

/// A `body-extension` (RFC 3501 section 9): nstring, number or a list.
struct body_extension {
    std::variant<std::optional<std::string>, std::uint32_t, std::vector<body_extension>> value;
    friend bool operator==(const body_extension&, const body_extension&) = default;
};

/// `body-fld-dsp` (RFC 3501 section 9): disposition type and parameters.
struct body_disposition {
    std::string type;  ///< "attachment", "inline"
    std::vector<std::pair<std::string, std::string>> params;
    friend bool operator==(const body_disposition&, const body_disposition&) = default;
};

/// A node of the BODY / BODYSTRUCTURE tree (RFC 3501 sections 7.4.2 and 9).
///
/// - `basic`, `text`, `message`: a single part with `media_type`/
///   `media_subtype` and the body fields; `text` and `message` also carry
///   `lines`; `message` (message/rfc822 and message/global) carries the
///   encapsulated `message_envelope` and exactly one element in `parts`.
/// - `multipart`: `parts` (at least one) and `media_subtype` ("MIXED").
///
/// The extension fields are written only for BODYSTRUCTURE.
struct body_structure {
    enum class kind { basic, text, message, multipart };
    body_structure::kind type = kind::text;
    std::string media_type = "TEXT";  ///< multipart: not written; "MULTIPART" after parsing
    std::string media_subtype = "PLAIN";
    // body-fields (single parts)
    std::vector<std::pair<std::string, std::string>> params;  ///< body-fld-param; multipart: extension
    std::optional<std::string> id, description;
    std::string encoding = "7BIT";
    std::uint32_t octets = 0;
    std::uint32_t lines = 0;  ///< text and message
    imap::envelope message_envelope;
    std::vector<body_structure> parts;
    // extension data
    std::optional<std::string> md5;  ///< single parts only
    std::optional<body_disposition> disposition;
    std::vector<std::string> language;  ///< empty: NIL
    std::optional<std::string> location;
    std::vector<body_extension> extensions;

    friend bool operator==(const body_structure&, const body_structure&) = default;
};

/// Which FETCH data item carries message text (RFC 3501 section 7.4.2,
/// RFC 3516 section 4.2).
enum class body_item_form {
    body,           ///< `BODY[section]<origin>`
    binary,         ///< `BINARY[part]<origin>` (the section's `part()` only)
    rfc822,         ///< `RFC822`: the whole message, as BODY[]
    rfc822_header,  ///< `RFC822.HEADER`: as BODY[HEADER]
    rfc822_text,    ///< `RFC822.TEXT`: as BODY[TEXT]
};

/// The message text of a FETCH item: `BODY[section]<origin>`,
/// `BINARY[part]<origin>`, `RFC822`, `RFC822.HEADER` or `RFC822.TEXT`.
///
/// Streaming, both ways, so neither side buffers a whole message:
/// - writing: with `streamed_size` set, the serializer writes only the
///   `{N}` CRLF (`~{N}` for BINARY) announcement and records a `stream_slot`;
///   the server sends the N octets itself;
/// - parsing: a literal the framer streamed (`framer::literal_begin` ...
///   `literal_end` with index `literal_index`) is parsed with `streamed_size`
///   set to its size and `data` empty; the client already consumed its octets.
struct fetch_body_section {
    body_item_form form = body_item_form::body;
    section_spec section;                 ///< BODY only; for BINARY only `part()` is used
    std::optional<std::uint32_t> origin;  ///< `<origin>` of a partial fetch (BODY, BINARY)
    /// The data, or nullopt for NIL. Ignored when `streamed_size` is set.
    std::optional<std::string> data;
    /// The size of a streamed literal (see above).
    std::optional<std::uint64_t> streamed_size;
    /// Parsing: the index into the framer's `literals()` of the streamed literal.
    std::size_t literal_index = 0;
    friend bool operator==(const fetch_body_section&, const fetch_body_section&) = default;
};

/// FETCH data items (RFC 3501 section 7.4.2).
namespace fetch_item_types {
struct uid {
    std::uint32_t value = 1;
    friend bool operator==(const uid&, const uid&) = default;
};
struct flags {
    std::vector<flag> value;
    friend bool operator==(const flags&, const flags&) = default;
};
struct internaldate {
    date_time value;
    friend bool operator==(const internaldate&, const internaldate&) = default;
};
struct rfc822_size {
    std::uint64_t value = 0;
    friend bool operator==(const rfc822_size&, const rfc822_size&) = default;
};
struct modseq {
    std::uint64_t value = 1;
    friend bool operator==(const modseq&, const modseq&) = default;
};
struct envelope {
    imap::envelope value;
    friend bool operator==(const envelope&, const envelope&) = default;
};
/// ENVELOPE written from its wire form (server side; see `envelope_text`).
struct envelope_wire {
    envelope_text value;
    friend bool operator==(const envelope_wire&, const envelope_wire&) = default;
};
/// BODY (`extended == false`) or BODYSTRUCTURE (`extended == true`).
struct body {
    body_structure value;
    bool extended = true;
    friend bool operator==(const body&, const body&) = default;
};
/// `BINARY.SIZE[part] n` (RFC 3516 section 4.2): the decoded size of a part.
struct binary_size {
    std::vector<std::uint32_t> part;  ///< non-zero part numbers; empty is the whole message
    std::uint64_t value = 0;
    friend bool operator==(const binary_size&, const binary_size&) = default;
};
}  // namespace fetch_item_types

/// One FETCH data item.
using fetch_item =
    std::variant<fetch_item_types::uid, fetch_item_types::flags, fetch_item_types::internaldate,
                 fetch_item_types::rfc822_size, fetch_item_types::modseq, fetch_item_types::envelope,
                 fetch_item_types::body, fetch_item_types::binary_size, fetch_body_section,
                 fetch_item_types::envelope_wire>;

/// `* seq FETCH (item ...)` (RFC 3501 section 7.4.2). Precondition when
/// writing: `items` is not empty and `seq` is non-zero.
struct fetch_data {
    std::uint32_t seq = 1;
    std::vector<fetch_item> items;
    friend bool operator==(const fetch_data&, const fetch_data&) = default;
};

/// The first item of type `Item` (`fetch_item_types::uid`,
/// `fetch_body_section`, ...) of `f`, or null when the response has none.
/// Lifetime: points into `f`.
template <class Item>
const Item* find_item(const fetch_data& f) noexcept {
    for (const auto& i : f.items)
        if (const auto* p = std::get_if<Item>(&i)) return p;
    return nullptr;
}

/// Any server response.
using response =
    std::variant<status_response, continuation_request, capability_data, list_data, status_data, search_data,
                 esearch_data, flags_data, exists_data, recent_data, expunge_data, vanished_data,
                 enabled_data, id_data, namespace_data, quota_data, quotaroot_data, fetch_data>;

/// Where a streamed literal's octets belong in the writer's buffer: the
/// caller sends `buffer()[0, offset)`, then `size` octets of its own, then
/// the rest of the buffer (up to the next slot).
struct stream_slot {
    std::size_t offset = 0;
    std::uint64_t size = 0;
    friend bool operator==(const stream_slot&, const stream_slot&) = default;
};

/// Appends `value` with its final CRLF to `out`, choosing NIL, atom, quoted
/// or literal forms through the writer. Offsets of streamed FETCH bodies
/// are appended to `*slots`. Precondition: `slots` is non-null when `value`
/// has a `fetch_body_section` with `streamed_size`.
MAILACCESS_API void write(writer& out, const response& value, std::vector<stream_slot>* slots = nullptr);

/// Writes one response code without brackets (`UIDVALIDITY 3857529045`).
MAILACCESS_API void write(writer& out, const response_code& value);
/// Writes an ENVELOPE's parenthesised list.
MAILACCESS_API void write(writer& out, const envelope& value);
/// Writes a body structure; `extended` adds the extension data (BODYSTRUCTURE).
MAILACCESS_API void write(writer& out, const body_structure& value, bool extended);

/// RFC 3501 section 9 (client side):
///     response        = *(continue-req / response-data) response-done
/// Parses one complete server message as the framer delivered it (final
/// CRLF and inline literals included) into any alternative of `response`:
/// status responses with every code of `response_code_kind`, continuation
/// requests, and all the untagged data above. FETCH items: UID, FLAGS,
/// INTERNALDATE, RFC822.SIZE, MODSEQ, ENVELOPE, BODY / BODYSTRUCTURE,
/// BINARY.SIZE, and the message text items BODY[section]<origin>,
/// BINARY[part]<origin>, RFC822, RFC822.HEADER and RFC822.TEXT, inline or
/// streamed (see `fetch_body_section`).
///
/// Not accepted (`errc::bad_syntax`): extension data after BODY (only
/// BODYSTRUCTURE carries it in this model), NAMESPACE extensions, unknown
/// ESEARCH return data, and FETCH items not listed. Recursion (BODY,
/// body-extension, LIST extended values) is bounded by `options.max_depth`
/// (`errc::nesting_too_deep`).
///
/// `literals` is the framer's list for the message. A streamed literal (its
/// octets absent from `message`) is accepted only as the value of a message
/// text item; anywhere else it fails with `errc::bad_syntax`.
/// The result owns its data; `message` may be released afterwards.
/// Round trip: for anything parsed, `write` then `parse_response` gives an
/// equal value (a streamed item writes its announcement and a slot).
/// For bulk FETCH responses (a header sync), `parse_fetch_view`
/// (fetch_view.hpp) accepts the same messages without copying their strings.
MAILACCESS_API result<response> parse_response(std::string_view message,
                                               std::span<const framer::literal_info> literals = {},
                                               parse_options options = {});

}  // namespace mailaccess::imap
