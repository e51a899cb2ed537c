#include <mailaccess/mime/section_view.hpp>

#include <mailaccess/core/error.hpp>

#include <mailaccess/mime/header_selection.hpp>

#include <algorithm>
#include <cstring>

namespace mailaccess::mime {
namespace {

constexpr std::size_t reader_buffer_size = 16 * 1024;

section_content range(std::uint64_t offset, std::uint64_t length, std::uint64_t imap_length,
                      const message_structure& s) {
    section_content c;
    c.offset = offset;
    c.length = length;
    c.full_size = imap_length;
    c.crlf = imap_length != length;
    c.nul_to_0x80 = s.has_nul();
    return c;
}

section_content header_of(const message_structure& s, std::uint32_t index) {
    const message_part& p = s.parts()[index];
    return range(p.header_offset, p.header_size, p.header_imap_size, s);
}

section_content body_of(const message_structure& s, std::uint32_t index) {
    const message_part& p = s.parts()[index];
    return range(p.body_offset(), p.body_size, p.body_imap_size, s);
}

// Bare LFs as CRLF and NULs as 0x80, as every section is sent.
std::string as_sent(std::string_view raw) {
    std::string out;
    out.reserve(raw.size() + 16);
    char prev = '\0';
    for (char c : raw) {
        if (c == '\n' && prev != '\r') out.push_back('\r');
        out.push_back(c == '\0' ? '\x80' : c);
        prev = c;
    }
    return out;
}

}  // namespace

section_content header_fields_section(std::string_view header, const imap::section_spec& section,
                                      std::optional<imap::partial> partial) {
    MAILACCESS_ASSERT(section.text() == imap::section_text::header_fields ||
                      section.text() == imap::section_text::header_fields_not);
    const std::string selected = section.text() == imap::section_text::header_fields
                                     ? select_header_fields(header, section.fields())
                                     : select_header_fields_not(header, section.fields());
    section_content c;
    c.generated = as_sent(selected);
    c.full_size = c.generated->size();
    apply_partial(c, partial);
    return c;
}

std::uint32_t find_part(const message_structure& s, std::span<const std::uint32_t> numbers) noexcept {
    const auto& parts = s.parts();
    std::uint32_t index = 0;
    for (std::size_t k = 0; k < numbers.size(); ++k) {
        const std::uint32_t n = numbers[k];
        if (parts[index].kind == part_kind::multipart) {
            std::uint32_t child = s.first_child(index);
            for (std::uint32_t i = 1; i < n && child != message_part::npos; ++i)
                child = parts[child].next_sibling;
            if (child == message_part::npos || n == 0) return message_part::npos;
            index = child;
        } else if (n != 1 || !parts[index].is_message_root()) {
            // Only a message that is not multipart has a part 1: itself.
            return message_part::npos;
        }
        if (k + 1 < numbers.size()) {
            // Deeper numbers address the parts of a multipart, or of the
            // message encapsulated in a message/rfc822 part.
            if (parts[index].kind == part_kind::message)
                index = index + 1;
            else if (parts[index].kind != part_kind::multipart)
                return message_part::npos;
        }
    }
    return index;
}

void apply_partial(section_content& c, std::optional<imap::partial> partial) noexcept {
    if (!partial) {
        c.skip = 0;
        c.size = c.full_size;
        c.origin.reset();
        return;
    }
    c.origin = partial->offset;
    c.skip = std::min(partial->offset, c.full_size);
    c.size = std::min(partial->length, c.full_size - c.skip);
}

section_content whole_message_section(const message_summary& m) noexcept {
    section_content c;
    c.offset = 0;
    c.length = m.size;
    c.full_size = m.imap_size;
    c.crlf = m.imap_size != m.size;
    c.nul_to_0x80 = m.has_nul;
    return c;
}

result<section_content> resolve_section(const message_structure& s, const imap::section_spec& section,
                                        std::optional<imap::partial> partial, byte_source& message,
                                        std::size_t max_header_size) {
    section_content c;
    // The part whose header/body the section text refers to.
    std::uint32_t target = 0;
    if (!section.part().empty()) {
        const std::uint32_t index = find_part(s, section.part());
        if (index == message_part::npos) {
            c.found = false;
            apply_partial(c, partial);
            return c;
        }
        switch (section.text()) {
            case imap::section_text::none:
                c = body_of(s, index);
                apply_partial(c, partial);
                return c;
            case imap::section_text::mime:
                c = header_of(s, index);
                apply_partial(c, partial);
                return c;
            default:
                // HEADER, TEXT and HEADER.FIELDS exist only for the top
                // level and message/rfc822 parts (RFC 3501 section 6.4.5).
                if (s.parts()[index].kind != part_kind::message) {
                    c.found = false;
                    apply_partial(c, partial);
                    return c;
                }
                target = index + 1;
                break;
        }
    }
    const message_part& p = s.parts()[target];
    switch (section.text()) {
        case imap::section_text::none: c = whole_message_section(s.summary()); break;
        case imap::section_text::header: c = header_of(s, target); break;
        case imap::section_text::text: c = body_of(s, target); break;
        case imap::section_text::header_fields:
        case imap::section_text::header_fields_not: {
            std::string header(
                static_cast<std::size_t>(std::min<std::uint64_t>(p.header_size, max_header_size)), '\0');
            std::size_t got = 0;
            while (got < header.size()) {
                auto n = message.read(p.header_offset + got,
                                      std::span<char>(header.data() + got, header.size() - got));
                if (!n) return unexpected(n.error());
                if (*n == 0) break;
                got += *n;
            }
            header.resize(got);
            return header_fields_section(header, section, partial);
        }
        case imap::section_text::mime: break;  // excluded by section_spec's invariants without part numbers
    }
    apply_partial(c, partial);
    return c;
}

section_reader::section_reader(byte_source& message, const section_content& content)
    : message_(message), content_(content) {}

result<bool> section_reader::fill() {
    if (buffer_.empty()) buffer_.resize(reader_buffer_size);
    const std::uint64_t left = content_.length - raw_read_;
    if (left == 0) return false;
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer_.size()));
    auto n = message_.read(content_.offset + raw_read_, std::span<char>(buffer_.data(), want));
    if (!n) return unexpected(n.error());
    if (*n == 0) return unexpected(errc::invalid_argument);
    raw_read_ += *n;
    buffer_pos_ = 0;
    buffer_len_ = *n;
    return true;
}

// Converts buffered raw octets into `out` (at most `cap`): a bare LF
// becomes CRLF; a CRLF split between two calls is handled by pending_lf_.
std::size_t section_reader::produce(char* out, std::size_t cap) {
    std::size_t w = 0;
    if (pending_lf_ && cap > 0) {
        out[w++] = '\n';
        pending_lf_ = false;
    }
    while (w < cap && buffer_pos_ < buffer_len_) {
        const char* src = buffer_.data() + buffer_pos_;
        const std::size_t avail = std::min(cap - w, buffer_len_ - buffer_pos_);
        const auto* lf = static_cast<const char*>(std::memchr(src, '\n', avail));
        const std::size_t run = lf != nullptr ? static_cast<std::size_t>(lf - src) : avail;
        std::memcpy(out + w, src, run);
        if (run > 0) prev_cr_ = src[run - 1] == '\r';
        w += run;
        buffer_pos_ += run;
        if (lf != nullptr && w < cap) {
            if (!prev_cr_) {
                out[w++] = '\r';
                if (w < cap)
                    out[w++] = '\n';
                else
                    pending_lf_ = true;
            } else {
                out[w++] = '\n';
            }
            prev_cr_ = false;
            ++buffer_pos_;
        }
    }
    return w;
}

result<std::size_t> section_reader::read(std::span<char> out) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), remaining()));
    if (n == 0) return std::size_t{0};
    std::size_t w = 0;
    if (content_.generated) {
        std::memcpy(out.data(), content_.generated->data() + content_.skip + sent_, n);
        w = n;
    } else if (!content_.crlf) {
        // The range is sent as it is: read straight at the right offset.
        while (w < n) {
            const std::uint64_t at = content_.offset + content_.skip + sent_ + w;
            auto got = message_.read(at, out.subspan(w, n - w));
            if (!got) return unexpected(got.error());
            if (*got == 0) return unexpected(errc::invalid_argument);
            w += *got;
        }
    } else {
        char scratch[512];
        while (produced_ < content_.skip) {
            const auto cap =
                static_cast<std::size_t>(std::min<std::uint64_t>(sizeof scratch, content_.skip - produced_));
            if (buffer_pos_ == buffer_len_ && !pending_lf_) {
                auto more = fill();
                if (!more) return unexpected(more.error());
                if (!*more) return unexpected(errc::invalid_argument);
            }
            produced_ += produce(scratch, cap);
        }
        while (w < n) {
            if (buffer_pos_ == buffer_len_ && !pending_lf_) {
                auto more = fill();
                if (!more) return unexpected(more.error());
                if (!*more) return unexpected(errc::invalid_argument);
            }
            const std::size_t got = produce(out.data() + w, n - w);
            w += got;
            produced_ += got;
        }
    }
    if (content_.nul_to_0x80 && !content_.generated) {
        // NULs are rare (nul_to_0x80 is often only "not known to be absent"):
        // memchr skips the clean stretches at SIMD speed, a byte loop would not.
        for (char* p = out.data(); (p = static_cast<char*>(std::memchr(
                                        p, '\0', static_cast<std::size_t>(out.data() + w - p)))) != nullptr;)
            *p++ = '\x80';
    }
    sent_ += w;
    return w;
}

result<std::string> read_section(byte_source& message, const section_content& content) {
    std::string out(static_cast<std::size_t>(content.size), '\0');
    section_reader reader(message, content);
    std::size_t w = 0;
    while (w < out.size()) {
        auto n = reader.read(std::span<char>(out.data() + w, out.size() - w));
        if (!n) return unexpected(n.error());
        if (*n == 0) break;
        w += *n;
    }
    out.resize(w);
    return out;
}

}  // namespace mailaccess::mime
