#include <mailaccess/pop3/dot_stuffing.hpp>

#include <mailaccess/core/assert.hpp>

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace mailaccess::pop3 {

namespace {

// The position of the first CR or LF in `s` at or after `from`, else
// s.size(). Two memchr scans instead of string_view::find_first_of, which
// libstdc++ runs as one memchr over the set per input byte: that was a
// quarter of a POP3 RETR's CPU time.
std::size_t next_line_break(std::string_view s, std::size_t from) noexcept {
    const char* p = s.data() + from;
    const char* end = s.data() + s.size();
    const void* lf = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
    const char* stop = lf != nullptr ? static_cast<const char*>(lf) : end;
    if (const void* cr = std::memchr(p, '\r', static_cast<std::size_t>(stop - p)))
        stop = static_cast<const char*>(cr);
    return static_cast<std::size_t>(stop - s.data());
}

// Whether s[k] breaks a run of plain CRLF lines: a CR not followed by LF (or
// the last byte, whose follower is unknown), an LF without its CR, a dot
// that starts a line.
bool breaks_crlf_run(const char* s, std::size_t n, std::size_t k) noexcept {
    switch (s[k]) {
        case '\r': return k + 1 >= n || s[k + 1] != '\n';
        case '\n': return k == 0 || s[k - 1] != '\r';
        case '.': return k > 0 && s[k - 1] == '\n';
        default: return false;
    }
}

// The length of the longest prefix of `s` made of whole CRLF-terminated
// lines with no bare CR or LF and no line but the first starting with a
// dot: bytes both the stuffer and the unstuffer pass on unchanged, so they
// copy them at once instead of line by line (mail is mostly such lines,
// ~70 octets each; a call per line was most of RETR's CPU time on both
// sides). SSE2 looks at 16 positions at a time, each with its neighbours.
std::size_t crlf_line_run(std::string_view text) noexcept {
    const char* s = text.data();
    const std::size_t n = text.size();
    std::size_t stop = n;
    std::size_t k = 0;
    if (n == 0) return 0;
    if (breaks_crlf_run(s, n, 0)) return 0;
    k = 1;
#if defined(__SSE2__)
    const __m128i cr = _mm_set1_epi8('\r');
    const __m128i lf = _mm_set1_epi8('\n');
    const __m128i dot = _mm_set1_epi8('.');
    for (; k + 17 <= n; k += 16) {  // reads s[k - 1] .. s[k + 16]
        const __m128i here = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + k));
        const __m128i before = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + k - 1));
        const __m128i after = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + k + 1));
        const __m128i bare_cr = _mm_andnot_si128(_mm_cmpeq_epi8(after, lf), _mm_cmpeq_epi8(here, cr));
        const __m128i bare_lf = _mm_andnot_si128(_mm_cmpeq_epi8(before, cr), _mm_cmpeq_epi8(here, lf));
        const __m128i dot_line = _mm_and_si128(_mm_cmpeq_epi8(before, lf), _mm_cmpeq_epi8(here, dot));
        const int mask = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(bare_cr, bare_lf), dot_line));
        if (mask != 0) {
            stop = k + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
            break;
        }
    }
#endif
    if (stop == n) {
        for (; k < n; ++k) {
            if (breaks_crlf_run(s, n, k)) {
                stop = k;
                break;
            }
        }
    }
    // Whole lines only: up to the last LF before the first break.
    const void* lf_at = ::memrchr(s, '\n', stop);
    return lf_at == nullptr ? 0 : static_cast<std::size_t>(static_cast<const char*>(lf_at) - s) + 1;
}

}  // namespace

void dot_stuffer::end_line(std::string& out) {
    out += "\r\n";
    const bool was_empty = at_line_start_;
    at_line_start_ = true;
    if (!top_lines_) return;
    // TOP counts body lines only; the header ends at the first empty line.
    if (in_header_) {
        if (was_empty) {
            in_header_ = false;
            if (*top_lines_ == 0) complete_ = true;
        }
    } else if (--*top_lines_ == 0) {
        complete_ = true;
    }
}

void dot_stuffer::encode(std::string_view chunk, std::string& out) {
    MAILACCESS_ASSERT(!finished_);
    std::size_t i = 0;
    while (i < chunk.size() && !complete_) {
        const char c = chunk[i];
        if (pending_cr_) {
            // A CR held from before: CRLF or a bare CR, both end the line.
            pending_cr_ = false;
            end_line(out);
            if (c == '\n') ++i;
            continue;
        }
        if (c == '\r') {
            pending_cr_ = true;
            ++i;
            continue;
        }
        if (c == '\n') {
            end_line(out);
            ++i;
            continue;
        }
        if (at_line_start_ && c != '.' && !top_lines_) {
            if (const std::size_t run = crlf_line_run(chunk.substr(i)); run != 0) {
                out.append(chunk.substr(i, run));
                i += run;
                continue;
            }
        }
        if (at_line_start_ && c == '.') out += '.';
        const std::size_t j = next_line_break(chunk, i);
        out.append(chunk.substr(i, j - i));
        at_line_start_ = false;
        i = j;
    }
}

void dot_stuffer::finish(std::string& out) {
    MAILACCESS_ASSERT(!finished_);
    finished_ = true;
    if (!complete_ && (pending_cr_ || !at_line_start_)) end_line(out);
    pending_cr_ = false;
    out += ".\r\n";
}

result<std::size_t> dot_unstuffer::decode(std::string_view in, std::string& out) {
    if (error_) return unexpected(error_);
    const std::uint64_t start_size = out.size();
    std::size_t i = 0;
    while (i < in.size() && state_ != state::done) {
        const char c = in[i];
        switch (state_) {
            case state::line_start:
                if (c == '.') {
                    state_ = state::dot;
                    ++i;
                } else if (const std::size_t run = crlf_line_run(in.substr(i)); run != 0) {
                    out.append(in.substr(i, run));
                    i += run;
                } else {
                    state_ = state::mid;
                }
                break;
            case state::dot:
                // RFC 1939 section 3: drop the first dot of a stuffed line; a
                // lone dot line ends the response.
                if (c == '\r') {
                    state_ = state::dot_cr;
                    ++i;
                } else if (c == '\n') {
                    state_ = state::done;
                    ++i;
                } else {
                    state_ = state::mid;
                }
                break;
            case state::dot_cr:
                if (c == '\n') {
                    state_ = state::done;
                    ++i;
                } else {
                    state_ = state::cr;
                }
                break;
            case state::cr:
                if (c == '\n') {
                    out += "\r\n";
                    state_ = state::line_start;
                    ++i;
                } else if (c == '\r') {
                    out += '\r';
                    ++i;
                } else {
                    out += '\r';
                    state_ = state::mid;
                }
                break;
            case state::mid: {
                if (c == '\r') {
                    state_ = state::cr;
                    ++i;
                    break;
                }
                if (c == '\n') {
                    out += "\r\n";
                    state_ = state::line_start;
                    ++i;
                    break;
                }
                const std::size_t j = next_line_break(in, i);
                out.append(in.substr(i, j - i));
                i = j;
                break;
            }
            case state::done: break;
        }
        if (size_ + (out.size() - start_size) > max_size_) {
            error_ = errc::response_too_large;
            return unexpected(error_);
        }
    }
    size_ += out.size() - start_size;
    return i;
}

}  // namespace mailaccess::pop3
