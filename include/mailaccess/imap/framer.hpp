#pragma once

#include <mailaccess/core/api.hpp>
#include <mailaccess/core/input_buffer.hpp>
#include <mailaccess/core/limits.hpp>
#include <mailaccess/imap/error.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

namespace mailaccess::imap {

/// Which side of the connection the framer reads.
enum class framer_role {
    server,  ///< reads client commands; `{N}` literals are synchronizing and wait for `+`
    client,  ///< reads server responses; every literal follows its line at once, `+` lines are continuations
};

/// The framer's bounds. Every field is a size the peer controls; nothing the
/// peer sends grows a buffer past them (STYLE.md section 2).
struct framer_options {
    /// Line length, nesting depth and the per-literal limits:
    /// - `max_line_length` bounds each line *segment* (the bytes from the start
    ///   of a line, or the end of a literal, through LF), CRLF included
    ///   (RFC 7162 section 4 recommends accepting 8192). A client reading
    ///   large SEARCH or ESEARCH results may want to raise it.
    /// - `max_literal_size` bounds each literal in the server role (APPEND);
    ///   `max_message_size` bounds each literal in the client role (a hostile
    ///   server may announce a 1 GiB `BODY[]`).
    /// - `max_depth` bounds the parenthesis depth of a message, see `framer`.
    mailaccess::limits limits{};
    /// Literals of more than this many octets are streamed through
    /// `framer::literal_begin` / `literal_data` / `literal_end` instead of being
    /// kept in `framer::message()`. Literals of this size or less are inline.
    std::size_t streaming_threshold = 64 * 1024;
    /// Largest `framer::literal_data` chunk.
    std::size_t max_chunk_size = 64 * 1024;
    /// Largest buffered message: all line bytes plus inline literal bodies.
    /// Streamed literal bodies do not count.
    std::size_t max_buffered_size = 1024 * 1024;
    /// Most literals (inline or streamed) in one message. RFC 3502
    /// MULTIAPPEND sends one literal per appended message.
    std::size_t max_literals = 256;
    /// Hard cap for skipping a literal the framer refused but the peer sends
    /// anyway (a non-synchronizing `{N+}` on the server, any literal on the
    /// client). Refused literals of up to max(max_skip, literal limit) octets
    /// are read and dropped; a larger one is `framer::fatal`.
    std::uint64_t max_skip = 128ull * 1024 * 1024;
};

/// The first stage of IMAP parsing (STYLE.md section 2): splits the byte
/// stream into complete messages (a command or a response) without
/// understanding their grammar, in either direction.
///
/// **What a message is.** A message is a line ending in LF, possibly
/// interrupted by literals announced at the very end of a line (RFC 3501
/// section 4.3, RFC 9051 section 9):
///
///     literal  = "{" number64 ["+"] "}" CRLF *CHAR8    ; "+" is RFC 7888 LITERAL+/LITERAL-
///     literal8 = "~{" number64 ["+"] "}" CRLF *OCTET   ; RFC 3516 BINARY
///
/// After the literal's octets the line continues, and the message ends at
/// the first line end not preceded by an announcement. Only the end of a line
/// is examined: a `{5}` elsewhere (or inside a quoted string that is not
/// closed) is ordinary text. `number64` may have leading zeros; more than
/// 2^63-1 is `errc::bad_literal`. The terminator is LF with an optional CR
/// before it; the framer keeps the bytes exactly as received, so the grammar
/// parser decides whether a bare LF is acceptable. Announcements that look
/// numeric but are not (`{}`, `{+}`, `{1+2}`, and in the server role any
/// `{token}` such as `{abc}`) are `errc::bad_literal`; in the client role a
/// non-numeric `{...}` at the end of response text is ordinary text.
///
/// **Message bytes.** `message()` is the whole message, contiguous and
/// byte-for-byte as on the wire, inline literal bodies included, so the
/// grammar parser sees `a1 LOGIN {5}\r\nhello {3}\r\nabc\r\n`. A literal
/// larger than `framer_options::streaming_threshold` is streamed and not
/// buffered: its announcement and the CRLF after it stay in `message()`, its
/// body is *absent* (zero bytes), and `literals()` tells the grammar parser
/// where each literal body starts and whether it was streamed. For
/// `A003 APPEND saved-messages (\Seen) {310}` with a 64-byte threshold the
/// message is `"A003 APPEND saved-messages (\\Seen) {310}\r\n\r\n"` (the
/// command's final CRLF directly follows the announcement's CRLF) and
/// `literals()[0]` is `{offset = 42, size = 310, streamed = true}`; the 310
/// octets arrived earlier as `literal_begin`, `literal_data`..., `literal_end`.
///
/// **Literals on the server** (RFC 3501 section 7.5, RFC 7888 section 4):
/// - A synchronizing `{N}` within the limits stops framing with
///   `literal_announced`. The session either queues `+ Ready` and calls
///   `accept_literal()`, or queues `tag NO [TOOBIG]` / `tag BAD` and calls
///   `reject_literal()`: the client will not send a refused literal, so the
///   framer drops the command and frames the next line as a new command.
/// - A synchronizing `{N}` beyond a limit (literal size, literal count,
///   buffered size) or a malformed one is refused by the framer itself with
///   `message_rejected`; framing resumes at the next line as above.
/// - A non-synchronizing `{N+}` is read at once. If it breaks a limit the
///   framer reports `message_rejected`, then skips exactly N octets and the
///   rest of the command (never interpreting them); above the hard cap
///   (`framer_options::max_skip`) it reports `fatal` instead.
///
/// **Literals on the client**: a server never waits for `+`, so every
/// literal is read at once, and a refused one is skipped like a `{N+}` on the
/// server. A line starting with `+` is a continuation request
/// (`message_kind::continuation`), one line with no literal detection.
///
/// **Refused messages.** `message_rejected` is reported as soon as the
/// problem is seen: a line over `max_line_length`, a message over
/// `max_buffered_size`, parentheses nested deeper than `limits.max_depth`
/// (counted outside quoted strings and literal bodies; the grammar parser
/// still bounds its own recursion), or a refused literal. The framer then
/// discards the rest of that message, following any further literal
/// announcements at the ends of discarded lines so that literal bytes are
/// never framed as a command, and reports nothing more about it. A message
/// refused after some of its literals were streamed is cancelled: whatever the
/// session started for those literals (an APPEND sink) must be aborted.
///
/// **Line mode.** `set_line_mode(true)` frames every line as a
/// `message_kind::line` message with no literal detection, for input that is
/// not IMAP syntax: base64 AUTHENTICATE responses (RFC 3501 section 6.2.2).
/// The IDLE `DONE` line needs no line mode.
///
/// **Driving it:**
///
///     for (;;) {
///         auto ev = f.next();
///         if (holds<need_more>(ev))              { read into f.prepare(4096); f.commit(n); }
///         else if (holds<message_ready>(ev))     { parse(f.message(), f.literals()); f.consume_message(); }
///         else if (holds<literal_announced>(ev)) { queue "+ Ready"; f.accept_literal(); }
///         else if (holds<literal_begin>(ev))     { open an append sink }
///         else if (holds<literal_data>(ev))      { write the chunk }
///         else if (holds<literal_end>(ev))       { close the sink }
///         else if (holds<message_rejected>(ev))  { queue "tag BAD ..."; }
///         else /* fatal */                       { close the connection; }
///     }
///
/// Results never depend on how the input is chunked: the same bytes give the
/// same events, except that `literal_data` chunks follow the input's (and
/// `max_chunk_size`'s) boundaries.
///
/// The framer consumes input only while framing, so its input buffer holds at
/// most what the driver read since the last `need_more` plus the unread part
/// of one message; a driver reads only after `need_more`.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API framer {
public:
    /// What a complete message is.
    enum class message_kind {
        command,       ///< server role: a client command
        response,      ///< client role: an untagged (`*`) or tagged server response
        continuation,  ///< client role: a `+` continuation request, always a single line
        line,          ///< line mode: one raw line
    };

    /// One literal of the current message, in wire order.
    struct literal_info {
        std::size_t offset = 0;  ///< where the body starts in `message()` (just after the announcement's LF)
        std::uint64_t size = 0;  ///< announced octet count
        bool is_binary = false;  ///< `~{N}` (RFC 3516 literal8)
        bool synchronizing = true;  ///< `{N}`, not `{N+}`
        bool streamed = false;      ///< body delivered through literal_* events; 0 bytes in `message()`
        bool operator==(const literal_info&) const = default;
    };

    /// No complete event can be produced from the bytes buffered: read more
    /// and call `commit` (or `feed`). Not an error.
    struct need_more {};

    /// A complete message is available through `message()`, `literals()`,
    /// `kind()` and `tag()` until `consume_message()`. `next()` returns this
    /// event again until then.
    struct message_ready {
        message_kind kind = message_kind::command;
        std::size_t size = 0;  ///< `message().size()`
    };

    /// Server role only: a synchronizing literal within every limit ends the
    /// current line. The session must call `accept_literal()` or
    /// `reject_literal()`; `next()` returns this event again until then.
    /// `tag` (the message's first token) is valid until that call.
    struct literal_announced {
        std::string_view tag;
        std::uint64_t size = 0;
        bool is_binary = false;
    };

    /// A literal above `streaming_threshold` starts; `literals()[index]` will
    /// describe it in the finished message. At least one `literal_data`
    /// follows (size > threshold >= 0), then `literal_end`.
    struct literal_begin {
        std::uint64_t size = 0;
        bool is_binary = false;
        std::size_t index = 0;
    };

    /// Consecutive body bytes of the literal being streamed, never empty, at
    /// most `max_chunk_size` long. Valid until the next call to `next()`,
    /// `prepare()`, `commit()` or `feed()`.
    struct literal_data {
        std::string_view bytes;
    };

    /// The streamed literal is complete; framing of its message continues.
    struct literal_end {};

    /// The current message breaks a limit or has a malformed literal
    /// announcement; the framer discards the rest of it (see the class
    /// comment). `tag` is the message's first token when the framer saw
    /// the space after it (or the end of the first line), empty otherwise;
    /// it is valid until the next call to `next()`.
    struct message_rejected {
        std::error_code reason;  ///< an `imap::errc`
        std::string_view tag;
    };

    /// The stream cannot be framed any more (a refused literal above the
    /// hard cap, or an unreadable size on a literal the peer sends anyway).
    /// The session closes the connection; `next()` returns this event forever.
    struct fatal {
        std::error_code reason;  ///< an `imap::errc`
    };

    using event = std::variant<need_more, message_ready, literal_announced, literal_begin, literal_data,
                               literal_end, message_rejected, fatal>;

    /// A framer for `role` with `options`.
    explicit framer(framer_role role, framer_options options = {});

    /// Returns `n` writable bytes for the driver to read into. Invalidates
    /// `literal_data` views (not `message()`). Must be followed by `commit`.
    std::span<char> prepare(std::size_t n);
    /// Keeps the first `n` bytes written into the last `prepare` span.
    /// Precondition: `n` is at most the size passed to `prepare`.
    void commit(std::size_t n);
    /// Copies `bytes` in, as `prepare` + `commit` would (tests, drivers that
    /// already hold the data). Invalidates `literal_data` views.
    void feed(std::string_view bytes);

    /// Frames as far as the buffered input allows and returns the next event.
    event next();

    /// The complete message after `message_ready`: contiguous wire bytes,
    /// inline literal bodies included, streamed ones absent (see the class
    /// comment). Valid until `consume_message()`. Empty in other states.
    std::string_view message() const noexcept;
    /// The bytes of the message being framed, received so far, in the form
    /// `message()` will have: after `literal_announced` or `literal_begin`
    /// they end with the announcement's CRLF, so a server can read the
    /// arguments before a literal (an APPEND's mailbox, to refuse it before
    /// the client sends the octets; see `parse_append_prefix`). Valid until
    /// the next non-const call.
    std::string_view received() const noexcept { return current(); }
    /// The message's literals in order, valid until `consume_message()`.
    /// During streaming, the entries seen so far.
    std::span<const literal_info> literals() const noexcept { return literals_; }
    /// Kind of the message being framed or ready.
    message_kind kind() const noexcept { return kind_; }
    /// The current message's first token (its tag, `*` or `+` for a
    /// response), or empty while unknown. Valid until the next non-const call.
    std::string_view tag() const noexcept { return tag_; }

    /// Releases the ready message; framing continues with the next one.
    /// Precondition: the last event was `message_ready`.
    void consume_message();

    /// Server role: the session sent `+`; the literal's octets are read next.
    /// Precondition: the last event was `literal_announced`.
    void accept_literal();
    /// Server role: the session refused the literal; the command is dropped
    /// and the next line starts a new command (RFC 3501 section 7.5: the
    /// client does not send a refused synchronizing literal).
    /// Precondition: the last event was `literal_announced`.
    void reject_literal();

    /// Switches line mode (see the class comment) from the next message on.
    /// Precondition: no message is partly framed (call it right after
    /// `message_ready` or `consume_message()`, or before any input).
    void set_line_mode(bool on);
    bool is_line_mode() const noexcept { return line_mode_; }

    /// Drops every buffered, unframed byte, e.g. plaintext pipelined behind
    /// STARTTLS (STYLE.md section 3). Returns how many were dropped, so a
    /// client can treat any as fatal. Precondition: as for `set_line_mode`.
    std::size_t discard_buffered();

    /// Bytes received but not yet framed, streamed or skipped.
    std::size_t buffered() const noexcept { return input_.size(); }
    /// Total bytes framed, streamed or skipped since construction; with
    /// `buffered()` it accounts for every byte received.
    std::uint64_t bytes_consumed() const noexcept { return consumed_; }

    framer_role role() const noexcept { return role_; }
    const framer_options& options() const noexcept { return options_; }
    /// True once `fatal` was reported.
    bool is_failed() const noexcept { return state_ == state::failed; }

private:
    enum class state : std::uint8_t {
        line,             // copying a line of the current message
        literal_wait,     // literal_announced reported, waiting for accept/reject
        literal_inline,   // adding literal body bytes to the message
        literal_stream,   // handing literal body bytes out
        discard_line,     // dropping the rest of a refused message, line by line
        discard_literal,  // dropping the body of a refused literal
        ready,            // message_ready reported, waiting for consume_message
        failed,           // fatal reported
    };

    // The quote state of a line segment: inside a quoted string, and after a
    // backslash there (RFC 3501 section 9, quoted-specials). Each segment
    // starts outside quotes: a quoted string cannot contain CR or LF.
    struct quote_state {
        bool in_quote = false;
        bool escape = false;
    };

    // Follows a discarded line byte by byte (the fast path of step_line
    // classifies a complete segment from its end instead): the literal
    // announcement at its end, if any, and the quote state.
    struct line_scanner {
        enum class brace : std::uint8_t { none, open, closed };
        brace state = brace::none;
        bool binary = false;
        bool plus = false;
        bool junk = false;  // a token character that is not a digit or a single trailing '+'
        bool overflow = false;
        bool pending_cr = false;
        quote_state quote;
        char prev = 0;
        std::size_t digits = 0;
        std::uint64_t value = 0;

        void feed(char c) noexcept;
        void feed(std::string_view bytes) noexcept;
        void content(char c) noexcept;
    };

    // What the end of a line announces.
    struct announcement {
        enum class what : std::uint8_t { none, literal, bad, overflow };
        what kind = what::none;
        std::uint64_t size = 0;
        bool is_binary = false;
        bool synchronizing = true;
    };

    // The announcement at the end of `segment` (a line segment without its
    // LF), given the quote state at its end.
    announcement classify(std::string_view segment, bool in_quote) const noexcept;
    // The announcement at the end of a discarded line.
    announcement classify(const line_scanner& s) const noexcept;
    std::uint64_t literal_limit() const noexcept;
    std::uint64_t skip_cap() const noexcept;

    // The message's bytes so far: in place in the input buffer, or copied.
    std::string_view current() const noexcept {
        return in_place_ ? input_.consumed_tail(place_size_) : std::string_view(message_);
    }
    std::size_t current_size() const noexcept { return in_place_ ? place_size_ : message_.size(); }
    // Adds the `n` unread input bytes at `p` to the message (then consumed).
    void append(const char* p, std::size_t n);
    // Copies an in-place message into message_, before the input buffer moves.
    void materialize();
    void clear_message() noexcept;

    void consume(std::size_t n);
    void start_message();
    void reset_message();
    void start_literal();
    void find_tag(std::size_t from);
    // Checks the exact nesting depth of the next `n` line bytes at `p`
    // (once `paren_bound_` passed the limit); on a violation, shortens `n`
    // to end at the offending "(" and returns true.
    bool check_depth(const char* p, std::size_t& n);
    void start_exact_depth();

    // Each step returns true with `out` set when it produced an event, or
    // false after changing state (the loop in next() continues).
    bool step_line(event& out);
    bool step_line_end(event& out);
    bool step_literal_inline(event& out);
    bool step_literal_stream(event& out);
    bool step_discard_line(event& out);
    bool step_discard_literal(event& out);
    bool reject(errc reason, event& out);
    bool refuse_literal(errc reason, const announcement& a, event& out);
    bool fail(errc reason, event& out);

    framer_role role_;
    framer_options options_;
    input_buffer input_;
    state state_ = state::line;
    bool line_mode_ = false;

    // The message being framed. While every byte of it arrived in one read
    // it stays in place in the input buffer: the last `place_size_` bytes
    // consumed, which stay put until the next prepare() or feed() (these
    // copy it into message_ first; nothing else is consumed meanwhile).
    // Otherwise message_ holds it.
    std::string message_;
    std::size_t place_size_ = 0;
    bool in_place_ = false;
    std::vector<literal_info> literals_;
    std::string tag_;
    std::string event_tag_;  // the tag of a refused message, for its message_rejected
    message_kind kind_ = message_kind::command;
    bool started_ = false;        // the first byte of the message was seen
    bool plain_ = false;          // no literal detection or depth check (line mode, continuation)
    bool first_line_ = true;      // still on the message's first line
    bool tag_known_ = false;      // tag_ is final
    std::size_t line_start_ = 0;  // offset in the message where the current line segment starts

    // Nesting depth: `paren_bound_` counts every "(" of the message's line
    // segments, an upper bound of the depth. Only when it passes max_depth
    // does the framer compute the exact depth (`exact_depth_`), outside
    // quoted strings, for the rest of the message.
    quote_state quote_;  // at the end of the bytes of the current segment so far
    std::size_t paren_bound_ = 0;
    bool exact_depth_ = false;
    std::size_t depth_ = 0;
    line_scanner discard_;  // the line being discarded

    // The literal being read, streamed or skipped.
    std::uint64_t remaining_ = 0;
    bool begin_pending_ = false;
    announcement pending_;  // the announced literal, while in literal_wait

    std::error_code error_;
    std::uint64_t consumed_ = 0;
};

}  // namespace mailaccess::imap
