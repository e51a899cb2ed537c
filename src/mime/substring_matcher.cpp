#include <mailaccess/mime/substring_matcher.hpp>

#include <mailaccess/mime/case_fold.hpp>
#include <mailaccess/mime/utf8.hpp>

namespace mailaccess::mime {
namespace {

constexpr bool is_space(char32_t c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

substring_matcher::substring_matcher(std::string_view needle, bool normalize_whitespace)
    : normalize_(normalize_whitespace) {
    const std::string clean = sanitize_utf8(needle);
    bool space = false;
    for (std::size_t i = 0; i < clean.size();) {
        const utf8_step s = decode_utf8(std::string_view(clean).substr(i));
        i += s.length;
        if (normalize_ && is_space(s.code_point)) {
            if (!space) needle_.push_back(' ');
            space = true;
            continue;
        }
        space = false;
        needle_.push_back(fold_case(s.code_point));
    }
    failure_.assign(needle_.size(), 0);
    for (std::size_t i = 1, k = 0; i < needle_.size(); ++i) {
        while (k > 0 && needle_[i] != needle_[k]) k = failure_[k - 1];
        if (needle_[i] == needle_[k]) ++k;
        failure_[i] = static_cast<std::uint32_t>(k);
    }
    matched_ = needle_.empty();
}

// Knuth-Morris-Pratt over folded code points: each text code point is
// looked at a bounded number of times (amortised), so a needle such as
// "aaa...ab" cannot make the search quadratic, and no text is buffered,
// so a match across chunks needs no special case.
void substring_matcher::step(char32_t cp) noexcept {
    if (normalize_ && is_space(cp)) {
        if (last_was_space_) return;
        last_was_space_ = true;
        cp = ' ';
    } else {
        last_was_space_ = false;
        cp = fold_case(cp);
    }
    while (state_ > 0 && needle_[state_] != cp) state_ = failure_[state_ - 1];
    if (needle_[state_] == cp) ++state_;
    if (state_ == needle_.size()) matched_ = true;
}

void substring_matcher::feed(std::string_view utf8) {
    if (matched_) return;
    // The UTF-8 charset decoder reassembles sequences split between chunks
    // and replaces invalid ones, so the loop below sees whole code points.
    buffer_.clear();
    utf8_.decode(utf8, buffer_);
    const std::string_view text(buffer_);
    for (std::size_t i = 0; i < text.size() && !matched_;) {
        const auto b = static_cast<unsigned char>(text[i]);
        if (b < 0x80) {
            step(b);
            ++i;
            continue;
        }
        const utf8_step s = decode_utf8(text.substr(i));
        step(s.code_point);
        i += s.length;
    }
}

void substring_matcher::start_text() {
    if (!matched_) {
        buffer_.clear();
        utf8_.finish(buffer_);
        for (std::size_t i = 0; i < buffer_.size() && !matched_;) {
            const utf8_step s = decode_utf8(std::string_view(buffer_).substr(i));
            step(s.code_point);
            i += s.length;
        }
    }
    utf8_ = charset_decoder(charset::utf_8);
    state_ = 0;
    last_was_space_ = false;
}

void substring_matcher::reset() {
    start_text();
    matched_ = needle_.empty();
}

bool contains_folded(std::string_view text, std::string_view needle, bool normalize_whitespace) {
    substring_matcher m(needle, normalize_whitespace);
    m.feed(text);
    m.start_text();
    return m.matched();
}

}  // namespace mailaccess::mime
