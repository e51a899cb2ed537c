#pragma once

// The framer's one pass over the bytes of a line (framer.cpp): where the
// line ends, how many "(" it holds and the quote state at its end, found
// together so that no byte of a line is read twice. Not installed.

#include <cstddef>

namespace mailaccess::imap::detail {

/// The quote state of a line segment (RFC 3501 section 9 `quoted`): inside a
/// quoted string, and just after a backslash there (quoted-specials).
struct line_quote {
    bool in_quote = false;
    bool escape = false;
};

/// What `scan_line` saw.
struct line_scan {
    std::size_t length = 0;       ///< bytes scanned: through the first LF, or all `n`
    bool found_lf = false;        ///< the last scanned byte is that LF
    std::size_t open_parens = 0;  ///< "(" among them, quoted or not
};

/// Scans the `n` bytes at `p` up to and including the first LF, and
/// advances `quote` over the scanned bytes: outside a quoted string `"`
/// opens one and a backslash is an ordinary byte (`\Seen`); inside, `\`
/// escapes the next byte and an unescaped `"` closes it.
///
/// Uses the widest vector unit the CPU has (AVX2, else SSE2), chosen once;
/// with MAILACCESS_IMAP_SCALAR_SCAN defined, or without SSE2, the scalar
/// reference below. Every variant gives the same answers.
line_scan scan_line(const char* p, std::size_t n, line_quote& quote) noexcept;

/// The byte-by-byte reference of `scan_line` (the tests compare with it).
line_scan scan_line_scalar(const char* p, std::size_t n, line_quote& quote) noexcept;

/// The variants `scan_line` may dispatch to on this build and CPU, for the
/// tests: index 0 is the scalar reference. Returns null past the last one.
using line_scan_function = line_scan (*)(const char*, std::size_t, line_quote&) noexcept;
line_scan_function line_scan_variant(std::size_t index) noexcept;

/// One byte of a line segment, as `scan_line` follows it. A template so
/// that the framer's own quote state (the same two members) can use it.
template <class QuoteState>
inline void step_line_quote(QuoteState& q, char c) noexcept {
    if (q.in_quote) {
        if (q.escape)
            q.escape = false;
        else if (c == '\\')
            q.escape = true;
        else if (c == '"')
            q.in_quote = false;
    } else if (c == '"') {
        q.in_quote = true;
    }
}

}  // namespace mailaccess::imap::detail
