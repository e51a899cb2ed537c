#pragma once

// Streaming case-insensitive substring search for IMAP SEARCH (RFC 3501
// section 6.4.4: "a case-insensitive substring match" of decoded text).

#include <mailaccess/core/api.hpp>
#include <mailaccess/mime/charset.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mailaccess::mime {

/// Finds one needle in UTF-8 text fed in chunks of any size, comparing
/// code points after `fold_case` (simple case folding; see its limits).
///
/// The text is what the message means, not its bytes: the caller decodes
/// transfer encodings (`transfer_decoder`), charsets (`charset_decoder`) and
/// encoded words (`decode_encoded_words`) first. Invalid UTF-8 in the text
/// becomes U+FFFD and matches nothing but U+FFFD.
///
/// A match may span chunks; a UTF-8 sequence split between chunks is
/// reassembled. `start_text()` separates independent texts (two header
/// fields, two body parts) so that a match cannot span them.
///
/// With `normalize_whitespace`, every run of SP, HTAB, CR and LF in needle
/// and text counts as a single space, so "word009 word010" finds
/// "word009\tword010" (Dovecot normalizes header text for SEARCH this way,
/// tests/data/mime/README.md item 36).
///
/// The empty needle matches every text, even an empty one (IMAP
/// `HEADER name ""` tests presence; the caller decides what is searched).
///
/// Time is linear in the text (Knuth-Morris-Pratt over code points);
/// memory is proportional to the needle. Feeding stops doing work once a
/// match is found.
///
/// Thread safety: distinct objects safe, shared objects unsafe.
class MAILACCESS_API substring_matcher {
public:
    explicit substring_matcher(std::string_view needle, bool normalize_whitespace = false);

    /// Scans the next chunk of UTF-8 text.
    void feed(std::string_view utf8);
    /// Ends the current text and starts a new one: a split UTF-8 sequence
    /// left at the end becomes U+FFFD, and a partial match is forgotten.
    /// `matched()` keeps its value.
    void start_text();
    /// True once the needle was found in some text fed so far.
    bool matched() const noexcept { return matched_; }
    /// Forgets everything fed so far, for searching another message.
    void reset();

private:
    void step(char32_t cp) noexcept;

    std::vector<char32_t> needle_;
    std::vector<std::uint32_t> failure_;  // KMP failure function
    std::size_t state_ = 0;               // needle code points matched
    bool matched_ = false;
    bool normalize_;
    bool last_was_space_ = false;
    charset_decoder utf8_{charset::utf_8};
    std::string buffer_;  // the current chunk, sanitized
};

/// One-shot form: does `text` contain `needle` (both UTF-8) after case
/// folding?
MAILACCESS_API bool contains_folded(std::string_view text, std::string_view needle,
                                    bool normalize_whitespace = false);

}  // namespace mailaccess::mime
