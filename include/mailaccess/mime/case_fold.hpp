#pragma once

// Case folding for IMAP SEARCH, which matches strings case-insensitively
// (RFC 3501 section 6.4.4; RFC 9051 section 6.4.4 and RFC 5051's
// i;unicode-casemap, which SEARCH comparators build on).

#include <mailaccess/core/api.hpp>

#include <string>
#include <string_view>

namespace mailaccess::mime {

/// The simple (one-to-one) case fold of a code point: Unicode's
/// CaseFolding.txt mappings of status C and S, as Python's `str.casefold()`
/// gives them when the result is one character (Unicode 14, Python 3.11).
///
/// Covered: ASCII, Latin-1 Supplement, Latin Extended-A and -B, Greek and
/// Coptic, Cyrillic and its supplement, Armenian, Georgian, Latin Extended
/// Additional, Greek Extended, letterlike symbols (Ohm, Kelvin, Angstrom),
/// Roman numerals, circled letters, Glagolitic, Latin Extended-C, Coptic,
/// Cyrillic Extended-B, Latin Extended-D and fullwidth ASCII letters.
/// Other code points fold to themselves.
///
/// Limits, by design: no full folding (ß does not match "ss", ŉ not "ʼn"),
/// no normalization (precomposed é does not match e + U+0301), no Turkish
/// dotless-i rules (İ stays İ). Final sigma ς folds to σ.
///
/// Thread safety: pure function.
MAILACCESS_API char32_t fold_case(char32_t cp) noexcept;

/// `utf8` with every code point folded; invalid UTF-8 becomes U+FFFD. The
/// result is valid UTF-8 and, for the covered scripts, the same length or
/// shorter in all but a few cases (at most 3 bytes per input byte).
MAILACCESS_API std::string fold_case(std::string_view utf8);

}  // namespace mailaccess::mime
