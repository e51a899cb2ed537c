#include <mailaccess/imap/writer.hpp>

#include <mailaccess/core/assert.hpp>
#include <mailaccess/core/mutf7.hpp>

#include <charconv>
#include <string>

namespace mailaccess::imap {
namespace {

bool is_astring_atom(std::string_view v) noexcept {
    if (v.empty()) return false;
    for (char c : v) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f) return false;
        if (c == '(' || c == ')' || c == '{' || c == '%' || c == '*' || c == '"' || c == '\\') return false;
    }
    return true;
}

}  // namespace

writer& writer::raw(std::string_view text) {
    MAILACCESS_ASSERT(text.find_first_of("\r\n") == std::string_view::npos);
    out_ += text;
    return *this;
}

writer& writer::raw(char c) {
    MAILACCESS_ASSERT(c != '\r' && c != '\n');
    out_ += c;
    return *this;
}

writer& writer::crlf() {
    out_ += "\r\n";
    return *this;
}

writer& writer::number(std::uint64_t n) {
    char digits[20];
    const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;  // no temporary string
    out_.append(digits, static_cast<std::size_t>(end - digits));
    return *this;
}

bool writer::can_quote(std::string_view value) const noexcept {
    bool eight_bit = false;
    for (char c : value) {
        if (c == '\0' || c == '\r' || c == '\n') return false;
        if (static_cast<unsigned char>(c) >= 0x80) eight_bit = true;
    }
    return !eight_bit || (options_.utf8_accept && is_valid_utf8(value));
}

writer& writer::astring(std::string_view value) {
    if (is_astring_atom(value)) return raw(value);
    return string(value);
}

writer& writer::string(std::string_view value) {
    if (value.find('\0') != std::string_view::npos) return literal(value, true);
    if (value.size() <= options_.max_quoted_length && can_quote(value)) return quoted(value);
    return literal(value, false);
}

writer& writer::nstring(const std::optional<std::string>& value) {
    if (!value) return raw("NIL");
    return string(*value);
}

writer& writer::quoted(std::string_view value) {
    MAILACCESS_ASSERT(can_quote(value));
    // Runs between escapes are appended whole: most strings have none, and
    // a push_back per octet was the writer's largest cost in a header sync.
    out_ += '"';
    std::size_t run = 0;
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] != '"' && value[i] != '\\') continue;
        out_.append(value.data() + run, i - run);
        out_ += '\\';
        run = i;
    }
    out_.append(value.data() + run, value.size() - run);
    out_ += '"';
    return *this;
}

writer& writer::literal8(std::string_view value) { return literal(value, true); }

writer& writer::literal(std::string_view value, bool binary) {
    announce(value.size(), binary, false);
    out_ += value;
    return *this;
}

writer& writer::literal_slot(std::uint64_t size, bool binary) {
    announce(size, binary, true);
    return *this;
}

void writer::announce(std::uint64_t size, bool binary, bool streamed) {
    // RFC 7888 section 4: LITERAL- allows {N+} only up to 4096 octets.
    const bool non_sync = options_.literals == literal_support::literal_plus ||
                          (options_.literals == literal_support::literal_minus && size <= 4096);
    if (binary) out_ += '~';
    out_ += '{';
    out_ += std::to_string(size);
    if (non_sync) out_ += '+';
    out_ += "}\r\n";
    literals_.push_back({out_.size(), static_cast<std::size_t>(streamed ? 0 : size),
                         non_sync ? literal_mode::non_sync : literal_mode::sync, binary, streamed});
    if (streamed) slot_sizes_.push_back(size);
}

std::vector<fragment> writer::fragments() const {
    std::vector<fragment> pieces;
    const std::string_view all = out_;
    std::size_t line_start = 0;
    std::size_t slot = 0;
    for (const auto& lit : literals_) {
        pieces.push_back({fragment::kind::line, all.substr(line_start, lit.offset - line_start),
                          literal_mode::sync, std::nullopt});
        pieces.push_back({fragment::kind::literal, all.substr(lit.offset, lit.size), lit.mode, std::nullopt});
        if (lit.streamed) pieces.back().streamed_size = slot_sizes_[slot++];
        line_start = lit.offset + lit.size;
    }
    if (line_start < all.size() || pieces.empty())
        pieces.push_back({fragment::kind::line, all.substr(line_start), literal_mode::sync, std::nullopt});
    return pieces;
}

void writer::clear() noexcept {
    out_.clear();
    literals_.clear();
    slot_sizes_.clear();
}

std::string writer::release() {
    std::string out = std::move(out_);
    clear();
    return out;
}

}  // namespace mailaccess::imap
