// SEARCH keys that read the message (RFC 3501 section 6.4.4): header keys
// match the unfolded field values with RFC 2047 encoded words decoded; BODY
// matches the decoded text of the text parts (Content-Transfer-Encoding
// undone, charset converted to UTF-8, as Dovecot does: tests/data/mime
// README item 37); TEXT matches the headers too. Matching is the
// case-insensitive substring match IMAP asks for.

#include "imap_engine_impl.hpp"

#include <mailaccess/core/ascii.hpp>
#include <mailaccess/mime/charset.hpp>
#include <mailaccess/mime/encoded_word.hpp>
#include <mailaccess/mime/header_field.hpp>
#include <mailaccess/mime/substring_matcher.hpp>
#include <mailaccess/mime/transfer_decoder.hpp>

#include <algorithm>

namespace mailaccess::engine {
namespace {

constexpr std::size_t read_chunk = 64 * 1024;

result<std::string> read_range(byte_source& message, std::uint64_t offset, std::uint64_t length) {
    std::string out(static_cast<std::size_t>(length), '\0');
    std::size_t done = 0;
    while (done < out.size()) {
        auto n = message.read(offset + done, std::span(out.data() + done, out.size() - done));
        if (!n) return unexpected(n.error());
        if (*n == 0) break;
        done += *n;
    }
    out.resize(done);
    return out;
}

// The header keys of `block` (one header block) against `needle`.
bool header_matches(std::string_view block, const imap::search_key& k, mime::substring_matcher& needle) {
    using kind = imap::search_key::kind;
    std::string_view name;
    switch (k.type) {
        case kind::from: name = "From"; break;
        case kind::to: name = "To"; break;
        case kind::cc: name = "Cc"; break;
        case kind::bcc: name = "Bcc"; break;
        case kind::subject: name = "Subject"; break;
        default: name = k.field; break;
    }
    const auto fields = mime::find_fields(block, name);
    // RFC 3501 section 6.4.4: HEADER with an empty string matches any
    // message that has the field.
    if (k.type == kind::header && k.value.empty()) return !fields.empty();
    for (const auto& f : fields) {
        needle.reset();
        needle.feed(mime::decode_encoded_words(f.unfolded_value()));
        if (needle.matched()) return true;
    }
    return false;
}

bool is_searchable_text(const mime::message_part& p) {
    if (p.kind != mime::part_kind::leaf || p.is_synthetic) return false;
    // Text parts, and message/* leaves such as message/delivery-status.
    return iequals(p.fields.media_type, "text") || iequals(p.fields.media_type, "message");
}

// Decodes one part's body into the matcher, chunk by chunk.
result<bool> body_part_matches(byte_source& message, const mime::message_part& p,
                               mime::substring_matcher& needle) {
    if (p.cte == mime::transfer_encoding::unknown) return false;  // Dovecot skips it (README item 37)
    mime::transfer_decoder decoder(mime::transfer_decoding_for(p.fields.encoding));
    std::optional<mime::charset> cs;
    for (const auto& [name, value] : p.fields.params)
        if (iequals(name, "charset")) cs = mime::find_charset(value);
    // Unknown or absent charsets are searched as UTF-8.
    mime::charset_decoder converter(cs.value_or(mime::charset::utf_8));
    std::string decoded, utf8;
    for (std::uint64_t done = 0; done < p.body_size;) {
        const auto n = std::min<std::uint64_t>(read_chunk, p.body_size - done);
        auto raw = read_range(message, p.body_offset() + done, n);
        if (!raw) return unexpected(raw.error());
        if (raw->empty()) break;
        done += raw->size();
        decoded.clear();
        decoder.decode(*raw, decoded);
        utf8.clear();
        converter.decode(decoded, utf8);
        needle.feed(utf8);
        if (needle.matched()) return true;
    }
    decoded.clear();
    decoder.finish(decoded);
    utf8.clear();
    converter.decode(decoded, utf8);
    converter.finish(utf8);
    needle.feed(utf8);
    return needle.matched();
}

}  // namespace

bool imap_engine::impl::search_charset_supported(std::string_view charset) const {
    return mime::find_charset(charset).has_value();
}

bool imap_engine::impl::text_matches(const imap::search_key& k, byte_source& message,
                                     const mime::message_structure& s, std::string_view charset) {
    using kind = imap::search_key::kind;
    // The search string is in the command's CHARSET; matching is on UTF-8.
    auto converted = mime::convert_to_utf8(charset, k.value);
    const std::string needle_text = converted ? *converted : k.value;
    // Header values are compared with folding whitespace normalised (README item 36).
    mime::substring_matcher header_needle(needle_text, true);
    const auto& root = s.root();
    if (k.type != kind::body && k.type != kind::text) {
        auto header =
            read_range(message, root.header_offset, std::min<std::uint64_t>(root.header_size, 1 << 20));
        return header && header_matches(*header, k, header_needle);
    }
    mime::substring_matcher needle(needle_text);
    // TEXT: the headers of the message and of its MIME parts too (README item 37).
    for (const auto& p : s.parts()) {
        if (k.type == kind::text && p.header_size > 0) {
            auto header =
                read_range(message, p.header_offset, std::min<std::uint64_t>(p.header_size, 1 << 20));
            if (!header) return false;
            header_needle.reset();
            header_needle.feed(mime::decode_encoded_words(*header));
            if (header_needle.matched()) return true;
        }
        if (!is_searchable_text(p)) continue;
        needle.reset();
        auto hit = body_part_matches(message, p, needle);
        if (hit && *hit) return true;
    }
    return false;
}

}  // namespace mailaccess::engine
