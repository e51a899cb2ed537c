#include <mailaccess/mime/quoted_printable_decoder.hpp>

namespace mailaccess::mime {
namespace {

constexpr bool is_wsp(char c) noexcept { return c == ' ' || c == '\t'; }

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

// Bytes that need the state machine; everything else is copied in runs.
constexpr bool is_plain(char c) noexcept {
    return c != '=' && c != ' ' && c != '\t' && c != '\r' && c != '\n';
}

struct string_sink {
    std::string& out;
    void put(char c) { out.push_back(c); }
    void append(std::string_view s) { out.append(s); }
};
struct count_sink {
    std::uint64_t n = 0;
    void put(char) noexcept { ++n; }
    void append(std::string_view s) noexcept { n += s.size(); }
};

}  // namespace

template <class Sink>
void quoted_printable_decoder::line_break(Sink& sink, bool had_cr) {
    if (had_cr || crlf_) sink.put('\r');
    sink.put('\n');
}

// An "=" sequence or a CR that turned out invalid is kept literally
// (RFC 2045 section 6.7, notes (2) and (3): "include the \"=\" character
// and the following character in the decoded data without any
// transformation").
template <class Sink>
void quoted_printable_decoder::flush_invalid(Sink& sink) {
    clean_ = false;
    if (state_ != state::cr) sink.put('=');
    if (state_ == state::hex) sink.put(hex_);
    sink.append(held_);
    if (state_ == state::cr || state_ == state::soft_cr) sink.put('\r');
    held_.clear();
    dropped_ = 0;
    state_ = state::text;
}

// One byte at a time through a small state machine, so a chunk may end
// anywhere: after "=", between the two hex digits, inside a run of
// whitespace or between CR and LF. What is held (state_, hex_, held_) is
// exactly what the next byte decides about. The same code counts (BINARY.SIZE)
// and decodes, through the Sink, so the two cannot disagree.
template <class Sink>
void quoted_printable_decoder::run(std::string_view chunk, Sink& sink) {
    const auto hold = [this](char c) {
        if (held_.size() < max_held_whitespace) {
            held_.push_back(c);
        } else {
            ++dropped_;
        }
    };
    std::size_t i = 0;
    while (i < chunk.size()) {
        const char c = chunk[i];
        switch (state_) {
            case state::text: {
                std::size_t run = i;
                while (run < chunk.size() && is_plain(chunk[run])) ++run;
                if (run > i) {
                    sink.append(chunk.substr(i, run - i));
                    i = run;
                    continue;
                }
                if (c == '=') {
                    state_ = state::equals;
                } else if (is_wsp(c)) {
                    hold(c);
                    state_ = state::whitespace;
                } else if (c == '\r') {
                    state_ = state::cr;
                } else {
                    line_break(sink, false);
                }
                ++i;
                continue;
            }
            case state::whitespace:
                if (is_wsp(c)) {
                    hold(c);
                } else if (c == '\r') {
                    state_ = state::cr;
                } else if (c == '\n') {
                    // Rule 3: trailing whitespace is deleted.
                    held_.clear();
                    dropped_ = 0;
                    line_break(sink, false);
                    state_ = state::text;
                } else {
                    if (dropped_ > 0) clean_ = false;
                    sink.append(held_);
                    held_.clear();
                    dropped_ = 0;
                    state_ = state::text;
                    continue;  // `c` again, as text
                }
                ++i;
                continue;
            case state::equals:
                if (hex_value(c) >= 0) {  // lowercase too: RFC 2045 6.7 note (1)
                    hex_ = c;
                    state_ = state::hex;
                } else if (is_wsp(c)) {
                    hold(c);
                    state_ = state::equals_space;
                } else if (c == '\r') {
                    state_ = state::soft_cr;
                } else if (c == '\n') {
                    state_ = state::text;  // soft line break with a bare LF
                } else {
                    flush_invalid(sink);
                    continue;
                }
                ++i;
                continue;
            case state::hex:
                if (hex_value(c) < 0) {
                    flush_invalid(sink);
                    continue;
                }
                sink.put(static_cast<char>(hex_value(hex_) * 16 + hex_value(c)));
                state_ = state::text;
                ++i;
                continue;
            case state::equals_space:
                if (is_wsp(c)) {
                    hold(c);
                } else if (c == '\r') {
                    state_ = state::soft_cr;
                } else if (c == '\n') {
                    held_.clear();
                    dropped_ = 0;
                    state_ = state::text;
                } else {
                    flush_invalid(sink);
                    continue;
                }
                ++i;
                continue;
            case state::cr:
            case state::soft_cr:
                if (c != '\n') {
                    flush_invalid(sink);
                    continue;
                }
                if (state_ == state::cr) line_break(sink, true);
                held_.clear();
                dropped_ = 0;
                state_ = state::text;
                ++i;
                continue;
        }
    }
}

void quoted_printable_decoder::decode(std::string_view chunk, std::string& out) {
    string_sink sink{out};
    run(chunk, sink);
}

std::uint64_t quoted_printable_decoder::measure(std::string_view chunk) {
    count_sink sink;
    run(chunk, sink);
    return sink.n;
}

void quoted_printable_decoder::finish(std::string& out) {
    string_sink sink{out};
    if (state_ == state::whitespace) {  // trailing whitespace at the end of the data
        held_.clear();
        dropped_ = 0;
        state_ = state::text;
    } else if (state_ != state::text) {
        flush_invalid(sink);
    }
}

std::uint64_t quoted_printable_decoder::finish_measure() {
    std::string tail;
    finish(tail);
    return tail.size();
}

}  // namespace mailaccess::mime
